// `npm run diff` on a temporary git repository holding this project, with real commits: each
// scenario is a branch off one base commit, compared with `--base base`.
import { execFileSync, spawnSync } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { formatMarkdown } from "../../src/tools/diff/format";
import type { DiffReport } from "../../src/tools/diff/report";
import { REPO } from "../helpers/run";

/** The diff tool's own files, copied over the committed tree so the test runs the code under test. */
const TOOL_FILES = ["src/tools/diff", "src/tools/cli/diff.ts", "src/tools/cli/project-dir.ts"];

let repo = "";

function git(...args: string[]): string {
  return execFileSync("git", args, {
    cwd: repo,
    encoding: "utf8",
    env: {
      ...process.env,
      GIT_AUTHOR_NAME: "t",
      GIT_AUTHOR_EMAIL: "t@example.com",
      GIT_COMMITTER_NAME: "t",
      GIT_COMMITTER_EMAIL: "t@example.com",
    },
  });
}

function edit(file: string, from: string | RegExp, to: string): void {
  const path = join(repo, file);
  const before = readFileSync(path, "utf8");
  const after = before.replace(from, to);
  if (after === before) throw new Error(`${file}: ${String(from)} not found`);
  writeFileSync(path, after);
}

/** Each scenario is a branch off `base` with one commit. */
const SCENARIOS: Record<string, () => void> = {
  "peer-added": () =>
    edit(
      "Pulumi.example.yaml",
      "  wireguard-monitoring:peers:\n",
      "  wireguard-monitoring:peers:\n    - publicKey: 2xVtQ3cGZ9EvcQmNqvN2m4PqjbxKx0wZB1x4a0o0hFE=\n" +
        "      friendlyName: dave-laptop\n      owner: dave\n      host: vpn-fra-1\n      interface: wg0\n",
    ),
  threshold: () => edit("Pulumi.example.yaml", "staleHandshake: 5m", "staleHandshake: 10m"),
  panel: () =>
    edit(
      "src/build/grafana/overview.ts",
      /q\.activePeers\(q\.peersSelector\),(\s*)"short"/,
      '"count(wireguard_peer_connected == 1)",$1"short"',
    ),
  "host-removed": () => {
    const file = join(repo, "Pulumi.example.yaml");
    const text = readFileSync(file, "utf8");
    // Drop the host vpn-ams-1 and the peers that name it.
    const withoutHost = text.replace(/    - name: vpn-ams-1\n(?: {6}.*\n)+/, "");
    const withoutPeers = withoutHost.replace(/    - publicKey: [^\n]+\n(?: {6}.*\n)+/g, (peer) =>
      peer.includes("host: vpn-ams-1") ? "" : peer,
    );
    writeFileSync(file, withoutPeers);
  },
  invalid: () => edit("Pulumi.example.yaml", "address: vpn-ams-1.example.net", 'address: ""'),
};

