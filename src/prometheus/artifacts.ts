// Prometheus artifacts of one stack (prometheus.yml, the scrape fragment, targets, rule files),
// and the generic rule file committed at alerts/.
import type { Inventory } from "../config/index";
import { jsonText, type Artifact } from "../render/artifact";
import { DEFAULT_RULE_SETTINGS, renderRules, ruleSettingsFor } from "./rules";
import { prometheusConfig, RULES_FILE, scrapeFragment, targetGroups, TARGETS_FILE } from "./scrape-config";

export function prometheusArtifacts(inventory: Inventory): Artifact[] {
  return [
    { path: "prometheus/prometheus.yml", content: prometheusConfig(inventory), kind: "prometheus" },
    { path: "prometheus/scrape-fragment.yml", content: scrapeFragment(inventory), kind: "prometheus" },
    { path: `prometheus/targets/${TARGETS_FILE}`, content: jsonText(targetGroups(inventory)), kind: "targets" },
    { path: `prometheus/rules/${RULES_FILE}`, content: renderRules(ruleSettingsFor(inventory)), kind: "rules" },
  ];
}

/** The generic rule file for every stack: default thresholds, job="wireguard". */
export function alertArtifacts(): Artifact[] {
  return [{ path: `alerts/${RULES_FILE}`, content: renderRules(DEFAULT_RULE_SETTINGS), kind: "rules" }];
}
