// The scrape side: the WireGuard job (scheme, TLS, basic auth, intervals, file_sd), the targets
// file it reads, a fragment to merge into an existing prometheus.yml and a complete minimal one.
import { isIP } from "node:net";
import type { Inventory } from "../config/index";
import { generatedYaml } from "./yaml";

/** File names under prometheus.targetsDir / rulesDir / secretsDir on the Prometheus server. */
export const TARGETS_FILE = "wireguard.json";
export const RULES_FILE = "wireguard.rules.yml";
export const PASSWORD_FILE = "wireguard-exporter-password";

const SOURCE = "src/prometheus/scrape-config.ts";

export interface TargetGroup {
  targets: string[];
  labels: Record<string, string>;
}

/** One file_sd group per host: `<address>:<port>` (IPv6 bracketed), labels host, env, then the host's own. */
export function targetGroups(inventory: Inventory): TargetGroup[] {
  return inventory.hosts.map((host) => {
    const address = isIP(host.address) === 6 ? `[${host.address}]` : host.address;
    const labels: Record<string, string> = { host: host.name, env: inventory.environment };
    for (const key of Object.keys(host.labels).sort()) labels[key] = host.labels[key];
    return { targets: [`${address}:${inventory.exporter.port}`], labels };
  });
}

/** The scrape job for the stack's exporters; a password never appears, only the file holding it. */
export function wireGuardScrapeJob(inventory: Inventory): Record<string, unknown> {
  const { prometheus: p, exporter: e } = inventory;
  const job: Record<string, unknown> = {
    job_name: p.jobName,
    scrape_interval: p.scrapeInterval,
    scrape_timeout: p.scrapeTimeout,
    metrics_path: e.telemetryPath,
    scheme: e.tls.enabled ? "https" : "http",
  };
  if (e.basicAuth.enabled) job.basic_auth = { username: e.basicAuth.username, password_file: `${p.secretsDir}/${PASSWORD_FILE}` };
  if (e.tls.enabled) {
    job.tls_config = { ...(e.tls.caFile ? { ca_file: e.tls.caFile } : {}), insecure_skip_verify: e.tls.insecureSkipVerify };
  }
  // file_sd: Prometheus watches the file, so adding a host needs no reload.
  job.file_sd_configs = [{ files: [`${p.targetsDir}/${TARGETS_FILE}`] }];
  // instance = host name rather than address:port, so alerts and dashboards name the machine and
  // survive an address change. Peer names need no relabelling (the guide's peer_id from
  // allowed_ips): the exporter labels every peer series with friendly_name from the peers file.
  job.relabel_configs = [{ source_labels: ["host"], target_label: "instance" }];
  return job;
}

/** Merge into an existing prometheus.yml: append to its rule_files and scrape_configs. */
export function scrapeFragment(inventory: Inventory): string {
  const p = inventory.prometheus;
  return generatedYaml(SOURCE, { rule_files: [`${p.rulesDir}/${RULES_FILE}`], scrape_configs: [wireGuardScrapeJob(inventory)] }, [
    `stack ${inventory.stack}: append these rule_files and scrape_configs entries to your prometheus.yml.`,
  ]);
}

/** A complete minimal prometheus.yml for a dedicated server: globals, our rules, Prometheus itself, WireGuard. */
export function prometheusConfig(inventory: Inventory): string {
  const p = inventory.prometheus;
  const self = new URL(p.url);
  const selfPort = self.port || (self.protocol === "https:" ? "443" : "80");
  const config = {
    global: { scrape_interval: p.scrapeInterval, scrape_timeout: p.scrapeTimeout, evaluation_interval: p.evaluationInterval },
    rule_files: [`${p.rulesDir}/*.yml`],
    scrape_configs: [
      {
        job_name: "prometheus",
        scheme: self.protocol === "https:" ? "https" : "http",
        metrics_path: `${self.pathname.replace(/\/$/, "")}/metrics`,
        static_configs: [{ targets: [`${self.hostname}:${selfPort}`] }],
      },
      wireGuardScrapeJob(inventory),
    ],
  };
  return generatedYaml(SOURCE, config, [`stack ${inventory.stack}: the complete prometheus.yml (prometheus.configMode: full).`]);
}
