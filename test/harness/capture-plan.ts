// Child-process entry for tests: captures the plan of index.ts for one stack and writes it as JSON
// to a 0600 file (secrets stay in their wrapped form inside; nothing is printed).
// usage: tsx test/harness/capture-plan.ts <request.json> <out.json>
//   request: { stack, config, secrets }
import { readFileSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { capturePlan } from "../../src/plan/capture";

async function main(): Promise<void> {
  const [requestFile, outFile] = process.argv.slice(2);
  const request = JSON.parse(readFileSync(requestFile, "utf8")) as { stack: string; config: Record<string, unknown>; secrets: Record<string, string> };
  const plan = await capturePlan({ ...request, program: resolve(__dirname, "..", "..", "index.ts") });
  writeFileSync(outFile, JSON.stringify(plan), { mode: 0o600 });
}

main().catch((e: unknown) => {
  // Messages of config errors name keys, never secret values.
  process.stderr.write(`capture failed: ${(e as Error).message}\n`);
  process.exit(1);
});
