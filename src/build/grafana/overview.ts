// The overview dashboard: the whole fleet at a glance — who is connected, how much traffic,
// which expected peers are missing, whether the exporters themselves are healthy.
import * as common from "@grafana/grafana-foundation-sdk/common";
import * as dashboard from "@grafana/grafana-foundation-sdk/dashboard";
import * as bargauge from "@grafana/grafana-foundation-sdk/bargauge";
import * as piechart from "@grafana/grafana-foundation-sdk/piechart";
import * as stat from "@grafana/grafana-foundation-sdk/stat";
import * as table from "@grafana/grafana-foundation-sdk/table";
import * as timeseries from "@grafana/grafana-foundation-sdk/timeseries";
import {
  datasource,
  boolMapping,
  handshakeAgeSteps,
  instantQuery,
  lastValue,
  neverMapping,
  rangeQuery,
  steps,
  wireguardDashboard,
} from "./dashboard-parts";
import * as q from "./queries";
import type { DashboardSettings } from "./settings";

function summaryStat(
  title: string,
  description: string,
  expr: string,
  unit: string,
  legend = title,
): stat.PanelBuilder {
  return new stat.PanelBuilder()
    .title(title)
    .description(description)
    .datasource(datasource)
    .withTarget(rangeQuery(expr, legend))
    .unit(unit)
    .reduceOptions(lastValue())
    .graphMode(common.BigValueGraphMode.Area)
    .colorMode(common.BigValueColorMode.Value)
    .height(4)
    .span(4);
}

function perPeerRate(title: string, description: string, expr: string): timeseries.PanelBuilder {
  return new timeseries.PanelBuilder()
    .title(title)
    .description(description)
    .datasource(datasource)
    .withTarget(rangeQuery(expr, "{{friendly_name}} ({{interface}})"))
    .unit("Bps")
    .min(0)
    .fillOpacity(10)
    .legend(
      new common.VizLegendOptionsBuilder()
        .showLegend(true)
        .displayMode(common.LegendDisplayMode.Table)
        .placement(common.LegendPlacement.Right)
        .calcs(["mean", "max"]),
    )
    .tooltip(
      new common.VizTooltipOptionsBuilder().mode(common.TooltipDisplayMode.Multi).sort(common.SortOrder.Descending),
    )
    .height(8)
    .span(12);
}

/** Link from a table row to the (same stack's) peer dashboard, keeping the time range and the target variables. */
const peerDashboardLink = (peerUid: string) =>
  `/d/${peerUid}/wireguard-peer?\${__url_time_range}&\${datasource:queryparam}&\${job:queryparam}` +
  `&\${instance:queryparam}&var-interface=\${__data.fields.interface}` +
  `&var-peer=\${__data.fields.public_key:percentencode}`;

/** A green/red 1-or-0 stat per exporter target. */
function targetHealthStat(title: string, description: string, expr: string, [yes, no]: [string, string]) {
  return summaryStat(title, description, expr, "none", "{{instance}}")
    .mappings(boolMapping(yes, no))
    .thresholds(steps("red", [1, "green"]))
    .colorMode(common.BigValueColorMode.Background)
    .graphMode(common.BigValueGraphMode.None)
    .height(6)
    .span(6);
}

