// Runs the Pulumi program (index.ts) as Pulumi's Node.js runtime loads it, against
// pulumi.runtime.setMocks, and records every resource it declares: type, name, parent,
// dependencies, inputs and the resource options the engine would see. This is what `pulumi up`
// would be asked to deploy, captured without the CLI or provider plugins. The program runs in a
// child process (run-program-under-mocks.cjs): Pulumi's runtime state is global, and no
// TypeScript loader other than the one the SDK registers may be present.
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { PROJECT } from "../../model/errors";

/** Resource options as the engine receives them (provider SDKs add theirs, e.g. replaceOnChanges). */
interface ResourceOptions {
  replaceOnChanges: string[];
  deleteBeforeReplace: boolean;
  aliases: {
    urn?: string;
    name?: string;
    type?: string;
    stack?: string;
    project?: string;
    parentUrn?: string;
    noParent?: boolean;
  }[];
  ignoreChanges: string[];
  additionalSecretOutputs: string[];
  protect: boolean;
  retainOnDelete: boolean;
  deletedWith?: string;
}

export interface PlannedResource {
  urn: string;
  type: string;
  name: string;
  /** URN of the parent resource; absent for children of the stack. */
  parent?: string;
  /** URNs this resource depends on (explicit dependsOn and outputs it consumes). */
  dependencies: string[];
  custom: boolean;
  options: ResourceOptions;
  /** Inputs as the engine would receive them; secret values stay wrapped (see isSecretValue). */
  inputs: Record<string, unknown>;
}

export interface CapturedPlan {
  stack: string;
  resources: PlannedResource[];
  outputs: Record<string, unknown>;
}

export interface CaptureOptions {
  stack: string;
  /** Non-secret config, keyed without the project prefix (values as in the stack file). */
  config: Record<string, unknown>;
  /** Secret config values, keyed without the project prefix; they reach the program as secrets. */
  secrets?: Record<string, string>;
  /** Absolute path of the program (index.ts); its directory is the project directory. */
  program: string;
  /** Extra environment for the program (e.g. PULUMI_NODEJS_TRANSPILE_ONLY=true, which Pulumi honours). */
  env?: Record<string, string>;
  /** Flags for the child's node (e.g. --cpu-prof for a benchmark; node refuses that one in NODE_OPTIONS). */
  nodeFlags?: string[];
}

const SIG_KEY = "4dabf18193072939515e22adb298388d";
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";

/** Pulumi's wire form of a secret, as mocks receive it. */
export function isSecretValue(v: unknown): v is { value: unknown } {
  return typeof v === "object" && v !== null && (v as Record<string, unknown>)[SIG_KEY] === SECRET_SIG;
}

/** A deep copy with every secret replaced by its value: the engine compares, and the provider runs, plaintext. */
export function revealSecrets(value: unknown): unknown {
  if (isSecretValue(value)) return revealSecrets(value.value);
  if (Array.isArray(value)) return value.map(revealSecrets);
  if (value !== null && typeof value === "object")
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, revealSecrets(v)]));
  return value;
}

const RUNNER = join(__dirname, "run-program-under-mocks.cjs");

/** Runs the program once in a child process; the plan travels through a 0600 temp file, never stdout. */
export async function capturePlan(options: CaptureOptions): Promise<CapturedPlan> {
  const dir = mkdtempSync(join(tmpdir(), "wgm-plan-"));
  try {
    const requestFile = join(dir, "request.json");
    const outFile = join(dir, "plan.json");
    const request = {
      stack: options.stack,
      project: PROJECT,
      program: options.program,
      config: options.config,
      secrets: options.secrets ?? {},
    };
    writeFileSync(requestFile, JSON.stringify(request), { mode: 0o600 });
    const result = await new Promise<{ code: number; stderr: string }>((resolve) => {
      const child = execFile(
        process.execPath,
        [...(options.nodeFlags ?? []), RUNNER, requestFile, outFile],
        {
          cwd: dirname(options.program),
          env: { ...withoutTypeScriptLoaders(process.env), ...options.env },
          maxBuffer: 16 * 1024 * 1024,
          timeout: 300_000,
        },
        (error, _stdout, stderr) =>
          resolve({ code: error ? (typeof error.code === "number" ? error.code : 1) : 0, stderr: String(stderr) }),
      );
      child.stdin?.end();
    });
    if (result.code !== 0) throw new Error(result.stderr.trim() || `the program exited ${result.code}`);
    return JSON.parse(readFileSync(outFile, "utf8")) as CapturedPlan;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A parent started under tsx passes its loader on in NODE_OPTIONS; the program must not inherit it. */
function withoutTypeScriptLoaders(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const { NODE_OPTIONS, ...rest } = env;
  const kept = (NODE_OPTIONS ?? "")
    .split(/\s+/)
    .filter((o, i, all) => o !== "" && !/tsx|ts-node/.test(o) && !/tsx|ts-node/.test(all[i + 1] ?? ""))
    .join(" ");
  return kept ? { ...rest, NODE_OPTIONS: kept } : rest;
}
