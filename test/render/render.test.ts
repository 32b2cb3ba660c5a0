// `npm run render`: deterministic output per stack, and committed artifacts that match the builders.
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { loadStackFile } from "../../src/model/index";
import { committedArtifacts } from "../../src/tools/render/committed-artifacts";
import { staleArtifacts } from "../../src/tools/render/freshness";
import { stackArtifacts } from "../../src/build/stack-artifacts";
import { REPO, runCli } from "../helpers/run";

const work = mkdtempSync(join(tmpdir(), "wgm-render-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function tree(dir: string): Record<string, string> {
  const files: Record<string, string> = {};
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else files[relative(dir, p)] = readFileSync(p, "base64");
    }
  };
  walk(dir);
  return files;
}

describe.each(["example", "prod"])("render --stack %s", (stack) => {
  it("writes every artifact the stack deploys and prints a summary", () => {
    const out = join(work, `${stack}-1`);
    const r = runCli("render", ["--stack", stack, "--out", out]);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    const inv = loadStackFile(REPO, stack);
    if (!inv.ok) throw new Error("stack invalid");
    const expected = stackArtifacts(inv.inventory).map((a) => a.path);
    const written = Object.keys(tree(out)).filter((p) => !p.startsWith("."));
    expect(written.sort()).toEqual(expected.sort());
    expect(r.stdout).toMatch(
      new RegExp(
        `${expected.length} files, .*${inv.inventory.hosts.length} hosts, ${inv.inventory.peers.length} peers`,
      ),
    );
    // one summary line per file, with its size
    for (const path of expected)
      expect(r.stdout).toMatch(new RegExp(`^  ${path.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}\\s+\\d`, "m"));
  });

  it("is byte-identical when run twice", () => {
    const a = join(work, `${stack}-a`);
    const b = join(work, `${stack}-b`);
    expect(runCli("render", ["--stack", stack, "--out", a]).status).toBe(0);
    expect(runCli("render", ["--stack", stack, "--out", b]).status).toBe(0);
    expect(tree(a)).toEqual(tree(b));
  });

  it("leaves nothing of an earlier render: a stale file disappears", () => {
    const out = join(work, `${stack}-1`);
    writeFileSync(join(out, "left-over.yml"), "old");
    const r = runCli("render", ["--stack", stack, "--out", out]);
    expect(r.status).toBe(0);
    expect(Object.keys(tree(out))).not.toContain("left-over.yml");
    // The summary says what happened on disk: nothing rewritten, the stale file removed.
    expect(r.stdout.split("\n")[0]).toMatch(/ \(0 written, \d+ unchanged, 1 removed\)$/);
  });
});

describe("render refuses what it must not do", () => {
  it("will not replace a directory it did not write", () => {
    const mine = join(work, "user-dir");
    cpSync(join(REPO, "src/model"), mine, { recursive: true });
    const before = tree(mine);
    const r = runCli("render", ["--out", mine]);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`--out ${mine}: directory exists and was not written by render`);
    expect(tree(mine)).toEqual(before);
  });

  it("names an unknown stack and an unknown flag", () => {
    const a = runCli("render", ["--stack", "nope"]);
    expect(a.status).toBe(1);
    expect(a.stderr).toContain(`--stack: no stack file ${join(REPO, "Pulumi.nope.yaml")} for stack "nope"`);
    const b = runCli("render", ["--stak", "prod"]);
    expect(b.status).toBe(2);
    expect(b.stderr).toContain("unknown flag --stak");
  });
});

describe("committed artifacts (alerts/, dashboards/)", () => {
  const committed = committedArtifacts();

  it("include the alert rules and the dashboards", () => {
    const paths = committed.map((a) => a.path);
    expect(paths).toContain("alerts/wireguard.rules.yml");
    expect(paths.filter((p) => /^dashboards\/[^/]+\.json$/.test(p)).length).toBeGreaterThanOrEqual(2);
  });

  it("are what the builders produce now (run `npm run render` and commit when this fails)", () => {
    expect(staleArtifacts(REPO, committed)).toEqual([]);
    expect(runCli("render", ["--check"]).status).toBe(0);
  });

  it("the check notices a builder change that was not re-rendered", () => {
    const copy = join(work, "repo-copy");
    for (const a of committed) {
      mkdirSync(dirname(join(copy, a.path)), { recursive: true });
      cpSync(join(REPO, a.path), join(copy, a.path));
    }
    expect(staleArtifacts(copy, committed)).toEqual([]);
    // what a changed builder would now produce differs from the committed bytes by one line
    const changed = committed.map((a, i) => (i === 0 ? { ...a, content: `${a.content}# changed\n` } : a));
    expect(staleArtifacts(copy, changed)).toEqual([committed[0].path]);
  });
});
