#!/usr/bin/env bash
# =============================================================================
# test-host-teardown.sh - stop what test-host-setup.sh started and remove its network
#
# Usage:  test-host-teardown.sh [--purge]
#   default  stop the container (clean systemd shutdown), kill the selftest
#            WireGuard peer if one was left, delete the veth pairs, the network
#            namespaces and the per-instance cgroups. The tree
#            ($TREE) and the SSH key ($STATE) are kept, so the next
#            test-host-setup.sh boots in ~1 s without debootstrap.
#   --purge  additionally delete the tree and the state directory.
#
# Only processes whose pid is recorded in $STATE (and whose command line still
# matches) are signalled; nothing is killed by name.
# =============================================================================
set -uo pipefail

NAME=${WGHOST_NAME:-wgm-e2e}
TREE=${WGHOST_TREE:-/var/tmp/$NAME}
STATE=${WGHOST_STATE:-/var/tmp/$NAME-state}
NETNS=$NAME
PEER_NS=$NAME-peer
HOST_IF=${NAME:0:12}-h
CGROUP=$NAME

PURGE=0
case ${1:-} in
  --purge) PURGE=1 ;;
  "") ;;
  *) echo "usage: $0 [--purge]" >&2; exit 2 ;;
esac

log() { printf '[%s] %s\n' "$(date +%T)" "$*"; }
[ "$(id -u)" = 0 ] || { echo "must run as root" >&2; exit 1; }

# alive PID: running and not a zombie (our daemons are children of PID 1,
# which may take a moment to reap them; kill -0 succeeds on zombies)
alive() { local st; st=$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f1) && [ -n "$st" ] && [ "$st" != Z ]; }

# stop_pid PIDFILE PATTERN TIMEOUT_S: SIGTERM, wait, then SIGKILL the same pid
stop_pid() {
  local f=$1 pat=$2 t=$3 pid i
  [ -s "$f" ] || return 0
  pid=$(cat "$f")
  if ! { tr '\0' ' ' <"/proc/$pid/cmdline"; } 2>/dev/null | grep -q -- "$pat"; then
    log "pid $pid from $f is gone (or not ours any more)"; rm -f "$f"; return 0
  fi
  log "stopping pid $pid ($pat)"
  kill -TERM "$pid"
  for ((i = 0; i < t * 10; i++)); do alive "$pid" || break; sleep 0.1; done
  if alive "$pid"; then log "pid $pid still alive after ${t}s, SIGKILL"; kill -KILL "$pid"; sleep 0.5; fi
  rm -f "$f"
}

# 1. selftest WireGuard peer (only present if a selftest was interrupted)
stop_pid "$STATE/peer.pid" wireguard-go 10

# 2. the launcher loop first (it only waits for nspawn; killing it means a
#    container that is just rebooting is not started again), then the container:
#    SIGTERM to systemd-nspawn makes it send SIGRTMIN+3 to the container's
#    systemd, i.e. a clean "halt" (takes ~1-2 s here).
# the e2e tunnel's wg0 config is not left in the cached tree (wg-quick@wg0 is started, not enabled)
rm -f "$TREE/etc/wireguard/wg0.conf" "$STATE/peer.pub"
stop_pid "$STATE/launcher.pid" "systemd-nspawn" 5
sleep 0.2     # let a just-restarted nspawn write its pid file
t0=$(date +%s.%N)
stop_pid "$STATE/nspawn.pid" "systemd-nspawn.*--directory=$TREE" 30
log "container stop took $(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN{printf "%.2f", b-a}') s"

# 3. network: deleting one end of a veth deletes both; netns go away with
#    their last user (the container / the peer wireguard-go, stopped above).
ip link del "$HOST_IF" 2>/dev/null && log "deleted veth $HOST_IF"
for ns in "$PEER_NS" "$NETNS"; do
  [ -e "/run/netns/$ns" ] && ip netns del "$ns" && log "deleted netns $ns"
done

# 4. the per-instance cgroups (nspawn leaves empty payload/ and supervisor/)
for h in systemd unified; do
  d=/sys/fs/cgroup/$h/$CGROUP
  [ -d "$d" ] && find "$d" -depth -type d -exec rmdir {} \; 2>/dev/null
  [ -d "$d" ] && log "WARNING: $d not removed (processes left in it?)"
done

# 5. nspawn leaves an empty propagation dir behind on hosts where /run is not
#    a tmpfs ("Attempted to remove disk file system ... we can't allow that")
rmdir "/run/systemd/nspawn/propagate/$NAME" 2>/dev/null

# 6. optional purge of tree + state
if [ $PURGE = 1 ]; then
  case $TREE in /var/tmp/?*) ;; *) echo "refusing to purge unexpected TREE=$TREE" >&2; exit 1 ;; esac
  if findmnt -rn -o TARGET | grep -q "^$TREE"; then
    echo "something is still mounted under $TREE, not purging" >&2; exit 1
  fi
  rm -rf --one-file-system "$TREE" "$STATE" && log "purged $TREE and $STATE"
fi
log "teardown done"
