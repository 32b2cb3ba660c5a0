#!/usr/bin/env bash
# =============================================================================
# test-host-setup.sh - build and boot a Debian 12 "WireGuard host" for e2e tests
#
# What you get:
#   * a debootstrap'ed Debian bookworm tree (default /var/tmp/wghost)
#   * booted with systemd-nspawn so that systemd really is PID 1 inside
#     (systemctl daemon-reload / enable --now / status, journalctl -u all work)
#   * in its own network namespace, linked to the root namespace by a veth pair:
#         root ns  wghost-h 198.51.100.1/26  <->  wghost-c 198.51.100.2/26  container
#   * OpenSSH listening on 198.51.100.2:22, root login with a generated ed25519
#     key (key, known_hosts and an ssh_config are written to $STATE)
#   * /dev/net/tun + CAP_NET_ADMIN inside, and wireguard-go + wireguard-tools
#     installed, so wg-quick@wg0 works (userspace WireGuard; no kernel module)
#
# Works on a host whose PID 1 is NOT systemd (no machined, no D-Bus), with
# cgroup v1 "hybrid" layout (/sys/fs/cgroup/systemd + /sys/fs/cgroup/unified).
#
# Usage:  test-host-setup.sh [--rebuild] [--tunnel] [--selftest]
#   --tunnel    after boot, bring up wg0 in the container (wireguard-go, started, not
#               enabled) and a WireGuard peer in netns $NAME-peer that keeps the
#               tunnel alive; the peer's public key is written to $STATE/peer.pub
#   --rebuild   delete an existing tree and debootstrap again from scratch
#   --selftest  after boot, run the end-to-end checks (ssh, scp, unit,
#               daemon-reload, enable --now, status, journalctl -u, curl from
#               the root ns; wg-quick@wg0 in the container + a WireGuard peer in
#               a second netns, curl through the tunnel), then undo them
#
# Addresses: only 198.51.100.0/24 (TEST-NET-2), and only on interfaces this
# script creates. NB: on these machines eth0 itself is
# 192.0.2.2/24 with gateway 192.0.2.1, so 192.0.2.0/24 must NOT be used here.
#
# Tear down with test-host-teardown.sh (add --purge to delete the tree as well).
# If this script fails half-way, it leaves what it made (for debugging);
# test-host-teardown.sh cleans that up too.
# =============================================================================
set -euo pipefail

# ---------------------------------------------------------------- parameters
NAME=${WGHOST_NAME:-wgm-e2e}                  # machine name, netns name, cgroup name
TREE=${WGHOST_TREE:-/var/tmp/$NAME}          # container root file system
STATE=${WGHOST_STATE:-/var/tmp/$NAME-state}  # keys, pid file, logs, ssh config
SUITE=bookworm
NETNS=$NAME
HOST_IF=${NAME:0:12}-h                       # veth end in the root namespace
CT_IF=${NAME:0:12}-c                         # veth end in the container namespace
NET=${WGHOST_NET:-198.51.100}                # /24 that we carve into /26s:
HOST_IP=$NET.1  CT_IP=$NET.2                 #   .0/26   root ns <-> container
PEER_CT_IP=$NET.65  PEER_IP=$NET.66          #   .64/26  container <-> wg peer ns (selftest)
WG_CT_IP=$NET.129  WG_PEER_IP=$NET.130       #   .128/26 inside the WireGuard tunnel (selftest)
PREFIX=26
INCLUDE=systemd,systemd-sysv,dbus,openssh-server,iproute2,wireguard-go,wireguard-tools,nodejs,inotify-tools
CGROUP=$NAME                                 # per-instance parent cgroup (see boot step)

REBUILD=0 SELFTEST=0 TUNNEL=0
for a in "$@"; do
  case $a in
    --rebuild)  REBUILD=1 ;;
    --selftest) SELFTEST=1 ;;
    --tunnel)   TUNNEL=1 ;;
    *) echo "usage: $0 [--rebuild] [--tunnel] [--selftest]" >&2; exit 2 ;;
  esac
done

