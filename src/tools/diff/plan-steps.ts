// The Pulumi plan part of a diff: the program captured under mocks on both sides (src/tools/plan/capture)
// and the engine's steps between the two plans (src/tools/plan/lifecycle). Capturing is the slow part
// (seconds per side), so the diff does it only when asked (--plan), transpile-only: the type check
// is `npm run typecheck`'s job, not the diff's.
import { join } from "node:path";
import { SECRET_KEYS } from "../../model/index";
import { capturePlan, type CapturedPlan } from "../plan/capture";
import { engineSteps } from "../plan/lifecycle";

export interface PlanStep {
  op: "create" | "update" | "replace" | "delete";
  type: string;
  name: string;
  /** Changed input paths (update and replace). */
  changed: string[];
}

/** One side of a stack for capture: the tree holding index.ts and the stack's plain config values. */
export interface PlanSide {
  dir: string;
  values: Record<string, unknown>;
}

/** Secrets never leave the stack files here: both sides get the same stand-ins, so they never differ. */
const STAND_IN = "diff-stand-in-not-a-real-secret";

function capture(stack: string, side: PlanSide, env: Record<string, string>): Promise<CapturedPlan> {
  const secrets = Object.fromEntries(SECRET_KEYS.map((k) => [k, STAND_IN]));
  return capturePlan({
    stack,
    config: side.values,
    secrets,
    program: join(side.dir, "index.ts"),
    env: { PULUMI_NODEJS_TRANSPILE_ONLY: "true", ...env },
  });
}

/**
 * The steps `pulumi up` would take from the base's plan to the working tree's; a side that is
 * undefined has no such stack (every resource is created, or deleted). `env` is passed to the program
 * (e.g. one prebuilt exporter bundle for both sides when the exporter did not change).
 */
export async function planSteps(
  stack: string,
  before: PlanSide | undefined,
  after: PlanSide | undefined,
  env: Record<string, string> = {},
): Promise<PlanStep[]> {
  const [a, b] = await Promise.all([before && capture(stack, before, env), after && capture(stack, after, env)]);
  const lifecycle = engineSteps(a, b);
  const steps: PlanStep[] = [];
  for (const s of lifecycle.steps) {
    const base = { type: s.resource.type, name: s.resource.name, changed: s.changed };
    // A replace is a create of the new resource plus a delete of the old one: report it once.
    if (s.reason === "replace") {
      if (s.op === "create") steps.push({ op: "replace", ...base });
      continue;
    }
    steps.push({ op: s.op, ...base });
  }
  return steps;
}
