// The stack config as users write it in Pulumi.<stack>.yaml under `wireguard-monitoring:*`.
// Shape and defaults live here; cross-field rules (duplicates, references) live in validate.ts.
import { z } from "zod";
import { EXPORTER_DEFAULTS, EXPORTER_FLAGS } from "../contract/exporter-flags";
import { isWellFormedText } from "../contract/peers-file-fields";
import { isWireGuardKey } from "../contract/wireguard-key";
import { durationFlagProblem, durationProblem, prometheusDurationProblem, type DurationFlag } from "./durations";
import {
  absolutePathProblem,
  alertmanagerUrlProblem,
  fileSdPathProblem,
  headerValueProblem,
  pathPrefixProblem,
  receiverNameProblem,
  remoteWriteHeaderNameProblem,
  replicaProblem,
  basicAuthUserProblem,
  httpUrlProblem,
  isHostOrIp,
  isInterfaceName,
  isLabelName,
  listenAddressProblem,
  sshHostKeyProblem,
  sshUserProblem,
  telemetryPathProblem,
  unitNameProblem,
} from "./validators";

const got = (v: unknown) => (typeof v === "string" ? JSON.stringify(v) : String(v));

const address = z.string().refine(isHostOrIp, {
  error: (i) => `expected an IP address or host name, got ${got(i.input)}`,
});
/** A string `problem` finds nothing wrong with; its message otherwise. */
const checked = (problem: (text: string) => string | undefined) =>
  z.string().superRefine((text, ctx) => {
    const message = problem(text);
    if (message !== undefined) ctx.addIssue({ code: "custom", message, input: text });
  });
/** Durations the builders turn into numbers (see durations.ts for the grammar). */
const duration = checked(durationProblem);
/** Durations written into prometheus.yml as they are. */
const prometheusDuration = checked(prometheusDurationProblem);
/** Durations rendered into an exporter flag: refused exactly when the exporter would refuse them. */
const exporterFlagDuration = (flag: DurationFlag) => checked((text) => durationFlagProblem(flag, text));
const wireGuardKey = z.string().refine(isWireGuardKey, {
  error: (i) => `expected a WireGuard public key (32 bytes, base64, 44 characters), got ${got(i.input)}`,
});
const interfaceName = z.string().refine(isInterfaceName, {
  error: (i) => `expected an interface name (1-15 characters of A-Z a-z 0-9 _ . -), got ${got(i.input)}`,
});
const port = z.number().int().min(1).max(65535);
/**
 * Free text (names, owners, label values): any characters, each serializer quotes them; only
 * well-formed Unicode, since a lone surrogate has no UTF-8 form and Prometheus would get U+FFFD.
 */
const nonEmpty = z
  .string()
  .trim()
  .min(1, { error: "expected a non-empty string" })
  .refine(isWellFormedText, {
    error: (i) => `expected well-formed Unicode text (no lone surrogate), got ${got(i.input)}`,
  });
/** Paths reach shell steps, YAML and Prometheus's rule_files globs; see absolutePathProblem. */
const absolutePath = checked(absolutePathProblem);
const httpUrl = checked(httpUrlProblem);

const sshSchema = z
  .strictObject({
    port: port.default(22),
    user: checked(sshUserProblem).default("root"),
    /** Checked against the provider's host-key negotiation in validate.ts (no ssh-rsa). */
    hostKey: checked(sshHostKeyProblem).optional(),
  })
  .prefault({});

const hostSchema = z.strictObject({
  name: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, {
    error: (i) => `expected a host name of lower-case letters, digits and '-', got ${got(i.input)}`,
  }),
  address,
  ssh: sshSchema,
  interfaces: z.array(interfaceName).min(1, { error: "expected at least one WireGuard interface" }).default(["wg0"]),
  labels: z
    .record(
      z.string().refine(isLabelName, { error: (i) => `expected a Prometheus label name, got ${got(i.input)}` }),
      nonEmpty,
    )
    .default({}),
  installNode: z.boolean().optional(),
  /**
   * wireguard-go instead of the kernel module: `wg` then goes
   * through a root helper socket (see src/build/hosts/wg-helper.ts).
   */
  userspaceWireGuard: z.boolean().default(false),
});

