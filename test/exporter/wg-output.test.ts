// `wg` output as an untrusted input, through the bundled exporter: bytes Prometheus would
// refuse, output without end, and commands that leave processes behind. The `wg` here is a
// script that replays captured `wg show wg0 dump` output, or misbehaves.
import { chmodSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { metricValue, startExporter, type RunningExporter } from "../harness/exporter";

let dir: string;
const started: RunningExporter[] = [];
const FIXTURE = join(__dirname, "fixtures", "wg-show-wg0-dump.txt");

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "wgm-exp-wg-output-"));
});
afterEach(async () => {
  for (const e of started.splice(0)) await e.stop();
});
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function script(name: string, body: string): string {
  const p = join(dir, name);
  writeFileSync(p, `#!/bin/sh\n${body}\n`);
  chmodSync(p, 0o755);
  return p;
}

async function run(args: string[]): Promise<RunningExporter> {
  const e = await startExporter({ args });
  started.push(e);
  return e;
}

/** The body as bytes, so that invalid UTF-8 is not hidden by decoding. */
async function scrapeBytes(e: RunningExporter): Promise<Buffer> {
  return Buffer.from(await (await fetch(e.url + "/metrics")).arrayBuffer());
}

const alive = (pid: number) => existsSync(`/proc/${pid}`) && !/\) Z /.test(readFileSync(`/proc/${pid}/stat`, "utf8"));
const cpuSeconds = (pid: number) => {
  const f = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
  return (Number(f[11]) + Number(f[12])) / 100; // utime + stime, in clock ticks of 1/100 s
};

describe("label values that are not UTF-8", () => {
  it("fail their interface: scrape_success 0, a log line naming the field, the body stays valid UTF-8", async () => {
    // wg1 prints wg0's output with the bytes 0xff 0xfe inside an allowed IP.
    const wg = script(
      "wg-bad-utf8",
      `if [ "$2" = wg1 ]; then sed 's|203.0.113.86/32|203.0.\\xff\\xfe.86/32|' ${FIXTURE}; else cat ${FIXTURE}; fi`,
    );
    const e = await run([`--wireguard.command=${wg}`, "--wireguard.interfaces=wg0,wg1"]);
    const body = await scrapeBytes(e);
    expect(() => new TextDecoder("utf-8", { fatal: true }).decode(body)).not.toThrow();
    const text = body.toString("utf8");
    expect(metricValue(text, "wireguard_scrape_success")).toBe(0);
    expect(metricValue(text, "wireguard_peers", { interface: "wg0" })).toBe(4);
    expect(metricValue(text, "wireguard_peers", { interface: "wg1" })).toBeUndefined();
    expect(text).not.toContain('interface="wg1"');
    const line = await e.waitForLog((l) => l.msg === "collection failed");
    expect(line.error).toBe("interface wg1: wg dump line 2: allowed_ips is not valid UTF-8");
    const health = (await (await fetch(e.url + "/health")).json()) as { error: string };
    expect(health.error).toBe("interface wg1: wg dump line 2: allowed_ips is not valid UTF-8");
  });
});

describe("output without end", () => {
  it("100 MB without a newline: refused after 1 MiB, the command killed, little CPU spent", async () => {
    const pidFile = join(dir, "flood.pid");
    const wg = script("wg-flood", `echo $$ > ${pidFile}\nhead -c 100000000 /dev/zero | tr '\\0' a`);
    const e = await run([`--wireguard.command=${wg}`, "--wireguard.interfaces=wg0", "--collector.timeout=60s"]);
    const cpu0 = cpuSeconds(e.pid);
    const t0 = performance.now();
    const text = (await scrapeBytes(e)).toString("utf8");
    expect(performance.now() - t0).toBeLessThan(5000);
    expect(cpuSeconds(e.pid) - cpu0).toBeLessThan(2);
    expect(metricValue(text, "wireguard_scrape_success")).toBe(0);
    const line = await e.waitForLog((l) => l.msg === "collection failed");
    expect(line.error).toBe("interface wg0: wg dump line 1: line is longer than 1 MiB");
    await new Promise((r) => setTimeout(r, 200));
    expect(alive(Number(readFileSync(pidFile, "utf8")))).toBe(false);
  });
});

describe("a command that outlives --collector.timeout", () => {
  it("is killed with its descendants, also ones that left its group; only one without pipes remains", async () => {
    const pid = (n: number) => join(dir, `escaper-${n}.pid`);
    const wg = script(
      "wg-escapes",
      [
        // a new session, still the script's child
        `setsid sh -c 'echo $$ > ${pid(1)}; exec sleep 300' &`,
        // a new session whose parent exits: re-parented, but it still holds stdout and stderr
        `(setsid sh -c 'echo $$ > ${pid(2)}; exec sleep 301' &)`,
        // a daemon that closed every pipe and was re-parented: nothing ties it to the exporter
        `(setsid sh -c 'echo $$ > ${pid(3)}; exec sleep 302' </dev/null >/dev/null 2>&1 &)`,
        "sleep 60",
      ].join("\n"),
    );
    const e = await run([`--wireguard.command=${wg}`, "--wireguard.interfaces=wg0", "--collector.timeout=1s"]);
    const fds = () => readdirSync(`/proc/${e.pid}/fd`).length;
    const left: number[] = [];
    try {
      await scrapeBytes(e); // the first scrape opens what every later one reuses
      for (const n of [1, 2, 3]) left.push(Number(readFileSync(pid(n), "utf8")));
      const fdsAfterOne = fds();
      for (let i = 0; i < 5; i++) {
        const text = (await scrapeBytes(e)).toString("utf8");
        expect(metricValue(text, "wireguard_scrape_success")).toBe(0);
        for (const n of [1, 2, 3]) left.push(Number(readFileSync(pid(n), "utf8")));
      }
      await new Promise((r) => setTimeout(r, 300));
      const remaining = left.filter(alive);
      const daemons = left.filter((_, i) => i % 3 === 2);
      expect(remaining.sort()).toEqual(daemons.sort()); // the documented limit
      // Each escaper held the exporter's two pipe sockets open (+2 per scrape); a few more or
      // fewer are HTTP connections.
      expect(fds() - fdsAfterOne).toBeLessThan(4);
      const line = await e.waitForLog((l) => l.msg === "collection failed");
      expect(line.error).toMatch(/timed out after 1s and was killed/);
    } finally {
      for (const p of left) {
        try {
          process.kill(p, "SIGKILL");
        } catch {
          /* gone */
        }
      }
    }
  });
});
