// Runs one of our CLIs the way a user does (`tsx src/tools/cli/<name>.ts …`) and returns what it printed.
import { spawnSync } from "node:child_process";
import { resolve } from "node:path";

export const REPO = resolve(__dirname, "..", "..");

export interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

export function runCli(name: "render" | "preview", args: readonly string[]): CliResult {
  const r = spawnSync(
    process.execPath,
    [resolve(REPO, "node_modules/tsx/dist/cli.mjs"), resolve(REPO, `src/tools/cli/${name}.ts`), ...args],
    {
      cwd: REPO,
      encoding: "utf8",
      timeout: 120_000,
    },
  );
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}
