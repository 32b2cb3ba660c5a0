// `npm run bench:exporter`: a wireguard-go interface (in its own network namespace) with 1k,
// 10k and 100k peers set by `wg setconf` with generated keys; each exporter figure is printed
// beside its baseline, measured interleaved in the same run. At 10k and 100k also gzip against
// plain: bytes on the wire, curl --compressed against curl, and a real Prometheus's
// scrape_duration_seconds for the exporter with gzip on and off. Prints numbers, asserts nothing.
import { execFile, execFileSync, spawn, spawnSync, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import http from "node:http";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { Counter, Gauge, Registry } from "prom-client";
import { startPrometheus } from "../../test/harness/prometheus";
import { EXPORTER_NODE_FLAGS } from "../../src/build/hosts/systemd-unit";

const ROOT = resolve(__dirname, "../..");
// BENCH_BUNDLE: another build of the exporter (to compare two versions in alternating runs).
const BUNDLE = resolve(process.env.BENCH_BUNDLE ?? join(ROOT, "exporter/dist/wireguard-exporter.cjs"));
// node's flags as the generated systemd unit passes them (--expose-gc: see exporter/src/young-gc.ts),
// so the numbers are those of a deployed exporter; BENCH_NODE_ARGS replaces them ("" for none).
const NODE_ARGS =
  process.env.BENCH_NODE_ARGS === undefined
    ? [...EXPORTER_NODE_FLAGS]
    : process.env.BENCH_NODE_ARGS.split(" ").filter(Boolean);
const SIZES = (process.env.BENCH_SIZES ?? "1000,10000,100000").split(",").map(Number);
const ns = `wgmbench-${process.pid}`;
// wireguard-go caps an interface at 65536 peers (MaxPeers), so 100k peers need two interfaces.
const PEERS_PER_IF = 50_000;
const ifNames = [0, 1].map((k) => `wmb${process.pid.toString(16)}${k}`.slice(0, 15));
const dir = mkdtempSync(join(tmpdir(), "wgm-bench-"));
const wgGo: ChildProcess[] = [];
let exporter: ChildProcess | null = null;
const stages: Record<string, number>[] = []; // the exporter's debug timings

function cleanup(): void {
  exporter?.kill("SIGKILL");
  for (const p of wgGo) p.kill("SIGKILL");
  try {
    execFileSync("ip", ["netns", "del", ns], { stdio: "ignore" });
  } catch {
    /* not created */
  }
  for (const n of ifNames) rmSync(`/var/run/wireguard/${n}.sock`, { force: true });
  rmSync(dir, { recursive: true, force: true });
}
process.on("exit", cleanup);
process.on("SIGINT", () => process.exit(130));
process.on("SIGTERM", () => process.exit(143));

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const v6 = (i: number) => `fd77::${(i >> 16).toString(16)}:${(i & 0xffff).toString(16)}`;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** Random 32-byte public keys: WireGuard accepts any; deriving 100k real ones is needless work. */
function keys(n: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < n; i++) out.push(randomBytes(32).toString("base64"));
  return out;
}

/** Baseline: the same wg calls the exporter makes (one per interface, in parallel), alone. */
async function timeWgAll(ifaces: string[]): Promise<number> {
  const t0 = performance.now();
  await Promise.all(ifaces.map((i) => timeWg(["show", i, "dump"])));
  return performance.now() - t0;
}

/** Baseline: run the command alone, read all of its output. */
function timeWg(args: string[]): Promise<number> {
  return new Promise((res, rej) => {
    const t0 = performance.now();
    const c = spawn("wg", args, { stdio: ["ignore", "pipe", "inherit"] });
    c.stdout.on("data", () => {});
    c.on("close", (code) => (code === 0 ? res(performance.now() - t0) : rej(new Error(`wg exited ${code}`))));
  });
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 100 });
function scrape(port: number): Promise<{ ms: number; bytes: number; body?: string }> {
  return new Promise((res, rej) => {
    const t0 = performance.now();
    http
      .get({ host: "127.0.0.1", port, path: "/metrics", agent }, (r) => {
        // The client does as little as a scraper must: count bytes, keep the tail (where the
        // exporter's own metrics are) to check scrape success afterwards.
        let bytes = 0;
        const tail: Buffer[] = [];
        r.on("data", (c: Buffer) => {
          bytes += c.length;
          tail.push(c);
          if (tail.length > 4) tail.shift();
        });
        r.on("end", () => res({ ms: performance.now() - t0, bytes, body: Buffer.concat(tail).toString("latin1") }));
      })
      .on("error", rej);
  });
}