log()  { printf '[%s] %s\n' "$(date +%T)" "$*"; }
die()  { printf '[%s] ERROR: %s\n' "$(date +%T)" "$*" >&2; exit 1; }
now()  { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN{printf "%.2f", b-a}'; }
# running and not a zombie (kill -0 also succeeds on zombies)
alive() { local st; st=$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f1) && [ -n "$st" ] && [ "$st" != Z ]; }

[ "$(id -u)" = 0 ] || die "must run as root"
mkdir -p "$STATE"; chmod 700 "$STATE"

SSH_OPTS=(-F "$STATE/ssh_config")
ct_ssh() { ssh "${SSH_OPTS[@]}" "$NAME" "$@"; }
ct_scp() { scp "${SSH_OPTS[@]}" "$@"; }

# start_peer KEYDIR [WG-PEER-OPTION…]: the WireGuard peer in its own netns, a veth straight into the
# container's netns, wireguard-go in the foreground (-f, so that $! is its real pid), keys from KEYDIR.
start_peer() {
  local keys=$1; shift
  ip netns add "$PEER_NS"
  ip link add "${NAME:0:10}-pr" type veth peer name "${NAME:0:10}-pc"
  ip link set "${NAME:0:10}-pc" netns "$NETNS"
  ip link set "${NAME:0:10}-pr" netns "$PEER_NS"
  ip -n "$NETNS" addr add "$PEER_CT_IP/$PREFIX" dev "${NAME:0:10}-pc"
  ip -n "$NETNS" link set "${NAME:0:10}-pc" up
  ip -n "$PEER_NS" link set lo up
  ip -n "$PEER_NS" addr add "$PEER_IP/$PREFIX" dev "${NAME:0:10}-pr"
  ip -n "$PEER_NS" link set "${NAME:0:10}-pr" up
  setsid ip netns exec "$PEER_NS" wireguard-go -f "$PEER_IF" >"$STATE/peer-wg.log" 2>&1 </dev/null &
  echo $! >"$STATE/peer.pid"
  for i in $(seq 50); do [ -S "/var/run/wireguard/$PEER_IF.sock" ] && break; sleep 0.1; done
  ip netns exec "$PEER_NS" wg set "$PEER_IF" private-key "$keys/peer.key" \
    peer "$(cat "$keys/ct.pub")" endpoint "$PEER_CT_IP:51820" allowed-ips "$WG_CT_IP/32" "$@"
  ip -n "$PEER_NS" addr add "$WG_PEER_IP/$PREFIX" dev "$PEER_IF"
  ip -n "$PEER_NS" link set "$PEER_IF" up
}

# refuse to start a second copy of the same instance
for f in launcher.pid nspawn.pid; do
  if [ -s "$STATE/$f" ] && alive "$(cat "$STATE/$f")"; then
    die "$NAME already running ($f: $(cat "$STATE/$f")); run test-host-teardown.sh first"
  fi
done

# ---------------------------------------------------------------- 1. host tools
# debootstrap builds the tree; systemd-container provides systemd-nspawn.
if ! command -v debootstrap >/dev/null || ! command -v systemd-nspawn >/dev/null; then
  log "installing debootstrap systemd-container"
  apt-get update -q >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q debootstrap systemd-container >/dev/null
fi
for t in ip wg wireguard-go ssh ssh-keygen curl; do
  command -v $t >/dev/null || die "host tool '$t' missing (need iproute2 wireguard-tools wireguard-go openssh-client curl)"
done

# ---------------------------------------------------------------- 2. debootstrap
# Use the same Debian mirror apt on the host uses (works for both one-line
# sources.list and deb822 *.sources files, because we ask apt itself).
MIRROR=$(apt-get indextargets --format '$(REPO_URI) $(RELEASE) $(TARGET_OF)' 2>/dev/null |
         awk -v s=$SUITE '$2==s && $3=="deb" {print $1; exit}')