export function overviewDashboard(s: DashboardSettings): dashboard.DashboardBuilder {
  return wireguardDashboard(s, {
    title: "WireGuard / Overview",
    uid: s.uids.overview,
    description: "WireGuard peers, traffic and exporter health across the selected hosts.",
    from: "now-6h",
    multiPeer: true,
  })
    .link(
      new dashboard.DashboardLinkBuilder("Peer details")
        .type(dashboard.DashboardLinkType.Link)
        .url(`/d/${s.uids.peer}/wireguard-peer`)
        .icon("dashboard")
        .tooltip("One peer's bandwidth, handshakes and connection state")
        .includeVars(true)
        .keepTime(true),
    )

    .withRow(new dashboard.RowBuilder("Summary"))
    .withPanel(
      summaryStat(
        "Active peers",
        "Peers whose latest handshake is recent enough to count as connected (exporter's connected threshold).",
        q.activePeers(q.peersSelector),
        "short",
      ).thresholds(steps("blue")),
    )
    .withPanel(
      summaryStat(
        "Expected peers not connected",
        "Peers marked `expected` in the peers file without a recent " +
          "handshake. 0 is healthy; see WireGuardExpectedPeerDown.",
        q.expectedPeersNotConnected(q.peersSelector),
        "short",
      )
        .thresholds(steps("green", [1, "red"]))
        .colorMode(common.BigValueColorMode.Background),
    )
    .withPanel(
      summaryStat(
        "Firing WireGuard alerts",
        "Alerts named WireGuard* currently firing for the selected targets. " +
          "Alerts without an instance label (absent series) are not counted here.",
        q.firingAlerts(q.targetSelector),
        "short",
      )
        .thresholds(steps("green", [1, "red"]))
        .colorMode(common.BigValueColorMode.Background),
    )
    .withPanel(
      summaryStat(
        "Receive rate",
        "Bytes per second received from the selected peers, all interfaces summed.",
        q.receiveRateTotal(q.peersSelector),
        "Bps",
      ).thresholds(steps("blue")),
    )
    .withPanel(
      summaryStat(
        "Send rate",
        "Bytes per second sent to the selected peers, all interfaces summed.",
        q.sendRateTotal(q.peersSelector),
        "Bps",
      ).thresholds(steps("blue")),
    )
    .withPanel(
      new bargauge.PanelBuilder()
        .title("Peers per interface")
        .description("Peers configured on each WireGuard interface (connected or not).")
        .datasource(datasource)
        .withTarget(rangeQuery(q.peersPerInterface(q.interfaceSelector), "{{instance}} {{interface}}"))
        .unit("short")
        .min(0)
        .reduceOptions(lastValue())
        .orientation(common.VizOrientation.Horizontal)
        .displayMode(common.BarGaugeDisplayMode.Basic)
        .thresholds(steps("blue"))
        .height(4)
        .span(4),
    )

    .withRow(new dashboard.RowBuilder("Traffic"))
    .withPanel(
      perPeerRate(
        "Receive rate per peer",
        "Bytes per second received from each peer, by friendly name.",
        q.receiveRateByPeer(q.peersSelector),
      ),
    )
    .withPanel(
      perPeerRate(
        "Send rate per peer",
        "Bytes per second sent to each peer, by friendly name.",
        q.sendRateByPeer(q.peersSelector),
      ),
    )
    .withPanel(
      new piechart.PanelBuilder()
        .title("Traffic share by peer")
        .description("Bytes received plus sent per peer over the dashboard's time range.")
        .datasource(datasource)
        .withTarget(instantQuery(q.trafficByPeerInRange(q.peersSelector), "{{friendly_name}}", "time_series"))
        .unit("bytes")
        .reduceOptions(lastValue())
        .pieType(piechart.PieChartType.Donut)
        .legend(
          new piechart.PieChartLegendOptionsBuilder()
            .showLegend(true)
            .displayMode(common.LegendDisplayMode.Table)
            .placement(common.LegendPlacement.Right)
            .values([piechart.PieChartLegendValues.Value, piechart.PieChartLegendValues.Percent]),
        )
        .height(9)
        .span(9),
    )
    .withPanel(
      new table.PanelBuilder()
        .title("Handshake age by peer")
        .description(
          `Seconds since each peer's latest handshake: green while connected ` +
            `(< ${s.connectedSeconds}s), orange, then red once the peer counts as ` +
            `down (≥ ${s.staleHandshakeSeconds}s). Click a name for the peer dashboard.`,
        )
        .datasource(datasource)
        .withTarget(instantQuery(q.handshakeAge(q.peersSelector), "{{friendly_name}}"))
        .unit("s")
        .decimals(0)
        .thresholds(handshakeAgeSteps(s))
        .mappings(neverMapping)
        .sortBy([new common.TableSortByFieldStateBuilder().displayName("Handshake age").desc(true)])
        .withTransformation({
          id: "organize",
          options: {
            excludeByName: { Time: true },
            indexByName: { friendly_name: 0, Value: 1, instance: 2, interface: 3, allowed_ips: 4, public_key: 5 },
            renameByName: {
              friendly_name: "Peer",
              Value: "Handshake age",
              instance: "Instance",
              interface: "Interface",
              allowed_ips: "Allowed IPs",
              public_key: "Public key",
            },
          },
        })
        // Overrides match the names after the organize step; only the age column is coloured.
        .overrideByFieldType("number", [
          { id: "custom.cellOptions", value: { type: common.TableCellDisplayMode.ColorBackground } },
        ])
        .overrideByName("Peer", [
          { id: "links", value: [{ title: "Peer details", url: peerDashboardLink(s.uids.peer) }] },
        ])
        .height(9)
        .span(15),
    )

    .withRow(new dashboard.RowBuilder("Exporter"))
    .withPanel(
      targetHealthStat(
        "Exporter up",
        "Whether Prometheus reaches each exporter target (`up`).",
        q.exporterUp(q.targetSelector),
        ["UP", "DOWN"],
      ),
    )
    .withPanel(
      targetHealthStat(
        "Scrape success",
        "Whether the exporter's last `wg show` call worked (wireguard_scrape_success).",
        q.scrapeSuccess(q.targetSelector),
        ["OK", "FAILING"],
      ),
    )
    .withPanel(
      new timeseries.PanelBuilder()
        .title("Scrape duration")
        .description("Time the exporter's last collection (`wg show all dump`) took, per target.")
        .datasource(datasource)
        .withTarget(rangeQuery(q.scrapeDuration(q.targetSelector), "{{instance}}"))
        .unit("s")
        .min(0)
        .legend(
          new common.VizLegendOptionsBuilder()
            .showLegend(true)
            .displayMode(common.LegendDisplayMode.List)
            .placement(common.LegendPlacement.Bottom),
        )
        .tooltip(
          new common.VizTooltipOptionsBuilder().mode(common.TooltipDisplayMode.Multi).sort(common.SortOrder.Descending),
        )
        .height(6)
        .span(12),
    )

    .withRow(new dashboard.RowBuilder("Alerts"))
    .withPanel(
      new table.PanelBuilder()
        .title("Firing WireGuard alerts (list)")
        .description(
          "Each firing WireGuard* alert with its severity, target and peer; empty when " +
            "all is well. Runbooks: see the alert's runbook_url annotation in Alertmanager.",
        )
        .datasource(datasource)
        .withTarget(instantQuery(q.firingAlertList(q.targetSelector), "{{alertname}}"))
        .unit("none")
        .sortBy([new common.TableSortByFieldStateBuilder().displayName("Severity")])
        .withTransformation({
          id: "organize",
          options: {
            excludeByName: { Time: true, Value: true },
            indexByName: { alertname: 0, severity: 1, instance: 2, interface: 3, friendly_name: 4 },
            renameByName: {
              alertname: "Alert",
              severity: "Severity",
              instance: "Instance",
              interface: "Interface",
              friendly_name: "Peer",
            },
          },
        })
        .noValue("No WireGuard alert is firing")
        .height(6)
        .span(24),
    );
}
