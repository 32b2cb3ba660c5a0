// grafana/dashboard-linter's rules, written over our dashboard JSON (the Go binary cannot be
// installed here). Each rule returns its problems as messages naming the dashboard and panel.
import { parsePromQL, selectors, walk, type Node } from "./promql";

/* eslint-disable @typescript-eslint/no-explicit-any */
type Json = any;

// Grafana's unit ids (dashboard-linter's list, grafana-data valueFormats),
// the ones a WireGuard dashboard could use plus the common rest.
const VALID_UNITS = new Set([
  "none",
  "string",
  "short",
  "percent",
  "percentunit",
  "hex0x",
  "hex",
  "sci",
  "locale",
  "bytes",
  "decbytes",
  "bits",
  "decbits",
  "kbytes",
  "deckbytes",
  "mbytes",
  "decmbytes",
  "gbytes",
  "decgbytes",
  "tbytes",
  "dectbytes",
  "pbytes",
  "decpbytes",
  "pps",
  "binBps",
  "Bps",
  "binbps",
  "bps",
  "KiBs",
  "Kibits",
  "KBs",
  "Kbits",
  "MiBs",
  "Mibits",
  "MBs",
  "Mbits",
  "GiBs",
  "Gibits",
  "GBs",
  "Gbits",
  "dateTimeAsIso",
  "dateTimeAsIsoNoDateIfToday",
  "dateTimeAsUS",
  "dateTimeAsUSNoDateIfToday",
  "dateTimeAsLocal",
  "dateTimeAsLocalNoDateIfToday",
  "dateTimeAsSystem",
  "dateTimeFromNow",
  "hertz",
  "ns",
  "µs",
  "ms",
  "s",
  "m",
  "h",
  "d",
  "dtdurationms",
  "dtdurations",
  "dthms",
  "dtdhms",
  "timeticks",
  "clockms",
  "clocks",
  "cps",
  "ops",
  "reqps",
  "rps",
  "wps",
  "iops",
  "cpm",
  "opm",
  "rpm",
  "wpm",
  "bool",
  "bool_yes_no",
  "bool_on_off",
]);
const TEMPLATED_DATASOURCE = new Set(["$datasource", "${datasource}"]);
const VARIABLE_FUNCTIONS = ["label_names", "label_values", "metrics", "query_result"];

const where = (d: Json, p?: Json) => (p ? `dashboard '${d.uid}', panel '${p.title}'` : `dashboard '${d.uid}'`);

/** Every panel that shows data (rows and the panels folded inside collapsed rows included). */
export function dataPanels(d: Json): Json[] {
  const out: Json[] = [];
  for (const p of d.panels ?? []) {
    if (p.type === "row") out.push(...(p.panels ?? []));
    else out.push(p);
  }
  return out;
}

function variable(d: Json, name: string): Json | undefined {
  return (d.templating?.list ?? []).find((v: Json) => v.name === name);
}

function parseTarget(d: Json, p: Json, t: Json): { node?: Node; error?: string } {
  try {
    return { node: parsePromQL(String(t.expr ?? "")) };
  } catch (e) {
    return { error: `${where(d, p)}, target ${t.refId}: invalid PromQL '${t.expr}': ${(e as Error).message}` };
  }
}

function eachTarget(d: Json, fn: (p: Json, t: Json, node: Node) => string[]): string[] {
  return dataPanels(d).flatMap((p) =>
    (p.targets ?? []).flatMap((t: Json) => {
      const { node } = parseTarget(d, p, t);
      return node ? fn(p, t, node) : []; // invalid PromQL is target-promql-rule's finding
    }),
  );
}

function labelVariableRule(name: string, label: string) {
  return (d: Json): string[] => {
    const v = variable(d, name);
    if (!v) return [`${where(d)} is missing the ${name} variable`];
    const out: string[] = [];
    if (v.type !== "query") out.push(`${where(d)}: ${name} variable should be a Prometheus query, is '${v.type}'`);
    if (!TEMPLATED_DATASOURCE.has(v.datasource?.uid))
      out.push(`${where(d)}: ${name} variable should use datasource '$datasource', uses '${v.datasource?.uid}'`);
    if (v.label !== label) out.push(`${where(d)}: ${name} variable should be labelled '${label}', is '${v.label}'`);
    if (v.multi !== true) out.push(`${where(d)}: ${name} variable should be multi-select`);
    if (v.includeAll !== true) out.push(`${where(d)}: ${name} variable should include All`);
    if (v.allValue !== ".+") out.push(`${where(d)}: ${name} variable allValue should be '.+', is '${v.allValue}'`);
    return out;
  };
}

function requiredMatcherRule(label: string) {
  return (d: Json): string[] =>
    eachTarget(d, (p, t, node) =>
      selectors(node).flatMap((s) => {
        const m = s.matchers.find((x) => x.name === label);
        if (m?.op === "=~" && m.value === `$${label}`) return [];
        const found = m ? `${label}${m.op}"${m.value}"` : "none";
        return [
          `${where(d, p)}, target ${t.refId}: selector ${s.name ?? "{}"} ` +
            `needs ${label}=~"$${label}" (found ${found}) in '${t.expr}'`,
        ];
      }),
    );
}

