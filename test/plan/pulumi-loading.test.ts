// The program loads the way `pulumi up` loads it: the SDK's cmd/run registers ts-node with the
// project's tsconfig.json (type-checking on load) and requires `main`. Proven for every committed
// stack, and shown to catch what another loader would hide.
import { cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { capturePlan } from "../../src/tools/plan/capture";
import { exporterBundle, PREBUILT_BUNDLE_ENV } from "../../src/deploy/exporter-bundle";
import { capturePlanInChild, committedStackConfig } from "../harness/plan";

const ROOT = resolve(__dirname, "..", "..");
const STACKS = readdirSync(ROOT).flatMap((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1] ?? []);
const SECRETS = {
  sshPrivateKey: "stand-in-key",
  grafanaAuth: "stand-in-token",
  exporterBasicAuthPassword: "stand-in-password",
};
const scratch = mkdtempSync(join(tmpdir(), "wgm-loading-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** A project directory beside the real one: its tsconfig, package.json and node_modules, and `files`. */
function project(name: string, files: Record<string, string>): string {
  const dir = join(scratch, name);
  mkdirSync(dir, { recursive: true });
  for (const f of ["tsconfig.json", "package.json", "Pulumi.yaml"]) cpSync(join(ROOT, f), join(dir, f));
  symlinkSync(join(ROOT, "node_modules"), join(dir, "node_modules"));
  for (const [file, text] of Object.entries(files)) writeFileSync(join(dir, file), text);
  return join(dir, "index.ts");
}

describe("loading the program as Pulumi's Node.js runtime does", () => {
  it.each(STACKS)("the %s stack loads and type-checks through the SDK's cmd/run", async (stack) => {
    const plan = await capturePlanInChild({ stack, config: committedStackConfig(stack), secrets: SECRETS }, true);
    expect(plan.resources.length).toBeGreaterThan(0);
    expect(plan.resources.some((r) => r.type === "command:remote:Command")).toBe(true);
  });

  it("reports a type error with its file and line, as `pulumi up` would", async () => {
    const program = project("type-error", { "index.ts": 'export const answer: number = "forty-two";\n' });
    await expect(capturePlan({ stack: "t", config: {}, program })).rejects.toThrow(/index\.ts\(1,14\): error TS2322/);
  });

  it("fails on a relative import that only another TypeScript loader would resolve (`./x.js` for x.ts)", async () => {
    const program = project("js-extension", {
      "index.ts": 'import { x } from "./lib.js";\nexport const y = x;\n',
      "lib.ts": "export const x = 1;\n",
    });
    await expect(
      capturePlan({ stack: "t", config: {}, program, env: { PULUMI_NODEJS_TRANSPILE_ONLY: "true" } }),
    ).rejects.toThrow(/Cannot find module '\.\/lib\.js'/);
  });
});

describe("the exporter bundle a deployment uses", () => {
  /**
   * A checkout after `npm ci`: the exporter's sources and the contract
   * they import, package.json and node_modules, no exporter/dist.
   */
  const checkout = (name: string) => {
    const dir = join(scratch, name);
    cpSync(join(ROOT, "exporter", "src"), join(dir, "exporter", "src"), { recursive: true });
    cpSync(join(ROOT, "src", "contract"), join(dir, "src", "contract"), { recursive: true });
    cpSync(join(ROOT, "package.json"), join(dir, "package.json"));
    symlinkSync(join(ROOT, "node_modules"), join(dir, "node_modules"));
    return dir;
  };

  it("is built from exporter/src when missing, so `pulumi up` right after `npm ci` deploys", () => {
    const dir = checkout("fresh-clone");
    const bundle = exporterBundle(dir, {});
    expect(bundle.path).toBe(join(dir, "exporter", "dist", "wireguard-exporter.cjs"));
    expect(bundle.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(exporterBundle(dir, {}).sha256, "the same sources build the same bytes").toBe(bundle.sha256);
  });

  it("stops the program before any resource when the exporter does not build, naming the file", () => {
    const dir = checkout("broken-exporter");
    writeFileSync(join(dir, "exporter", "src", "main.ts"), "import { nothing } from './does-not-exist';\nnothing();\n");
    expect(() => exporterBundle(dir, {})).toThrow(
      new RegExp(
        String.raw`building the exporter bundle \(exporter/src\) failed; nothing was deployed:\n` +
          String.raw`Build failed with 1 error:\n\S*main\.ts:1:\d+: ERROR: Could not resolve "\./does-not-exist"`,
      ),
    );
  });

  it(`takes a prebuilt bundle from ${PREBUILT_BUNDLE_ENV}, and names a missing one`, () => {
    const prebuilt = join(scratch, "prebuilt.cjs");
    writeFileSync(prebuilt, "// prebuilt\n");
    expect(exporterBundle(ROOT, { [PREBUILT_BUNDLE_ENV]: prebuilt }).path).toBe(prebuilt);
    expect(() => exporterBundle(ROOT, { [PREBUILT_BUNDLE_ENV]: join(scratch, "nope.cjs") })).toThrow(
      `${PREBUILT_BUNDLE_ENV}=${join(scratch, "nope.cjs")}: no such file`,
    );
  });
});
