// The one settings object the dashboards read (names, uids, thresholds), in the spirit of a
// mixin's `_config`: committed dashboards use the defaults, a stack overrides from its Inventory.
import { durationSeconds, formatErrors, type Inventory } from "../../model/index";
import { DASHBOARD_NAMES, grafanaNameErrors, stackDashboardUids, type DashboardUids } from "./stack-names";

export interface DashboardSettings {
  /** Default of the `datasource` variable; undefined lets Grafana pick its default Prometheus. */
  datasourceUid?: string;
  /** Default of the `job` variable; undefined selects All. */
  jobName?: string;
  /** Handshakes newer than this count as connected (exporter --wireguard.connected-threshold). */
  connectedSeconds: number;
  /** Handshakes older than this are "down" (WireGuardPeerDown). */
  staleHandshakeSeconds: number;
  tags: string[];
  /** The uid each dashboard is saved under; the dashboards link to each other by these. */
  uids: DashboardUids;
  /** The environment named in every title; undefined for the generic, committed dashboards. */
  environment?: string;
}

export const defaultDashboardSettings: DashboardSettings = {
  connectedSeconds: 180,
  staleHandshakeSeconds: 300,
  tags: ["wireguard", "vpn"],
  uids: { ...DASHBOARD_NAMES },
};

/**
 * The stack's view: its datasource, job and thresholds, and uids and titles of its own.
 * Throws the config error when the environment makes a uid longer than Grafana allows.
 */
export function dashboardSettingsFor(inventory: Inventory): DashboardSettings {
  const errors = grafanaNameErrors(inventory);
  if (errors.length > 0) throw new Error(formatErrors(`stack ${inventory.stack}`, errors));
  return {
    ...defaultDashboardSettings,
    datasourceUid: inventory.grafana.datasourceUid,
    jobName: inventory.prometheus.jobName,
    connectedSeconds: durationSeconds(inventory.thresholds.connected),
    staleHandshakeSeconds: durationSeconds(inventory.thresholds.staleHandshake),
    uids: stackDashboardUids(inventory.environment),
    environment: inventory.environment,
  };
}
