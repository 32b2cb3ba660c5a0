// The exporter's command line as both sides see it: the names of its flags, the defaults the stack
// config shares with them, and the values the flags refuse. The unit builder renders the flags
// from these names and the exporter parses them by the same names. Pure: no imports, no I/O.

/** Every flag the exporter takes besides --help and --version, by what it sets. */
export const EXPORTER_FLAGS = {
  listenAddress: "web.listen-address",
  telemetryPath: "web.telemetry-path",
  disableCompression: "web.disable-compression",
  webConfigFile: "web.config.file",
  interfaces: "wireguard.interfaces",
  peersFile: "wireguard.peers-file",
  connectedThreshold: "wireguard.connected-threshold",
  wgCommand: "wireguard.command",
  exportEndpoints: "wireguard.export-endpoints",
  collectorTimeout: "collector.timeout",
  logLevel: "log.level",
} as const;
export type ExporterFlag = (typeof EXPORTER_FLAGS)[keyof typeof EXPORTER_FLAGS];

/** Defaults of the flags the stack config also sets, the same when the stack leaves them out. */
export const EXPORTER_DEFAULTS = {
  port: 9586,
  telemetryPath: "/metrics",
  connectedThreshold: "3m",
  collectorTimeout: "5s",
} as const;

/** The exporter's own pages: --web.telemetry-path cannot be one of them. */
export const EXPORTER_PAGES: readonly string[] = ["/", "/health", "/peers"];

/** --wireguard.interfaces separates names with this. */
export const INTERFACE_SEPARATOR = ",";

/**
 * A name --wireguard.interfaces takes: what wg-quick accepts, 1-15 characters (Linux's IFNAMSIZ
 * less its NUL) of letters, digits and _ = + . -.
 */
export function isInterfaceName(name: string): boolean {
  return /^[A-Za-z0-9_=+.-]{1,15}$/.test(name);
}

/** The value of --web.listen-address: `host:port`, an IPv6 address in brackets. */
export function formatListenAddress(host: string, port: number): string {
  return host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
}

/** One argument: `--flag=value`, or `--flag` alone for a boolean flag set to true. */
export function flagArgument(flag: ExporterFlag, value?: string): string {
  return value === undefined ? `--${flag}` : `--${flag}=${value}`;
}