MIRROR=${MIRROR:-http://deb.debian.org/debian/}

if [ $REBUILD = 1 ] && [ -e "$TREE" ]; then
  findmnt -rn -o TARGET | grep -q "^$TREE" && die "something is mounted under $TREE"
  log "removing old tree $TREE"; rm -rf --one-file-system "$TREE"
fi
# A tree bootstrapped with another package list is made anew (the marker holds the list).
if [ -e "$TREE/.wghost-bootstrapped" ] && [ "$(cat "$TREE/.wghost-bootstrapped")" != "$INCLUDE" ]; then
  findmnt -rn -o TARGET | grep -q "^$TREE" && die "something is mounted under $TREE"
  log "package list changed: removing old tree $TREE"; rm -rf --one-file-system "$TREE"
fi
if [ ! -e "$TREE/.wghost-bootstrapped" ]; then
  [ -e "$TREE" ] && { log "removing incomplete tree $TREE"; rm -rf --one-file-system "$TREE"; }
  log "debootstrap $SUITE from $MIRROR into $TREE (log: $STATE/debootstrap.log)"
  t0=$(now)
  debootstrap --variant=minbase --include=$INCLUDE $SUITE "$TREE" "$MIRROR" \
      >"$STATE/debootstrap.log" 2>&1 || { tail -20 "$STATE/debootstrap.log"; die "debootstrap failed"; }
  log "debootstrap took $(secs "$t0" "$(now)") s"
  log "tree size right after debootstrap: $(du -sh --one-file-system "$TREE" | cut -f1)"
  rm -f "$TREE"/var/cache/apt/archives/*.deb          # the downloaded .debs (~40 MB)
  echo "$INCLUDE" >"$TREE/.wghost-bootstrapped"
else
  log "reusing existing tree $TREE (use --rebuild to start from scratch)"
fi
log "tree size: $(du -sh --one-file-system "$TREE" | cut -f1)"

# ---------------------------------------------------------------- 3. configure the tree
# (all idempotent; done from the host while the container is stopped)
echo "$NAME" >"$TREE/etc/hostname"
printf '127.0.0.1\tlocalhost\n127.0.1.1\t%s\n::1\tlocalhost ip6-localhost ip6-loopback\n' "$NAME" >"$TREE/etc/hosts"

# minbase has no locales; this silences pam_env's "/etc/default/locale" warning
[ -e "$TREE/etc/default/locale" ] || echo 'LANG=C.UTF-8' >"$TREE/etc/default/locale"

# root's SSH key: generated once on the host, authorised inside the tree
[ -f "$STATE/id_ed25519" ] || ssh-keygen -q -t ed25519 -N '' -C "$NAME-test" -f "$STATE/id_ed25519"
install -d -m 700 "$TREE/root/.ssh"
install -m 600 "$STATE/id_ed25519.pub" "$TREE/root/.ssh/authorized_keys"

# sshd: keys only, no reverse DNS (there is no DNS in the netns)
printf 'PermitRootLogin prohibit-password\nPasswordAuthentication no\nUseDNS no\n' \
  >"$TREE/etc/ssh/sshd_config.d/50-$NAME.conf"

# the container's host keys were made by debootstrap: pin them, no TOFU needed
awk -v ip="$CT_IP" -v n="$NAME" '{print n "," ip, $1, $2}' "$TREE"/etc/ssh/ssh_host_*_key.pub >"$STATE/known_hosts"
cat >"$STATE/ssh_config" <<EOF
# use with: ssh -F $STATE/ssh_config $NAME
Host $NAME $CT_IP
  HostName $CT_IP
  User root
  IdentityFile $STATE/id_ed25519
  IdentitiesOnly yes
  UserKnownHostsFile $STATE/known_hosts
  StrictHostKeyChecking yes
  BatchMode yes
  ConnectTimeout 2
  LogLevel ERROR
EOF

# ---------------------------------------------------------------- 4. network namespace + veth
# Refuse if the addresses would collide with anything already on this host.
for ip in $HOST_IP $CT_IP; do
  r=$(ip -4 route show to match "$ip" | grep -v '^default' || true)
  [ -z "$r" ] || die "a route to $ip already exists in the root namespace: $r"
done
[ ! -e "/run/netns/$NETNS" ] || die "netns $NETNS already exists (stale? run test-host-teardown.sh)"
ip link show "$HOST_IF" >/dev/null 2>&1 && die "interface $HOST_IF already exists"

log "creating netns $NETNS and veth $HOST_IF($HOST_IP) <-> $CT_IF($CT_IP)"
ip netns add "$NETNS"
ip link add "$HOST_IF" type veth peer name "$CT_IF"
ip link set "$CT_IF" netns "$NETNS"
ip addr add "$HOST_IP/$PREFIX" dev "$HOST_IF"
ip link set "$HOST_IF" up
ip -n "$NETNS" link set lo up
ip -n "$NETNS" addr add "$CT_IP/$PREFIX" dev "$CT_IF"
ip -n "$NETNS" link set "$CT_IF" up

# ---------------------------------------------------------------- 5. boot
# Why these flags (each one was needed on this VM):
#   --register=no --keep-unit  host PID 1 is not systemd: there is no system bus
#                              and no machined. Without BOTH flags nspawn dies
#                              with "Failed to open system bus".
#   --capability=CAP_NET_ADMIN nspawn only adds it by itself for --private-network
#                              / --network-veth, not for --network-namespace-path;
#                              without it ip/wg-quick/TUNSETIFF get EPERM inside.
#   --bind=/dev/net/tun        for wireguard-go. (DeviceAllow= / --property= need
#                              a host systemd; with --keep-unit no device cgroup
#                              is applied, so the bind alone is enough.)
#   --bind-ro=prometheus/promtool  the host's binaries (they need only libc), so the
#                              Prometheus server of the e2e stack runs in the same host
#   --console=read-only        console (boot messages) goes to $STATE/nspawn.log
# nspawn puts itself and the container into sub-cgroups "supervisor" and
# "payload" of the cgroup it starts in; we start it in /$CGROUP so that several
# instances don't collide and teardown can remove the cgroups again.
NSPAWN_ARGS=(
  --boot --directory="$TREE" --machine="$NAME"
  --register=no --keep-unit
  --network-namespace-path="/run/netns/$NETNS"
  --capability=CAP_NET_ADMIN
  --bind=/dev/net/tun
  --bind-ro=/usr/bin/prometheus --bind-ro=/usr/bin/promtool
  --console=read-only
)
for h in systemd unified; do
  [ -d "/sys/fs/cgroup/$h" ] && mkdir -p "/sys/fs/cgroup/$h/$CGROUP"
done

log "booting: systemd-nspawn ${NSPAWN_ARGS[*]}"
t_boot=$(now)
# The launcher (a small bash loop, pid in launcher.pid) moves itself into the
# instance cgroup and runs nspawn (pid in nspawn.pid). If the container reboots
# itself ("systemctl reboot" -> nspawn exits with 133) it is started again,
# like systemd-nspawn@.service would do; any other exit ends the launcher.
rm -f "$STATE/nspawn.pid"
setsid bash -c '
  cg=$1 pidfile=$2; shift 2
  for h in systemd unified; do
    [ -d "/sys/fs/cgroup/$h/$cg" ] && echo $$ >"/sys/fs/cgroup/$h/$cg/cgroup.procs"
  done
  while :; do
    systemd-nspawn "$@" &
    echo $! >"$pidfile"
    wait $!; rc=$?
    [ $rc = 133 ] || exit $rc
    echo "=== $(date +%T) container asked for a reboot: starting it again ==="
  done' _ "$CGROUP" "$STATE/nspawn.pid" "${NSPAWN_ARGS[@]}" \
  >"$STATE/nspawn.log" 2>&1 </dev/null &
echo $! >"$STATE/launcher.pid"

# wait until sshd accepts our key (60 s max)
until ct_ssh true 2>/dev/null; do
  if ! alive "$(cat "$STATE/launcher.pid")"; then
    tail -20 "$STATE/nspawn.log"; die "systemd-nspawn exited"
  fi
  [ "$(secs "$t_boot" "$(now)" | cut -d. -f1)" -lt 60 ] || { tail -20 "$STATE/nspawn.log"; die "ssh not ready after 60 s"; }
  sleep 0.1
done
t_ssh=$(now)
state=$(ct_ssh systemctl is-system-running --wait || true)
t_run=$(now)
log "boot -> ssh ready: $(secs "$t_boot" "$t_ssh") s; boot -> is-system-running=$state: $(secs "$t_boot" "$t_run") s"
if [ "$state" != running ]; then ct_ssh systemctl --failed --no-pager || true; die "system state is '$state'"; fi

cat <<EOF

  $NAME is up:  nspawn pid $(cat "$STATE/nspawn.pid"), container address $CT_IP, host side $HOST_IP
  ssh:          ssh -F $STATE/ssh_config $NAME
                (= ssh -i $STATE/id_ed25519 -o UserKnownHostsFile=$STATE/known_hosts root@$CT_IP)
  shell w/o ssh: nsenter -t \$(ps -o pid= --ppid \$(cat $STATE/nspawn.pid)) -a bash
  console log:  $STATE/nspawn.log
  stop:         test-host-teardown.sh

EOF

# =============================================================================
# tunnel for the e2e tests: wg0 in the container <-> wireguard-go peer in a netns
# =============================================================================
if [ $TUNNEL = 1 ]; then
  PEER_NS=$NAME-peer PEER_IF=${NAME:0:10}p0      # UAPI sockets in /var/run/wireguard are
  ttmp=$(mktemp -d)                              # host-global: keep the name unique
  (umask 077
   wg genkey >"$ttmp/ct.key";   wg pubkey <"$ttmp/ct.key"   >"$ttmp/ct.pub"
   wg genkey >"$ttmp/peer.key"; wg pubkey <"$ttmp/peer.key" >"$ttmp/peer.pub")
  log "TUNNEL: wg-quick@wg0 in $NAME ($WG_CT_IP) <-> $PEER_IF in netns $PEER_NS ($WG_PEER_IP)"
  printf '[Interface]\nAddress = %s\nListenPort = 51820\nPrivateKey = %s\n[Peer]\nPublicKey = %s\nAllowedIPs = %s\n' \
    "$WG_CT_IP/$PREFIX" "$(cat "$ttmp/ct.key")" "$(cat "$ttmp/peer.pub")" "$WG_PEER_IP/32" |
    ct_ssh 'umask 077; mkdir -p /etc/wireguard; cat >/etc/wireguard/wg0.conf'
  # started, not enabled: the cached tree does not bring wg0 up on its next boot
  ct_ssh 'systemctl start wg-quick@wg0 && systemctl is-active --quiet wg-quick@wg0'
  # a persistent keepalive makes the peer start the handshake at once and keep it fresh
  start_peer "$ttmp" persistent-keepalive 5
  handshake() { ip netns exec "$PEER_NS" wg show "$PEER_IF" latest-handshakes | cut -f2; }
  for i in $(seq 100); do [ "$(handshake)" != 0 ] && break; sleep 0.1; done
  [ "$(handshake)" != 0 ] || die "no WireGuard handshake within 10 s"
  cp "$ttmp/peer.pub" "$STATE/peer.pub"
  rm -rf "$ttmp"
  log "TUNNEL up, handshake done; peer public key in $STATE/peer.pub"
fi

[ $SELFTEST = 1 ] || exit 0

# =============================================================================
# 6. self test: exactly what a provisioning tool would do, over SSH only
# =============================================================================
log "SELFTEST 1: ssh as root, systemd is PID 1"
ct_ssh 'echo "hostname=$(hostname) uid=$(id -u) pid1=$(cat /proc/1/comm) virt=$(systemd-detect-virt) state=$(systemctl is-system-running)"'

log "SELFTEST 2: upload files (scp/sftp), write a unit, daemon-reload, enable --now"
tmp=$(mktemp -d)
cat >"$tmp/hello-server.pl" <<'EOF'
#!/usr/bin/perl
# Tiny HTTP server using only perl-base (which every Debian minbase has).
use strict; use warnings; use IO::Socket::INET;
my ($port, $file) = (@ARGV, 8080, '/srv/hello/index.txt')[0, 1];
my $srv = IO::Socket::INET->new(LocalAddr => '0.0.0.0', LocalPort => $port,
    Listen => 16, ReuseAddr => 1, Proto => 'tcp') or die "listen: $!";
$| = 1; print "listening on :$port\n";
while (my $c = $srv->accept) {
  my $peer = $c->peerhost // '?';
  while (defined(my $l = <$c>)) { last if $l =~ /^\r?\n$/ }
  my $b = do { local (@ARGV, $/) = ($file); <> } // '';
  print $c "HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\nContent-Length: "
        . length($b) . "\r\n\r\n$b";
  close $c; print "served $peer\n";
}
EOF
token="hello from $NAME $(date +%s%N)"
echo "$token" >"$tmp/index.txt"
ct_ssh 'mkdir -p /srv/hello'
ct_scp "$tmp/hello-server.pl" "$NAME:/usr/local/bin/hello-server.pl"
ct_scp "$tmp/index.txt" "$NAME:/srv/hello/index.txt"
ct_ssh 'cat >/etc/systemd/system/hello.service' <<'EOF'
[Unit]
Description=wghost selftest HTTP service
After=network.target
[Service]
ExecStart=/usr/bin/perl /usr/local/bin/hello-server.pl 8080 /srv/hello/index.txt
Restart=on-failure
[Install]
WantedBy=multi-user.target
EOF
ct_ssh 'systemctl daemon-reload && systemctl enable --now hello.service 2>&1 &&
        for i in $(seq 50); do ss -ltn | grep -q ":8080 " && break; sleep 0.1; done &&
        systemctl status --no-pager hello.service'

log "SELFTEST 3: reach the service's port from the root namespace"
got=$(curl -sS -m 5 "http://$CT_IP:8080/")
[ "$got" = "$token" ] || die "curl returned '$got'"
log "curl http://$CT_IP:8080/ -> '$got'  OK"
ct_ssh 'journalctl -u hello.service --no-pager -n 5'

log "SELFTEST 4: WireGuard endpoint inside the container (wg-quick@wg0 -> wireguard-go)"
PEER_NS=$NAME-peer PEER_IF=${NAME:0:10}p0      # UAPI sockets in /var/run/wireguard are
umask 077                                      # host-global: keep the name unique
wg genkey >"$tmp/ct.key";   wg pubkey <"$tmp/ct.key"   >"$tmp/ct.pub"
wg genkey >"$tmp/peer.key"; wg pubkey <"$tmp/peer.key" >"$tmp/peer.pub"
ct_ssh 'umask 077; mkdir -p /etc/wireguard; cat >/etc/wireguard/wg0.conf' <<EOF
[Interface]
Address = $WG_CT_IP/$PREFIX
ListenPort = 51820
PrivateKey = $(cat "$tmp/ct.key")
[Peer]
PublicKey = $(cat "$tmp/peer.pub")
AllowedIPs = $WG_PEER_IP/32
EOF
ct_ssh 'systemctl enable --now wg-quick@wg0 2>&1 | grep -v "^Created symlink" ; systemctl is-active wg-quick@wg0 && wg show wg0 && ip -br addr show wg0'

# the peer: a second netns, veth straight into the container's netns
start_peer "$tmp"
got=$(ip netns exec "$PEER_NS" curl -sS -m 10 "http://$WG_CT_IP:8080/")
[ "$got" = "$token" ] || die "curl through the tunnel returned '$got'"
log "curl (peer ns, via WireGuard) http://$WG_CT_IP:8080/ -> '$got'  OK"
ip netns exec "$PEER_NS" wg show "$PEER_IF" | sed 's/^/    /'

log "SELFTEST 5: undo the self test (leave the host clean for real tests)"
ct_ssh 'systemctl disable --now wg-quick@wg0 hello.service 2>&1 | grep -v "^Removed" ;
        rm -rf /etc/wireguard/wg0.conf /etc/systemd/system/hello.service /usr/local/bin/hello-server.pl /srv/hello;
        systemctl daemon-reload; systemctl is-system-running'
pid=$(cat "$STATE/peer.pid")
if grep -qa wireguard-go "/proc/$pid/cmdline" 2>/dev/null; then
  kill -TERM "$pid"; for i in $(seq 50); do alive "$pid" || break; sleep 0.1; done
fi
rm -f "$STATE/peer.pid"
ip netns del "$PEER_NS"                      # also destroys the veth pair
rm -rf "$tmp"
log "SELFTEST passed"
