// `npm run bench:render`: renders a generated fleet (default 1,000 hosts × 100 peers) the way
// `npm run render` does — load and validate the stack file, build every artifact, write out/ — and
// prints each phase next to the time it takes merely to parse that stack file, as a ratio.
// Flags: --hosts N, --peers-per-host N, --runs N (the median is reported).
//
// Measured on a busy 2-core machine (times vary by a third between runs): parsing 2.4-3.1 s; load and
// validate 1.2-1.5× that; build 0.3× (was 2-2.6×: every host's peers were found by scanning all
// peers, and js-yaml's generic emitter wrote the peers files); writing out/ 0.8-1.1× (removing the
// last render's 3,006 files and writing them anew); the whole render 1.9-2.6× (was 3.8-4.1×).
import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { load as parseYaml } from "js-yaml";
import { loadStackFile } from "../../src/config/index";
import { stackArtifacts, stackBuildErrors } from "../../src/render/stack-artifacts";
import { replaceDirectory } from "../../src/render/write";

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
    lines.push(`    - name: vpn-${h}`, `      address: 10.${h >> 8}.${h & 255}.1`, "      ssh:", `        hostKey: ${hostKey}`, "      interfaces: [wg0, wg1]", "      labels:", `        site: site-${h % 20}`);
  }
  lines.push("  wireguard-monitoring:peers:");
  for (let h = 0; h < hosts; h++) {
    for (let p = 0; p < peersPerHost; p++) {
      lines.push(`    - publicKey: ${key()}`, `      friendlyName: peer-${h}-${p}`, `      owner: team-${p % 7}`, `      host: vpn-${h}`, `      interface: wg${p % 2}`);
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

function main(): void {
  const hosts = flag("hosts", 1000);
  const peersPerHost = flag("peers-per-host", 100);
  const runs = flag("runs", 3);
  const dir = mkdtempSync(join(tmpdir(), "wgm-bench-render-"));
  try {
    const file = join(dir, "Pulumi.bench.yaml");
    writeFileSync(file, fleetStack(hosts, peersPerHost));
    const size = statSync(file).size;
    const parse: number[] = [];
    const load: number[] = [];
    const build: number[] = [];
    const write: number[] = [];
    const total: number[] = [];
    let files = 0;
    for (let i = 0; i < runs; i++) {
      // Parsing alone: reading the file and YAML into objects, nothing of ours.
      parse.push(time(() => parseYaml(readFileSync(file, "utf8")))[1]);
      // Rendering: what `npm run render --stack-file` does, phase by phase.
      const [loaded, tLoad] = time(() => loadStackFile(dir, "bench"));
      if (!loaded.ok) throw new Error(`the generated stack is invalid: ${loaded.errors.slice(0, 3).map((e) => `${e.path}: ${e.message}`).join("; ")}`);
      const [artifacts, tBuild] = time(() => {
        if (stackBuildErrors(loaded.inventory).length > 0) throw new Error("build errors");
        return stackArtifacts(loaded.inventory);
      });
      const [, tWrite] = time(() => replaceDirectory(join(dir, "out"), artifacts));
      files = artifacts.length;
      load.push(tLoad);
      build.push(tBuild);
      write.push(tWrite);
      total.push(tLoad + tBuild + tWrite);
    }
    const p = median(parse);
    const row = (name: string, ms: number) => `${name.padEnd(34)} ${ms.toFixed(0).padStart(7)} ms  ${(ms / p).toFixed(2).padStart(6)}× parse`;
    console.log(`render benchmark: ${hosts} hosts × ${peersPerHost} peers (${(hosts * peersPerHost).toLocaleString("en-US")} peers), stack file ${(size / 1e6).toFixed(1)} MB, ${files} files, median of ${runs}`);
    console.log(row("parse the stack file (YAML only)", p));
    console.log(row("load + validate", median(load)));
    console.log(row("build artifacts", median(build)));
    console.log(row("write out/", median(write)));
    console.log(row("render (load + build + write)", median(total)));
    console.log(`ratio render / parse: ${(median(total) / p).toFixed(2)} (target ≤ 2)`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (require.main === module) main();
