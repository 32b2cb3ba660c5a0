// The peer dashboard: one peer over time — bandwidth, handshake age, connected state and,
// where the exporter is allowed to export them, the endpoints it connected from.
import * as common from "@grafana/grafana-foundation-sdk/common";
import * as dashboard from "@grafana/grafana-foundation-sdk/dashboard";
import * as stat from "@grafana/grafana-foundation-sdk/stat";
import * as statetimeline from "@grafana/grafana-foundation-sdk/statetimeline";
import * as timeseries from "@grafana/grafana-foundation-sdk/timeseries";
import {
  boolMapping,
  datasource,
  handshakeAgeSteps,
  lastValue,
  neverMapping,
  rangeQuery,
  steps,
  wireguardDashboard,
} from "./dashboard-parts";
import * as q from "./queries";
import type { DashboardSettings } from "./settings";

const sel = q.onePeerSelector;
const legendList = () =>
  new common.VizLegendOptionsBuilder()
    .showLegend(true)
    .displayMode(common.LegendDisplayMode.List)
    .placement(common.LegendPlacement.Bottom);
const tooltipAll = () =>
  new common.VizTooltipOptionsBuilder().mode(common.TooltipDisplayMode.Multi).sort(common.SortOrder.None);

function peerStat(title: string, description: string, expr: string, unit: string): stat.PanelBuilder {
  return new stat.PanelBuilder()
    .title(title)
    .description(description)
    .datasource(datasource)
    .withTarget(rangeQuery(expr, title))
    .unit(unit)
    .reduceOptions(lastValue())
    .graphMode(common.BigValueGraphMode.None)
    .colorMode(common.BigValueColorMode.Background)
    .height(4)
    .span(4);
}

export function peerDashboard(s: DashboardSettings): dashboard.DashboardBuilder {
  return wireguardDashboard(s, {
    title: "WireGuard / Peer",
    uid: s.uids.peer,
    description: "One WireGuard peer over time: bandwidth, handshakes, connection state, endpoints.",
    from: "now-24h",
    multiPeer: false,
  })
    .link(
      new dashboard.DashboardLinkBuilder("WireGuard overview")
        .type(dashboard.DashboardLinkType.Link)
        .url(`/d/${s.uids.overview}/wireguard-overview`)
        .icon("dashboard")
        .tooltip("All peers, traffic and exporter health")
        .includeVars(false)
        .keepTime(true),
    )

    .withRow(new dashboard.RowBuilder("Now"))
    .withPanel(
      peerStat(
        "Connected",
        "Whether the latest handshake is within the exporter's connected threshold.",
        q.peerConnected(sel),
        "none",
      )
        .mappings(boolMapping("CONNECTED", "NOT CONNECTED"))
        .thresholds(steps("red", [1, "green"])),
    )
    .withPanel(
      peerStat(
        "Expected",
        "Whether the peers file marks this peer `expected` (it then alerts when down).",
        q.peerExpected(sel),
        "none",
      )
        .mappings(boolMapping("EXPECTED", "OPTIONAL"))
        .thresholds(steps("blue")),
    )
    .withPanel(
      peerStat(
        "Handshake age",
        `Seconds since the latest handshake (orange ≥ ${s.connectedSeconds}s, red ≥ ${s.staleHandshakeSeconds}s).`,
        q.handshakeAge(sel),
        "s",
      )
        .mappings(neverMapping)
        .thresholds(handshakeAgeSteps(s))
        .decimals(0),
    )
    .withPanel(
      peerStat("Receive rate", "Bytes per second received from this peer.", q.receiveRateByPeer(sel), "Bps")
        .thresholds(steps("blue"))
        .graphMode(common.BigValueGraphMode.Area)
        .colorMode(common.BigValueColorMode.Value),
    )
    .withPanel(
      peerStat("Send rate", "Bytes per second sent to this peer.", q.sendRateByPeer(sel), "Bps")
        .thresholds(steps("blue"))
        .graphMode(common.BigValueGraphMode.Area)
        .colorMode(common.BigValueColorMode.Value),
    )
    .withPanel(
      peerStat(
        "Traffic in range",
        "Bytes received plus sent over the dashboard's time range.",
        q.trafficByPeerInRange(sel),
        "bytes",
      )
        .thresholds(steps("blue"))
        .colorMode(common.BigValueColorMode.Value),
    )

    .withRow(new dashboard.RowBuilder("History"))
    .withPanel(
      new timeseries.PanelBuilder()
        .title("Bandwidth")
        .description("Bytes per second received from (up) and sent to (down) this peer.")
        .datasource(datasource)
        .withTarget(rangeQuery(q.receiveRateByPeer(sel), "received", "A"))
        .withTarget(rangeQuery(q.sendRateByPeer(sel), "sent", "B"))
        .unit("Bps")
        .fillOpacity(10)
        .overrideByQuery("B", [{ id: "custom.transform", value: common.GraphTransform.NegativeY }])
        .legend(legendList())
        .tooltip(tooltipAll())
        .height(8)
        .span(24),
    )
    .withPanel(
      new timeseries.PanelBuilder()
        .title("Handshake age")
        .description(
          `Seconds since the latest handshake over time; WireGuard re-handshakes ` +
            `about every 2 minutes while traffic flows. Dashed lines: connected ` +
            `(${s.connectedSeconds}s) and down (${s.staleHandshakeSeconds}s) thresholds.`,
        )
        .datasource(datasource)
        .withTarget(rangeQuery(q.handshakeAgeSeen(sel), "handshake age"))
        .unit("s")
        .min(0)
        .thresholds(handshakeAgeSteps(s))
        .thresholdsStyle(new common.GraphThresholdsStyleConfigBuilder().mode(common.GraphThresholdsStyleMode.Dashed))
        .legend(legendList())
        .tooltip(tooltipAll())
        .height(8)
        .span(12),
    )
    .withPanel(
      new statetimeline.PanelBuilder()
        .title("Connected state")
        .description("Connected (recent handshake) or not, over time.")
        .datasource(datasource)
        .withTarget(rangeQuery(q.peerConnected(sel), "{{friendly_name}}"))
        .unit("none")
        .mappings(boolMapping("connected", "not connected"))
        .thresholds(steps("red", [1, "green"]))
        .showValue(common.VisibilityMode.Never)
        .mergeValues(true)
        .legend(legendList())
        .height(8)
        .span(12),
    )
    .withPanel(
      new statetimeline.PanelBuilder()
        .title("Endpoints")
        .description(
          "Client endpoints (address:port) this peer connected from; a new row is an endpoint change. " +
            "Only exported with the exporter's --wireguard.export-endpoints (endpoints are personal data).",
        )
        .datasource(datasource)
        .withTarget(rangeQuery(q.peerEndpoints(sel), "{{endpoint}}"))
        .unit("none")
        .mappings([
          { type: dashboard.MappingType.ValueToText, options: { "1": { text: "seen", color: "blue", index: 0 } } },
        ])
        .thresholds(steps("blue"))
        .showValue(common.VisibilityMode.Never)
        .mergeValues(true)
        .legend(legendList().showLegend(false))
        .noValue("not exported (--wireguard.export-endpoints is off)")
        .height(6)
        .span(24),
    );
}
