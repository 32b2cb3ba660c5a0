// remoteWrite.wireGuardOnly keeps the series the committed dashboards and rules read: every metric
// name in every query of dashboards/*.json and every expression of alerts/wireguard.rules.yml (read
// with the dashboard lint's PromQL parser, not the extractor the builder uses) passes its relabelling.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { load } from "js-yaml";
import { describe, expect, it } from "vitest";
import {
  dashboardQueries,
  metricNamesIn,
  metricsDashboardsAndRulesRead,
} from "../../src/build/prometheus/read-metrics";
import { wireGuardOnlyRelabel } from "../../src/build/prometheus/remote-write";
import { parsePromQL, selectors } from "../grafana/promql";
import { REPO_ROOT } from "./stacks";

/** Grafana's query-variable functions around a PromQL expression. */
function promqlOf(query: string): string {
  const labelValues = /^label_values\(([\s\S]*),\s*\w+\s*\)$/.exec(query.trim());
  if (labelValues) return labelValues[1]!;
  const queryResult = /^query_result\(([\s\S]*)\)$/.exec(query.trim());
  return queryResult ? queryResult[1]! : query;
}

/** Metric names of the selectors in a query, by the lint's parser. */
function selectorNames(query: string): string[] {
  return selectors(parsePromQL(promqlOf(query))).flatMap((s) => {
    const byMatcher = s.matchers.find((m) => m.name === "__name__" && m.op === "=")?.value;
    return s.name ? [s.name] : byMatcher ? [byMatcher] : [];
  });
}

const DASHBOARD_FILES = readdirSync(join(REPO_ROOT, "dashboards")).filter((f) => f.endsWith(".json"));
const dashboardQueriesInRepo = DASHBOARD_FILES.flatMap((f) =>
  dashboardQueries(JSON.parse(readFileSync(join(REPO_ROOT, "dashboards", f), "utf8"))).map((q) => [f, q] as const),
);
const ruleExpressionsInRepo = (
  load(readFileSync(join(REPO_ROOT, "alerts/wireguard.rules.yml"), "utf8")) as {
    groups: { rules: { expr: string }[] }[];
  }
).groups.flatMap((g) => g.rules.map((r) => ["alerts/wireguard.rules.yml", r.expr] as const));

/** What Prometheus's keep action does: the regex, anchored, against __name__. */
const kept = (name: string) => new RegExp(`^(?:${wireGuardOnlyRelabel().regex as string})$`).test(name);

describe("wireGuardOnly relabelling", () => {
  it("finds the committed dashboards' queries and the rules' expressions", () => {
    expect(DASHBOARD_FILES.length).toBeGreaterThanOrEqual(2);
    expect(dashboardQueriesInRepo.length).toBeGreaterThan(20);
    expect(ruleExpressionsInRepo.length).toBeGreaterThanOrEqual(6);
  });

  it.each([...dashboardQueriesInRepo, ...ruleExpressionsInRepo])("%s: keeps every metric of %s", (_file, query) => {
    const names = selectorNames(query);
    for (const name of names) expect(kept(name), name).toBe(true);
    // the builder's extractor sees the same names as the parser
    expect(metricNamesIn(query).sort()).toEqual([...new Set(names)].sort());
  });

  it("keeps only those names: a node_exporter series or an unused exporter series is dropped", () => {
    expect(kept("node_cpu_seconds_total")).toBe(false);
    expect(kept("wireguard_peers")).toBe(metricsDashboardsAndRulesRead().includes("wireguard_peers"));
    expect(kept("wireguard_peer_connectedX")).toBe(false);
    expect(kept("xup")).toBe(false);
  });

  it("is a keep on __name__ whose alternatives are exactly the names read", () => {
    const relabel = wireGuardOnlyRelabel();
    expect(relabel).toMatchObject({ source_labels: ["__name__"], action: "keep" });
    const all = new Set([...dashboardQueriesInRepo, ...ruleExpressionsInRepo].flatMap(([, q]) => selectorNames(q)));
    expect(metricsDashboardsAndRulesRead()).toEqual([...all].sort());
  });
});