/** The rules, by dashboard-linter's names. */
export const LINT_RULES: Record<string, (d: Json) => string[]> = {
  "template-datasource-rule": (d) => {
    const ds = (d.templating?.list ?? []).filter((v: Json) => v.type === "datasource");
    if (ds.length === 0) return [`${where(d)} does not have a templated data source`];
    return ds.flatMap((v: Json) => [
      ...(v.name === "datasource"
        ? []
        : [`${where(d)}: data source variable named '${v.name}', should be 'datasource'`]),
      ...(v.label === "Data source"
        ? []
        : [`${where(d)}: data source variable labelled '${v.label}', should be 'Data source'`]),
      ...(v.query === "prometheus"
        ? []
        : [`${where(d)}: data source variable is of type '${v.query}', should be 'prometheus'`]),
    ]);
  },
  "template-job-rule": labelVariableRule("job", "Job"),
  "template-instance-rule": labelVariableRule("instance", "Instance"),
  "template-label-promql-rule": (d) =>
    (d.templating?.list ?? [])
      .filter((v: Json) => v.type === "query")
      .flatMap((v: Json) => {
        const m = /^([a-z_]+)\((.*)\)$/s.exec(String(v.query).trim());
        if (!m || !VARIABLE_FUNCTIONS.includes(m[1]))
          return [`${where(d)}: variable '${v.name}' has an invalid query function: '${v.query}'`];
        // label_values(expr, label): the PromQL is the part before the last top-level comma
        let expr = m[2];
        if (m[1] === "label_values") {
          let depth = 0,
            cut = -1;
          for (let i = 0; i < expr.length; i++) {
            const c = expr[i];
            if ("({[".includes(c)) depth++;
            else if (")}]".includes(c)) depth--;
            else if (c === "," && depth === 0) cut = i;
          }
          expr = cut < 0 ? "" : expr.slice(0, cut);
          if (cut < 0) return [];
        }
        try {
          parsePromQL(expr);
          return [];
        } catch (e) {
          return [`${where(d)}: variable '${v.name}' has invalid PromQL '${expr}': ${(e as Error).message}`];
        }
      }),
  "template-on-time-change-reload-rule": (d) =>
    (d.templating?.list ?? [])
      .filter((v: Json) => v.type === "query" && v.refresh !== 2)
      .map((v: Json) => `${where(d)}: variable '${v.name}' should refresh on time range change (2), is ${v.refresh}`),
  "panel-datasource-rule": (d) =>
    dataPanels(d).flatMap((p) => [
      ...(TEMPLATED_DATASOURCE.has(p.datasource?.uid)
        ? []
        : [`${where(d, p)} does not use the templated datasource, uses '${p.datasource?.uid}'`]),
      ...(p.targets ?? [])
        .filter((t: Json) => !TEMPLATED_DATASOURCE.has(t.datasource?.uid))
        .map(
          (t: Json) =>
            `${where(d, p)}, target ${t.refId} does not use the templated datasource, uses '${t.datasource?.uid}'`,
        ),
    ]),
  "panel-title-description-rule": (d) =>
    dataPanels(d).flatMap((p) => [
      ...(String(p.title ?? "").trim() ? [] : [`${where(d, p)} has no title`]),
      ...(String(p.description ?? "").trim() ? [] : [`${where(d, p)} has no description`]),
    ]),
  // dashboard-linter checks stat/table/timeseries/gauge; we hold every data panel to it.
  "panel-units-rule": (d) =>
    dataPanels(d)
      .filter((p) => !VALID_UNITS.has(p.fieldConfig?.defaults?.unit))
      .map((p) => `${where(d, p)} has no or an invalid unit: '${p.fieldConfig?.defaults?.unit ?? ""}'`),
  "panel-no-targets-rule": (d) =>
    dataPanels(d)
      .filter((p) => !(p.targets?.length > 0))
      .map((p) => `${where(d, p)} has no queries`),
  "panel-rate-interval-rule": (d) =>
    eachTarget(d, (p, t, node) => {
      const out: string[] = [];
      walk(node, (n, parents) => {
        if (n.kind !== "matrix") return;
        const parent = parents[parents.length - 1];
        const inRate = parent?.kind === "call" && (parent.func === "rate" || parent.func === "irate");
        if (inRate && n.range !== "$__rate_interval")
          out.push(
            `${where(d, p)}, target ${t.refId}: ${parent.func}() should ` +
              `use [$__rate_interval], uses [${n.range}] in '${t.expr}'`,
          );
        if (!parent || parent.kind !== "call")
          if (n.range === "$__rate_interval")
            out.push(`${where(d, p)}, target ${t.refId}: $__rate_interval outside a function in '${t.expr}'`);
      });
      return out;
    }),
  "target-counter-agg-rule": (d) =>
    eachTarget(d, (p, t, node) => {
      const out: string[] = [];
      walk(node, (n, parents) => {
        if (n.kind !== "selector" || !n.name?.endsWith("_total")) return;
        const range = parents[parents.length - 1];
        const call = parents[parents.length - 2];
        const ok =
          range?.kind === "matrix" && call?.kind === "call" && ["rate", "irate", "increase"].includes(call.func);
        if (!ok)
          out.push(
            `${where(d, p)}, target ${t.refId}: counter '${n.name}' ` +
              `is not inside rate, irate or increase in '${t.expr}'`,
          );
      });
      return out;
    }),
  "target-job-rule": requiredMatcherRule("job"),
  "target-instance-rule": requiredMatcherRule("instance"),
  "target-promql-rule": (d) =>
    dataPanels(d).flatMap((p) =>
      (p.targets ?? [])
        .map((t: Json) => parseTarget(d, p, t).error)
        .filter((e: string | undefined): e is string => !!e),
    ),
  "uneditable-rule": (d) =>
    d.editable === false ? [] : [`${where(d)} is editable; provisioned dashboards should set editable: false`],
};
