// The CLIs' output is complete when piped into another program, however large: the reader starts
// late, so the pipe's buffer (64 KiB on Linux) is full when the CLI has finished its work.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { REPO } from "../helpers/run";

const PIPE_BUFFER = 64 * 1024;
const TSX = join(REPO, "node_modules", ".bin", "tsx");

/** A reader that waits a second, then reads all of stdin and reports its size and whether it parses as JSON. */
const READER = `setTimeout(() => {
  const chunks = [];
  process.stdin.on("data", (c) => chunks.push(c)).on("end", () => {
    const text = Buffer.concat(chunks).toString("utf8");
    let parsed = null;
    try { parsed = JSON.parse(text); } catch {}
    const lastLine = text.trimEnd().split("\\n").pop();
    process.stdout.write(JSON.stringify({ bytes: Buffer.byteLength(text), lastLine, parsed }));
  });
}, 1000);`;

/** Runs `<cli> <args> | node -e READER` in a shell, as a user would; the CLI's exit status through pipefail. */
function piped(
  cli: "render" | "preview",
  args: string[],
): { status: number | null; stderr: string; bytes: number; lastLine: string; parsed: unknown } {
  const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
  const command =
    `${[TSX, join(REPO, "src", "tools", "cli", `${cli}.ts`), ...args].map(quote).join(" ")} ` +
    `| ${quote(process.execPath)} -e ${quote(READER)}`;
  const r = spawnSync("bash", ["-o", "pipefail", "-c", command], {
    cwd: REPO,
    encoding: "utf8",
    timeout: 180_000,
    maxBuffer: 64 * 1024 * 1024,
  });
  const report = JSON.parse(r.stdout || "{}") as { bytes: number; lastLine: string; parsed: unknown };
  return { status: r.status, stderr: r.stderr, ...report };
}

describe("npm run preview -- --json | reader", () => {
  it("hands the reader the whole plan, larger than a pipe's buffer, as JSON that parses", () => {
    const r = piped("preview", ["--stack", "prod", "--json"]);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(r.bytes).toBeGreaterThan(PIPE_BUFFER);
    const plan = r.parsed as { stack: string; resources: unknown[] } | null;
    expect(plan, "the piped output is not complete JSON").not.toBeNull();
    expect(plan!.stack).toBe("prod");
    expect(plan!.resources.length).toBeGreaterThan(0);
  });
});

describe("npm run render | reader", () => {
  const dir = mkdtempSync(join(tmpdir(), "wgm-pipe-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("hands the reader the whole summary of a fleet whose summary is larger than a pipe's buffer", () => {
    // The example stack with 400 hosts: one summary line per rendered file.
    const example = readFileSync(join(REPO, "Pulumi.example.yaml"), "utf8");
    const hosts = Array.from(
      { length: 400 },
      (_, i) => `    - { name: vpn-${i}, address: 10.1.${i >> 8}.${i & 255}, interfaces: [wg0, wg1] }`,
    ).join("\n");
    const fleet = example
      .replace(
        / {2}wireguard-monitoring:hosts:\n(?: {4}.*\n)+/,
        `  wireguard-monitoring:allowUnpinnedHostKeys: true\n  wireguard-monitoring:hosts:\n${hosts}\n`,
      )
      .replace(/^( {6}host: vpn-\w+-1\n)/gm, "");
    const file = join(dir, "Pulumi.fleet.yaml");
    writeFileSync(file, fleet);

    const r = piped("render", ["--stack-file", file, "--out", join(dir, "out")]);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(r.bytes).toBeGreaterThan(PIPE_BUFFER);
    expect(r.lastLine).toMatch(/^Committed artifacts/);
  });
});