function diff(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(
    process.execPath,
    [join(REPO, "node_modules/tsx/dist/cli.mjs"), join(repo, "src/tools/cli/diff.ts"), ...args],
    { cwd: repo, encoding: "utf8", timeout: 120_000 },
  );
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function jsonDiff(...args: string[]): { status: number | null; report: DiffReport; stderr: string } {
  const r = diff(...args, "--format", "json");
  return { status: r.status, report: JSON.parse(r.stdout) as DiffReport, stderr: r.stderr };
}

const stack = (report: DiffReport, name: string) => report.stacks.find((s) => s.stack === name)!;

beforeAll(() => {
  repo = mkdtempSync(join(tmpdir(), "wgm-diff-repo-"));
  const archive = execFileSync("git", ["archive", "--format=tar", "HEAD"], {
    cwd: REPO,
    maxBuffer: 1024 * 1024 * 1024,
  });
  execFileSync("tar", ["-x", "-C", repo], { input: archive });
  for (const f of TOOL_FILES) cpSync(join(REPO, f), join(repo, f), { recursive: true });
  symlinkSync(join(REPO, "node_modules"), join(repo, "node_modules"), "dir");
  writeFileSync(join(repo, ".gitignore"), "node_modules\nout/\nexporter/dist/\n");
  git("init", "-q", "-b", "main");
  git("add", "-A");
  git("commit", "-q", "-m", "base");
  git("tag", "base");
  for (const [name, change] of Object.entries(SCENARIOS)) {
    git("checkout", "-q", "-b", name, "base");
    change();
    git("commit", "-q", "-am", name);
  }
});

afterAll(() => {
  if (repo) rmSync(repo, { recursive: true, force: true });
});

describe("npm run diff", () => {
  it("exits 0 and says so when nothing changed", () => {
    git("checkout", "-q", "main");
    const r = diff("--base", "base");
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/stack example: no change/);
    expect(r.stdout).toMatch(/stack prod: no change/);
  });

  it("a peer added: that host's peers file changes, its exporter keeps running, no other stack changes", () => {
    git("checkout", "-q", "peer-added");
    const { status, report } = jsonDiff("--base", "base");
    expect(status).toBe(1);
    expect(stack(report, "prod").status).toBe("unchanged");
    const example = stack(report, "example");
    expect(example.status).toBe("changed");
    const host = example.diff.hosts.find((h) => h.host === "vpn-fra-1")!;
    expect(host.change).toBe("changed");
    expect(host.files.map((f) => `${f.change} ${f.path}`)).toContain("changed hosts/vpn-fra-1/peers.yml");
    expect(host.restartsExporter).toBe(false);
    expect(example.exporterRestarts).toEqual([]);
    expect(example.diff.hosts.map((h) => h.host)).not.toContain("vpn-ams-1");
  });

  it("an alert threshold changed: names the rule and shows its expr before and after", () => {
    git("checkout", "-q", "threshold");
    const { status, report } = jsonDiff("--base", "base", "--stack", "example");
    expect(status).toBe(1);
    expect(report.stacks.map((s) => s.stack)).toEqual(["example"]);
    const rule = stack(report, "example").diff.rules.find((r) => r.name === "WireGuardPeerDown")!;
    expect(rule.change).toBe("changed");
    const expr = rule.fields.find((f) => f.field === "expr")!;
    expect(expr.before).toContain("> 300");
    expect(expr.after).toContain("> 600");
    expect(stack(report, "example").diff.rules.map((r) => r.name)).not.toContain("WireGuardExporterDown");

    const text = diff("--base", "base", "--stack", "example").stdout;
    expect(text).toMatch(/~ WireGuardPeerDown \(group [^)]+\)\n\s+expr:\n\s+- .*> 300.*\n\s+\+ .*> 600/);
  });

  it("a dashboard panel's query changed: names the dashboard, its uid, the panel and both queries", () => {
    git("checkout", "-q", "panel");
    const { status, report } = jsonDiff("--base", "base", "--stack", "prod");
    expect(status).toBe(1);
    const dashboard = stack(report, "prod").diff.dashboards.find((d) => d.path.endsWith("wireguard-overview.json"))!;
    expect(dashboard.uid).toBe("wireguard-overview-prod");
    expect(dashboard.panels).toEqual([
      expect.objectContaining({
        title: "Active peers",
        change: "changed",
        queriesAfter: ["count(wireguard_peer_connected == 1)"],
      }),
    ]);
    expect(dashboard.panels[0].queriesBefore[0]).toContain("wireguard_peer_connected{");
    expect(stack(report, "prod").diff.hosts).toEqual([]);
  });

  it("a host removed: its files are removed, the targets change, no exporter restarts", () => {
    git("checkout", "-q", "host-removed");
    const { status, report } = jsonDiff("--base", "base");
    expect(status).toBe(1);
    const example = stack(report, "example");
    const host = example.diff.hosts.find((h) => h.host === "vpn-ams-1")!;
    expect(host.change).toBe("removed");
    expect(host.files.every((f) => f.change === "removed")).toBe(true);
    expect(example.diff.artifacts).toContainEqual({
      path: "prometheus/targets/wireguard.json",
      change: "changed",
      kind: "targets",
    });
    expect(example.exporterRestarts).toEqual([]);
  });

  it("invalid config in the working tree: exit 2, naming the side, the stack and the key path", () => {
    git("checkout", "-q", "invalid");
    const r = diff("--base", "base");
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(
      /^diff: working tree: stack example \(Pulumi\.example\.yaml\): wireguard-monitoring:hosts\[1\]\.address: /m,
    );
    // The other stack is still compared.
    expect(r.stdout).toMatch(/stack prod: no change/);
  });

  it("invalid config at the base: exit 2, naming the base side", () => {
    git("checkout", "-q", "main");
    const r = diff("--base", "invalid");
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(
      /^diff: base: stack example \(Pulumi\.example\.yaml\): wireguard-monitoring:hosts\[1\]\.address: /m,
    );
  });

  it("an unknown revision: exit 2 with the revision named", () => {
    const r = diff("--base", "no-such-branch");
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('unknown git revision "no-such-branch"');
  });

  it("markdown: a table of stacks and collapsed details; the user's checkout is left as it was", () => {
    git("checkout", "-q", "threshold");
    const statusBefore = git("status", "--porcelain");
    const r = diff("--base", "base", "--format", "markdown");
    expect(r.status).toBe(1);
    // The threshold is also in the dashboards' handshake-age colouring.
    expect(r.stdout).toContain("| example | files: 3 changed, 1 rule, 3 panels |");
    expect(r.stdout).toContain("| prod | no change |");
    expect(r.stdout).toMatch(/<details>\n<summary><b>example<\/b>/);
    expect(git("status", "--porcelain")).toBe(statusBefore);
    expect(git("worktree", "list").trim().split("\n")).toHaveLength(1);
  });

  it("markdown over the size limit: the longest stack loses its details first, and a note says what was cut", () => {
    git("checkout", "-q", "host-removed");
    const { report } = jsonDiff("--base", "base");
    const full = formatMarkdown(report);
    expect(full).not.toContain("Cut to fit");
    const limit = full.length - 1;
    const cut = formatMarkdown(report, limit);
    expect(cut.length).toBeLessThanOrEqual(limit);
    expect(cut).toContain("| example | ");
    expect(cut).toMatch(/Cut to fit GitHub's [\d,]+-character limit:\*\* details of example \(file list only\)/);
    expect(cut).toContain("`npm run diff -- --base base --stack example`");
    const tiny = formatMarkdown(report, 450);
    expect(tiny.length).toBeLessThanOrEqual(450);
    expect(tiny).toMatch(/example \(summary row only\)|Cut at GitHub's/);
  });

  it("--plan: a peer added is one update of the host's install step, nothing created, replaced or deleted", () => {
    git("checkout", "-q", "peer-added");
    const { status, report, stderr } = jsonDiff("--base", "base", "--stack", "example", "--plan");
    expect(stderr).toBe("");
    expect(status).toBe(1);
    expect(report.planIncluded).toBe(true);
    const steps = stack(report, "example").plan!;
    expect(steps.map((s) => s.op)).toEqual(["update"]);
    expect(steps[0].type).toBe("command:remote:Command");
    expect(steps[0].name).toContain("vpn-fra-1");
  }, 180_000);
});
