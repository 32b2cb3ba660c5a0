// What a change does to one stack's artifacts, read the way a reviewer asks: which files, which
// alert rules (expr, for, labels), which dashboard panels and their queries, which hosts and
// whether their exporter restarts. Pure: two artifact lists in, a description out.
import { load as parseYaml } from "js-yaml";
import type { Artifact } from "../../build/artifact";

export type Change = "added" | "removed" | "changed";

interface ArtifactChange {
  path: string;
  change: Change;
  kind: Artifact["kind"];
}

interface FieldChange {
  field: string;
  before?: string;
  after?: string;
}

export interface RuleChange {
  /** `alert` or `record` name. */
  name: string;
  group: string;
  file: string;
  change: Change;
  /** For a changed rule: expr, for, keep_firing_for, labels.<name>, annotations.<name>. */
  fields: FieldChange[];
}

interface PanelChange {
  title: string;
  change: Change;
  /** What differs in a changed panel besides its queries (type, position, options, …). */
  fields: string[];
  /** Queries before and after, when they differ (or the panel was added/removed). */
  queriesBefore: string[];
  queriesAfter: string[];
}

export interface DashboardChange {
  path: string;
  uid?: string;
  change: Change;
  /** Dashboard-level fields that differ, besides panels. */
  fields: string[];
  panels: PanelChange[];
}

export interface HostChange {
  host: string;
  change: Change;
  files: { path: string; change: Change; target?: string; restarts: boolean }[];
  /** A file whose change needs the exporter restarted changed (or the host is new). */
  restartsExporter: boolean;
}

export interface ArtifactsDiff {
  artifacts: ArtifactChange[];
  rules: RuleChange[];
  dashboards: DashboardChange[];
  hosts: HostChange[];
}

export function diffArtifacts(before: readonly Artifact[], after: readonly Artifact[]): ArtifactsDiff {
  const olds = new Map(before.map((a) => [a.path, a]));
  const news = new Map(after.map((a) => [a.path, a]));
  const paths = [...new Set([...olds.keys(), ...news.keys()])].sort();
  const artifacts: ArtifactChange[] = [];
  const rules: RuleChange[] = [];
  const dashboards: DashboardChange[] = [];
  const hostFiles = new Map<string, HostChange["files"]>();
  for (const path of paths) {
    const a = olds.get(path);
    const b = news.get(path);
    const change: Change | undefined = !a
      ? "added"
      : !b
        ? "removed"
        : a.content !== b.content || !samePlacement(a, b)
          ? "changed"
          : undefined;
    if (!change) continue;
    const kind = (b ?? a)!.kind;
    artifacts.push({ path, change, kind });
    if (kind === "rules") rules.push(...diffRuleFiles(path, a?.content, b?.content));
    if (kind === "dashboard") dashboards.push(diffDashboard(path, change, a, b));
    const host = (b ?? a)!.host;
    if (host !== undefined) {
      const placement = (b ?? a)!.placement;
      const restarts = Boolean(a?.placement?.restarts || b?.placement?.restarts);
      const files = hostFiles.get(host) ?? [];
      files.push({ path, change, target: placement?.target, restarts });
      hostFiles.set(host, files);
    }
  }
  const hostsBefore = new Set(before.flatMap((a) => (a.host !== undefined ? [a.host] : [])));
  const hostsAfter = new Set(after.flatMap((a) => (a.host !== undefined ? [a.host] : [])));
  const hosts = [...hostFiles.entries()]
    .sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0))
    .map(([host, files]): HostChange => {
      const change: Change = !hostsBefore.has(host) ? "added" : !hostsAfter.has(host) ? "removed" : "changed";
      // A removed host's exporter is stopped, not restarted; a new one is started.
      const restartsExporter = change === "changed" && files.some((f) => f.restarts);
      return { host, change, files, restartsExporter };
    });
  return { artifacts, rules, dashboards, hosts };
}

/**
 * Whether the file lands the same way: where, with which mode and group, and (dashboards) under which uid. The
 * placement's other fields say how a component handles it and change no file on a machine.
 */
function samePlacement(a: Artifact, b: Artifact): boolean {
  const landing = (x: Artifact) => x.placement && [x.placement.target, x.placement.mode, x.placement.group];
  return JSON.stringify(landing(a) ?? null) === JSON.stringify(landing(b) ?? null) && a.dashboardUid === b.dashboardUid;
}

// ---- alert and recording rules ----

interface RuleDoc {
  alert?: string;
  record?: string;
  expr?: unknown;
  for?: unknown;
  keep_firing_for?: unknown;
  labels?: Record<string, unknown>;
  annotations?: Record<string, unknown>;
}

function rulesOf(content: string | undefined): Map<string, { group: string; rule: RuleDoc }> {
  const out = new Map<string, { group: string; rule: RuleDoc }>();
  if (content === undefined) return out;
  let doc: unknown;
  try {
    doc = parseYaml(content);
  } catch {
    return out;
  }
  const groups = (doc as { groups?: { name?: string; rules?: RuleDoc[] }[] } | null)?.groups ?? [];
  for (const g of groups) {
    for (const rule of g.rules ?? []) {
      const name = rule.alert ?? rule.record ?? "(unnamed)";
      // Two rules of one name in one group (same alert, different expr) are told apart by position.
      let key = `${g.name ?? ""}/${name}`;
      for (let i = 2; out.has(key); i++) key = `${g.name ?? ""}/${name}#${i}`;
      out.set(key, { group: g.name ?? "", rule });
    }
  }
  return out;
}

