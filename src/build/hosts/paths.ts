// Where the host component installs things on a WireGuard host: the one place that names them,
// read by the unit builder (ExecStart flags) and by the install and removal steps.

export const EXPORTER_USER = "wireguard-exporter";
export const EXPORTER_SERVICE = "wireguard-exporter.service";
export const HELPER_SOCKET_UNIT = "wireguard-exporter-wg.socket";

export const HOST_PATHS = {
  bundle: "/opt/wireguard-exporter/wireguard-exporter.cjs",
  configDir: "/etc/wireguard-exporter",
  peersFile: "/etc/wireguard-exporter/peers.yml",
  webConfig: "/etc/wireguard-exporter/web-config.yml",
  unit: `/etc/systemd/system/${EXPORTER_SERVICE}`,
  /** Userspace WireGuard only: the root `wg` helper (socket + per-connection service) and its client. */
  helperSocketUnit: "/etc/systemd/system/wireguard-exporter-wg.socket",
  helperServiceUnit: "/etc/systemd/system/wireguard-exporter-wg@.service",
  helperSocket: "/run/wireguard-exporter-wg.sock",
  helperClient: "/opt/wireguard-exporter/wg-via-helper",
  /** File name of the Filebeat inputs snippet inside logs.filebeatInputsDir. */
  filebeatInputsName: "wireguard-monitoring.yml",
  nodeBinary: "/usr/bin/node",
} as const;

/** URL the install step polls on the host itself until the exporter answers (its /health answers 200 once a collection worked). */
export function localHealthUrl(exporter: { listenAddress: string; port: number; tls: { enabled: boolean } }): string {
  const wildcard = exporter.listenAddress === "0.0.0.0" || exporter.listenAddress === "::" || exporter.listenAddress === "";
  const host = wildcard ? "127.0.0.1" : exporter.listenAddress.includes(":") ? `[${exporter.listenAddress}]` : exporter.listenAddress;
  return `${exporter.tls.enabled ? "https" : "http"}://${host}:${exporter.port}/health`;
}
