// The committed dashboards' queries run against a real Prometheus the way Grafana runs them: variables
// resolved through their own queries, Grafana's escaping of multi-value variables, instant targets at
// now and range targets over the last 30 s. Used by every live test that asks "does each panel show
// something here" (one Prometheus scraping a tunnel, or a central store fed by remote write).
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { dataPanels } from "../grafana/lint-rules";

/* eslint-disable @typescript-eslint/no-explicit-any */
export type Json = any;

const DASHBOARD_UIDS = ["wireguard-overview", "wireguard-peer"] as const;

/** Grafana's time variables for a 1 s scrape interval at the zoom the tests use. */
const TIME_VARIABLES: Readonly<Record<string, string>> = {
  __rate_interval: "10s", // what Grafana computes for a 1 s scrape interval at this zoom: ≥ 4 scrapes
  __range: "1m",
  __interval: "1s",
};
/** The query_range window of range targets, in seconds. */
const RANGE_SECONDS = 30;

interface SeriesValue {
  metric: Record<string, string>;
  value: number;
}

interface VariableOption {
  text: string;
  value: string;
}

/** The committed dashboards (`dashboards/<uid>.json`), by uid. */
export function committedDashboards(): Record<string, Json> {
  const root = resolve(__dirname, "../..");
  return Object.fromEntries(
    DASHBOARD_UIDS.map((uid) => [uid, JSON.parse(readFileSync(join(root, "dashboards", `${uid}.json`), "utf8"))]),
  );
}

