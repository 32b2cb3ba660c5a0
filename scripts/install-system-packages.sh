#!/usr/bin/env bash
# Installs the Debian packages the test suite runs for real: WireGuard (userspace wireguard-go +
# wg), Prometheus + promtool, Alertmanager + amtool, systemd-analyze, debootstrap + systemd-nspawn for the booted test
# host, ssh client, shellcheck (the workflows' run: blocks). Needs root (Debian 12). (Dashboard pictures are SVG made in TypeScript: no browser.)
set -euo pipefail
PACKAGES=(
  wireguard-go wireguard-tools iproute2 curl openssl
  prometheus prometheus-alertmanager
  systemd systemd-container debootstrap openssh-client
  shellcheck
)
missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "system packages: all present"
  exit 0
fi
echo "system packages: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
# --no-install-recommends keeps the Debian prometheus package from pulling in node-exporter & co.
apt-get install -y -q --no-install-recommends "${missing[@]}"
