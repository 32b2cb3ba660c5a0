// What a render has to change in an output directory that an earlier render wrote: the files whose
// bytes differ (size first, then content), the files and directories it no longer renders, or the
// first place where the old tree's shape is in the way (a directory where a file goes, or the reverse).
import { closeSync, constants, fstatSync, openSync, readdirSync, readSync } from "node:fs";
import { join, sep } from "node:path";

/** What sits at a path under the output directory; symbolic links are never followed. */
export type EntryKind = "file" | "directory" | "other";

export interface FileToWrite {
  /** Relative, with forward slashes. */
  path: string;
  content: string;
}

export type OutputChanges =
  | { conflict: string }
  | {
      conflict?: undefined;
      write: FileToWrite[];
      unchanged: number;
      removeFiles: string[];
      removeDirectories: string[];
    };

/** Every entry under `root` by relative path (forward slashes), without following links. */
export function scanTree(root: string): Map<string, EntryKind> {
  const entries = new Map<string, EntryKind>();
  for (const d of readdirSync(root, { withFileTypes: true, recursive: true })) {
    const full = join(d.parentPath, d.name);
    const rel = full.slice(root.length + 1);
    entries.set(
      sep === "/" ? rel : rel.split(sep).join("/"),
      d.isDirectory() ? "directory" : d.isFile() ? "file" : "other",
    );
  }
  return entries;
}

/** The changes that turn the tree `existing` (from scanTree) under `root` into exactly `files`. */
export function outputChanges(
  root: string,
  existing: ReadonlyMap<string, EntryKind>,
  files: readonly { path: string; content: string }[],
): OutputChanges {
  const rendered = new Set<string>();
  const directories = new Set<string>();
  for (const f of files) {
    rendered.add(f.path);
    if (existing.get(f.path) === "directory") return { conflict: f.path };
    for (let dir = parentOf(f.path); dir !== "" && !directories.has(dir); dir = parentOf(dir)) {
      const kind = existing.get(dir);
      if (kind !== undefined && kind !== "directory") return { conflict: dir };
      directories.add(dir);
    }
  }
  const compare = new ContentComparer();
  const write: FileToWrite[] = [];
  let unchanged = 0;
  for (const f of files) {
    if (existing.get(f.path) === "file" && compare.holds(join(root, f.path), f.content)) unchanged++;
    else write.push({ path: f.path, content: f.content });
  }
  const removeFiles: string[] = [];
  const removeDirectories: string[] = [];
  for (const [path, kind] of existing) {
    if (kind === "directory") {
      if (!directories.has(path)) removeDirectories.push(path);
    } else if (!rendered.has(path)) removeFiles.push(path);
  }
  return { write, unchanged, removeFiles, removeDirectories };
}

function parentOf(path: string): string {
  const i = path.lastIndexOf("/");
  return i === -1 ? "" : path.slice(0, i);
}

/**
 * Compares files with texts through two reused buffers (a fleet's out/ is thousands of files): the
 * size first, the bytes only when the sizes agree.
 */
class ContentComparer {
  private expected = Buffer.alloc(64 * 1024);
  private found = Buffer.alloc(64 * 1024);

  holds(file: string, content: string): boolean {
    const size = Buffer.byteLength(content, "utf8");
    let fd: number;
    try {
      // O_NOFOLLOW: a link planted where a rendered file belongs is replaced, never read through.
      fd = openSync(file, constants.O_RDONLY | constants.O_NOFOLLOW);
    } catch {
      return false;
    }
    try {
      if (fstatSync(fd).size !== size) return false;
      if (this.found.length < size) {
        this.expected = Buffer.alloc(size);
        this.found = Buffer.alloc(size);
      }
      for (let read = 0; read < size;) {
        const n = readSync(fd, this.found, read, size - read, read);
        if (n === 0) return false;
        read += n;
      }
      this.expected.write(content, 0, "utf8");
      return this.found.subarray(0, size).equals(this.expected.subarray(0, size));
    } finally {
      closeSync(fd);
    }
  }
}