export const peerSchema = z.strictObject({
  publicKey: wireGuardKey,
  friendlyName: nonEmpty,
  owner: nonEmpty.optional(),
  host: z.string().optional(),
  interface: interfaceName.default("wg0"),
  expected: z.boolean().default(false),
  bandwidthLimitBytesPerSecond: z.number().positive().optional(),
});

/**
 * Every key of one Prometheus server: the whole single-server
 * object, and each entry of a list beside name/scrapes/replica.
 */
const prometheusServerShape = {
  address: address.default("127.0.0.1"),
  ssh: sshSchema,
  /** Where prometheus.yml, the targets file and the rule files live on the server. */
  configFile: absolutePath.default("/etc/prometheus/prometheus.yml"),
  rulesDir: absolutePath.default("/etc/prometheus/rules"),
  targetsDir: absolutePath.default("/etc/prometheus/targets"),
  secretsDir: absolutePath.default("/etc/prometheus/secrets"),
  /** `full` writes a complete prometheus.yml; `fragment` leaves the main file to the user. */
  configMode: z.enum(["full", "fragment"]).default("full"),
  reload: z.enum(["http", "sighup", "systemctl"]).default("http"),
  reloadUrl: httpUrl.default("http://127.0.0.1:9090/-/reload"),
  service: checked(unitNameProblem).default("prometheus"),
  url: httpUrl.default("http://127.0.0.1:9090"),
  jobName: z
    .string()
    .regex(/^[a-zA-Z_][a-zA-Z0-9_-]*$/, { error: "expected a job name" })
    .default("wireguard"),
  scrapeInterval: prometheusDuration.default("30s"),
  scrapeTimeout: prometheusDuration.default("10s"),
  evaluationInterval: prometheusDuration.default("30s"),
};

/** One Prometheus server, as an object: its artifacts directly under prometheus/. */
const prometheusSchema = z.strictObject(prometheusServerShape).prefault({});

const labelName = z
  .string()
  .refine(isLabelName, { error: (i) => `expected a Prometheus label name, got ${got(i.input)}` });

/** One entry of a list of Prometheus servers: artifacts under prometheus/<name>/. */
const listedPrometheusSchema = z.strictObject({
  name: z.string().regex(/^[a-z0-9][a-z0-9-]{0,30}$/, {
    error: (i) =>
      `expected a server name of 1-31 lower-case letters, digits and '-' (not starting with '-'), got ${got(i.input)}`,
  }),
  /** The hosts whose `labels` hold all these pairs; absent: every host. */
  scrapes: z.record(labelName, nonEmpty).optional(),
  /** The `replica` external label; servers with equal `scrapes` and distinct replicas form an HA group. */
  replica: checked(replicaProblem).optional(),
  ...prometheusServerShape,
});

/** One server (an object) or several (a list); see errors.ts for how a value of neither shape is reported. */
const prometheusServersSchema = z.union([
  prometheusSchema,
  z
    .array(listedPrometheusSchema)
    .min(1, { error: "expected at least one Prometheus server in the list (or one server as a map)" }),
]);

/** TLS towards an Alertmanager or a remote-write endpoint, verified against a CA file on the Prometheus server. */
const clientTlsSchema = z.strictObject({
  caFile: absolutePath.optional(),
  insecureSkipVerify: z.boolean().default(false),
});

const alertmanagerSchema = z.strictObject({
  /** Alertmanagers of one entry: same scheme and path (Prometheus's scheme/path_prefix are per entry). */
  urls: z.array(checked(alertmanagerUrlProblem)).min(1, { error: "expected at least one Alertmanager URL" }).optional(),
  /** Or a file_sd file listing them, kept up to date by someone else. */
  fileSd: checked(fileSdPathProblem).optional(),
  scheme: z.enum(["http", "https"]).optional(),
  pathPrefix: checked(pathPrefixProblem).optional(),
  basicAuth: z.strictObject({ username: checked(basicAuthUserProblem) }).optional(),
  tls: clientTlsSchema.optional(),
  timeout: prometheusDuration.optional(),
});

