// Inhibit rules between the WireGuard alerts, so one cause pages once.
import { WIREGUARD_ALERTS_MATCHER, equalMatcher } from "./route";

export function wireGuardInhibitRules(): Record<string, unknown>[] {
  return [
    {
      // An expected peer that is down is already paged as WireGuardExpectedPeerDown.
      source_matchers: [equalMatcher("alertname", "WireGuardExpectedPeerDown")],
      target_matchers: [equalMatcher("alertname", "WireGuardPeerDown")],
      equal: ["env", "instance", "interface", "public_key"],
    },
    {
      // With the exporter down, nothing else from that instance is known; only the outage pages.
      source_matchers: [equalMatcher("alertname", "WireGuardExporterDown")],
      target_matchers: [WIREGUARD_ALERTS_MATCHER, `alertname!=${JSON.stringify("WireGuardExporterDown")}`],
      equal: ["env", "instance"],
    },
  ];
}
