// Captures index.ts's plan for a stack: the program runs in a child process, loaded the way
// Pulumi's Node.js runtime loads it, under mocks (src/tools/plan/capture.ts).
import { resolve } from "node:path";
import { loadStackFile } from "../../src/model/index";
import { capturePlan, type CapturedPlan } from "../../src/tools/plan/capture";

export interface PlanRequest {
  stack: string;
  config: Record<string, unknown>;
  secrets: Record<string, string>;
  /** Extra environment for the program, e.g. a prebuilt exporter bundle. */
  env?: Record<string, string>;
}

const ROOT = resolve(__dirname, "..", "..");

/**
 * Type-checking on load is what `pulumi up` does by default and is proven by the loading test;
 * the many captures of the lifecycle tests skip it (PULUMI_NODEJS_TRANSPILE_ONLY, honoured by the SDK).
 */
export function capturePlanInChild(request: PlanRequest, typeCheck = false): Promise<CapturedPlan> {
  return capturePlan({
    ...request,
    program: resolve(ROOT, "index.ts"),
    env: { ...(typeCheck ? {} : { PULUMI_NODEJS_TRANSPILE_ONLY: "true" }), ...request.env },
  });
}

/** A committed stack's non-secret config, keyed without the project prefix. */
export function committedStackConfig(stack: string): Record<string, unknown> {
  const loaded = loadStackFile(ROOT, stack);
  if (!loaded.ok)
    throw new Error(
      `Pulumi.${stack}.yaml is invalid: ${loaded.errors.map((e) => `${e.path}: ${e.message}`).join("; ")}`,
    );
  return loaded.values;
}
