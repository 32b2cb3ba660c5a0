// The committed dashboards pass grafana/dashboard-linter's rules (as written in lint-rules.ts),
// and those rules do catch what community WireGuard dashboards get wrong.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { LINT_RULES } from "./lint-rules";

const FILES = ["dashboards/wireguard-overview.json", "dashboards/wireguard-peer.json"];

describe.each(FILES)("%s", (file) => {
  const model = JSON.parse(readFileSync(file, "utf8"));
  it.each(Object.keys(LINT_RULES))("passes %s", (rule) => {
    expect(LINT_RULES[rule](model)).toEqual([]);
  });
});

describe("the lint rules", () => {
  // The shape of a typical community dashboard: hard-coded datasource, no variables,
  // raw counters, fixed rate windows, no units or descriptions.
  const community = {
    uid: "community",
    editable: true,
    templating: {
      list: [{ type: "query", name: "peer", query: "up", refresh: 1, datasource: { uid: "P1809F7CD0C75ACF3" } }],
    },
    panels: [
      {
        type: "stat",
        title: "Bytes",
        datasource: { uid: "P1809F7CD0C75ACF3" },
        targets: [{ refId: "A", expr: "sum(wireguard_received_bytes_total)" }],
      },
      {
        type: "timeseries",
        title: "",
        datasource: { uid: "P1809F7CD0C75ACF3" },
        targets: [{ refId: "A", expr: 'rate(wireguard_sent_bytes_total{job="wireguard"}[5m])' }],
      },
      {
        type: "table",
        title: "Broken",
        description: "x",
        fieldConfig: { defaults: { unit: "s" } },
        targets: [{ refId: "A", expr: "time() - (wireguard_latest_handshake_seconds" }],
      },
      { type: "piechart", title: "Empty", description: "x", fieldConfig: { defaults: { unit: "bytes" } }, targets: [] },
    ],
  };

  it.each(Object.keys(LINT_RULES))("%s flags a community-style dashboard", (rule) => {
    const problems = LINT_RULES[rule](community);
    expect(problems.length, `${rule} found nothing`).toBeGreaterThan(0);
    for (const p of problems) expect(p).toContain("dashboard 'community'");
  });

  it("names the panel and the offending query", () => {
    expect(LINT_RULES["target-counter-agg-rule"](community)).toContain(
      "dashboard 'community', panel 'Bytes', target A: counter 'wireguard_received_bytes_total' " +
        "is not inside rate, irate or increase in 'sum(wireguard_received_bytes_total)'",
    );
    expect(LINT_RULES["panel-rate-interval-rule"](community)[0]).toMatch(
      /panel '', target A: rate\(\) should use \[\$__rate_interval\], uses \[5m\]/,
    );
  });
});
