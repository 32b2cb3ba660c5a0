// Prometheus artifacts of one stack (prometheus.yml, the scrape fragment, targets, rule files), each
// with where it goes on the Prometheus server, and the generic rule file committed at alerts/.
import { posix } from "node:path";
import type { Inventory, PrometheusServer } from "../../model/index";
import { jsonText, type Artifact, type Placement } from "../artifact";
import { DEFAULT_RULE_SETTINGS, renderRules, serverRuleSettings } from "./rules";
import { prometheusConfig, RULES_FILE, scrapeFragment, targetGroups, TARGETS_FILE } from "./scrape-config";

/** Where `configMode: fragment` puts the scrape job, for the user's own prometheus.yml to include. */
const FRAGMENT_FILE = "wireguard-monitoring.scrape.yml";

/** Where `configMode: full` keeps the user's own prometheus.yml, put back when the stack's server goes. */
export const ORIGINAL_SUFFIX = ".before-wireguard-monitoring";

/** `restarts` here means "Prometheus must reload"; file_sd targets are re-read without one. */
const onServer = (target: string, reloads: boolean, more: Partial<Placement> = {}): Placement => ({
  target,
  mode: "0644",
  group: "root",
  restarts: reloads,
  ...more,
});

/**
 * Where a server keeps a password its config reads from a file (password_file): readable by Prometheus
 * (group prometheus) and nobody else. No reload: Prometheus reads a password file at every request
 * (prometheus/common config/http_config.go, FileSecret.Fetch, Immutable false).
 */
export function secretFilePlacement(server: Pick<PrometheusServer, "secretsDir">, file: string): Placement {
  return { target: posix.join(server.secretsDir, file), mode: "0640", group: "prometheus", restarts: false };
}

/** Every server's files, each server's under its own out/ directory (see PrometheusServer.outDir). */
export function prometheusArtifacts(inventory: Inventory): Artifact[] {
  return inventory.prometheusServers.flatMap((server) => serverArtifacts(inventory, server));
}

/** One server's files, marked with its name (`prometheusServer`) for the component that installs them. */
function serverArtifacts(inventory: Inventory, server: PrometheusServer): Artifact[] {
  const p = server;
  const full = p.configMode === "full";
  const fragment = posix.join(posix.dirname(p.configFile), FRAGMENT_FILE);
  const at = (file: string) => `${p.outDir}/${file}`;
  const own = { prometheusServer: p.name };
  const targets = onServer(posix.join(p.targetsDir, TARGETS_FILE), false);
  const rules = onServer(posix.join(p.rulesDir, RULES_FILE), true, { check: "rules" });
  const config = onServer(p.configFile, true, { check: "config", keepOriginal: p.configFile + ORIGINAL_SUFFIX });
  return [
    {
      path: at("prometheus.yml"),
      content: prometheusConfig(inventory, p),
      kind: "prometheus",
      ...own,
      mainConfig: p.configFile,
      ...(full ? { placement: config } : {}),
    },
    {
      path: at("scrape-fragment.yml"),
      content: scrapeFragment(inventory, p),
      kind: "prometheus",
      ...own,
      ...(full ? {} : { placement: onServer(fragment, true, { check: "config" }) }),
    },
    {
      path: at(`targets/${TARGETS_FILE}`),
      content: jsonText(targetGroups(inventory, p)),
      kind: "targets",
      ...own,
      placement: targets,
    },
    {
      path: at(`rules/${RULES_FILE}`),
      content: renderRules(serverRuleSettings(inventory, p)),
      kind: "rules",
      ...own,
      placement: rules,
    },
  ];
}

/** The generic rule file for every stack: default thresholds, job="wireguard". */
export function alertArtifacts(): Artifact[] {
  return [{ path: `alerts/${RULES_FILE}`, content: renderRules(DEFAULT_RULE_SETTINGS), kind: "rules" }];
}
