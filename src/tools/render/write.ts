// The only place render touches the disk. An output directory that render wrote carries a marker
// file; a later render changes only what differs from what is there, so re-rendering a large fleet
// costs reading its files, not rewriting them. What holds, however a render ends:
// - a directory without the marker is never touched (unless it is empty or absent);
// - no file is ever seen half-written: new bytes go to a temporary name in the file's own directory
//   and are renamed over it;
// - a render that fails while writing (disk full, no permission) leaves the
//   previous output exactly as it was: every changed file is written under its temporary name first,
//   and only once all are written are they renamed into place and the files no longer rendered removed;
// - only that last step, renames and removals with no data written, can be cut short (the process
//   killed, or a rename refused). Then every file is whole, from the previous render or from this
//   one, and the next render completes the directory, removing any temporary file left behind.
// A first render, or one whose tree has a directory where a file now goes (or the reverse), is built
// in a staging directory beside the target and swapped in whole.
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import type { Artifact } from "../../build/artifact";
import { type FileToWrite, outputChanges, scanTree } from "./output-changes";

/** Marks a directory as ours, so that updating it can never delete a user's own files. */
export const RENDER_MARKER = ".wireguard-monitoring-render";
const MARKER_TEXT = "written by `npm run render`; every render removes the files in here that it did not write\n";

/** What a render did to its output directory. */
export interface OutputWrite {
  /**
   * `updated`: changed in place; `replaced`: built beside it and
   * swapped in whole (first render, or a tree that changed shape).
   */
  how: "updated" | "replaced";
  written: number;
  unchanged: number;
  removed: number;
}

/**
 * Makes `dir` hold exactly `artifacts` (and the marker). Refuses a non-empty directory that an
 * earlier render did not create (a mistyped --out must not delete anything).
 */
export function writeOutputDirectory(dir: string, artifacts: readonly Artifact[]): OutputWrite {
  const target = resolve(dir);
  const files = [...artifacts, { path: RENDER_MARKER, content: MARKER_TEXT }];
  const existing = existsSync(target) ? readdirSync(target) : [];
  if (existing.length === 0) return replaceWhole(target, files);
  if (!existing.includes(RENDER_MARKER)) {
    throw new Error(`--out ${dir}: directory exists and was not written by render; choose an empty or new directory`);
  }
  const changes = outputChanges(target, scanTree(target), files);
  if (changes.conflict !== undefined) return replaceWhole(target, files);
  commit(target, stage(target, changes.write), changes.removeFiles, changes.removeDirectories);
  return {
    how: "updated",
    written: changes.write.length,
    unchanged: changes.unchanged,
    removed: changes.removeFiles.length,
  };
}

function replaceWhole(target: string, files: readonly { path: string; content: string }[]): OutputWrite {
  const staging = `${target}.rendering-${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  try {
    mkdirSync(staging, { recursive: true });
    // Each directory is made once: a fleet's out/ holds thousands of files in a few directories each.
    const made = new Set<string>();
    for (const f of files) {
      const file = join(staging, f.path);
      const dir = dirname(file);
      if (!made.has(dir)) {
        mkdirSync(dir, { recursive: true });
        made.add(dir);
      }
      writeFileSync(file, f.content);
    }
    rmSync(target, { recursive: true, force: true });
    mkdirSync(dirname(target), { recursive: true });
    renameSync(staging, target);
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
  return { how: "replaced", written: files.length - 1, unchanged: 0, removed: 0 };
}

interface StagedFile {
  temporary: string;
  file: string;
}

/** Writes every changed file under a temporary name beside it; on any failure removes what it wrote and made. */
function stage(target: string, write: readonly FileToWrite[]): StagedFile[] {
  const staged: StagedFile[] = [];
  const madeDirectories: string[] = [];
  const ready = new Set<string>();
  try {
    for (const w of write) {
      const file = join(target, w.path);
      const dir = dirname(file);
      if (!ready.has(dir)) {
        const first = mkdirSync(dir, { recursive: true });
        if (first !== undefined) madeDirectories.push(first);
        ready.add(dir);
      }
      const temporary = join(dir, `.${basename(file)}.rendering-${process.pid}`);
      staged.push({ temporary, file });
      writeExclusive(temporary, w.content);
    }
    return staged;
  } catch (e) {
    for (const s of staged) removeQuietly(s.temporary);
    for (const d of madeDirectories.reverse()) removeQuietly(d);
    throw e;
  }
}

/** Cleaning up after a failure must not hide the failure (the last temporary name may be the one that was refused). */
function removeQuietly(path: string): void {
  try {
    rmSync(path, { recursive: true, force: true });
  } catch {
    // nothing there, or nothing we could do: the next render removes what is not rendered
  }
}

/** A new file only: O_EXCL also refuses a link planted at the temporary name. One left by a dead render is replaced. */
function writeExclusive(file: string, content: string): void {
  try {
    writeFileSync(file, content, { flag: "wx" });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
    rmSync(file, { force: true });
    writeFileSync(file, content, { flag: "wx" });
  }
}

function commit(
  target: string,
  staged: readonly StagedFile[],
  removeFiles: readonly string[],
  removeDirectories: readonly string[],
): void {
  let renamed = 0;
  try {
    for (const s of staged) {
      renameSync(s.temporary, s.file);
      renamed++;
    }
  } catch (e) {
    for (const s of staged.slice(renamed)) removeQuietly(s.temporary);
    throw new Error(
      `${(e as Error).message} (${renamed} of ${staged.length} changed ` +
        `files are in place, each whole; render again to complete)`,
    );
  }
  for (const f of removeFiles) rmSync(join(target, f), { force: true });
  for (const d of removeDirectories) rmSync(join(target, d), { recursive: true, force: true });
}

/** Writes the committed artifacts into the repo root where they differ; reports which changed. */
export function updateFiles(root: string, artifacts: readonly Artifact[]): { artifact: Artifact; changed: boolean }[] {
  return artifacts.map((artifact) => {
    const file = join(root, artifact.path);
    const changed = !existsSync(file) || readFileSync(file, "utf8") !== artifact.content;
    if (changed) commit(root, stage(root, [{ path: artifact.path, content: artifact.content }]), [], []);
    return { artifact, changed };
  });
}
