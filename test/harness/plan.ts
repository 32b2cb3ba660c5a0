// Captures index.ts's plan in a child process (Pulumi's runtime state is global: one capture per
// process). The plan travels through a 0600 temp file, never through stdout.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { loadStackFile } from "../../src/config/index";
import type { CapturedPlan } from "../../src/plan/capture";
import { run } from "./test-host";

export interface PlanRequest {
  stack: string;
  config: Record<string, unknown>;
  secrets: Record<string, string>;
}

const ROOT = resolve(__dirname, "..", "..");

export async function capturePlanInChild(request: PlanRequest): Promise<CapturedPlan> {
  const dir = mkdtempSync(join(tmpdir(), "wgm-plan-"));
  try {
    const requestFile = join(dir, "request.json");
    const outFile = join(dir, "plan.json");
    writeFileSync(requestFile, JSON.stringify(request), { mode: 0o600 });
    const r = await run(join(ROOT, "node_modules", ".bin", "tsx"), [join(__dirname, "capture-plan.ts"), requestFile, outFile], { timeoutMs: 120_000 });
    if (r.code !== 0) throw new Error(`plan capture for stack ${request.stack} failed (${r.code}): ${r.stderr.slice(-2000)}`);
    return JSON.parse(readFileSync(outFile, "utf8")) as CapturedPlan;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A committed stack's non-secret config, keyed without the project prefix. */
export function committedStackConfig(stack: string): Record<string, unknown> {
  const loaded = loadStackFile(ROOT, stack);
  if (!loaded.ok) throw new Error(`Pulumi.${stack}.yaml is invalid: ${loaded.errors.map((e) => `${e.path}: ${e.message}`).join("; ")}`);
  return loaded.values;
}
