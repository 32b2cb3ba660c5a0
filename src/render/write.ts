// The only place render touches the disk. A stack's output directory is replaced whole, so a
// failed render never leaves half-new files and removed artifacts do not linger.
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import type { Artifact } from "./artifact";

function writeAll(root: string, artifacts: readonly Artifact[]): void {
  // Each directory is made once: a fleet's out/ holds thousands of files in a few directories each.
  const made = new Set<string>();
  for (const a of artifacts) {
    const file = join(root, a.path);
    const dir = dirname(file);
    if (!made.has(dir)) {
      mkdirSync(dir, { recursive: true });
      made.add(dir);
    }
    writeFileSync(file, a.content);
  }
}

/** Marks a directory as ours, so that replacing it can never delete a user's own files. */
export const RENDER_MARKER = ".wireguard-monitoring-render";

/**
 * Writes `artifacts` into `dir`, replacing what was there. Refuses a non-empty directory that an
 * earlier render did not create (a mistyped --out must not delete anything).
 */
export function replaceDirectory(dir: string, artifacts: readonly Artifact[]): void {
  const target = resolve(dir);
  if (existsSync(target) && readdirSync(target).length > 0 && !existsSync(join(target, RENDER_MARKER))) {
    throw new Error(`--out ${dir}: directory exists and was not written by render; choose an empty or new directory`);
  }
  const staging = `${target}.rendering-${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  try {
    mkdirSync(staging, { recursive: true });
    writeFileSync(join(staging, RENDER_MARKER), "written by `npm run render`; replaced whole on every render\n");
    writeAll(staging, artifacts);
    rmSync(target, { recursive: true, force: true });
    mkdirSync(dirname(target), { recursive: true });
    renameSync(staging, target);
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

/** Writes the committed artifacts into the repo root where they differ; reports which changed. */
export function updateFiles(root: string, artifacts: readonly Artifact[]): { artifact: Artifact; changed: boolean }[] {
  return artifacts.map((artifact) => {
    const file = join(root, artifact.path);
    const changed = !existsSync(file) || readFileSync(file, "utf8") !== artifact.content;
    if (changed) writeAll(root, [artifact]);
    return { artifact, changed };
  });
}