/** How Grafana's Prometheus datasource escapes a multi-value variable's values for a regex matcher. */
export function regexValue(values: string[]): string {
  const esc = values.map((v) => v.replace(/\\/g, "\\\\\\\\").replace(/[$^*{}[\]'+?.()|]/g, "\\\\$&"));
  return esc.length === 1 ? esc[0] : `(${esc.join("|")})`;
}

/** Grafana's interpolation of the global and dashboard variables used in our queries; a variable left over throws. */
function interpolate(expr: string, vars: Record<string, string>): string {
  const all: Record<string, string> = { ...TIME_VARIABLES, ...vars };
  const out = expr.replace(
    /\$\{([a-zA-Z_]\w*)\}|\$([a-zA-Z_]\w*)/g,
    (m, a: string | undefined, b: string | undefined) => all[(a ?? b)!] ?? m,
  );
  const left = /\$\{?[a-zA-Z_]\w*/.exec(out);
  if (left) throw new Error(`unresolved variable ${left[0]} in '${expr}'`);
  return out;
}

/** Every PromQL expression a dashboard runs: its panels' targets and its query variables' selectors and queries. */
export function dashboardExpressions(d: Json): string[] {
  const targets = dataPanels(d).flatMap((p) => (p.targets ?? []).map((t: Json) => String(t.expr)));
  const variables = (d.templating?.list ?? [])
    .filter((v: Json) => v.type === "query")
    .map((v: Json) => {
      const q = String(v.query);
      return (/^label_values\((.*),\s*\w+\)$/s.exec(q) ?? /^query_result\((.*)\)$/s.exec(q))?.[1] ?? q;
    });
  return [...targets, ...variables];
}

/** Grafana's view of one Prometheus: panel targets and query variables, run through its HTTP API. */
export interface DashboardQueries {
  /** GET `path` with `params` (repeated for arrays); the `data` of a successful answer. */
  api(path: string, params: Record<string, string | string[]>): Promise<Json>;
  /** A panel target: instant at now, or the range's last value per series. */
  runTarget(target: Json, vars: Record<string, string>): Promise<SeriesValue[]>;
  /**
   * The options a query variable offers: label_values via the
   * series API, query_result as Grafana formats and filters it.
   */
  variableOptions(variable: Json, vars: Record<string, string>): Promise<VariableOption[]>;
  /**
   * The dashboard's variables in order: multi-selects as `multi(name)` (default: their All value),
   * single-selects as `pick`'s choice. A variable offering nothing throws.
   */
  resolveVariables(
    dashboard: Json,
    pick: (name: string, options: VariableOption[]) => string,
    multi?: (name: string, variable: Json) => string | undefined,
  ): Promise<Record<string, string>>;
  /** Every target of every data panel that returns no series, as messages naming dashboard, panel and query. */
  emptyTargets(dashboard: Json, vars: Record<string, string>): Promise<string[]>;
}

export function dashboardQueries(prometheusUrl: string): DashboardQueries {
  const api: DashboardQueries["api"] = async (path, params) => {
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(params)) for (const one of [v].flat()) q.append(k, one);
    const res = await fetch(`${prometheusUrl}${path}?${q}`);
    const body = (await res.json()) as { status: string; data: unknown; error?: string };
    if (body.status !== "success") throw new Error(`${path}: ${body.error ?? res.status}`);
    return body.data;
  };

  const runTarget: DashboardQueries["runTarget"] = async (t, vars) => {
    const expr = interpolate(t.expr, vars);
    const now = Date.now() / 1000;
    if (t.instant) {
      const data = await api("/api/v1/query", { query: expr, time: String(now) });
      if (data.resultType === "scalar") return [{ metric: {}, value: Number(data.result[1]) }];
      return data.result.map((s: Json) => ({ metric: s.metric, value: Number(s.value[1]) }));
    }
    const data = await api("/api/v1/query_range", {
      query: expr,
      start: String(now - RANGE_SECONDS),
      end: String(now),
      step: "1",
    });
    return data.result.map((s: Json) => ({ metric: s.metric, value: Number(s.values.at(-1)[1]) }));
  };

  const variableOptions: DashboardQueries["variableOptions"] = async (v, vars) => {
    const query = interpolate(v.query, vars);
    const lv = /^label_values\((.*),\s*(\w+)\)$/s.exec(query);
    if (lv) {
      const values: string[] = await api(`/api/v1/label/${lv[2]}/values`, { "match[]": lv[1] });
      return values.map((x) => ({ text: x, value: x }));
    }
    const qr = /^query_result\((.*)\)$/s.exec(query);
    if (!qr) throw new Error(`variable ${v.name}: unsupported query '${v.query}'`);
    const data = await api("/api/v1/query", { query: qr[1] });
    const regex = v.regex ? new RegExp(/^\/(.*)\/$/.exec(v.regex)![1]) : undefined;
    return data.result.flatMap((s: Json) => {
      const { __name__ = "", ...labels } = s.metric;
      const line = `${__name__}{${Object.entries(labels)
        .map(([k, val]) => `${k}="${val}"`)
        .join(",")}} ${s.value[1]} ${s.value[0] * 1000}`;
      if (!regex) return [{ text: line, value: line }];
      const m = regex.exec(line);
      return m ? [{ text: m.groups?.text ?? m[1] ?? line, value: m.groups?.value ?? m[1] ?? line }] : [];
    });
  };

  const resolveVariables: DashboardQueries["resolveVariables"] = async (d, pick, multi = () => undefined) => {
    const vars: Record<string, string> = { datasource: "prometheus" };
    for (const v of d.templating.list) {
      if (v.type !== "query") continue;
      const options = await variableOptions(v, vars);
      if (options.length === 0) {
        throw new Error(
          `dashboard '${d.uid}': variable '${v.name}' offers no values for '${interpolate(v.query, vars)}'`,
        );
      }
      vars[v.name] = v.multi ? (multi(v.name, v) ?? v.allValue) : pick(v.name, options);
    }
    return vars;
  };

  const emptyTargets: DashboardQueries["emptyTargets"] = async (d, vars) => {
    const empty: string[] = [];
    for (const p of dataPanels(d)) {
      for (const t of p.targets) {
        const result = await runTarget(t, vars).catch((e: Error) => {
          throw new Error(`dashboard '${d.uid}', panel '${p.title}', target ${t.refId}: ${e.message}`);
        });
        if (result.length > 0) continue;
        empty.push(
          `dashboard '${d.uid}', panel '${p.title}', target ${t.refId}: no series for '${interpolate(t.expr, vars)}'`,
        );
      }
    }
    return empty;
  };

  return { api, runTarget, variableOptions, resolveVariables, emptyTargets };
}