/** Severity → receiver names in the user's Alertmanager; warning and info go to critical's when unset. */
const receiverName = checked(receiverNameProblem);

const alertRouteSchema = z.strictObject({
  receivers: z.strictObject({
    critical: receiverName,
    warning: receiverName.optional(),
    info: receiverName.optional(),
  }),
  groupBy: z
    .array(
      z.string().refine((t) => t === "..." || isLabelName(t), {
        error: (i) => `expected a label name or "...", got ${got(i.input)}`,
      }),
    )
    .min(1, { error: "expected at least one label to group by" })
    .default(["env", "instance", "alertname"]),
  groupWait: prometheusDuration.default("30s"),
  groupInterval: prometheusDuration.default("5m"),
  repeatInterval: prometheusDuration.default("4h"),
});

const alertingSchema = z
  .strictObject({
    alertmanagers: z.array(alertmanagerSchema).default([]),
    /** Renders out/<stack>/alertmanager/: the route and inhibit rules for an existing Alertmanager. */
    route: alertRouteSchema.optional(),
  })
  .prefault({});

const positiveInt = z.number().int().positive();

const remoteWriteSchema = z.strictObject({
  url: httpUrl,
  /** Prometheus's remote_write name (its metrics and logs say it); unique. */
  name: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/, {
      error: (i) => `expected a name of letters, digits and _ . - (at most 63), got ${got(i.input)}`,
    })
    .optional(),
  headers: z.record(checked(remoteWriteHeaderNameProblem), checked(headerValueProblem)).optional(),
  basicAuth: z.strictObject({ username: checked(basicAuthUserProblem) }).optional(),
  tls: clientTlsSchema.optional(),
  /**
   * Unset keys are left out, so the running Prometheus's defaults apply (2.42, as Debian 12 ships it: capacity 2500,
   * maxShards 200, maxSamplesPerSend 500, batchSendDeadline 5s, read from its /api/v1/status/config; releases differ).
   */
  queue: z
    .strictObject({
      capacity: positiveInt.optional(),
      minShards: positiveInt.optional(),
      maxShards: positiveInt.optional(),
      maxSamplesPerSend: positiveInt.optional(),
      batchSendDeadline: prometheusDuration.optional(),
    })
    .optional(),
  /** Send only the series the committed dashboards and rules read. */
  wireGuardOnly: z.boolean().default(false),
});

const grafanaSchema = z
  .strictObject({
    enabled: z.boolean().default(true),
    url: httpUrl.default("http://127.0.0.1:3000"),
    folder: nonEmpty.default("WireGuard"),
    datasourceUid: nonEmpty.default("prometheus"),
  })
  .prefault({});

const thresholdsSchema = z
  .strictObject({
    /** A peer whose handshake is older than this is "down" (WireGuardPeerDown). */
    staleHandshake: duration.default("5m"),
    /** The exporter's --wireguard.connected-threshold: newer handshakes count as connected. */
    connected: exporterFlagDuration(EXPORTER_FLAGS.connectedThreshold).default(EXPORTER_DEFAULTS.connectedThreshold),
    /** Default per-peer limit for WireGuardHighBandwidth, bytes per second (rx + tx). */
    highBandwidthBytesPerSecond: z.number().positive().default(100_000_000),
  })
  .prefault({});

const exporterSchema = z
  .strictObject({
    listenAddress: checked(listenAddressProblem).default("0.0.0.0"),
    port: port.default(EXPORTER_DEFAULTS.port),
    telemetryPath: checked(telemetryPathProblem).default(EXPORTER_DEFAULTS.telemetryPath),
    collectorTimeout: exporterFlagDuration(EXPORTER_FLAGS.collectorTimeout).default(EXPORTER_DEFAULTS.collectorTimeout),
    exportEndpoints: z.boolean().default(false),
    installNode: z.boolean().default(false),
    tls: z
      .strictObject({
        enabled: z.boolean().default(false),
        certFile: absolutePath.default("/etc/wireguard-exporter/tls.crt"),
        keyFile: absolutePath.default("/etc/wireguard-exporter/tls.key"),
        /** Prometheus verifies the exporter's certificate against this CA file on its server. */
        caFile: absolutePath.optional(),
        insecureSkipVerify: z.boolean().default(false),
      })
      .prefault({}),
    basicAuth: z
      .strictObject({
        enabled: z.boolean().default(false),
        username: checked(basicAuthUserProblem).default("prometheus"),
      })
      .prefault({}),
  })
  .prefault({});

