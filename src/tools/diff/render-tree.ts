// Renders the stacks of one project tree — the working tree or a revision's files — with that
// tree's own config loader and builders, so a change to a builder shows up as a change to its output.
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import type { ConfigError } from "../../model/index";
import type { Artifact } from "../../build/artifact";

type ConfigModule = typeof import("../../model/index");
type StackArtifactsModule = typeof import("../../build/stack-artifacts");

export type StackRender =
  | {
      ok: true;
      artifacts: Artifact[];
      /** plain config values, as the engine would get them */ values: Record<string, unknown>;
    }
  | { ok: false; errors: ConfigError[] };

/**
 * Where a tree keeps its config loader and its stack builder: the layer folders first, then the
 * folders older revisions used, so a base revision from before the layers still renders.
 */
const TREE_LAYOUTS = [
  { config: "src/model/index", build: "src/build/stack-artifacts" },
  { config: "src/config/index", build: "src/render/stack-artifacts" },
];

const STACK_FILE = /^Pulumi\.([A-Za-z0-9_.-]+)\.yaml$/;

/** Stack names of the `Pulumi.<stack>.yaml` files in a tree, sorted. */
export function stacksIn(dir: string): string[] {
  return readdirSync(dir)
    .map((f) => STACK_FILE.exec(f)?.[1])
    .filter((s): s is string => s !== undefined)
    .sort();
}

/** Loads and renders one stack with the tree's own modules; a builder that throws is an error value too. */
export function renderStackIn(dir: string, stack: string): StackRender {
  let config: ConfigModule;
  let build: StackArtifactsModule;
  try {
    const layout = TREE_LAYOUTS.find((l) => existsSync(join(dir, `${l.config}.ts`))) ?? TREE_LAYOUTS[0]!;
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    config = require(join(dir, layout.config)) as ConfigModule;
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    build = require(join(dir, layout.build)) as StackArtifactsModule;
  } catch (e) {
    return { ok: false, errors: [{ path: "(code)", message: `cannot load the builders: ${firstLine(e)}` }] };
  }
  const loaded = config.loadStackFile(dir, stack);
  if (!loaded.ok) return { ok: false, errors: loaded.errors };
  const buildErrors = typeof build.stackBuildErrors === "function" ? build.stackBuildErrors(loaded.inventory) : [];
  if (buildErrors.length > 0) return { ok: false, errors: buildErrors };
  try {
    return { ok: true, artifacts: build.stackArtifacts(loaded.inventory), values: loaded.values };
  } catch (e) {
    return { ok: false, errors: [{ path: "(build)", message: `a builder failed: ${firstLine(e)}` }] };
  }
}

function firstLine(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split("\n")[0];
}
