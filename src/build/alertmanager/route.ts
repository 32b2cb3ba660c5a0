// The Alertmanager route for the stack's WireGuard alerts: matched by alert name and env, grouped,
// and split by severity onto the receivers the stack names (receivers themselves stay the user's).
import type { Inventory } from "../../model/index";
import type { AlertRouteConfig } from "../../model/schema";

const SEVERITIES = ["critical", "warning", "info"] as const;
export type Severity = (typeof SEVERITIES)[number];

/** Matches every alert the rules define (they all start with "WireGuard"). */
export const WIREGUARD_ALERTS_MATCHER = 'alertname=~"WireGuard.+"';

/** A matcher `label="value"`, the value quoted as Alertmanager's matcher parser reads it (Go-style escapes). */
export function equalMatcher(label: string, value: string): string {
  return `${label}=${JSON.stringify(value)}`;
}

/** Severity → receiver name: warning and info fall back to critical's. */
export function severityReceivers(route: AlertRouteConfig): Record<Severity, string> {
  const { critical, warning = critical, info = critical } = route.receivers;
  return { critical, warning, info };
}

/**
 * The subtree to add to the `routes:` of a root route: every WireGuard alert of this environment,
 * grouped and timed as the stack says, one child per severity; an alert without a known severity
 * stays with critical's receiver rather than falling through.
 */
export function wireGuardRoute(inventory: Inventory, route: AlertRouteConfig): Record<string, unknown> {
  const receivers = severityReceivers(route);
  return {
    receiver: receivers.critical,
    matchers: [WIREGUARD_ALERTS_MATCHER, equalMatcher("env", inventory.environment)],
    group_by: [...route.groupBy],
    group_wait: route.groupWait,
    group_interval: route.groupInterval,
    repeat_interval: route.repeatInterval,
    routes: SEVERITIES.map((severity) => ({
      receiver: receivers[severity],
      matchers: [equalMatcher("severity", severity)],
    })),
  };
}
