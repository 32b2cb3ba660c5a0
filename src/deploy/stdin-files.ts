// Files travel to a machine on the install Command's stdin, never through an upload: stdin is
// a (secret, when any file is) input of the Command, so nothing is staged where others could read
// or swap it, and a changed file is an update of the same Command, never a replace.
// Format: a readable manifest (one line a file: name, size, sha256 — what `pulumi preview --diff`
// shows changing), a line `--`, then the files as a base64 ustar archive.
import { createHash } from "node:crypto";
import { tarArchive, type TarEntry } from "./tar";

export const sha256 = (text: string | Buffer) => createHash("sha256").update(text).digest("hex");

export function filesOnStdin(files: readonly TarEntry[]): string {
  const names = new Set<string>();
  for (const f of files) {
    if (names.has(f.name)) throw new Error(`two files named ${f.name} on one install step`);
    names.add(f.name);
  }
  const manifest = files.map((f) => `${f.name} ${Buffer.byteLength(f.content)} sha256:${sha256(f.content)}`);
  const base64 = tarArchive(files)
    .toString("base64")
    .replace(/.{1,76}/g, "$&\n");
  return ["wireguard-monitoring files", ...manifest, "--", base64].join("\n");
}

/**
 * Shell (runs as root, umask 077): unpacks stdin into a fresh 0700 directory `$files` that is
 * removed on exit. Needs base64 and tar (coreutils, tar: on every Debian/Ubuntu/RHEL).
 */
export const UNPACK_STDIN = [
  'work=$(mktemp -d) || fail "cannot create a temporary directory"',
  "trap 'rm -rf \"$work\"' EXIT",
  'files=$work/files; mkdir "$files"',
  `sed '1,/^--$/d' | base64 -d >"$work/files.tar" || fail "the files on stdin are not readable (base64)"`,
  'tar -x --no-same-owner -f "$work/files.tar" -C "$files" || fail "the files on stdin are not readable (tar)"',
].join("\n");
