// Runs the Pulumi program (index.ts) under pulumi.runtime.setMocks and records every resource it
// declares: type, name, parent, dependencies and inputs. This is what `pulumi up` would create,
// captured without the CLI or provider plugins. One capture per process: Pulumi's runtime state is global.
import * as pulumi from "@pulumi/pulumi";
import { PROJECT } from "../config/errors";

export interface PlannedResource {
  urn: string;
  type: string;
  name: string;
  /** URN of the parent resource; absent for children of the stack. */
  parent?: string;
  /** URNs this resource depends on (explicit dependsOn and outputs it consumes). */
  dependencies: string[];
  custom: boolean;
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
  /** Absolute path of the program to import (index.ts). */
  program: string;
}

const SIG_KEY = "4dabf18193072939515e22adb298388d";
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";

/** Pulumi's wire form of a secret, as mocks receive it. */
export function isSecretValue(v: unknown): v is { value: unknown } {
  return typeof v === "object" && v !== null && (v as Record<string, unknown>)[SIG_KEY] === SECRET_SIG;
}

interface RegisterRequest {
  getType(): string;
  getName(): string;
  getParent(): string;
  getDependenciesList(): string[];
  getCustom(): boolean;
}

export async function capturePlan(options: CaptureOptions): Promise<CapturedPlan> {
  const resources: PlannedResource[] = [];
  const pendingInputs = new Map<string, Record<string, unknown>>();
  await pulumi.runtime.setMocks(
    {
      newResource(args) {
        pendingInputs.set(`${args.type}::${args.name}`, args.inputs);
        return { id: `${args.name}-id`, state: { ...args.inputs, ...mockOutputs(args.type, args.inputs) } };
      },
      call(args) {
        return args.inputs;
      },
    },
    PROJECT,
    options.stack,
    false,
  );

  // The mock monitor only hands `newResource` the inputs; parent and dependencies come from the
  // registration request itself, so we read them there.
  const monitor = pulumi.runtime.getMonitor() as unknown as {
    registerResource(req: RegisterRequest, cb: (err: unknown, res: { getUrn(): string } | undefined) => void): Promise<void>;
  };
  const register = monitor.registerResource.bind(monitor);
  monitor.registerResource = (req, cb) =>
    register(req, (err, res) => {
      if (!err && res) {
        const key = `${req.getType()}::${req.getName()}`;
        resources.push({
          urn: res.getUrn(),
          type: req.getType(),
          name: req.getName(),
          parent: req.getParent() || undefined,
          dependencies: [...new Set(req.getDependenciesList())].sort(),
          custom: req.getCustom(),
          inputs: pendingInputs.get(key) ?? {},
        });
      }
      cb(err, res);
    });

  const config: Record<string, string> = {};
  for (const [k, v] of Object.entries(options.config)) config[`${PROJECT}:${k}`] = typeof v === "string" ? v : JSON.stringify(v);
  const secretKeys: string[] = [];
  for (const [k, v] of Object.entries(options.secrets ?? {})) {
    config[`${PROJECT}:${k}`] = v;
    secretKeys.push(`${PROJECT}:${k}`);
  }
  pulumi.runtime.setAllConfig(config, secretKeys);

  const program = (await import(options.program)) as Record<string, unknown>;
  const outputs: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(program)) {
    if (k === "default" || k === "__esModule") continue;
    outputs[k] = pulumi.Output.isInstance(v) ? await outputValue(v) : v;
  }
  // Resources register asynchronously; wait until the RPC queue is empty.
  const settings = (await import("@pulumi/pulumi/runtime/settings.js")) as unknown as { waitForRPCs(): Promise<void> };
  await settings.waitForRPCs();
  const stackRoot = resources.find((r) => r.type === "pulumi:pulumi:Stack");
  const planned: PlannedResource[] = [];
  for (const r of resources) {
    if (r === stackRoot) continue;
    const inputs = (await resolveAssets(r.inputs)) as Record<string, unknown>;
    planned.push({ ...r, parent: r.parent === stackRoot?.urn ? undefined : r.parent, inputs });
  }
  return { stack: options.stack, resources: planned, outputs };
}

/** Assets hold their text or path as promises; replace them by `{ asset: "text" | "file", … }`. */
async function resolveAssets(value: unknown): Promise<unknown> {
  if (Array.isArray(value)) return Promise.all(value.map(resolveAssets));
  if (value === null || typeof value !== "object") return value;
  const v = value as Record<string, unknown>;
  if (v.__pulumiAsset === true) {
    if (v.text !== undefined) return { asset: "text", text: await v.text };
    if (v.path !== undefined) return { asset: "file", path: await v.path };
    throw new Error("capture: unsupported asset kind");
  }
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) out[k] = await resolveAssets(x);
  return out;
}

/** Outputs the mocks return beyond the inputs, so dependent resources see plausible values. */
function mockOutputs(type: string, inputs: Record<string, unknown>): Record<string, unknown> {
  if (type === "command:remote:Command") return { stdout: "", stderr: "" };
  if (type.startsWith("grafana:")) return { uid: inputs.uid ?? "mock-uid", url: "https://grafana.invalid/mock" };
  return {};
}

async function outputValue(o: pulumi.Output<unknown>): Promise<unknown> {
  const secret = await pulumi.isSecret(o);
  const value = await new Promise((resolve) => o.apply((v) => resolve(v)));
  return secret ? "[secret]" : value;
}
