// The exporter's systemd unit, hardened: its own system user, CAP_NET_ADMIN as the only capability
// (`wg show` needs it for kernel WireGuard), a read-only view of the system and a narrow syscall set.
// Checked by `systemd-analyze security --offline=yes` (exposure ≤ 2.0) and `systemd-analyze verify`.
import {
  EXPORTER_FLAGS as F,
  INTERFACE_SEPARATOR,
  flagArgument,
  formatListenAddress,
} from "../../contract/exporter-flags";
import type { Host, Inventory } from "../../model/index";
import { EXPORTER_SERVICE, EXPORTER_USER, HOST_PATHS } from "./paths";
import { KERNEL_AND_HOST_PROTECTION } from "./sandbox";

/** `host:port` for --web.listen-address; IPv6 literals in brackets. */
function listenAddress(inventory: Inventory): string {
  const { listenAddress: addr, port } = inventory.exporter;
  return formatListenAddress(addr, port);
}

/**
 * node's flags for the exporter: `--expose-gc` lets it run V8's collections itself, a young one
 * after each scrape (the read buffers of `wg`'s output) and a full one after a lagging scraper
 * was dropped (exporter/src/young-gc.ts).
 */
export const EXPORTER_NODE_FLAGS: readonly string[] = ["--expose-gc"];

/** The exporter's command line, one flag per element (node's flags, then the flags exporter/src/flags.ts parses). */
export function exporterArgs(inventory: Inventory, host: Host): string[] {
  const e = inventory.exporter;
  const args = [
    HOST_PATHS.nodeBinary,
    ...EXPORTER_NODE_FLAGS,
    HOST_PATHS.bundle,
    flagArgument(F.listenAddress, listenAddress(inventory)),
    flagArgument(F.telemetryPath, e.telemetryPath),
    flagArgument(F.webConfigFile, HOST_PATHS.webConfig),
    flagArgument(F.peersFile, HOST_PATHS.peersFile),
    flagArgument(F.interfaces, host.interfaces.join(INTERFACE_SEPARATOR)),
    flagArgument(F.connectedThreshold, inventory.thresholds.connected),
    flagArgument(F.collectorTimeout, e.collectorTimeout),
  ];
  if (host.userspaceWireGuard) args.push(flagArgument(F.wgCommand, HOST_PATHS.helperClient));
  if (e.exportEndpoints) args.push(flagArgument(F.exportEndpoints));
  return args;
}

/**
 * systemd's quoting for one ExecStart argument (systemd.service(5), "Command lines"): `%` and `$`
 * doubled (specifiers, variables), then a double-quoted word with C escapes for `\`, `"` and
 * control characters, so no value can end the line or split into more words (a lone `;` is
 * a command separator only unquoted). NUL cannot be passed in an argument at all.
 */
export function unitArg(arg: string): string {
  if (arg.includes("\0"))
    throw new Error(`a NUL character cannot be passed to a program by systemd: ${JSON.stringify(arg)}`);
  const escaped = arg
    .replace(/%/g, "%%")
    .replace(/\$/g, "$$$$")
    .replace(/[\\"]/g, "\\$&")
    .replace(/[\x01-\x1f\x7f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}`);
  return /^[A-Za-z0-9_./:=,@+[\]-]+$/.test(escaped) ? escaped : `"${escaped}"`;
}

export function renderExporterUnit(inventory: Inventory, host: Host): string {
  const lines = [
    `# Managed by wireguard-monitoring (stack ${inventory.stack}, host ${host.name}); changes are overwritten.`,
    "[Unit]",
    "Description=WireGuard Prometheus exporter",
    "Documentation=https://github.com/wireguard-monitoring/wireguard-monitoring",
    "After=network-online.target",
    "Wants=network-online.target",
    "",
    "[Service]",
    "Type=simple",
    `ExecStart=${exporterArgs(inventory, host).map(unitArg).join(" ")}`,
    `User=${EXPORTER_USER}`,
    `Group=${EXPORTER_USER}`,
    "Restart=on-failure",
    "RestartSec=5s",
    "UMask=0077",
    "",
    "# `wg show` needs CAP_NET_ADMIN for kernel WireGuard (netlink); nothing else is granted.",
    "AmbientCapabilities=CAP_NET_ADMIN",
    "CapabilityBoundingSet=CAP_NET_ADMIN",
    "NoNewPrivileges=yes",
    "# With userspace WireGuard, `wg` runs in the root helper behind wireguard-exporter-wg.socket",
    "# (src/build/hosts/wg-helper.ts); connect() to it works on the read-only /run.",
    "ProtectSystem=strict",
    "ProtectHome=yes",
    "PrivateTmp=yes",
    ...KERNEL_AND_HOST_PROTECTION,
    "DevicePolicy=closed",
    "ProtectProc=invisible",
    "ProcSubset=pid",
    "KeyringMode=private",
    "LockPersonality=yes",
    "RemoveIPC=yes",
    "RestrictNamespaces=yes",
    "RestrictRealtime=yes",
    "RestrictSUIDSGID=yes",
    "PrivateMounts=yes",
    "# AF_NETLINK: wg's netlink; AF_UNIX: the wg helper and journald; AF_INET(6): the HTTP listener.",
    "RestrictAddressFamilies=AF_UNIX AF_NETLINK AF_INET AF_INET6",
    "SystemCallArchitectures=native",
    "SystemCallFilter=@system-service",
    "SystemCallFilter=~@privileged @resources @mount @swap " +
      "@reboot @module @raw-io @clock @cpu-emulation @debug @obsolete",
    "SystemCallErrorNumber=EPERM",
    "",
    "[Install]",
    "WantedBy=multi-user.target",
    "",
  ];
  return lines.join("\n");
}
