// What the host component puts on a WireGuard host and where: the one place that names each file,
// read by the builders (the unit's ExecStart flags, the helper's socket) and, through the placements
// on the artifacts, by the install and removal steps.
import type { Artifact, Placement } from "../artifact";

export const EXPORTER_USER = "wireguard-exporter";

/** One installed file: its name under out/<stack>/hosts/<host>/, what the summary counts it as, where it goes. */
export interface HostFile {
  name: string;
  kind: Artifact["kind"];
  placement: Placement;
}

const unit = (name: string, restarts: boolean, service?: Placement["service"]): HostFile => ({
  name,
  kind: "systemd",
  placement: {
    target: `/etc/systemd/system/${name}`,
    mode: "0644",
    group: "root",
    restarts,
    ...(service ? { service } : {}),
    sharedDir: true,
  },
});
/** Readable by the exporter's group only: the web config carries the basic-auth hash once deployed. */
const exporterReadable = (name: string, kind: Artifact["kind"], restarts: boolean): HostFile => ({
  name,
  kind,
  placement: { target: `/etc/wireguard-exporter/${name}`, mode: "0640", group: EXPORTER_USER, restarts },
});

export const HOST_FILES = {
  unit: unit("wireguard-exporter.service", true, "main"),
  // The exporter reloads the peers file by itself when it changes.
  peers: exporterReadable("peers.yml", "peers", false),
  webConfig: exporterReadable("web-config.yml", "web-config", true),
  /** Userspace WireGuard only: the root `wg` helper (socket + per-connection service) and its client. */
  helperSocket: unit("wireguard-exporter-wg.socket", true, "before-main"),
  // Started per connection: the next `wg` call runs the new unit.
  helperService: unit("wireguard-exporter-wg@.service", false),
  helperClient: {
    name: "wg-via-helper",
    kind: "other",
    placement: { target: "/opt/wireguard-exporter/wg-via-helper", mode: "0755", group: "root", restarts: false },
  },
} as const satisfies Record<string, HostFile>;

/** With logs.filebeat: the inputs snippet, in Filebeat's inputs directory (logs.filebeatInputsDir). */
export function filebeatInputsFile(inputsDir: string): HostFile {
  const placement: Placement = {
    target: `${inputsDir}/wireguard-monitoring.yml`,
    mode: "0644",
    group: "root",
    restarts: false,
  };
  return { name: "filebeat-inputs.yml", kind: "logs", placement };
}

/** The exporter bundle: built by the deploy from exporter/src, not rendered, so it is no artifact. */
export const EXPORTER_BUNDLE: Placement = {
  target: "/opt/wireguard-exporter/wireguard-exporter.cjs",
  mode: "0644",
  group: "root",
  restarts: true,
};

export const EXPORTER_SERVICE = HOST_FILES.unit.name;
export const HELPER_SOCKET_UNIT = HOST_FILES.helperSocket.name;

/** Paths the builders write into the files they render. */
export const HOST_PATHS = {
  bundle: EXPORTER_BUNDLE.target,
  peersFile: HOST_FILES.peers.placement.target,
  webConfig: HOST_FILES.webConfig.placement.target,
  helperSocket: "/run/wireguard-exporter-wg.sock",
  helperClient: HOST_FILES.helperClient.placement.target,
  nodeBinary: "/usr/bin/node",
} as const;

/**
 * URL the install step polls on the host itself until the exporter
 * answers (its /health answers 200 once a collection worked).
 */
export function localHealthUrl(exporter: { listenAddress: string; port: number; tls: { enabled: boolean } }): string {
  const wildcard =
    exporter.listenAddress === "0.0.0.0" || exporter.listenAddress === "::" || exporter.listenAddress === "";
  const host = wildcard
    ? "127.0.0.1"
    : exporter.listenAddress.includes(":")
      ? `[${exporter.listenAddress}]`
      : exporter.listenAddress;
  return `${exporter.tls.enabled ? "https" : "http"}://${host}:${exporter.port}/health`;
}
