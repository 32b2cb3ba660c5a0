// The metric names the committed dashboards and rules read, taken from their PromQL so that the
// list cannot drift from them: remote write's `wireGuardOnly` keeps exactly these.
import { buildDashboards } from "../grafana/dashboards";
import { DEFAULT_RULE_SETTINGS, ruleGroups } from "./rules";

const KEYWORDS = [
  "by",
  "without",
  "on",
  "ignoring",
  "group_left",
  "group_right",
  "bool",
  "and",
  "or",
  "unless",
  "offset",
  "atan2",
  "inf",
  "nan",
];
/** Aggregation operators may stand before `by (…)` rather than "(". */
const AGGREGATIONS = [
  ...["sum", "min", "max", "avg", "group", "stddev", "stdvar", "count"],
  ...["count_values", "bottomk", "topk", "quantile", "limitk", "limit_ratio"],
];
const NOT_METRICS = new Set([...KEYWORDS, ...AGGREGATIONS]);

/**
 * Metric names in a PromQL expression (or a Grafana `label_values(<selector>, <label>)` query): the
 * identifiers left once strings, label matchers, ranges and grouping label lists are taken out,
 * that are neither a function (followed by "(") nor a keyword.
 */
export function metricNamesIn(query: string): string[] {
  let text = query.replace(/^\s*label_values\(([\s\S]*),\s*[A-Za-z_][A-Za-z0-9_]*\s*\)\s*$/, "$1");
  text = text
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, '""')
    .replace(/\{[^}]*\}/g, "{}")
    .replace(/\[[^\]]*\]/g, "[]")
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, "$1");
  const names = new Set<string>();
  for (const m of text.matchAll(/(?<![\w$.:])[A-Za-z_:][A-Za-z0-9_:]*(?!\s*\()/g)) {
    if (!NOT_METRICS.has(m[0].toLowerCase()) && !text.slice(m.index! + m[0].length).match(/^[A-Za-z0-9_:]/))
      names.add(m[0]);
  }
  return [...names];
}

/** Every PromQL query in a dashboard model: each `expr` (panel targets) and each query variable's `query`. */
export function dashboardQueries(model: unknown): string[] {
  const out: string[] = [];
  const walk = (value: unknown): void => {
    if (Array.isArray(value)) value.forEach(walk);
    else if (typeof value === "object" && value !== null) {
      for (const [k, v] of Object.entries(value))
        if (k === "expr" && typeof v === "string") out.push(v);
        else walk(v);
    }
  };
  walk(model);
  for (const variable of (model as { templating?: { list?: { type?: string; query?: unknown }[] } }).templating?.list ??
    []) {
    if (variable.type !== "query") continue;
    const q = variable.query;
    if (typeof q === "string") out.push(q);
    else if (typeof q === "object" && q !== null && typeof (q as { query?: unknown }).query === "string")
      out.push((q as { query: string }).query);
  }
  return out;
}

/** Every PromQL expression of the committed rules (one bandwidth limit and one host, so every rule shape is there). */
function ruleExpressions(): string[] {
  const peerBandwidthLimits = [{ publicKey: "k", friendlyName: "n", bytesPerSecond: 1 }];
  const settings = { ...DEFAULT_RULE_SETTINGS, expectedHosts: ["host"], peerBandwidthLimits };
  return ruleGroups(settings).groups.flatMap((g) => g.rules.map((r) => r.expr));
}

let cached: string[] | undefined;

/** Sorted metric names of every dashboard query and rule expression. */
export function metricsDashboardsAndRulesRead(): string[] {
  cached ??= [
    ...new Set(
      [...buildDashboards().flatMap((d) => dashboardQueries(d.model)), ...ruleExpressions()].flatMap(metricNamesIn),
    ),
  ].sort();
  return [...cached];
}
