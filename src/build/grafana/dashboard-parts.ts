// Small helpers shared by both dashboards: the templated datasource, Prometheus targets,
// threshold steps, value mappings, reduce options and variables, so each dashboard file reads as a list of panels.
import * as common from "@grafana/grafana-foundation-sdk/common";
import * as dashboard from "@grafana/grafana-foundation-sdk/dashboard";
import * as prometheus from "@grafana/grafana-foundation-sdk/prometheus";
import { PEER_VARIABLE_REGEX, variableQueries } from "./queries";
import type { DashboardSettings } from "./settings";
import { stackDashboardTitle } from "./stack-names";

/** Every panel, target and variable queries the datasource the user picked. */
export const datasource = { type: "prometheus", uid: "${datasource}" };

/** A range query (graphs, stats with sparklines). */
export function rangeQuery(expr: string, legend: string, refId = "A"): prometheus.DataqueryBuilder {
  return new prometheus.DataqueryBuilder().datasource(datasource).refId(refId).expr(expr).legendFormat(legend).range();
}

/** An instant query: one value per series at the end of the range; `table` keeps the labels as columns. */
export function instantQuery(
  expr: string,
  legend: string,
  format: "table" | "time_series" = "table",
): prometheus.DataqueryBuilder {
  return new prometheus.DataqueryBuilder()
    .datasource(datasource)
    .refId("A")
    .expr(expr)
    .legendFormat(legend)
    .instant()
    .format(format === "table" ? prometheus.PromQueryFormat.Table : prometheus.PromQueryFormat.TimeSeries);
}

/** Absolute threshold steps: the base colour, then [value, colour] pairs. */
export function steps(base: string, ...rest: [number, string][]): dashboard.ThresholdsConfigBuilder {
  return new dashboard.ThresholdsConfigBuilder()
    .mode(dashboard.ThresholdsMode.Absolute)
    .steps([{ value: null, color: base }, ...rest.map(([value, color]) => ({ value, color }))]);
}

/** Value 1/0 shown as words with colours (up, connected, scrape success). */
export function boolMapping(yes: string, no: string): dashboard.ValueMapping[] {
  return [
    {
      type: dashboard.MappingType.ValueToText,
      options: { "0": { text: no, color: "red", index: 1 }, "1": { text: yes, color: "green", index: 0 } },
    },
  ];
}

/** Stats and gauges show the last non-null value of the range. */
export const lastValue = () => new common.ReduceDataOptionsBuilder().calcs(["lastNotNull"]).values(false);

/** Handshake timestamps of 0 ("never") become ages above 10^9 s; show them as words. */
export const neverMapping: dashboard.ValueMapping[] = [
  {
    type: dashboard.MappingType.RangeToText,
    options: { from: 1e9, to: null, result: { text: "never", color: "red", index: 0 } },
  },
];

/** Handshake-age colours: green while connected, orange until the peer counts as down, then red. */
export function handshakeAgeSteps(s: DashboardSettings): dashboard.ThresholdsConfigBuilder {
  return steps("green", [s.connectedSeconds, "orange"], [s.staleHandshakeSeconds, "red"]);
}

// --- variables ------------------------------------------------------------------------------

function datasourceVariable(s: DashboardSettings): dashboard.DatasourceVariableBuilder {
  const v = new dashboard.DatasourceVariableBuilder("datasource").label("Data source").type("prometheus");
  return s.datasourceUid ? v.current({ text: s.datasourceUid, value: s.datasourceUid, selected: true }) : v;
}

/** A label variable in the dashboard-linter shape: multi-select, All = `.+`, reloaded with the time range. */
function labelVariable(
  name: string,
  label: string,
  query: string,
  description: string,
  multi = true,
): dashboard.QueryVariableBuilder {
  const v = new dashboard.QueryVariableBuilder(name)
    .label(label)
    .description(description)
    .datasource(datasource)
    .query(query)
    .definition(query)
    .refresh(dashboard.VariableRefresh.OnTimeRangeChanged)
    .sort(dashboard.VariableSort.AlphabeticalAsc);
  if (!multi) return v.multi(false).includeAll(false);
  return v
    .multi(true)
    .includeAll(true)
    .allValue(".+")
    .current({ text: ["All"], value: ["$__all"], selected: true });
}

function jobVariable(s: DashboardSettings): dashboard.QueryVariableBuilder {
  const v = labelVariable("job", "Job", variableQueries.job, "Prometheus job(s) scraping the WireGuard exporter.");
  return s.jobName ? v.current({ text: [s.jobName], value: [s.jobName], selected: true }) : v;
}

const instanceVariable = () =>
  labelVariable("instance", "Instance", variableQueries.instance, "Exporter target(s): one per WireGuard host.");

const interfaceVariable = () =>
  labelVariable("interface", "Interface", variableQueries.interface, "WireGuard interface(s) on the selected hosts.");

/** Peers by friendly name (the value is the public key). Multi on the overview, single on the peer dashboard. */
function peerVariable(multi: boolean): dashboard.QueryVariableBuilder {
  const description = "Peer(s), listed by friendly name; the value is the public key.";
  return labelVariable("peer", "Peer", variableQueries.peer, description, multi).regex(PEER_VARIABLE_REGEX);
}

/** What the two dashboards share: the stack's title, read-only, browser time, crosshair, the five variables. */
export function wireguardDashboard(
  s: DashboardSettings,
  d: { title: string; uid: string; description: string; from: string; multiPeer: boolean },
): dashboard.DashboardBuilder {
  return new dashboard.DashboardBuilder(stackDashboardTitle(d.title, s.environment))
    .uid(d.uid)
    .description(d.description)
    .tags(s.tags)
    .readonly()
    .time({ from: d.from, to: "now" })
    .refresh("1m")
    .timezone("browser")
    .tooltip(dashboard.DashboardCursorSync.Crosshair)
    .withVariable(datasourceVariable(s))
    .withVariable(jobVariable(s))
    .withVariable(instanceVariable())
    .withVariable(interfaceVariable())
    .withVariable(peerVariable(d.multiPeer));
}
