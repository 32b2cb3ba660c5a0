// @ts-check
// Child-process entry: runs the Pulumi program the way Pulumi's Node.js language host does — the
// SDK's own cmd/run/run.js `run()`, which registers ts-node with the project's tsconfig.json and
// `require`s `main` from Pulumi.yaml/package.json — but against pulumi.runtime.setMocks instead of
// an engine. Records every resource registration with its inputs and the options the engine would
// see (replaceOnChanges, deleteBeforeReplace, aliases, dependsOn, …), including what provider SDKs
// add in their constructors. Plain JavaScript on purpose: no TypeScript loader may be active before
// the SDK registers its own, or a loading failure would be hidden.
//
// usage: node src/tools/plan/run-program-under-mocks.cjs <request.json> <plan.json>   (cwd: the project)
//   request: { stack, project, program, config: {key: value}, secrets: {key: value} }
"use strict";
const { createHash } = require("node:crypto");
const { readFileSync, writeFileSync } = require("node:fs");

const [requestFile, outFile] = process.argv.slice(2);
const request = JSON.parse(readFileSync(requestFile, "utf8"));

// For benchmarks on a shared machine: the CPU time this run took, which other load inflates far less than wall time.
const cpuReport = process.env.WIREGUARD_MONITORING_CPU_REPORT;
if (cpuReport) process.on("exit", () => writeFileSync(cpuReport, JSON.stringify(process.cpuUsage())));

// The language host sets this from Pulumi.yaml `runtime.options.typescript` (true by default).
process.env.PULUMI_NODEJS_TYPESCRIPT = "true";

const pulumi = require("@pulumi/pulumi");

/** @type {any[]} */
const resources = [];
/** @type {Map<string, Record<string, unknown>>} */
const pendingInputs = new Map();

/** Outputs the mocks return beyond the inputs, so dependent resources see plausible values. */
function mockOutputs(type, inputs) {
  if (type === "command:remote:Command") return { stdout: "", stderr: "" };
  if (type.startsWith("grafana:")) return { uid: inputs.uid ?? "mock-uid", url: "https://grafana.invalid/mock" };
  return {};
}

function aliasOf(a) {
  if (a.getAliasCase && a.getAliasCase() === 1) return { urn: a.getUrn() };
  const s = a.getSpec();
  return {
    name: s.getName() || undefined,
    type: s.getType() || undefined,
    stack: s.getStack() || undefined,
    project: s.getProject() || undefined,
    parentUrn: s.getParenturn() || undefined,
    noParent: s.getNoparent() || undefined,
  };
}

/** Assets hold their text or path as promises; replace them by `{ asset: "text" | "file", … }`. */
async function resolveAssets(value) {
  if (Array.isArray(value)) return Promise.all(value.map(resolveAssets));
  if (value === null || typeof value !== "object") return value;
  if (value.__pulumiAsset === true) {
    if (value.text !== undefined) return { asset: "text", text: await value.text };
    if (value.path !== undefined) {
      // The engine compares assets by content hash: a new build at the same path is a change.
      const path = await value.path;
      return { asset: "file", path, sha256: createHash("sha256").update(readFileSync(path)).digest("hex") };
    }
    throw new Error("capture: unsupported asset kind");
  }
  const out = {};
  for (const [k, x] of Object.entries(value)) out[k] = await resolveAssets(x);
  return out;
}

async function outputValue(o) {
  const secret = await pulumi.isSecret(o);
  const value = await new Promise((resolve) => o.apply((v) => resolve(v)));
  return secret ? "[secret]" : value;
}

async function main() {
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
    request.project,
    request.stack,
    false,
  );

  // The mock monitor hands `newResource` only the inputs; parent, dependencies and options are in
  // the registration request itself, so they are read there.
  const monitor = /** @type {any} */ (pulumi.runtime.getMonitor());
  const register = monitor.registerResource.bind(monitor);
  monitor.registerResource = (req, cb) =>
    register(req, (err, res) => {
      if (!err && res) {
        resources.push({
          urn: res.getUrn(),
          type: req.getType(),
          name: req.getName(),
          parent: req.getParent() || undefined,
          dependencies: [...new Set(req.getDependenciesList())].sort(),
          custom: req.getCustom(),
          options: {
            replaceOnChanges: req.getReplaceonchangesList(),
            deleteBeforeReplace: req.getDeletebeforereplace(),
            aliases: req.getAliasesList().map(aliasOf),
            ignoreChanges: req.getIgnorechangesList(),
            additionalSecretOutputs: req.getAdditionalsecretoutputsList(),
            protect: req.getProtect(),
            retainOnDelete: req.getRetainondelete(),
            deletedWith: req.getDeletedwith() || undefined,
          },
          inputs: pendingInputs.get(`${req.getType()}::${req.getName()}`) ?? {},
        });
      }
      cb(err, res);
    });

  const config = {};
  const secretKeys = [];
  for (const [k, v] of Object.entries(request.config))
    config[`${request.project}:${k}`] = typeof v === "string" ? v : JSON.stringify(v);
  for (const [k, v] of Object.entries(request.secrets ?? {})) {
    config[`${request.project}:${k}`] = v;
    secretKeys.push(`${request.project}:${k}`);
  }
  pulumi.runtime.setAllConfig(config, secretKeys);

  // cmd/run/run.js requires "." (cmd/run/index.js) only for one exit-code constant, and loading
  // index.js would parse process.argv as the language host's and exit; the constant is given here.
  const runIndex = require.resolve("@pulumi/pulumi/cmd/run/index.js");
  require.cache[runIndex] = /** @type {any} */ ({
    id: runIndex,
    filename: runIndex,
    loaded: true,
    exports: { nodeJSProcessExitedAfterLoggingUserActionableMessage: 32 },
  });
  const { run } = require("@pulumi/pulumi/cmd/run/run.js");
  /** @type {unknown} */
  let programError;
  const exports = await run(
    { _: [request.program] },
    () => {},
    () => {},
    () => false,
  ).catch((e) => {
    programError = e;
    return {};
  });
  if (programError) throw programError;

  const outputs = {};
  for (const [k, v] of Object.entries(exports ?? {})) {
    if (k === "default" || k === "__esModule") continue;
    outputs[k] = pulumi.Output.isInstance(v) ? await outputValue(v) : v;
  }
  // Resources register asynchronously; wait until the RPC queue is empty.
  await require("@pulumi/pulumi/runtime/settings.js").waitForRPCs();
  const stackRoot = resources.find((r) => r.type === "pulumi:pulumi:Stack");
  const planned = [];
  for (const r of resources) {
    if (r === stackRoot) continue;
    planned.push({
      ...r,
      parent: r.parent === stackRoot?.urn ? undefined : r.parent,
      inputs: await resolveAssets(r.inputs),
    });
  }
  writeFileSync(outFile, JSON.stringify({ stack: request.stack, resources: planned, outputs }), { mode: 0o600 });
}

main().then(
  () => process.exit(0),
  (e) => {
    // Config errors name keys, never secret values; a TypeScript error names file and line.
    process.stderr.write(`${e && e.message ? e.message : String(e)}\n`);
    process.exit(1);
  },
);
