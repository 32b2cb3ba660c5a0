// Userspace WireGuard (wireguard-go) keeps its UAPI sockets root-owned 0700, and it shuts the
// interface down on any attribute change of its socket (an inotify IN_ATTRIB watch meant to catch
// deletion), so neither chgrp/chmod nor ACLs can open it to the exporter's user. Instead a
// socket-activated helper runs `wg show <if> dump` as root, bounded to CAP_NET_ADMIN, and the
// exporter reads through a small client given as --wireguard.command. Kernel WireGuard needs none
// of this: CAP_NET_ADMIN on the exporter is enough for netlink.
import type { Host, Inventory } from "../../model/index";
import { EXPORTER_USER, HELPER_SOCKET_UNIT, HOST_PATHS } from "./paths";
import { KERNEL_AND_HOST_PROTECTION } from "./sandbox";

const header = (inventory: Inventory, host: Host) =>
  `# Managed by wireguard-monitoring (stack ${inventory.stack}, host ${host.name}); changes are overwritten.`;

export function renderWgHelperSocket(inventory: Inventory, host: Host): string {
  return [
    header(inventory, host),
    "[Unit]",
    "Description=wg dumps for wireguard-exporter (userspace WireGuard)",
    "",
    "[Socket]",
    `ListenStream=${HOST_PATHS.helperSocket}`,
    "SocketUser=root",
    `SocketGroup=${EXPORTER_USER}`,
    "SocketMode=0660",
    "Accept=yes",
    "MaxConnections=16",
    "",
    "[Install]",
    "WantedBy=sockets.target",
    "",
  ].join("\n");
}

/**
 * One instance per connection: reads an interface name (or `all`), answers with a status line
 * (0 = ok) and then `wg show <name> dump`'s output (or its error). `$$` is a literal `$` for systemd.
 */
export function renderWgHelperService(inventory: Inventory, host: Host): string {
  const script = [
    "IFS= read -r name || exit 0",
    'case "$$name" in all) ;; ""|*[!A-Za-z0-9_.=+-]*) echo 2; echo "invalid interface name"; exit 0 ;; esac',
    'if out=$$(/usr/bin/wg show "$$name" dump 2>&1); then echo 0; else echo 1; fi',
    'printf "%%s\\n" "$$out"',
  ].join("; ");
  return [
    header(inventory, host),
    "[Unit]",
    "Description=wg show dump for wireguard-exporter (one connection)",
    "",
    "[Service]",
    `ExecStart=/bin/sh -c '${script}'`,
    "StandardInput=socket",
    "StandardOutput=socket",
    "StandardError=journal",
    "RuntimeMaxSec=30",
    "# root only for the UAPI sockets' owner check; the only capability is the one `wg` uses.",
    "CapabilityBoundingSet=CAP_NET_ADMIN",
    "NoNewPrivileges=yes",
    "ProtectSystem=strict",
    "ProtectHome=yes",
    "# No PrivateTmp: one instance runs per scrape, and /tmp is read-only here anyway (strict).",
    ...KERNEL_AND_HOST_PROTECTION,
    "LockPersonality=yes",
    "MemoryDenyWriteExecute=yes",
    "RestrictNamespaces=yes",
    "RestrictRealtime=yes",
    "RestrictSUIDSGID=yes",
    "RestrictAddressFamilies=AF_UNIX AF_NETLINK",
    "IPAddressDeny=any",
    "SystemCallArchitectures=native",
    "SystemCallFilter=@system-service",
    "SystemCallFilter=~@privileged @resources",
    "",
  ].join("\n");
}

/** The exporter's --wireguard.command on userspace hosts: `wg show <if|all> dump` through the helper. */
export function renderWgHelperClient(): string {
  return `#!${HOST_PATHS.nodeBinary}
// Managed by wireguard-monitoring: stands in for \`wg show <interface|all> dump\` for wireguard-exporter,
// asking the root helper behind ${HELPER_SOCKET_UNIT} (userspace WireGuard sockets are root-only).
"use strict";
const [command, name, format] = process.argv.slice(2);
if (command !== "show" || format !== "dump" || !name) {
  process.stderr.write("usage: wg-via-helper show <interface|all> dump\\n");
  process.exit(2);
}
const chunks = [];
const socket = require("node:net").connect(${JSON.stringify(HOST_PATHS.helperSocket)});
socket.on("connect", () => socket.end(name + "\\n"));
socket.on("data", (b) => chunks.push(b));
socket.on("error", (e) => {
  process.stderr.write(${JSON.stringify(HOST_PATHS.helperSocket)} + ": " + e.message + "\\n");
  process.exit(1);
});
socket.on("close", () => {
  const text = Buffer.concat(chunks).toString("utf8");
  const nl = text.indexOf("\\n");
  const body = nl < 0 ? "" : text.slice(nl + 1);
  if (text.slice(0, nl) === "0") {
    process.stdout.write(body === "\\n" ? "" : body);
    process.exit(0);
  }
  process.stderr.write(body || "no answer from the wg helper\\n");
  process.exit(1);
});
`;
}
