// The Alertmanager files of a stack with `alerting.route`: the fragment to merge into an existing
// Alertmanager (route subtree + inhibit rules) and a complete alertmanager.yml built around it.
import type { Inventory } from "../../model/index";
import type { AlertRouteConfig } from "../../model/schema";
import { generatedYaml } from "../prometheus/yaml";
import { wireGuardInhibitRules } from "./inhibit-rules";
import { severityReceivers, wireGuardRoute } from "./route";

const SOURCE = "src/build/alertmanager/config.ts";

/** The root route's receiver in the complete config: alerts that are not this stack's WireGuard alerts. */
const DEFAULT_RECEIVER = "default";

export function routeFragment(inventory: Inventory, route: AlertRouteConfig): string {
  return generatedYaml(SOURCE, { route: wireGuardRoute(inventory, route), inhibit_rules: wireGuardInhibitRules() }, [
    `stack ${inventory.stack}: add \`route\` as an entry of your root route's \`routes:\` (before any catch-all),`,
    "and append `inhibit_rules` to yours; the receivers it names must exist in your alertmanager.yml.",
  ]);
}

/**
 * A complete Alertmanager config: receivers without integrations,
 * for the user to fill in (webhook, email, Slack, PagerDuty).
 */
export function alertmanagerConfig(inventory: Inventory, route: AlertRouteConfig): string {
  const names = [DEFAULT_RECEIVER, ...Object.values(severityReceivers(route))].filter(
    (n, i, all) => all.indexOf(n) === i,
  );
  const config = {
    route: {
      receiver: DEFAULT_RECEIVER,
      group_by: [...route.groupBy],
      group_wait: route.groupWait,
      group_interval: route.groupInterval,
      repeat_interval: route.repeatInterval,
      routes: [wireGuardRoute(inventory, route)],
    },
    inhibit_rules: wireGuardInhibitRules(),
    receivers: names.map((name) => ({ name })),
  };
  return generatedYaml(SOURCE, config, [
    `stack ${inventory.stack}: a complete alertmanager.yml; give each receiver its integrations`,
    "(webhook_configs, email_configs, slack_configs, pagerduty_configs).",
  ]);
}