/** CPU time (ms) the process has used so far, all threads (schedstat: nanoseconds). */
function cpuMs(pid: number): number {
  let ns = 0;
  for (const task of readdirSync(`/proc/${pid}/task`))
    ns += Number(readFileSync(`/proc/${pid}/task/${task}/schedstat`, "utf8").split(" ")[0]);
  return ns / 1e6;
}

/** Times (ms) of k parallel scrapes by one curl process (its own per-transfer time_total). */
async function curlScrapes(port: number, k: number): Promise<number[]> {
  return (await curlTransfers(port, k, false)).map((t) => t.ms);
}

/** k parallel scrapes by one curl process: time_total and the bytes on the wire of each. */
function curlTransfers(port: number, k: number, compressed: boolean): Promise<{ ms: number; bytes: number }[]> {
  const url = `http://127.0.0.1:${port}/metrics`;
  const args = [
    "-s",
    "-Z",
    "--parallel-immediate",
    "--parallel-max",
    String(k),
    "-w",
    "%{time_total} %{http_code} %{size_download}\\n",
  ];
  // Accept-Encoding: deflate, gzip, …; decoded as it arrives, as Prometheus does
  if (compressed) args.push("--compressed");
  for (let i = 0; i < k; i++) args.push("-o", "/dev/null", url);
  return new Promise((res, rej) => {
    execFile("curl", args, (err, out) => {
      if (err) return rej(err);
      const rows = out
        .trim()
        .split("\n")
        .map((l) => l.split(" "));
      if (rows.length !== k || rows.some((r) => r[1] !== "200")) return rej(new Error(`curl: ${out}`));
      res(rows.map((r) => ({ ms: Number(r[0]) * 1000, bytes: Number(r[2]) })));
    });
  });
}

/**
 * A real Prometheus scraping the exporter every 2 s for 30 s: the median (and count) of its
 * scrape_duration_seconds for the target, in ms. Scrapes that fail count at their timeout.
 */
async function prometheusScrapeDuration(port: number): Promise<{ medianMs: number; scrapes: number; failed: number }> {
  const job = "wireguard-bench";
  const p = await startPrometheus({
    configYaml:
      `global: { scrape_interval: 2s, scrape_timeout: 2s, evaluation_interval: 1m }\n` +
      `scrape_configs:\n  - job_name: ${job}\n    static_configs: [{ targets: ["127.0.0.1:${port}"] }]\n`,
  });
  try {
    const sel = `{job="${job}"}`;
    await p.waitFor(async () => (await p.query(`scrape_duration_seconds${sel}`)).length > 0, {
      what: "the first scrape",
    });
    await sleep(31_000);
    const one = async (q: string) => (await p.query(q))[0]?.value ?? NaN;
    return {
      medianMs: 1000 * (await one(`quantile_over_time(0.5, scrape_duration_seconds${sel}[30s])`)),
      scrapes: await one(`count_over_time(up${sel}[30s])`),
      failed: (await one(`count_over_time(up${sel}[30s]) - sum_over_time(up${sel}[30s])`)) || 0,
    };
  } finally {
    await p.stop();
  }
}

function rssMb(pid: number): { rss: number; hwm: number } {
  const s = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = (k: string) => Number(new RegExp(`${k}:\\s+(\\d+)`).exec(s)![1]) / 1024;
  return { rss: kb("VmRSS"), hwm: kb("VmHWM") };
}

