// Writing out/<stack>/: a later render changes only what differs, never a directory it did not
// write, never shows a half-written file, and a render that fails while writing leaves the last
// output exactly as it was.
import {
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { Artifact } from "../../src/build/artifact";
import { RENDER_MARKER, writeOutputDirectory } from "../../src/tools/render/write";

const work = mkdtempSync(join(tmpdir(), "wgm-write-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));
let dirs = 0;
const freshDir = () => join(work, `out-${dirs++}`);

const artifact = (path: string, content: string): Artifact => ({ path, content, kind: "other" });
const FLEET: Artifact[] = [
  artifact("prometheus/prometheus.yml", "global: {}\n"),
  artifact("prometheus/targets/wireguard.json", "[]\n"),
  artifact("hosts/vpn-1/peers.yml", "peers:\n  - name: a\n"),
  artifact("hosts/vpn-2/peers.yml", "peers:\n  - name: b\n"),
  artifact("hosts/vpn-2/web-config.yml", "tls_server_config: {}\n"),
];

/** Every entry below dir: file content, or "<dir>" / "-> target" for directories and links. */
function tree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of readdirSync(dir, { recursive: true }) as string[]) {
    const p = join(dir, name);
    const s = lstatSync(p);
    out[relative(dir, p)] = s.isDirectory() ? "<dir>" : s.isSymbolicLink() ? "-> link" : readFileSync(p, "utf8");
  }
  return out;
}

const inode = (file: string) => statSync(file).ino;

describe("writeOutputDirectory", () => {
  it("writes a first render into an absent or empty directory, with its marker", () => {
    const [absent, empty] = [freshDir(), freshDir()];
    mkdirSync(empty);
    for (const out of [absent, empty]) {
      expect(writeOutputDirectory(out, FLEET)).toEqual({
        how: "replaced",
        written: FLEET.length,
        unchanged: 0,
        removed: 0,
      });
      const files = Object.entries(tree(out)).filter(([, v]) => v !== "<dir>");
      expect(files.map(([p]) => p).sort()).toEqual([RENDER_MARKER, ...FLEET.map((a) => a.path)].sort());
      for (const a of FLEET) expect(readFileSync(join(out, a.path), "utf8")).toBe(a.content);
    }
  });

  it("refuses a non-empty directory it did not write, and leaves it alone", () => {
    const out = freshDir();
    mkdirSync(join(out, "notes"), { recursive: true });
    writeFileSync(join(out, "notes", "todo.txt"), "mine");
    const before = tree(out);
    expect(() => writeOutputDirectory(out, FLEET)).toThrow(
      `--out ${out}: directory exists and was not written by render`,
    );
    expect(tree(out)).toEqual(before);
  });

  it("rewrites nothing when nothing changed: every file keeps its inode", () => {
    const out = freshDir();
    writeOutputDirectory(out, FLEET);
    const before = Object.fromEntries(FLEET.map((a) => [a.path, inode(join(out, a.path))]));
    expect(writeOutputDirectory(out, FLEET)).toEqual({
      how: "updated",
      written: 0,
      unchanged: FLEET.length + 1,
      removed: 0,
    });
    expect(Object.fromEntries(FLEET.map((a) => [a.path, inode(join(out, a.path))]))).toEqual(before);
  });

  it("replaces a file whose content changed at the same size, or whose size changed, by renaming a new one", () => {
    const out = freshDir();
    writeOutputDirectory(out, FLEET);
    const sameSize = artifact("hosts/vpn-1/peers.yml", "peers:\n  - name: z\n");
    const longer = artifact("hosts/vpn-2/peers.yml", "peers:\n  - name: b\n  - name: c\n");
    const next = FLEET.map((a) => (a.path === sameSize.path ? sameSize : a.path === longer.path ? longer : a));
    const kept = inode(join(out, "prometheus/prometheus.yml"));
    const replaced = inode(join(out, sameSize.path));
    expect(writeOutputDirectory(out, next)).toEqual({
      how: "updated",
      written: 2,
      unchanged: FLEET.length - 1,
      removed: 0,
    });
    for (const a of next) expect(readFileSync(join(out, a.path), "utf8")).toBe(a.content);
    expect(inode(join(out, "prometheus/prometheus.yml"))).toBe(kept);
    expect(inode(join(out, sameSize.path))).not.toBe(replaced);
    expect(readdirSync(join(out, "hosts/vpn-1"))).toEqual(["peers.yml"]);
  });

  it("removes the files and directories no longer rendered, and anything else put inside", () => {
    const out = freshDir();
    writeOutputDirectory(out, FLEET);
    writeFileSync(join(out, "left-over.yml"), "old");
    mkdirSync(join(out, "hosts/vpn-1/extra/deeper"), { recursive: true });
    writeFileSync(join(out, "hosts/vpn-1/extra/deeper/x"), "x");
    const withoutVpn2 = FLEET.filter((a) => !a.path.startsWith("hosts/vpn-2/"));
    expect(writeOutputDirectory(out, withoutVpn2)).toMatchObject({ how: "updated", written: 0, removed: 4 });
    expect(Object.keys(tree(out)).sort()).toEqual(
      [
        RENDER_MARKER,
        "hosts",
        "hosts/vpn-1",
        "hosts/vpn-1/peers.yml",
        "prometheus",
        "prometheus/prometheus.yml",
        "prometheus/targets",
        "prometheus/targets/wireguard.json",
      ].sort(),
    );
  });

  it("replaces a link planted where a rendered file belongs instead of writing through it", () => {
    const out = freshDir();
    writeOutputDirectory(out, FLEET);
    const victim = join(work, "victim.txt");
    writeFileSync(victim, "do not touch");
    rmSync(join(out, "prometheus/prometheus.yml"));
    symlinkSync(victim, join(out, "prometheus/prometheus.yml"));
    expect(writeOutputDirectory(out, FLEET)).toMatchObject({ written: 1 });
    expect(readFileSync(victim, "utf8")).toBe("do not touch");
    expect(lstatSync(join(out, "prometheus/prometheus.yml")).isFile()).toBe(true);
    expect(readFileSync(join(out, "prometheus/prometheus.yml"), "utf8")).toBe("global: {}\n");
  });

  it("swaps in a whole new tree when a directory stands where a file now goes, or the reverse", () => {
    const out = freshDir();
    writeOutputDirectory(out, FLEET);
    const reshaped = [
      artifact("prometheus/targets", "now a file\n"),
      artifact("hosts/vpn-1/peers.yml/inner", "now a directory\n"),
    ];
    expect(writeOutputDirectory(out, reshaped)).toMatchObject({ how: "replaced", written: 2 });
    expect(tree(out)).toEqual({
      [RENDER_MARKER]: readFileSync(join(out, RENDER_MARKER), "utf8"),
      prometheus: "<dir>",
      "prometheus/targets": "now a file\n",
      hosts: "<dir>",
      "hosts/vpn-1": "<dir>",
      "hosts/vpn-1/peers.yml": "<dir>",
      "hosts/vpn-1/peers.yml/inner": "now a directory\n",
    });
  });

  it("removes a temporary file that a killed render left behind", () => {
    const out = freshDir();
    writeOutputDirectory(out, FLEET);
    writeFileSync(join(out, "hosts/vpn-1/.peers.yml.rendering-99999"), "half");
    writeOutputDirectory(out, FLEET);
    expect(readdirSync(join(out, "hosts/vpn-1"))).toEqual(["peers.yml"]);
  });

  it("leaves the previous output as it was if writing fails part way (no temporary files, no new directories)", () => {
    const out = freshDir();
    writeOutputDirectory(out, FLEET);
    const before = tree(out);
    const inodes = Object.fromEntries(FLEET.map((a) => [a.path, inode(join(out, a.path))]));
    // Changed files and a new host are staged first; then a name longer than the file system allows fails for real.
    const failing = [
      ...FLEET.map((a) => ({ ...a, content: `${a.content}# changed\n` })),
      artifact("hosts/vpn-3/sub/peers.yml", "peers: []\n"),
      artifact(`hosts/vpn-3/${"n".repeat(250)}.yml`, "x\n"),
    ];
    expect(() => writeOutputDirectory(out, failing)).toThrow(/ENAMETOOLONG/);
    expect(tree(out)).toEqual(before);
    expect(Object.fromEntries(FLEET.map((a) => [a.path, inode(join(out, a.path))]))).toEqual(inodes);
    expect(existsSync(join(out, "hosts/vpn-3"))).toBe(false);
  });

  it("a first render that fails leaves no directory and no staging directory behind", () => {
    const out = freshDir();
    expect(() => writeOutputDirectory(out, [...FLEET, artifact(`${"n".repeat(300)}.yml`, "x\n")])).toThrow(
      /ENAMETOOLONG/,
    );
    expect(existsSync(out)).toBe(false);
    expect(readdirSync(work).filter((n) => n.startsWith(`${relative(work, out)}.`))).toEqual([]);
  });
});
