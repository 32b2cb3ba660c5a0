// `npm run bench:program`: runs the Pulumi program (index.ts) under mocks the way `npm run preview`
// and the plan tests do (src/tools/plan/capture.ts: the SDK's own cmd/run in a plain node child) for one
// host with one peer (the fixed cost) and for a generated fleet (default 200 hosts × 20 peers), each
// type-checked (what `pulumi up` does by default) and transpile-only (PULUMI_NODEJS_TRANSPILE_ONLY),
// then profiles the fleet's runs and prints where the child's CPU time goes.
// Flags: --hosts N, --peers-per-host N, --runs N (the median is reported), --no-profile.
//
// Measured on a shared 2-core machine. Quiet (load 0.4), after the changes below: 1 host type-checked
// 5.4 s wall (7.6 s CPU), transpile-only 2.9 s (3.6 s); 200 hosts × 20 peers type-checked 8.5 s
// (11.6 s), transpile-only 5.7 s (7.2 s). Profile of 200×20 type-checked: GC 18%, TypeScript parse +
// bind 16%, stack traces 15% (the SDK's new Error().stack per promise and per resource, each frame
// mapped by source-map-support: `pulumi up` pays it too), type-check 14%, module loading 12%,
// Pulumi SDKs 7%, transpile 6%, mocks + capture 3%, esbuild 3%, our own code 2%.
// The type-checked program's declarations: 989 files before, 774 after (GrafanaDashboards imports the
// provider's three modules instead of its index, 1.7 MB; lib ES2022 without the DOM, 2.3 MB); A/B on
// the same tree, 200×20 type-checked, alternating: 10.8/10.4 s wall, 14.5/14.1 s CPU before;
// 9.8/10.1 s wall, 13.1/13.6 s CPU after. At load 7-12 the same runs took 20-60 s wall.
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { loadStackFile, SECRET_KEYS } from "../../src/model/index";
import { capturePlan } from "../../src/tools/plan/capture";
import { profileBreakdown } from "./cpu-profile";
import { fleetStack } from "./render";

const PROGRAM = resolve(__dirname, "..", "..", "index.ts");

function flag(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const v = i === -1 ? undefined : Number(process.argv[i + 1]);
  if (v !== undefined && !(Number.isInteger(v) && v > 0)) throw new Error(`--${name} needs a positive whole number`);
  return v ?? fallback;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

interface Fleet {
  label: string;
  config: Record<string, unknown>;
}

function fleet(work: string, hosts: number, peersPerHost: number): Fleet {
  const dir = mkdtempSync(join(work, "stack-"));
  writeFileSync(join(dir, "Pulumi.bench.yaml"), fleetStack(hosts, peersPerHost));
  const loaded = loadStackFile(dir, "bench");
  if (!loaded.ok)
    throw new Error(
      `the generated stack is invalid: ${loaded.errors
        .slice(0, 3)
        .map((e) => `${e.path}: ${e.message}`)
        .join("; ")}`,
    );
  return {
    label: `${hosts} host${hosts === 1 ? "" : "s"} × ${peersPerHost} peer${peersPerHost === 1 ? "" : "s"}`,
    config: loaded.values,
  };
}

/**
 * One capture: wall and CPU time in ms (CPU: the child's own,
 * all its threads), resources declared; its profile when asked.
 */
async function run(
  work: string,
  f: Fleet,
  typeCheck: boolean,
  profileDir?: string,
): Promise<{ wall: number; cpu: number; resources: number }> {
  const secrets = Object.fromEntries(SECRET_KEYS.map((k) => [k, "bench-stand-in"]));
  const cpuReport = join(work, "cpu.json");
  const env: Record<string, string> = {
    WIREGUARD_MONITORING_CPU_REPORT: cpuReport,
    ...(typeCheck ? {} : { PULUMI_NODEJS_TRANSPILE_ONLY: "true" }),
  };
  const nodeFlags = profileDir ? ["--cpu-prof", `--cpu-prof-dir=${profileDir}`] : [];
  const t = process.hrtime.bigint();
  const plan = await capturePlan({ stack: "bench", config: f.config, secrets, program: PROGRAM, env, nodeFlags });
  const wall = Number(process.hrtime.bigint() - t) / 1e6;
  const cpu = JSON.parse(readFileSync(cpuReport, "utf8")) as { user: number; system: number };
  return { wall, cpu: (cpu.user + cpu.system) / 1000, resources: plan.resources.length };
}

async function main(): Promise<void> {
  const hosts = flag("hosts", 200);
  const peersPerHost = flag("peers-per-host", 20);
  const runs = flag("runs", 1);
  const work = mkdtempSync(join(tmpdir(), "wgm-bench-program-"));
  try {
    const fleets = [fleet(work, 1, 1), fleet(work, hosts, peersPerHost)];
    console.log(
      `program benchmark: index.ts under mocks in a child process, ` +
        `median of ${runs} (wall time; CPU time of the child)`,
    );
    for (const f of fleets) {
      for (const typeCheck of [true, false]) {
        const walls: number[] = [];
        const cpus: number[] = [];
        let resources = 0;
        for (let i = 0; i < runs; i++) {
          const r = await run(work, f, typeCheck);
          walls.push(r.wall);
          cpus.push(r.cpu);
          resources = r.resources;
        }
        const s = (ms: number) => `${(ms / 1000).toFixed(1).padStart(5)} s`;
        const mode = (typeCheck ? "type-checked" : "transpile-only").padEnd(15);
        const times = `${s(median(walls))} wall  ${s(median(cpus))} CPU`;
        console.log(`  ${f.label.padEnd(20)} ${mode} ${times}  (${resources} resources)`);
      }
    }
    if (process.argv.includes("--no-profile")) return;
    const f = fleets[1]!;
    for (const typeCheck of [true, false]) {
      const dir = join(work, `profile-${typeCheck ? "checked" : "transpiled"}`);
      const r = await run(work, f, typeCheck, dir);
      const { total, parts } = profileBreakdown(
        join(
          dir,
          readdirSync(dir).find((n) => n.endsWith(".cpuprofile"))!,
        ),
      );
      console.log(
        `\nwhere the time goes: ${f.label}, ${typeCheck ? "type-checked" : "transpile-only"} ` +
          `(profiled: ${(r.wall / 1000).toFixed(1)} s wall, ${(r.cpu / 1000).toFixed(1)} ` +
          `s CPU, ${(total / 1000).toFixed(1)} s sampled)`,
      );
      for (const [name, ms] of parts.filter(([, ms]) => ms >= total / 200)) {
        console.log(
          `  ${(ms / 1000).toFixed(2).padStart(6)} s ${((100 * ms) / total).toFixed(0).padStart(3)}%  ${name}`,
        );
      }
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

if (require.main === module) {
  main().catch((e: unknown) => {
    console.error(e instanceof Error ? e.message : String(e));
    process.exitCode = 1;
  });
}
