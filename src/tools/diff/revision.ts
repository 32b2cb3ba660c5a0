// The files of a git revision in a temporary directory (`git archive | tar -x`), so that a tool can
// build from them without checking anything out in the user's tree. node_modules is linked from
// the working tree: the base side is rendered with its own code but today's dependencies.
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface Revision {
  /** What the user named (`origin/main`, `HEAD~1`, a SHA). */
  ref: string;
  /** The commit it resolves to. */
  commit: string;
  /** A directory holding that commit's files. */
  dir: string;
  remove(): void;
}

export type RevisionResult = { ok: true; revision: Revision } | { ok: false; error: string };

function git(repoDir: string, args: string[]): { status: number; stdout: string; stderr: string } {
  const r = spawnSync("git", args, { cwd: repoDir, encoding: "utf8", maxBuffer: 1024 * 1024 * 1024 });
  if (r.error) return { status: 127, stdout: "", stderr: r.error.message };
  return { status: r.status ?? 1, stdout: r.stdout, stderr: r.stderr };
}

function resolveCommit(repoDir: string, ref: string): { ok: true; commit: string } | { ok: false; error: string } {
  if (ref.startsWith("-")) return { ok: false, error: `not a git revision: ${JSON.stringify(ref)}` };
  const r = git(repoDir, ["rev-parse", "--verify", "--quiet", `${ref}^{commit}`]);
  if (r.status !== 0) {
    const inside = git(repoDir, ["rev-parse", "--is-inside-work-tree"]);
    if (inside.status !== 0)
      return { ok: false, error: `${repoDir} is not in a git repository (${inside.stderr.trim()})` };
    return {
      ok: false,
      error: `unknown git revision ${JSON.stringify(ref)} (fetch it first, e.g. \`git fetch origin\`)`,
    };
  }
  return { ok: true, commit: r.stdout.trim() };
}

/** The project's files at `ref`: `projectDir` may be a subdirectory of the repository. */
export function materializeRevision(projectDir: string, ref: string): RevisionResult {
  const resolved = resolveCommit(projectDir, ref);
  if (!resolved.ok) return resolved;
  const prefix = git(projectDir, ["rev-parse", "--show-prefix"]).stdout.trim();
  const dir = mkdtempSync(join(tmpdir(), "wgm-base-"));
  const remove = () => rmSync(dir, { recursive: true, force: true });
  try {
    // `commit:prefix` archives the project's directory as the root of the archive.
    const tree = prefix === "" ? resolved.commit : `${resolved.commit}:${prefix.replace(/\/$/, "")}`;
    const archive = execFileSync("git", ["archive", "--format=tar", tree], {
      cwd: projectDir,
      maxBuffer: 1024 * 1024 * 1024,
    });
    execFileSync("tar", ["-x", "-C", dir], { input: archive });
  } catch (e) {
    remove();
    return { ok: false, error: `could not read the files of ${ref}: ${(e as Error).message.split("\n")[0]}` };
  }
  const modules = join(projectDir, "node_modules");
  if (existsSync(modules) && !existsSync(join(dir, "node_modules")))
    symlinkSync(modules, join(dir, "node_modules"), "dir");
  return { ok: true, revision: { ref, commit: resolved.commit, dir, remove } };
}

/** Whether anything under `paths` differs between `commit` and the working tree (uncommitted edits included). */
export function pathsChangedSince(projectDir: string, commit: string, paths: readonly string[]): boolean {
  const r = git(projectDir, ["diff", "--quiet", commit, "--", ...paths]);
  if (r.status === 0) return false;
  if (r.status === 1) return true;
  throw new Error(`git diff failed: ${r.stderr.trim()}`);
}
