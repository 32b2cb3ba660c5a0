// `npm run bench:render`: renders a generated fleet (default 1,000 hosts × 100 peers) the way
// `npm run render` does — load and validate the stack file, build every artifact, write out/ — three
// times per run: into an empty directory, again with nothing changed, and again with one peer renamed.
// Prints each phase next to the time it takes merely to parse that stack file, as a ratio.
// Flags: --hosts N, --peers-per-host N, --runs N (the median is reported).
//
// Measured on a shared 2-core machine (five other jobs; times vary by a third between runs), before
// out/ was written incrementally: parsing 1.7-3.3 s; load and validate 1.2-1.4× that; build 0.2-0.35×
// (was 2-2.6×: peers found by scanning all peers, js-yaml's generic emitter); writing out/ 0.15× into
// an empty directory and 0.4-0.7× over an earlier render (its 3,006 files removed and written anew);
// render 1.5-2.0× (3.8-4.1× before the build fixes).
// After (a later render writes only what changed: size, then bytes), same run, load 1.4: parse 1.47 s;
// load + validate 1.18×, build 0.29×; write: first render 0.48×, nothing changed 0.15×, one peer
// renamed (1 file written) 0.17×; render: first 2.01×, nothing changed 1.38×, one peer changed 1.50×.
// On a machine at load 6-7: first 1.84-3.7×, nothing changed 2.0-3.3×, one peer changed 1.4-2.2×.
import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { load as parseYaml } from "js-yaml";
import { loadStackFile } from "../../src/model/index";
import { stackArtifacts, stackBuildErrors } from "../../src/build/stack-artifacts";
import { writeOutputDirectory } from "../../src/tools/render/write";

function flag(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const v = i === -1 ? undefined : Number(process.argv[i + 1]);
  if (v !== undefined && !(Number.isInteger(v) && v > 0)) throw new Error(`--${name} needs a positive whole number`);
  return v ?? fallback;
}

/** A valid stack: each host with two interfaces, its peers spread over them, every tenth expected. */
export function fleetStack(hosts: number, peersPerHost: number): string {
  const key = () => {
    const b = randomBytes(32);
    return b.toString("base64");
  };
  const hostKey = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIC5T7KVG0Jx6Chq6Q/n3wk+i3HXNcS4lpuw+hW1BxRka";
  const lines = ["config:", "  wireguard-monitoring:hosts:"];
  for (let h = 0; h < hosts; h++) {
    lines.push(
      `    - name: vpn-${h}`,
      `      address: 10.${h >> 8}.${h & 255}.1`,
      "      ssh:",
      `        hostKey: ${hostKey}`,
      "      interfaces: [wg0, wg1]",
      "      labels:",
      `        site: site-${h % 20}`,
    );
  }
  lines.push("  wireguard-monitoring:peers:");
  for (let h = 0; h < hosts; h++) {
    for (let p = 0; p < peersPerHost; p++) {
      lines.push(
        `    - publicKey: ${key()}`,
        `      friendlyName: peer-${h}-${p}`,
        `      owner: team-${p % 7}`,
        `      host: vpn-${h}`,
        `      interface: wg${p % 2}`,
      );
      if (p % 10 === 0) lines.push("      expected: true");
    }
  }
  lines.push("  wireguard-monitoring:prometheus:", "    address: 10.255.0.1", "    ssh:", `      hostKey: ${hostKey}`);
  return `${lines.join("\n")}\n`;
}

function time<T>(f: () => T): [T, number] {
  const t = process.hrtime.bigint();
  const r = f();
  return [r, Number(process.hrtime.bigint() - t) / 1e6];
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

interface RenderTimes {
  load: number;
  build: number;
  write: number;
  total: number;
  files: number;
  written: number;
}

/** What `npm run render --stack-file DIR/Pulumi.bench.yaml --out OUT` does, phase by phase. */
function render(dir: string, out: string): RenderTimes {
  const [loaded, load] = time(() => loadStackFile(dir, "bench"));
  if (!loaded.ok)
    throw new Error(
      `the generated stack is invalid: ${loaded.errors
        .slice(0, 3)
        .map((e) => `${e.path}: ${e.message}`)
        .join("; ")}`,
    );
  const [artifacts, build] = time(() => {
    if (stackBuildErrors(loaded.inventory).length > 0) throw new Error("build errors");
    return stackArtifacts(loaded.inventory);
  });
  const [result, write] = time(() => writeOutputDirectory(out, artifacts));
  return { load, build, write, total: load + build + write, files: artifacts.length, written: result.written };
}

function main(): void {
  const hosts = flag("hosts", 1000);
  const peersPerHost = flag("peers-per-host", 100);
  const runs = flag("runs", 3);
  const dir = mkdtempSync(join(tmpdir(), "wgm-bench-render-"));
  try {
    const file = join(dir, "Pulumi.bench.yaml");
    const stack = fleetStack(hosts, peersPerHost);
    writeFileSync(file, stack);
    // The same fleet with one peer renamed: one host's peers file and the targets change.
    const changedDir = join(dir, "one-peer-changed");
    mkdirSync(changedDir);
    writeFileSync(
      join(changedDir, "Pulumi.bench.yaml"),
      stack.replace("friendlyName: peer-0-0\n", "friendlyName: peer-0-0-renamed\n"),
    );
    const size = statSync(file).size;
    const parse: number[] = [];
    const first: RenderTimes[] = [];
    const again: RenderTimes[] = [];
    const changed: RenderTimes[] = [];
    for (let i = 0; i < runs; i++) {
      // Parsing alone: reading the file and YAML into objects, nothing of ours.
      parse.push(time(() => parseYaml(readFileSync(file, "utf8")))[1]);
      const out = join(dir, `out-${i}`);
      first.push(render(dir, out));
      again.push(render(dir, out));
      changed.push(render(changedDir, out));
      rmSync(out, { recursive: true, force: true });
    }
    const p = median(parse);
    const m = (rs: RenderTimes[], k: keyof RenderTimes) => median(rs.map((r) => r[k]));
    const row = (name: string, ms: number) =>
      `${name.padEnd(44)} ${ms.toFixed(0).padStart(7)} ms  ${(ms / p).toFixed(2).padStart(6)}× parse`;
    console.log(
      `render benchmark: ${hosts} hosts × ${peersPerHost} peers ` +
        `(${(hosts * peersPerHost).toLocaleString("en-US")} peers), ` +
        `stack file ${(size / 1e6).toFixed(1)} MB, ${first[0].files} files, median of ${runs}`,
    );
    console.log(row("parse the stack file (YAML only)", p));
    console.log(row("load + validate", m(first, "load")));
    console.log(row("build artifacts", m(first, "build")));
    console.log(row("write out/, first render (empty directory)", m(first, "write")));
    console.log(row("write out/, again, nothing changed", m(again, "write")));
    console.log(row(`write out/, one peer changed (${changed[0].written} files written)`, m(changed, "write")));
    console.log(row("render, first (load + build + write)", m(first, "total")));
    console.log(row("render again, nothing changed", m(again, "total")));
    console.log(row("render again, one peer changed", m(changed, "total")));
    const ratio = (rs: RenderTimes[]) => (m(rs, "total") / p).toFixed(2);
    console.log(
      `ratio render / parse (target ≤ 2): first ${ratio(first)}, ` +
        `nothing changed ${ratio(again)}, one peer changed ${ratio(changed)}`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (require.main === module) main();