const logsSchema = z
  .strictObject({
    filebeat: z.boolean().default(false),
    filebeatInputsDir: absolutePath.default("/etc/filebeat/inputs.d"),
  })
  .prefault({});

/** Every non-secret key under the `wireguard-monitoring:` namespace. */
export const stackConfigSchema = z.strictObject({
  /** Empty (Pulumi.yaml's default, since a declared key without one is required) or unset: the stack name. */
  environment: z
    .string()
    .regex(/^(?:[a-z0-9][a-z0-9-]*)?$/, {
      error: (i) => `expected an environment name of lower-case letters, digits and '-', got ${got(i.input)}`,
    })
    .optional(),
  allowUnpinnedHostKeys: z.boolean().default(false),
  hosts: z.array(hostSchema).min(1, { error: "expected at least one WireGuard host" }),
  peers: z.array(peerSchema).default([]),
  /** Peers kept in a file of their own (YAML or CSV); read into `peers` before validation (peers-file.ts). */
  peersFile: z.string().optional(),
  /** One server (a map) or several (a list, each with a name). */
  prometheus: prometheusServersSchema,
  /** Central stores every Prometheus server writes to. */
  remoteWrite: z.array(remoteWriteSchema).default([]),
  alerting: alertingSchema,
  grafana: grafanaSchema,
  thresholds: thresholdsSchema,
  exporter: exporterSchema,
  logs: logsSchema,
});

/**
 * Secrets: only ever set with `pulumi config set --secret`; render never needs them. Every deploy
 * needs sshPrivateKey, so Pulumi.yaml declares it (secret, no default): the CLI refuses to run the
 * program without it or with a plain-text value. The others are needed only with some settings, and
 * Pulumi.yaml cannot declare an optional secret: a declared key without a default is required, and
 * a default reaches the program as plain text. The program checks those (pulumi-config.ts).
 */
export const DECLARED_SECRET_KEYS = ["sshPrivateKey"] as const;
export const SECRET_KEYS = [
  ...DECLARED_SECRET_KEYS,
  "grafanaAuth",
  "exporterBasicAuthPassword",
  "alertmanagerBasicAuthPassword",
  "remoteWriteBasicAuthPassword",
] as const;
export type SecretKey = (typeof SECRET_KEYS)[number];

/** The command that sets each secret, for messages. */
export const SECRET_SET_COMMANDS: Readonly<Record<SecretKey, string>> = {
  sshPrivateKey: "pulumi config set --secret sshPrivateKey < <private key file>",
  grafanaAuth: "pulumi config set --secret grafanaAuth",
  exporterBasicAuthPassword: "pulumi config set --secret exporterBasicAuthPassword",
  alertmanagerBasicAuthPassword: "pulumi config set --secret alertmanagerBasicAuthPassword",
  remoteWriteBasicAuthPassword: "pulumi config set --secret remoteWriteBasicAuthPassword",
};

/** Plain keys whose value is a string: the program takes their text as it is ("123" stays a string). */
export const TEXT_KEYS: ReadonlySet<string> = new Set(["environment", "peersFile"]);

export type StackConfig = z.output<typeof stackConfigSchema>;
export type HostConfig = z.output<typeof hostSchema>;
export type PeerConfig = z.output<typeof peerSchema>;
export type PrometheusServerConfig = z.output<typeof prometheusSchema>;
export type RemoteWriteConfig = z.output<typeof remoteWriteSchema>;
export type AlertmanagerConfig = z.output<typeof alertmanagerSchema>;
export type AlertRouteConfig = z.output<typeof alertRouteSchema>;

/** The keys Pulumi.yaml declares: every plain key, and the secrets every deploy needs. */
export const DECLARED_CONFIG_KEYS = [...Object.keys(stackConfigSchema.shape), ...DECLARED_SECRET_KEYS] as const;
