// Command-line flags in the exporter-toolkit style (--group.name=value or --group.name value).
// The names, shared defaults and value rules are the contract's, which the unit builder renders from.
import { formatDuration, parseDurationFlag } from "../../src/contract/duration";
import {
  EXPORTER_DEFAULTS,
  EXPORTER_FLAGS as F,
  EXPORTER_PAGES,
  INTERFACE_SEPARATOR,
  isInterfaceName,
  type ExporterFlag,
} from "../../src/contract/exporter-flags";

export interface Config {
  listenHost: string | undefined; // undefined = all addresses
  listenPort: number;
  telemetryPath: string;
  webConfigFile: string | undefined;
  interfaces: string[]; // empty = all
  peersFile: string | undefined;
  connectedThresholdMs: number;
  wgCommand: string;
  collectorTimeoutMs: number;
  exportEndpoints: boolean;
  compression: boolean;
  logLevel: "debug" | "info" | "warn" | "error";
}

export type FlagsResult =
  | { kind: "run"; config: Config }
  | { kind: "help"; text: string }
  | { kind: "version" }
  | { kind: "error"; message: string };

interface FlagSpec {
  name: ExporterFlag;
  help: string;
  default: string;
  boolean?: boolean;
}

const SPECS: FlagSpec[] = [
  {
    name: F.listenAddress,
    default: `:${EXPORTER_DEFAULTS.port}`,
    help: "Address to listen on, host:port (IPv6 as [addr]:port; port 0 picks a free one).",
  },
  { name: F.telemetryPath, default: EXPORTER_DEFAULTS.telemetryPath, help: "Path under which to expose metrics." },
  {
    name: F.disableCompression,
    default: "false",
    boolean: true,
    help: "Never gzip /metrics (by default it is gzip-compressed when the scraper sends Accept-Encoding: gzip).",
  },
  {
    name: F.webConfigFile,
    default: "",
    help: "Exporter-toolkit web config (tls_server_config, basic_auth_users with bcrypt hashes).",
  },
  {
    name: F.interfaces,
    default: "",
    help: "Comma-separated interfaces to read (default: all, via `wg show all dump`).",
  },
  {
    name: F.peersFile,
    default: "",
    help: "YAML/JSON peer metadata (friendly names, owner, expected); reloaded when it changes.",
  },
  {
    name: F.connectedThreshold,
    default: EXPORTER_DEFAULTS.connectedThreshold,
    help: "A peer is connected if its latest handshake is at most this old.",
  },
  { name: F.wgCommand, default: "wg", help: "Path of the wg binary (or a wrapper taking the same arguments)." },
  {
    name: F.exportEndpoints,
    default: "false",
    boolean: true,
    help: "Expose peer endpoints (personal data) on wireguard_peer_endpoint_info, /peers and event logs.",
  },
  {
    name: F.collectorTimeout,
    default: EXPORTER_DEFAULTS.collectorTimeout,
    help: "Kill the wg call and fail the scrape after this long.",
  },
  { name: F.logLevel, default: "info", help: "Minimum log level: debug, info, warn, error." },
];

export function helpText(): string {
  const lines = ["usage: wireguard-exporter [flags]", "", "Prometheus exporter for WireGuard.", "", "flags:"];
  for (const s of SPECS) {
    const def = s.boolean ? "" : ` (default "${s.default}")`;
    lines.push(`  --${s.name}${s.boolean ? "" : "=VALUE"}`, `      ${s.help}${def}`);
  }
  lines.push("  --help", "      Show this help.", "  --version", "      Print the version.");
  return lines.join("\n") + "\n";
}

