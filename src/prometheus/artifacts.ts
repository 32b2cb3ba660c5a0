// Prometheus artifacts of one stack (prometheus.yml, the scrape fragment, targets, rule files), each
// with where it goes on the Prometheus server, and the generic rule file committed at alerts/.
import { posix } from "node:path";
import type { Inventory } from "../config/index";
import { jsonText, type Artifact, type Placement } from "../render/artifact";
import { DEFAULT_RULE_SETTINGS, renderRules, ruleSettingsFor } from "./rules";
import { prometheusConfig, RULES_FILE, scrapeFragment, targetGroups, TARGETS_FILE } from "./scrape-config";

/** Where `configMode: fragment` puts the scrape job, for the user's own prometheus.yml to include. */
export const FRAGMENT_FILE = "wireguard-monitoring.scrape.yml";

/** `restarts` here means "Prometheus must reload"; file_sd targets are re-read without one. */
const onServer = (target: string, reloads: boolean): Placement => ({ target, mode: "0644", group: "root", restarts: reloads });

export function prometheusArtifacts(inventory: Inventory): Artifact[] {
  const p = inventory.prometheus;
  const full = p.configMode === "full";
  const fragment = posix.join(posix.dirname(p.configFile), FRAGMENT_FILE);
  return [
    { path: "prometheus/prometheus.yml", content: prometheusConfig(inventory), kind: "prometheus", ...(full ? { placement: onServer(p.configFile, true) } : {}) },
    { path: "prometheus/scrape-fragment.yml", content: scrapeFragment(inventory), kind: "prometheus", ...(full ? {} : { placement: onServer(fragment, true) }) },
    { path: `prometheus/targets/${TARGETS_FILE}`, content: jsonText(targetGroups(inventory)), kind: "targets", placement: onServer(posix.join(p.targetsDir, TARGETS_FILE), false) },
    { path: `prometheus/rules/${RULES_FILE}`, content: renderRules(ruleSettingsFor(inventory)), kind: "rules", placement: onServer(posix.join(p.rulesDir, RULES_FILE), true) },
  ];
}

/** The generic rule file for every stack: default thresholds, job="wireguard". */
export function alertArtifacts(): Artifact[] {
  return [{ path: `alerts/${RULES_FILE}`, content: renderRules(DEFAULT_RULE_SETTINGS), kind: "rules" }];
}