async function promClientSerialize(n: number, pubs: string[]): Promise<number> {
  const reg = new Registry();
  const labelNames = ["interface", "public_key", "allowed_ips", "friendly_name"] as const;
  const fams = [
    new Counter({ name: "wireguard_sent_bytes_total", help: "x", labelNames, registers: [reg] }),
    new Counter({ name: "wireguard_received_bytes_total", help: "x", labelNames, registers: [reg] }),
    new Gauge({ name: "wireguard_latest_handshake_seconds", help: "x", labelNames, registers: [reg] }),
    new Gauge({ name: "wireguard_peer_connected", help: "x", labelNames, registers: [reg] }),
  ];
  for (let i = 0; i < n; i++) {
    const l = { interface: ifNames[0]!, public_key: pubs[i]!, allowed_ips: `${v6(i)}/128`, friendly_name: "" };
    for (const f of fams) (f as Gauge).inc(l, i);
  }
  const t0 = performance.now();
  await reg.metrics();
  return performance.now() - t0;
}

async function main(): Promise<void> {
  if (process.getuid?.() !== 0) throw new Error("the benchmark needs root (network namespace, wireguard-go)");
  for (const tool of ["wireguard-go", "wg", "ip", "curl"])
    execFileSync("sh", ["-c", `command -v ${tool} >/dev/null || { echo "missing ${tool}" >&2; exit 1; }`], {
      stdio: "inherit",
    });
  if (!existsSync(BUNDLE)) throw new Error(`${BUNDLE} missing: run npm run build`);

  execFileSync("ip", ["netns", "add", ns]);
  for (const name of ifNames) {
    wgGo.push(
      spawn("ip", ["netns", "exec", ns, "wireguard-go", "-f", name], {
        stdio: "ignore",
        env: { ...process.env, LOG_LEVEL: "error" },
      }),
    );
    for (let i = 0; !existsSync(`/var/run/wireguard/${name}.sock`); i++) {
      if (i > 200) throw new Error("wireguard-go did not start");
      await sleep(50);
    }
  }
  const max = Math.max(...SIZES);
  let t0 = performance.now();
  const pubs = keys(max);
  console.log(`generated ${max} random public keys in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  const priv = randomBytes(32).toString("base64"); // wg clamps it into a valid private key
  console.log(
    "baseline: `wg show <iface> dump` for each interface in use, in parallel — the calls the " +
      "exporter makes (with one interface that is `wg show all dump` without other hosts' interfaces)",
  );

  const rows: string[][] = [];
  const gzipRows: string[][] = [];
  let concurrency = "";
  let big = "";
  let done = 0;
  const startBundle = async (ifaces: string[], extraArgs: string[] = []): Promise<number> => {
    if (exporter) {
      const old = exporter;
      const gone = new Promise((r) => old.once("exit", r));
      old.kill("SIGTERM");
      await gone;
    }
    exporter = spawn(
      process.execPath,
      [
        ...NODE_ARGS,
        BUNDLE,
        "--web.listen-address=127.0.0.1:0",
        `--wireguard.interfaces=${ifaces.join(",")}`,
        "--collector.timeout=30s",
        "--log.level=debug",
        ...extraArgs,
      ],
      { stdio: ["ignore", "ignore", "pipe"] },
    );
    const proc = exporter;
    return new Promise<number>((res, rej) => {
      let buf: string | null = "";
      proc.stderr!.on("data", (c: Buffer) => {
        if (buf === null) {
          // keep draining the pipe (connection events at 100k peers); collect stage timings
          for (const line of c.toString().split("\n")) {
            if (
              line.includes('"collection done"') ||
              line.includes('"metrics served"') ||
              line.includes('"events derived"')
            )
              stages.push(JSON.parse(line));
          }
          return;
        }
        buf += c.toString();
        const m = /"msg":"listening".*?"port":(\d+)/.exec(buf);
        if (m) {
          buf = null;
          res(Number(m[1]));
        }
      });
      proc.once("exit", () => rej(new Error("exporter exited: " + buf)));
      setTimeout(() => rej(new Error("exporter did not report listening within 15 s: " + buf)), 15_000).unref();
    });
  };
  for (const n of SIZES) {
    // Peers 0..n: the first PEERS_PER_IF on interface 0, the rest on interface 1; setconf
    // for the first batch of an interface, then addconf in batches of 10k.
    t0 = performance.now();
    const conf = join(dir, "wg.conf");
    for (let from = done; from < n;) {
      const k = Math.floor(from / PEERS_PER_IF);
      const to = Math.min(n, from + 10_000, (k + 1) * PEERS_PER_IF);
      const first = from === k * PEERS_PER_IF;
      const lines = first ? [`[Interface]`, `PrivateKey = ${priv}`, `ListenPort = ${51820 + k}`] : [`[Interface]`];
      for (let i = from; i < to; i++) {
        lines.push(`[Peer]`, `PublicKey = ${pubs[i]}`, `AllowedIPs = ${v6(i)}/128`);
        // Every 10th peer has an endpoint; no keepalive, or wireguard-go would spend the bench
        // sending handshake initiations to these unreachable endpoints.
        if (i % 10 === 0)
          lines.push(`Endpoint = [fd77:1::${(i >> 16).toString(16)}:${(i & 0xffff).toString(16)}]:51820`);
      }
      writeFileSync(conf, lines.join("\n") + "\n", { mode: 0o600 });
      const r = spawnSync("wg", [first ? "setconf" : "addconf", ifNames[k]!, conf], { encoding: "utf8" });
      if (r.status !== 0)
        throw new Error(
          `wg ${first ? "setconf" : "addconf"} ${ifNames[k]} ` +
            `peers ${from}..${to}: status ${r.status} signal ${r.signal} ${r.stderr}`,
        );
      from = to;
    }
    done = n;
    const inUse = ifNames.slice(0, Math.ceil(n / PEERS_PER_IF));
    console.log(
      `wg setconf/addconf up to ${n} peers on ${inUse.length} ` +
        `interface(s): ${((performance.now() - t0) / 1000).toFixed(1)} s`,
    );
    let port = await startBundle(inUse);

    const rounds = n >= 100_000 ? 6 : n >= 10_000 ? 20 : 30;
    // Warm-up: a running exporter has long reached its steady state (JIT tiers, heap sizes,
    // reused buffers); the first ten scrapes are measurably slower.
    const warmUps = n >= 100_000 ? 3 : 10;
    for (let i = 0; i < warmUps; i++) await scrape(port);
    // RSS of the process that serves the measured scrapes: after the plain warm-up, and after
    // the measured plain and gzip scrapes (before the Prometheus runs restart the exporter).
    const rssWarm = rssMb(exporter!.pid!);
    const base: number[] = [];
    const exp: number[] = [];
    const expCurl: number[] = [];
    const expCurlGz: number[] = [];
    let bytes = 0,
      wirePlain = 0,
      wireGzip = 0;
    // The exporter's CPU (all threads, the thread pool's compression included) per curl scrape.
    const cpuPlain: number[] = [];
    const cpuGzip: number[] = [];
    const withCpu = async (into: number[], f: () => Promise<void>) => {
      const c = cpuMs(exporter!.pid!);
      await f();
      await sleep(50); // the events derived after the response count too
      into.push(cpuMs(exporter!.pid!) - c);
    };
    const withGzip = n >= 10_000;
    // Rotate which goes first, with a pause between: right after a big dump wireguard-go is
    // still busy (its garbage collector), and whichever call came next would pay for it.
    const settle = () => sleep(n >= 100_000 ? 300 : 50);
    const measures = [
      async () => base.push(await timeWgAll(inUse)),
      async () => {
        const s = await scrape(port);
        exp.push(s.ms);
        bytes = s.bytes;
        if (!/wireguard_scrape_success 1/.test(s.body ?? "")) throw new Error("scrape failed during the benchmark");
      },
      async () =>
        withCpu(cpuPlain, async () => {
          const [t] = await curlTransfers(port, 1, false);
          expCurl.push(t!.ms);
          wirePlain = t!.bytes;
        }),
      ...(withGzip
        ? [
            async () =>
              withCpu(cpuGzip, async () => {
                const [t] = await curlTransfers(port, 1, true);
                expCurlGz.push(t!.ms);
                wireGzip = t!.bytes;
              }),
          ]
        : []),
    ];
    for (let i = 0; i < rounds; i++) {
      for (let k = 0; k < measures.length; k++) {
        await settle();
        await measures[(i + k) % measures.length]!();
      }
    }
    const rssServed = rssMb(exporter!.pid!);
    const b = median(base),
      e = median(exp),
      ec = median(expCurl);
    if (process.env.BENCH_VERBOSE) {
      for (const [what, xs] of [
        ["baseline", base],
        ["exporter", exp],
        ["exporter (curl)", expCurl],
      ] as const)
        console.log(`  ${what}`, xs.map((x) => x.toFixed(0)).join(" "));
    }
    const last = (k: string) =>
      median(
        stages
          .slice(-rounds * measures.length)
          .map((x) => x[k])
          .filter((v): v is number => typeof v === "number"),
      );
    console.log(
      `  ${n} peers, exporter stages (median ms): read ${last("read_ms")}, parse ${last("parse_ms")}, ` +
        `view ${last("view_ms")}, render+write ${last("render_write_ms")}; after the response: ` +
        `events ${last("events_ms")}`,
    );
    const target = n === 10_000 ? "≤ 1.3×" : n >= 100_000 ? "< 2000 ms" : "";
    rows.push([
      String(n),
      b.toFixed(1),
      e.toFixed(1),
      `${(e / b).toFixed(2)}×`,
      ec.toFixed(1),
      `${(ec / b).toFixed(2)}×`,
      target,
      `${(bytes / 1e6).toFixed(1)} MB`,
    ]);

    if (withGzip) {
      const eg = median(expCurlGz);
      if (process.env.BENCH_VERBOSE)
        console.log("  exporter (curl --compressed)", expCurlGz.map((x) => x.toFixed(0)).join(" "));
      let prom = { on: "", off: "" };
      if (process.env.BENCH_PROMETHEUS !== "0") {
        const on = await prometheusScrapeDuration(port);
        const offPort = await startBundle(inUse, ["--web.disable-compression"]);
        for (let i = 0; i < 3; i++) await scrape(offPort);
        const off = await prometheusScrapeDuration(offPort);
        const cell = (r: typeof on) =>
          Number.isNaN(r.medianMs)
            ? "no scrape recorded in 30 s"
            : `${r.medianMs.toFixed(0)} ms = ${(r.medianMs / b).toFixed(2)}× ` +
              `(${r.scrapes} scrapes${r.failed ? `, ${r.failed} failed` : ""})`;
        prom = { on: cell(on), off: cell(off) };
        port = await startBundle(inUse); // back to the default for what follows
        for (let i = 0; i < 3; i++) await scrape(port);
      }
      const cp = median(cpuPlain),
        cg = median(cpuGzip);
      gzipRows.push([
        String(n),
        b.toFixed(1),
        `${(wirePlain / 1e6).toFixed(2)} MB`,
        `${(wireGzip / 1e6).toFixed(2)} MB`,
        `${(wirePlain / wireGzip).toFixed(2)}× fewer`,
        `${ec.toFixed(1)} = ${(ec / b).toFixed(2)}×`,
        `${eg.toFixed(1)} = ${(eg / b).toFixed(2)}×`,
        `${cp.toFixed(0)} / ${cg.toFixed(0)} ms`,
        prom.on,
        prom.off,
      ]);
    }

    if (n === 10_000) {
      // Concurrency, twice: with curl (one C process, transfers in parallel, as a Prometheus
      // server would read) and with this process's Node client. The bodies all go through
      // loopback on the same 2 cores, so the client's own reading cost shows in the figure.
      const pid = exporter!.pid!;
      const rounds20 = 7;
      const byCurl = { one: [] as number[], twenty: [] as number[] };
      const byNode = { one: [] as number[], twenty: [] as number[] };
      let cpuOne = 0,
        cpuTwenty = 0;
      for (let i = 0; i < rounds20; i++) {
        await settle();
        byCurl.one.push(Math.max(...(await curlScrapes(port, 1))));
        await settle();
        byCurl.twenty.push(Math.max(...(await curlScrapes(port, 20))));
        await settle();
        let c = cpuMs(pid);
        byNode.one.push((await scrape(port)).ms);
        await sleep(50); // the events derived after the response count too
        cpuOne += cpuMs(pid) - c;
        await settle();
        c = cpuMs(pid);
        const c0 = performance.now();
        await Promise.all(Array.from({ length: 20 }, () => scrape(port)));
        byNode.twenty.push(performance.now() - c0);
        await sleep(50);
        cpuTwenty += cpuMs(pid) - c;
      }
      const line = (how: string, r: { one: number[]; twenty: number[] }) => {
        const o = median(r.one),
          t = median(r.twenty);
        return `${t.toFixed(1)} ms vs one ${o.toFixed(1)} ms = ${(t / o).toFixed(2)}× ${how}`;
      };
      concurrency = `20 concurrent scrapes at ${n} peers (target ≤ 1.5×):`;
      concurrency += `\n  ${line("(curl --parallel: one client process, the slowest of the 20 transfers)", byCurl)}`;
      concurrency += `\n  ${line("(this bench's Node http client, 20 requests in one event loop)", byNode)}`;
      concurrency +=
        `\n  exporter CPU for the Node-client runs (one shared collection, the ` +
        `body written 20 times): ${(cpuTwenty / rounds20).toFixed(1)} ms vs ` +
        `one ${(cpuOne / rounds20).toFixed(1)} ms = ${(cpuTwenty / cpuOne).toFixed(2)}×`;
      const pc = await promClientSerialize(n, pubs);
      concurrency +=
        `\nprom-client registry.metrics() for 4 families × ${n} ` +
        `peers (${4 * n} series), serializer only: ${pc.toFixed(1)} ms`;
    }
    if (n >= 100_000) {
      const m = rssServed;
      const what = `${warmUps} + ${rounds * 2} plain` + (withGzip ? ` and ${rounds} gzip` : "");
      big =
        `100k peers: scrape ${e.toFixed(0)} ms (Node client), ${ec.toFixed(0)} ms (curl) (target < 2000 ms); ` +
        `exporter RSS after scrapes ${m.rss.toFixed(0)} MB, peak (VmHWM) ${m.hwm.toFixed(0)} MB (target < 120 MB) ` +
        `— one process, after ${what} scrapes (after the plain warm-up: ${rssWarm.rss.toFixed(0)} MB)`;
    }
  }

  const header = [
    "peers",
    "wg dump alone (baseline) ms",
    "scrape, Node client ms",
    "ratio",
    "scrape, curl ms",
    "ratio",
    "target",
    "body",
  ];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const fmt = (r: string[]) => "| " + r.map((c, i) => c.padEnd(widths[i]!)).join(" | ") + " |";
  console.log("");
  console.log(fmt(header));
  console.log("|" + widths.map((w) => "-".repeat(w + 2)).join("|") + "|");
  for (const r of rows) console.log(fmt(r));
  console.log("");
  if (gzipRows.length > 0) {
    const gzHeader = [
      "peers",
      "wg dump alone ms",
      "wire, plain",
      "wire, gzip",
      "bytes",
      "curl ms = × wg",
      "curl --compressed ms = × wg",
      "exporter CPU plain / gzip",
      "Prometheus scrape_duration, gzip on",
      "gzip off (--web.disable-compression)",
    ];
    const w = gzHeader.map((h, i) => Math.max(h.length, ...gzipRows.map((r) => r[i]!.length)));
    const f = (r: string[]) => "| " + r.map((c, i) => c.padEnd(w[i]!)).join(" | ") + " |";
    console.log(
      "gzip (targets: ≥ 3× fewer bytes; with gzip ≤ 1.5× the wg dump at " +
        "10k). Prometheus: every 2 s for 30 s, median, × the wg dump's median:",
    );
    console.log(f(gzHeader));
    console.log("|" + w.map((x) => "-".repeat(x + 2)).join("|") + "|");
    for (const r of gzipRows) console.log(f(r));
    console.log("");
  }
  if (concurrency) console.log(concurrency);
  if (big) console.log(big);
  console.log(`(medians; machine: ${(await import("node:os")).cpus().length} cores, node ${process.version})`);
}

main()
  .then(() => process.exit(0))
  .catch((e: unknown) => {
    console.error(String(e));
    process.exit(1);
  });
