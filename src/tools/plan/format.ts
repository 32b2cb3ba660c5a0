// Turns a captured plan into what people read: secrets redacted, long scripts shortened, one
// block per resource in declaration order.
import { isSecretValue, type CapturedPlan, type PlannedResource } from "./capture";

const SECRET_MARK = "[secret]";

/** A deep copy with every secret value replaced by [secret]. */
function redact(value: unknown): unknown {
  if (isSecretValue(value)) return SECRET_MARK;
  if (Array.isArray(value)) return value.map(redact);
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, redact(v)]));
  }
  return value;
}

export function redactPlan(plan: CapturedPlan): CapturedPlan {
  return {
    ...plan,
    resources: plan.resources.map((r) => ({ ...r, inputs: redact(r.inputs) as Record<string, unknown> })),
    outputs: redact(plan.outputs) as Record<string, unknown>,
  };
}

/** The last part of a URN: `type::name` → `name (type)`. */
function shortUrn(urn: string, byUrn: Map<string, PlannedResource>): string {
  const r = byUrn.get(urn);
  return r ? `${r.type} ${r.name}` : urn;
}

function shortValue(value: unknown): string {
  if (typeof value === "string") {
    const lines = value.split("\n");
    const first = lines[0].length > 100 ? `${lines[0].slice(0, 100)}…` : lines[0];
    return lines.length > 1 ? `${JSON.stringify(first)} … (${lines.length} lines)` : JSON.stringify(first);
  }
  const text = JSON.stringify(value);
  return text.length > 140 ? `${text.slice(0, 140)}…` : text;
}

function inputLines(inputs: Record<string, unknown>, indent: string): string[] {
  const lines: string[] = [];
  for (const key of Object.keys(inputs).sort()) {
    const v = inputs[key];
    if (v !== null && typeof v === "object" && !Array.isArray(v)) {
      lines.push(`${indent}${key}:`);
      lines.push(...inputLines(v as Record<string, unknown>, `${indent}  `));
    } else {
      lines.push(`${indent}${key}: ${v === SECRET_MARK ? SECRET_MARK : shortValue(v)}`);
    }
  }
  return lines;
}

/** The plan as text. Expects a redacted plan (see redactPlan). */
export function formatPlan(plan: CapturedPlan): string {
  const byUrn = new Map(plan.resources.map((r) => [r.urn, r]));
  const counts = new Map<string, number>();
  for (const r of plan.resources) counts.set(r.type, (counts.get(r.type) ?? 0) + 1);
  const out = [
    `PLAN for stack "${plan.stack}": what \`pulumi up --stack ${plan.stack}\` would create.`,
    "This is a plan, not a deployment: nothing was created or changed, no credentials were used.",
    "",
  ];
  for (const r of plan.resources) {
    out.push(`+ ${r.type}  ${r.name}`);
    if (r.parent) out.push(`    parent: ${shortUrn(r.parent, byUrn)}`);
    if (r.dependencies.length > 0)
      out.push(`    depends on: ${r.dependencies.map((d) => shortUrn(d, byUrn)).join(", ")}`);
    if (r.custom) out.push(...inputLines(r.inputs, "    "));
  }
  out.push("", `${plan.resources.length} resources to create:`);
  for (const [type, n] of [...counts].sort()) out.push(`  ${String(n).padStart(3)} × ${type}`);
  if (Object.keys(plan.outputs).length > 0) {
    out.push("Stack outputs:");
    for (const [k, v] of Object.entries(plan.outputs)) out.push(`  ${k}: ${shortValue(v)}`);
  }
  return out.join("\n");
}
