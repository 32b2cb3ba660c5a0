// The one settings object the dashboards read (names, uids, thresholds), in the spirit of a
// mixin's `_config`: committed dashboards use the defaults, a stack may override from its Inventory.
import { durationSeconds, type Inventory } from "../config/index";

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
}

export const OVERVIEW_UID = "wireguard-overview";
export const PEER_UID = "wireguard-peer";

export const defaultDashboardSettings: DashboardSettings = {
  connectedSeconds: 180,
  staleHandshakeSeconds: 300,
  tags: ["wireguard", "vpn"],
};

/** The stack's view: its datasource, its job name and its thresholds. */
export function dashboardSettingsFor(inventory: Inventory): DashboardSettings {
  return {
    ...defaultDashboardSettings,
    datasourceUid: inventory.grafana.datasourceUid,
    jobName: inventory.prometheus.jobName,
    connectedSeconds: durationSeconds(inventory.thresholds.connected),
    staleHandshakeSeconds: durationSeconds(inventory.thresholds.staleHandshake),
  };
}