export function parseFlags(argv: readonly string[]): FlagsResult {
  const values = new Map<string, string>(SPECS.map((s) => [s.name, s.default]));
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "--help" || arg === "-h") return { kind: "help", text: helpText() };
    if (arg === "--version") return { kind: "version" };
    if (!arg.startsWith("--")) return { kind: "error", message: `unexpected argument "${arg}" (flags start with --)` };
    const eq = arg.indexOf("=");
    const name = eq === -1 ? arg.slice(2) : arg.slice(2, eq);
    const spec = SPECS.find((s) => s.name === name);
    if (!spec) return { kind: "error", message: `unknown flag --${name} (see --help)` };
    let value: string;
    if (eq !== -1) value = arg.slice(eq + 1);
    else if (spec.boolean) value = "true";
    else if (i + 1 < argv.length) value = argv[++i]!;
    else return { kind: "error", message: `flag --${name} needs a value` };
    values.set(name, value);
  }
  const v = (n: ExporterFlag) => values.get(n)!;
  const fail = (flag: ExporterFlag, why: string): FlagsResult => ({ kind: "error", message: `--${flag}: ${why}` });

  const listen = parseListenAddress(v(F.listenAddress));
  if (listen instanceof Error) return fail(F.listenAddress, listen.message);

  const path = v(F.telemetryPath);
  if (!path.startsWith("/")) return fail(F.telemetryPath, `must start with "/", got "${path}"`);
  if (EXPORTER_PAGES.includes(path)) return fail(F.telemetryPath, `"${path}" is reserved`);

  const interfaces = v(F.interfaces)
    .split(INTERFACE_SEPARATOR)
    .map((s) => s.trim())
    .filter((s) => s !== "");
  for (const name of interfaces) {
    if (!isInterfaceName(name)) return fail(F.interfaces, `invalid interface name "${name}"`);
  }

  const threshold = parseDurationFlag(F.connectedThreshold, v(F.connectedThreshold));
  if (threshold instanceof Error) return fail(F.connectedThreshold, threshold.message);

  const timeout = parseDurationFlag(F.collectorTimeout, v(F.collectorTimeout));
  if (timeout instanceof Error) return fail(F.collectorTimeout, timeout.message);

  const endpoints = parseBool(v(F.exportEndpoints));
  if (endpoints === undefined) return fail(F.exportEndpoints, `expected true or false, got "${v(F.exportEndpoints)}"`);

  const noCompression = parseBool(v(F.disableCompression));
  if (noCompression === undefined)
    return fail(F.disableCompression, `expected true or false, got "${v(F.disableCompression)}"`);

  const level = v(F.logLevel);
  if (level !== "debug" && level !== "info" && level !== "warn" && level !== "error") {
    return fail(F.logLevel, `expected debug, info, warn or error, got "${level}"`);
  }
  if (v(F.wgCommand) === "") return fail(F.wgCommand, "must not be empty");

  return {
    kind: "run",
    config: {
      listenHost: listen.host,
      listenPort: listen.port,
      telemetryPath: path,
      webConfigFile: v(F.webConfigFile) || undefined,
      interfaces,
      peersFile: v(F.peersFile) || undefined,
      connectedThresholdMs: threshold,
      wgCommand: v(F.wgCommand),
      collectorTimeoutMs: timeout,
      exportEndpoints: endpoints,
      compression: !noCompression,
      logLevel: level,
    },
  };
}

function parseBool(s: string): boolean | undefined {
  if (s === "true" || s === "1") return true;
  if (s === "false" || s === "0") return false;
  return undefined;
}

function parseListenAddress(s: string): { host: string | undefined; port: number } | Error {
  const m = /^(?:\[([0-9A-Fa-f:.]+)\]|([^:[\]]*)):(\d{1,5})$/.exec(s);
  if (!m) return new Error(`expected host:port or :port, got "${s}"`);
  const port = Number(m[3]);
  if (port > 65535) return new Error(`port ${port} out of range`);
  const host = m[1] ?? (m[2] === "" ? undefined : m[2]);
  return { host, port };
}

export function describeConfig(c: Config): Record<string, unknown> {
  return {
    listen: `${c.listenHost ?? ""}:${c.listenPort}`,
    telemetry_path: c.telemetryPath,
    web_config: c.webConfigFile ?? null,
    interfaces: c.interfaces.length ? c.interfaces : "all",
    peers_file: c.peersFile ?? null,
    connected_threshold: formatDuration(c.connectedThresholdMs),
    wg_command: c.wgCommand,
    collector_timeout: formatDuration(c.collectorTimeoutMs),
    export_endpoints: c.exportEndpoints,
    compression: c.compression,
  };
}
