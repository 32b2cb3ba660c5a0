// What `pulumi up` would do to go from one captured plan (the state of the last deployment) to the
// next: the engine's steps, computed the way pulumi/pulumi's step generator decides them
// (pkg/resource/deploy/step_generator.go at 1b5949891b):
// - a resource is matched to the old one by URN, or by one of its aliases; unmatched new ones are
//   created, unmatched old ones deleted — a renamed resource without an alias is a create plus a delete;
// - matched: no input changed → same; a changed path under one of the resource's replaceOnChanges
//   paths → replace (applyReplaceOnChanges, :3170, with PropertyPath.Contains from
//   sdk/go/common/resource/properties_path.go:314: the pattern must be a prefix of the changed
//   path, `*` matching any key or index), otherwise update;
// - a replace creates the new resource first and deletes the old one with the deletes at the end of
//   the run, unless deleteBeforeReplace, which deletes it first;
// - creates and updates run in dependency order; deletes run last, dependents before what they depend on.
import { revealSecrets, type CapturedPlan, type PlannedResource } from "./capture";

type StepOp = "create" | "update" | "delete";

export interface EngineStep {
  op: StepOp;
  /** The resource whose inputs the step runs with: the new one for create/update, the old one for delete. */
  resource: PlannedResource;
  /** For update: the inputs in state before it. */
  old?: PlannedResource;
  /** Why: a new resource, changed inputs, part of a replace, or gone from the program. */
  reason: "new" | "changed" | "replace" | "removed";
  /** Changed input paths (update and replace). */
  changed: string[];
}

export interface Lifecycle {
  steps: EngineStep[];
  /** URNs whose inputs did not change. */
  same: string[];
}

/** Paths where two input values differ: into objects by key and into arrays of equal length by index. */
export function changedPaths(before: unknown, after: unknown, path = ""): string[] {
  // Secrets compare by their values: the engine diffs plaintext.
  const a = revealSecrets(before);
  const b = revealSecrets(after);
  const isObject = (v: unknown): v is Record<string, unknown> =>
    v !== null && typeof v === "object" && !Array.isArray(v);
  if (isObject(a) && isObject(b) && !("asset" in a)) {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
    return keys.flatMap((k) => changedPaths(a[k], b[k], path ? `${path}.${k}` : k));
  }
  if (Array.isArray(a) && Array.isArray(b) && a.length === b.length) {
    return a.flatMap((x, i) => changedPaths(x, b[i], `${path}[${i}]`));
  }
  return JSON.stringify(a) === JSON.stringify(b) ? [] : [path];
}

function segments(path: string): string[] {
  return path
    .replace(/\[(\*|\d+)\]/g, ".$1")
    .split(".")
    .filter((s) => s !== "");
}

/** PropertyPath.Contains: `pattern` is a prefix of `path`, `*` matching any one segment. */
export function pathContains(pattern: string, path: string): boolean {
  const p = segments(pattern);
  const o = segments(path);
  return o.length >= p.length && p.every((s, i) => s === "*" || s === o[i]);
}

function aliasUrns(r: PlannedResource, stack: string): string[] {
  const prefix = r.urn.slice(0, r.urn.lastIndexOf("::") + 2);
  return r.options.aliases.flatMap((a) =>
    a.urn ? [a.urn] : a.name && (!a.stack || a.stack === stack) ? [`${prefix}${a.name}`] : [],
  );
}

/** Topological order over `resources` by their dependencies (a component stands for its children). */
function dependencyOrder(resources: PlannedResource[]): PlannedResource[] {
  const byUrn = new Map(resources.map((r) => [r.urn, r]));
  const childrenOf = (urn: string): PlannedResource[] =>
    resources.filter((r) => r.parent === urn).flatMap((c) => [c, ...childrenOf(c.urn)]);
  const ancestors = (r: PlannedResource): PlannedResource[] => {
    const parent = r.parent ? byUrn.get(r.parent) : undefined;
    return parent ? [parent, ...ancestors(parent)] : [];
  };
  const deps = new Map<string, Set<string>>();
  for (const r of resources) {
    // A parent comes before its children; dependsOn a component means on all of its children.
    const direct = [
      ...(r.parent ? [r.parent] : []),
      ...r.dependencies,
      ...ancestors(r).flatMap((a) => a.dependencies),
    ].flatMap((u) => {
      const d = byUrn.get(u);
      return !d ? [] : d.urn === r.parent ? [d] : [d, ...childrenOf(d.urn)];
    });
    deps.set(r.urn, new Set(direct.map((d) => d.urn).filter((u) => u !== r.urn)));
  }
  const done = new Set<string>();
  const order: PlannedResource[] = [];
  while (order.length < resources.length) {
    const next = resources.find((r) => !done.has(r.urn) && [...deps.get(r.urn)!].every((u) => done.has(u)));
    if (!next) throw new Error("dependency cycle among resources");
    done.add(next.urn);
    order.push(next);
  }
  return order;
}

/** The engine's steps from `before` (undefined: an empty stack) to `after` (undefined: `pulumi destroy`). */
export function engineSteps(before: CapturedPlan | undefined, after: CapturedPlan | undefined): Lifecycle {
  const stack = after?.stack ?? before?.stack ?? "";
  const olds = new Map((before?.resources ?? []).map((r) => [r.urn, r]));
  const matched = new Set<string>();
  const forward: EngineStep[] = [];
  const deletesFirst: EngineStep[] = [];
  const replacedOlds: PlannedResource[] = [];
  const same: string[] = [];

  for (const r of dependencyOrder(after?.resources ?? [])) {
    const oldUrn = olds.has(r.urn) ? r.urn : aliasUrns(r, stack).find((u) => olds.has(u) && !matched.has(u));
    const old = oldUrn ? olds.get(oldUrn) : undefined;
    if (!old) {
      forward.push({ op: "create", resource: r, reason: "new", changed: [] });
      continue;
    }
    matched.add(old.urn);
    const changed = changedPaths(old.inputs, r.inputs).filter(
      (p) => !r.options.ignoreChanges.some((i) => pathContains(i, p)),
    );
    if (changed.length === 0) {
      same.push(r.urn);
    } else if (changed.some((p) => r.options.replaceOnChanges.some((pattern) => pathContains(pattern, p)))) {
      if (r.options.deleteBeforeReplace) deletesFirst.push({ op: "delete", resource: old, reason: "replace", changed });
      else replacedOlds.push(old);
      forward.push({ op: "create", resource: r, reason: "replace", changed });
    } else {
      forward.push({ op: "update", resource: r, old, reason: "changed", changed });
    }
  }

  const removed = (before?.resources ?? []).filter((r) => !matched.has(r.urn));
  const deleteSet = new Set([...removed, ...replacedOlds].map((r) => r.urn));
  // Dependents go before what they depend on: the reverse of the old plan's dependency order.
  const deletes = dependencyOrder(before?.resources ?? [])
    .reverse()
    .filter((r) => deleteSet.has(r.urn))
    .map((r): EngineStep => ({
      op: "delete",
      resource: r,
      reason: replacedOlds.includes(r) ? "replace" : "removed",
      changed: [],
    }));
  return { steps: [...deletesFirst, ...forward, ...deletes], same };
}

/** One line a step, for messages and test names. */
export function describeSteps(l: Lifecycle): string[] {
  return l.steps.map(
    (s) =>
      `${s.op} ${s.resource.type} ${s.resource.name}${s.reason === "replace" ? " (replace)" : ""}` +
      (s.changed.length ? ` [${s.changed.join(", ")}]` : ""),
  );
}
