// A diff between a git revision and the working tree, for every stack: the report the CLI prints
// in its three formats. Rendering and comparing are here; reading the revision is revision.ts.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildExporterBundle } from "../../../exporter/bundle";
import type { ConfigError } from "../../model/index";
import { PREBUILT_BUNDLE_ENV } from "../../deploy/exporter-bundle";
import type { Artifact } from "../../build/artifact";
import { diffArtifacts, type ArtifactsDiff } from "./compare";
import { planSteps, type PlanStep } from "./plan-steps";
import { renderStackIn, stacksIn, type StackRender } from "./render-tree";
import { pathsChangedSince, type Revision } from "./revision";

type Side = "base" | "working tree";

export interface SideError {
  side: Side;
  stack: string;
  /** The stack file as named in the repository, e.g. `Pulumi.prod.yaml`. */
  file: string;
  errors: ConfigError[];
}

export interface StackDiff {
  stack: string;
  /** added: only in the working tree; removed: only at the base. */
  status: "added" | "removed" | "changed" | "unchanged";
  diff: ArtifactsDiff;
  /** Hosts whose exporter restarts: a file that needs it changed, or a new exporter build. */
  exporterRestarts: string[];
  /** Present when the plan was asked for. */
  plan?: PlanStep[];
}

export interface DiffReport {
  base: { ref: string; commit: string };
  /** The exporter's sources (what its bundle is built from) differ: every host gets a new build. */
  exporterRebuilt: boolean;
  stacks: StackDiff[];
  errors: SideError[];
  planIncluded: boolean;
}

/**
 * What the exporter bundle is built from, and so what its bytes and revision depend on
 * (exporter/bundle.ts takes its revision from the last commit touching exactly these).
 */
const EXPORTER_SOURCES = ["exporter/src", "exporter/bundle.ts", "package.json"];

export interface DiffOptions {
  /** Stacks to compare; default: every `Pulumi.<stack>.yaml` on either side. */
  stacks?: string[];
  /** Also capture both sides' Pulumi programs and list the engine's steps. */
  plan?: boolean;
}

export async function diffAgainstRevision(
  projectDir: string,
  base: Revision,
  options: DiffOptions = {},
): Promise<DiffReport> {
  const stacks = options.stacks ?? [...new Set([...stacksIn(base.dir), ...stacksIn(projectDir)])].sort();
  const exporterRebuilt = pathsChangedSince(projectDir, base.commit, EXPORTER_SOURCES);
  const errors: SideError[] = [];
  const results: StackDiff[] = [];
  const haveBase = new Set(stacksIn(base.dir));
  const haveWork = new Set(stacksIn(projectDir));
  for (const stack of options.stacks ?? []) {
    if (!haveBase.has(stack) && !haveWork.has(stack)) {
      errors.push({
        side: "working tree",
        stack,
        file: `Pulumi.${stack}.yaml`,
        errors: [
          { path: "--stack", message: `no stack file Pulumi.${stack}.yaml at ${base.ref} nor in the working tree` },
        ],
      });
    }
  }
  const bundleEnv = options.plan && !exporterRebuilt ? prebuiltBundleEnv(projectDir) : undefined;
  try {
    for (const stack of stacks) {
      if (!haveBase.has(stack) && !haveWork.has(stack)) continue;
      const before = haveBase.has(stack) ? renderStackIn(base.dir, stack) : undefined;
      const after = haveWork.has(stack) ? renderStackIn(projectDir, stack) : undefined;
      const failed = [sideError("base", stack, before), sideError("working tree", stack, after)].filter(
        (e): e is SideError => e !== undefined,
      );
      if (failed.length > 0) {
        errors.push(...failed);
        continue;
      }
      const a = before?.ok ? before.artifacts : [];
      const b = after?.ok ? after.artifacts : [];
      const diff = diffArtifacts(a, b);
      const exporterRestarts = exporterRebuilt
        ? hostsOnBothSides(a, b)
        : diff.hosts.filter((h) => h.restartsExporter).map((h) => h.host);
      const plan = options.plan
        ? await planSteps(
            stack,
            before?.ok ? { dir: base.dir, values: before.values } : undefined,
            after?.ok ? { dir: projectDir, values: after.values } : undefined,
            bundleEnv?.env,
          )
        : undefined;
      const changed =
        diff.artifacts.length > 0 || exporterRestarts.length > 0 || (plan !== undefined && plan.length > 0);
      const status = !before ? "added" : !after ? "removed" : changed ? "changed" : "unchanged";
      results.push({ stack, status, diff, exporterRestarts, ...(plan ? { plan } : {}) });
    }
  } finally {
    bundleEnv?.remove();
  }
  return {
    base: { ref: base.ref, commit: base.commit },
    exporterRebuilt,
    stacks: results,
    errors,
    planIncluded: Boolean(options.plan),
  };
}

function sideError(side: Side, stack: string, r: StackRender | undefined): SideError | undefined {
  if (!r || r.ok) return undefined;
  return { side, stack, file: `Pulumi.${stack}.yaml`, errors: r.errors };
}

function hostsOnBothSides(a: readonly Artifact[], b: readonly Artifact[]): string[] {
  const hosts = (list: readonly Artifact[]) => new Set(list.flatMap((x) => (x.host !== undefined ? [x.host] : [])));
  const before = hosts(a);
  return [...hosts(b)].filter((h) => before.has(h)).sort();
}

/**
 * With an unchanged exporter both sides deploy the same bundle; built once here, so the base's copy
 * (outside git, where the bundle's revision cannot be read) does not look like a new build.
 */
function prebuiltBundleEnv(projectDir: string): { env: Record<string, string>; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), "wgm-bundle-"));
  const file = join(dir, "wireguard-exporter.cjs");
  writeFileSync(file, buildExporterBundle(projectDir));
  return { env: { [PREBUILT_BUNDLE_ENV]: file }, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** 0 no change, 1 changes, 2 an error on either side. */
export function exitCode(report: DiffReport): 0 | 1 | 2 {
  if (report.errors.length > 0) return 2;
  return report.stacks.some((s) => s.status !== "unchanged") ? 1 : 0;
}