const text = (v: unknown): string | undefined =>
  v === undefined || v === null ? undefined : typeof v === "string" ? v : JSON.stringify(v);

function ruleFields(a: RuleDoc, b: RuleDoc): FieldChange[] {
  const fields: FieldChange[] = [];
  for (const f of ["expr", "for", "keep_firing_for"] as const) {
    if (text(a[f]) !== text(b[f])) fields.push({ field: f, before: text(a[f]), after: text(b[f]) });
  }
  for (const map of ["labels", "annotations"] as const) {
    const x = a[map] ?? {};
    const y = b[map] ?? {};
    for (const k of [...new Set([...Object.keys(x), ...Object.keys(y)])].sort()) {
      if (text(x[k]) !== text(y[k])) fields.push({ field: `${map}.${k}`, before: text(x[k]), after: text(y[k]) });
    }
  }
  return fields;
}

function diffRuleFiles(file: string, before: string | undefined, after: string | undefined): RuleChange[] {
  const a = rulesOf(before);
  const b = rulesOf(after);
  const changes: RuleChange[] = [];
  for (const key of [...new Set([...a.keys(), ...b.keys()])]) {
    const x = a.get(key);
    const y = b.get(key);
    const name = (y ?? x)!.rule.alert ?? (y ?? x)!.rule.record ?? "(unnamed)";
    const group = (y ?? x)!.group;
    if (!x) changes.push({ name, group, file, change: "added", fields: [] });
    else if (!y) changes.push({ name, group, file, change: "removed", fields: [] });
    else {
      const fields = ruleFields(x.rule, y.rule);
      if (fields.length > 0) changes.push({ name, group, file, change: "changed", fields });
    }
  }
  return changes;
}

// ---- dashboards ----

interface PanelDoc {
  title?: string;
  id?: number;
  type?: string;
  targets?: { expr?: string; refId?: string }[];
  panels?: PanelDoc[];
  [k: string]: unknown;
}

function panelsOf(dashboard: { panels?: PanelDoc[] } | undefined): Map<string, PanelDoc> {
  const out = new Map<string, PanelDoc>();
  const visit = (panels: PanelDoc[] | undefined) => {
    for (const p of panels ?? []) {
      // Panels are matched by title (ids are renumbered when a panel is inserted).
      let key = p.title || `${p.type ?? "panel"} #${p.id ?? "?"}`;
      for (let i = 2; out.has(key); i++) key = `${p.title || p.type} (${i})`;
      const { panels: nested, ...own } = p;
      out.set(key, own);
      visit(nested);
    }
  };
  visit(dashboard?.panels);
  return out;
}

const queries = (p: PanelDoc | undefined): string[] => (p?.targets ?? []).map((t) => t.expr ?? JSON.stringify(t));

function parseJson(content: string | undefined): Record<string, unknown> | undefined {
  if (content === undefined) return undefined;
  try {
    return JSON.parse(content) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

function diffDashboard(
  path: string,
  change: Change,
  a: Artifact | undefined,
  b: Artifact | undefined,
): DashboardChange {
  const x = parseJson(a?.content);
  const y = parseJson(b?.content);
  const uid = b?.dashboardUid ?? a?.dashboardUid ?? (y?.uid as string | undefined) ?? (x?.uid as string | undefined);
  const fields =
    x && y
      ? [...new Set([...Object.keys(x), ...Object.keys(y)])]
          .filter((k) => k !== "panels" && JSON.stringify(x[k]) !== JSON.stringify(y[k]))
          .sort()
      : [];
  const pa = panelsOf(x as { panels?: PanelDoc[] } | undefined);
  const pb = panelsOf(y as { panels?: PanelDoc[] } | undefined);
  const panels: PanelChange[] = [];
  for (const title of [...new Set([...pa.keys(), ...pb.keys()])]) {
    const p = pa.get(title);
    const q = pb.get(title);
    if (!p) panels.push({ title, change: "added", fields: [], queriesBefore: [], queriesAfter: queries(q) });
    else if (!q) panels.push({ title, change: "removed", fields: [], queriesBefore: queries(p), queriesAfter: [] });
    else if (JSON.stringify(p) !== JSON.stringify(q)) {
      const keys = [...new Set([...Object.keys(p), ...Object.keys(q)])]
        .filter((k) => k !== "targets" && JSON.stringify(p[k]) !== JSON.stringify(q[k]))
        .sort();
      const qa = queries(p);
      const qb = queries(q);
      const same = JSON.stringify(qa) === JSON.stringify(qb);
      const targetsOther = same && JSON.stringify(p.targets) !== JSON.stringify(q.targets);
      panels.push({
        title,
        change: "changed",
        fields: targetsOther ? [...keys, "targets"] : keys,
        queriesBefore: same ? [] : qa,
        queriesAfter: same ? [] : qb,
      });
    }
  }
  return { path, uid, change, fields, panels };
}
