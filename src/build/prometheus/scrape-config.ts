// The scrape side of one Prometheus server: the WireGuard job (scheme, TLS, basic auth, intervals,
// file_sd), the targets file it reads (the hosts that server scrapes), a fragment to merge into an
// existing prometheus.yml and a complete minimal one; both carry the alerting and remote_write sections.
// `server` defaults to the stack's first (with one server: its only) Prometheus server.
import { isIP } from "node:net";
import type { Inventory, PrometheusServer } from "../../model/index";
import { alertingSection, externalLabels } from "./alerting";
import { remoteWriteSection } from "./remote-write";
import { PASSWORD_FILE } from "./secret-files";
import { generatedYaml } from "./yaml";

export { ALERTMANAGER_PASSWORD_FILE, PASSWORD_FILE, REMOTE_WRITE_PASSWORD_FILE } from "./secret-files";

/** File names under prometheus.targetsDir / rulesDir on the Prometheus server. */
export const TARGETS_FILE = "wireguard.json";
export const RULES_FILE = "wireguard.rules.yml";

const SOURCE = "src/build/prometheus/scrape-config.ts";

export interface TargetGroup {
  targets: string[];
  labels: Record<string, string>;
}

/**
 * One file_sd group per host the server scrapes: `<address>:<port>`
 * (IPv6 bracketed), labels host, env, then the host's own.
 */
export function targetGroups(inventory: Inventory, server: PrometheusServer = inventory.prometheus): TargetGroup[] {
  return server.hosts.map((host) => {
    const address = isIP(host.address) === 6 ? `[${host.address}]` : host.address;
    const labels: Record<string, string> = { host: host.name, env: inventory.environment };
    for (const key of Object.keys(host.labels).sort()) labels[key] = host.labels[key];
    return { targets: [`${address}:${inventory.exporter.port}`], labels };
  });
}

/** The scrape job for the stack's exporters; a password never appears, only the file holding it. */
export function wireGuardScrapeJob(
  inventory: Inventory,
  server: PrometheusServer = inventory.prometheus,
): Record<string, unknown> {
  const { exporter: e } = inventory;
  const p = server;
  const job: Record<string, unknown> = {
    job_name: p.jobName,
    scrape_interval: p.scrapeInterval,
    scrape_timeout: p.scrapeTimeout,
    metrics_path: e.telemetryPath,
    scheme: e.tls.enabled ? "https" : "http",
  };
  if (e.basicAuth.enabled)
    job.basic_auth = { username: e.basicAuth.username, password_file: `${p.secretsDir}/${PASSWORD_FILE}` };
  if (e.tls.enabled) {
    job.tls_config = {
      ...(e.tls.caFile ? { ca_file: e.tls.caFile } : {}),
      insecure_skip_verify: e.tls.insecureSkipVerify,
    };
  }
  // file_sd: Prometheus watches the file, so adding a host needs no reload.
  job.file_sd_configs = [{ files: [`${p.targetsDir}/${TARGETS_FILE}`] }];
  // instance = host name rather than address:port, so alerts and dashboards name the machine and
  // survive an address change. Peer names need no relabelling (no peer_id derived from
  // allowed_ips): the exporter labels every peer series with friendly_name from the peers file.
  job.relabel_configs = [{ source_labels: ["host"], target_label: "instance" }];
  return job;
}

/** Which server a file is for, in its header, when the stack lists several. */
const serverNote = (inventory: Inventory, server: PrometheusServer) =>
  `stack ${inventory.stack}${server.listed ? `, Prometheus server ${server.name}` : ""}`;

/**
 * Merge into an existing prometheus.yml: append to its rule_files and scrape_configs and, when the
 * stack sets them, its alerting.alertmanagers (and alert_relabel_configs) and remote_write.
 */
export function scrapeFragment(inventory: Inventory, server: PrometheusServer = inventory.prometheus): string {
  const p = server;
  const alerting = alertingSection(inventory, server);
  const remoteWrite = remoteWriteSection(inventory, server);
  const labels = Object.entries(externalLabels(inventory, server))
    .map(([k, v]) => `${k}: ${JSON.stringify(v)}`)
    .join(", ");
  const sections = [
    "rule_files",
    "scrape_configs",
    ...(alerting ? ["alerting"] : []),
    ...(remoteWrite ? ["remote_write"] : []),
  ];
  const merge = `${sections.slice(0, -1).join(", ")} and ${sections.at(-1)}`;
  const note = [`${serverNote(inventory, server)}: append these ${merge} entries to your prometheus.yml.`];
  if (alerting || remoteWrite || server.replica !== undefined)
    note.push(`Set global.external_labels in it too: {${labels}}.`);
  return generatedYaml(
    SOURCE,
    {
      rule_files: [`${p.rulesDir}/${RULES_FILE}`],
      scrape_configs: [wireGuardScrapeJob(inventory, server)],
      ...(alerting ? { alerting } : {}),
      ...(remoteWrite ? { remote_write: remoteWrite } : {}),
    },
    note,
  );
}

/** A complete minimal prometheus.yml for a dedicated server: globals, our rules, Prometheus itself, WireGuard. */
export function prometheusConfig(inventory: Inventory, server: PrometheusServer = inventory.prometheus): string {
  const p = server;
  const alerting = alertingSection(inventory, server);
  const remoteWrite = remoteWriteSection(inventory, server);
  const self = new URL(p.url);
  const selfPort = self.port || (self.protocol === "https:" ? "443" : "80");
  const config = {
    global: {
      scrape_interval: p.scrapeInterval,
      scrape_timeout: p.scrapeTimeout,
      evaluation_interval: p.evaluationInterval,
      external_labels: externalLabels(inventory, server),
    },
    ...(alerting ? { alerting } : {}),
    rule_files: [`${p.rulesDir}/*.yml`],
    scrape_configs: [
      {
        job_name: "prometheus",
        scheme: self.protocol === "https:" ? "https" : "http",
        metrics_path: `${self.pathname.replace(/\/$/, "")}/metrics`,
        static_configs: [{ targets: [`${self.hostname}:${selfPort}`] }],
      },
      wireGuardScrapeJob(inventory, server),
    ],
    ...(remoteWrite ? { remote_write: remoteWrite } : {}),
  };
  return generatedYaml(SOURCE, config, [
    `${serverNote(inventory, server)}: the complete prometheus.yml (prometheus.configMode: full).`,
  ]);
}
