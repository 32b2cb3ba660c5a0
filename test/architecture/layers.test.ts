// The layers of src/ and the one direction imports go: contract <- model <- build <- deploy <- tools,
// index.ts on top of deploy. Read from the sources, so a new file is checked without a list kept.
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = resolve(__dirname, "../..");

/** Each layer, lowest first, with what it is; a layer imports only from itself and the layers below it. */
const LAYERS = [
  {
    dir: "src/contract",
    holds: "rules the generator and the exporter share: durations, key format, peers-file fields, flag names",
  },
  { dir: "src/model", holds: "the stack config schema, validation and the Inventory" },
  { dir: "src/build", holds: "pure builders: Inventory in, artifacts out" },
  { dir: "src/deploy", holds: "Pulumi components that install the artifacts they are given" },
  { dir: "src/tools", holds: "render, preview, diff, import-peers: builders and the program without an engine" },
] as const;

/** Besides the layers: the program on top, and the exporter, which shares only the contract. */
const PROGRAM = "index.ts";
const EXPORTER = "exporter/src";
/** The esbuild step that bundles the exporter: deploy builds the bundle it uploads, diff reports its hash. */
const EXPORTER_BUNDLER = "exporter/bundle.ts";

/** Layers whose code must stay pure: no Pulumi, no engine. */
const WITHOUT_PULUMI = ["src/contract", "src/model", "src/build"];

function sourceFiles(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && /\.(ts|cjs|mts)$/.test(e.name))
    .map((e) => relative(ROOT, join(e.parentPath, e.name)).split("\\").join("/"));
}

/** Every module specifier a file names: static and dynamic imports, require(), `typeof import()`. */
function specifiers(file: string): string[] {
  const text = readFileSync(join(ROOT, file), "utf8");
  const found: string[] = [];
  for (const m of text.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|\brequire\s*\(\s*|^\s*import\s+)["']([^"']+)["']/gm))
    found.push(m[1]!);
  return found;
}

/** Where a relative specifier lands, as a repository path without extension. */
function target(file: string, spec: string): string {
  return relative(ROOT, resolve(ROOT, dirname(file), spec))
    .split("\\")
    .join("/")
    .replace(/\.(ts|cjs|js)$/, "");
}

const within = (path: string, dir: string) => path === dir || path.startsWith(`${dir}/`);
const layerOf = (path: string) => LAYERS.findIndex((l) => within(path, l.dir));

/** What a file may import, or why not: undefined when allowed. */
function refusal(file: string, to: string): string | undefined {
  const toLayer = layerOf(to);
  if (within(file, EXPORTER)) {
    return within(to, EXPORTER) || within(to, "src/contract")
      ? undefined
      : "the exporter imports only its own files and src/contract";
  }
  if (to === EXPORTER_BUNDLER.replace(/\.ts$/, "")) {
    return layerOf(file) >= 3 || file === PROGRAM ? undefined : "only deploy and tools build the exporter bundle";
  }
  if (within(to, EXPORTER)) return "the exporter is reached through its bundle, never imported";
  if (file === PROGRAM)
    return toLayer >= 0 && toLayer <= 3
      ? undefined
      : `${PROGRAM} declares components: it imports model, build and deploy`;
  const fromLayer = layerOf(file);
  if (toLayer < 0) return `${to} is in no layer`;
  if (toLayer > fromLayer) return `${LAYERS[fromLayer]!.dir} is below ${LAYERS[toLayer]!.dir}: imports go only down`;
  return undefined;
}

const checked = [PROGRAM, ...LAYERS.flatMap((l) => sourceFiles(l.dir)), ...sourceFiles(EXPORTER)];

describe("layers", () => {
  it("every file under src/ is in one layer", () => {
    const stray = sourceFiles("src").filter((f) => layerOf(f) < 0);
    expect(stray).toEqual([]);
  });

  it("imports go down: contract <- model <- build <- deploy <- tools, index.ts on deploy; exporter: contract", () => {
    const wrong: string[] = [];
    for (const file of checked) {
      for (const spec of specifiers(file).filter((s) => s.startsWith("."))) {
        const to = target(file, spec);
        const why = refusal(file, to);
        if (why) wrong.push(`${file} imports ${spec}: ${why}`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it("the contract, the model and the builders never load Pulumi", () => {
    const wrong = WITHOUT_PULUMI.flatMap((dir) => sourceFiles(dir)).flatMap((file) =>
      specifiers(file)
        .filter((s) => s.startsWith("@pulumi"))
        .map((s) => `${file} imports ${s}`),
    );
    expect(wrong).toEqual([]);
  });

  it("the contract imports nothing but Node's own modules, so the exporter bundle stays self-contained", () => {
    const wrong = sourceFiles("src/contract").flatMap((file) =>
      specifiers(file)
        .filter((s) => !s.startsWith("./") && !s.startsWith("node:"))
        .map((s) => `${file} imports ${s}`),
    );
    expect(wrong).toEqual([]);
  });

  it("finds a wrong import when there is one (the check itself)", () => {
    expect(refusal("src/model/inventory.ts", "src/build/artifact")).toMatch(/imports go only down/);
    expect(refusal("src/build/hosts/systemd-unit.ts", "src/deploy/shell")).toMatch(/imports go only down/);
    expect(refusal("src/deploy/wireguard-host.ts", "src/tools/render/write")).toMatch(/imports go only down/);
    expect(refusal("exporter/src/flags.ts", "src/model/durations")).toMatch(/only its own files and src\/contract/);
    expect(refusal("src/model/durations.ts", "exporter/src/flags")).toMatch(/through its bundle/);
    expect(refusal("index.ts", "src/tools/render/write")).toMatch(/model, build and deploy/);
    expect(refusal("src/tools/diff/report.ts", "src/deploy/exporter-bundle")).toBeUndefined();
    expect(specifiers(PROGRAM).length).toBeGreaterThan(3);
  });
});
