// Failures are visible (metric, /health, log) and never fatal: real processes, real scripts.
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import http from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { metricValue, startExporter, type RunningExporter } from "../harness/exporter";
import { startTunnel, waitForHandshake, type Tunnel } from "../harness/tunnel";

let dir: string;
let t: Tunnel;
const started: RunningExporter[] = [];

function script(name: string, body: string): string {
  const p = join(dir, name);
  writeFileSync(p, `#!/bin/sh\n${body}\n`);
  chmodSync(p, 0o755);
  return p;
}

async function run(args: string[], peersFile?: string): Promise<RunningExporter> {
  const e = await startExporter({ args, peersFile });
  started.push(e);
  return e;
}

async function get(e: RunningExporter, path: string): Promise<{ status: number; text: string }> {
  const r = await fetch(e.url + path);
  return { status: r.status, text: await r.text() };
}

/** Scrape, then check the three signals and that the process still serves. */
async function expectFailure(e: RunningExporter, reason: RegExp): Promise<void> {
  const m = await get(e, "/metrics");
  expect(m.status).toBe(200);
  expect(metricValue(m.text, "wireguard_scrape_success")).toBe(0);
  const h = await get(e, "/health");
  expect(h.status).toBe(503);
  const body = JSON.parse(h.text) as { status: string; error: string };
  expect(body.status).toBe("unhealthy");
  expect(body.error).toMatch(reason);
  const line = await e.waitForLog((l) => l.msg === "collection failed");
  expect(line).toMatchObject({ level: "error", error: expect.stringMatching(reason) });
  expect((await get(e, "/")).status).toBe(200); // still serving
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "wgm-exp-faults-"));
  t = await startTunnel({ id: "exp-faults" });
  await waitForHandshake(t);
});

afterEach(async () => {
  for (const e of started.splice(0)) await e.stop();
});

afterAll(async () => {
  await t?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("failures are visible, never fatal", () => {
  it("a --wireguard.command that does not exist", async () => {
    const e = await run(["--wireguard.command=/nonexistent/wg-missing"]);
    await expectFailure(e, /cannot run \/nonexistent\/wg-missing: command not found/);
  });

  it("a command that exits 1 (e.g. permission denied): the exit code and its stderr", async () => {
    const wg = script("wg-eperm", 'echo "Unable to access interface: Operation not permitted" >&2; exit 1');
    const e = await run([`--wireguard.command=${wg}`]);
    await expectFailure(e, /exited with code 1: Unable to access interface: Operation not permitted/);
  });

  it("a command that is not executable (permission denied)", async () => {
    const wg = join(dir, "wg-noexec");
    writeFileSync(wg, "#!/bin/sh\n");
    chmodSync(wg, 0o644);
    const e = await run([`--wireguard.command=${wg}`]);
    await expectFailure(e, /permission denied/);
  });

  it("a command that hangs past --collector.timeout is killed, with its children", async () => {
    const pidFile = join(dir, "hang.pid");
    const wg = script("wg-hang", `sleep 60 & echo $! > ${pidFile}; wait`);
    const e = await run([`--wireguard.command=${wg}`, "--collector.timeout=1s"]);
    await expectFailure(e, /timed out after 1s and was killed/);
    const sleeper = Number(readFileSync(pidFile, "utf8"));
    await new Promise((r) => setTimeout(r, 200));
    expect(existsSync(`/proc/${sleeper}`) && !readFileSync(`/proc/${sleeper}/stat`, "utf8").includes(") Z ")).toBe(
      false,
    );
  });

  it("garbage output", async () => {
    const wg = script("wg-garbage", 'echo "this is not a wg dump"');
    const e = await run([`--wireguard.command=${wg}`]);
    await expectFailure(e, /wg dump line 1: expected 5 or 9 tab-separated fields, got 1/);
  });

  it("recovers on the next good scrape", async () => {
    const flag = join(dir, "broken");
    writeFileSync(flag, "");
    const wg = script("wg-flaky", `if [ -e ${flag} ]; then echo boom >&2; exit 1; fi\nexec wg "$@"`);
    const e = await run([`--wireguard.command=${wg}`, `--wireguard.interfaces=${t.serverIf}`]);
    await expectFailure(e, /boom/);
    rmSync(flag);
    const m = await get(e, "/metrics");
    expect(metricValue(m.text, "wireguard_scrape_success")).toBe(1);
    expect(metricValue(m.text, "wireguard_latest_handshake_seconds", { public_key: t.peerPublicKey })).toBeGreaterThan(
      0,
    );
    expect((await get(e, "/health")).status).toBe(200);
    await e.waitForLog((l) => l.msg === "collection recovered");
  });

  it("an interface deleted between scrapes: the others are still exported", async () => {
    const e = await run([`--wireguard.interfaces=${t.serverIf},${t.peerIf}`]);
    const before = await get(e, "/metrics");
    expect(metricValue(before.text, "wireguard_scrape_success")).toBe(1);
    expect(metricValue(before.text, "wireguard_peers", { interface: t.peerIf })).toBe(1);
    await t.stopPeer(); // wireguard-go exits, the interface is gone
    try {
      await expectFailure(e, new RegExp(`interface ${t.peerIf}: .*exited with code 1`));
      const after = await get(e, "/metrics");
      expect(metricValue(after.text, "wireguard_peers", { interface: t.serverIf })).toBe(1);
      expect(metricValue(after.text, "wireguard_peers", { interface: t.peerIf })).toBeUndefined();
    } finally {
      await t.startPeer();
    }
    expect(metricValue((await get(e, "/metrics")).text, "wireguard_scrape_success")).toBe(1);
  });

  it("a bad peers file on reload keeps the last good one, says so in a metric, /health and the log", async () => {
    const pf = join(dir, "peers.yml");
    writeFileSync(pf, `peers:\n  - public_key: ${t.peerPublicKey}\n    friendly_name: good name\n`);
    const e = await run([`--wireguard.interfaces=${t.serverIf}`], pf);
    let m = await get(e, "/metrics");
    expect(metricValue(m.text, "wireguard_peers_file_reload_success")).toBe(1);
    expect(metricValue(m.text, "wireguard_peers_file_last_reload_timestamp_seconds")).toBeGreaterThan(0);
    expect(metricValue(m.text, "wireguard_latest_handshake_seconds", { friendly_name: "good name" })).toBeGreaterThan(
      0,
    );

    // A changed file is read once it has not changed for a second (it may be half-written).
    writeFileSync(pf, `peers:\n  - public_key: ${t.peerPublicKey}\n    friendly_name: new name\n    nickname: oops\n`);
    await new Promise((r) => setTimeout(r, 1100));
    m = await get(e, "/metrics");
    expect(metricValue(m.text, "wireguard_peers_file_reload_success")).toBe(0);
    expect(metricValue(m.text, "wireguard_latest_handshake_seconds", { friendly_name: "good name" })).toBeGreaterThan(
      0,
    );
    expect(metricValue(m.text, "wireguard_scrape_success")).toBe(1);
    const h = JSON.parse((await get(e, "/health")).text);
    expect(h.peers_file).toMatchObject({
      loaded: true,
      last_reload_success: false,
      errors: [`peers file ${pf}: peers[0].nickname: unknown field`],
    });
    const line = await e.waitForLog((l) => l.msg === "peers file rejected");
    expect(line).toMatchObject({
      level: "error",
      kept_previous: true,
      errors: [`peers file ${pf}: peers[0].nickname: unknown field`],
    });

    writeFileSync(pf, `peers:\n  - public_key: ${t.peerPublicKey}\n    friendly_name: new name\n`);
    await new Promise((r) => setTimeout(r, 1100));
    m = await get(e, "/metrics");
    expect(metricValue(m.text, "wireguard_peers_file_reload_success")).toBe(1);
    expect(metricValue(m.text, "wireguard_latest_handshake_seconds", { friendly_name: "new name" })).toBeGreaterThan(0);
  });

  it("200 parallel connections all get a full answer from shared collections", async () => {
    const calls = join(dir, "calls");
    const wg = script("wg-count", `echo x >> ${calls}\nexec wg "$@"`);
    const e = await run([`--wireguard.command=${wg}`, `--wireguard.interfaces=${t.serverIf}`]);
    const agent = new http.Agent({ maxSockets: 1000 });
    const one = () =>
      new Promise<{ status: number; text: string }>((resolve, reject) => {
        http
          .get(e.url + "/metrics", { agent }, (res) => {
            let text = "";
            res.on("data", (c: Buffer) => (text += c.toString()));
            res.on("end", () => resolve({ status: res.statusCode!, text }));
          })
          .on("error", reject);
      });
    const results = await Promise.all(Array.from({ length: 200 }, one));
    agent.destroy();
    for (const r of results) {
      expect(r.status).toBe(200);
      expect(metricValue(r.text, "wireguard_scrape_success")).toBe(1);
      expect(
        metricValue(r.text, "wireguard_latest_handshake_seconds", { public_key: t.peerPublicKey }),
      ).toBeGreaterThan(0);
    }
    const wgRuns = readFileSync(calls, "utf8").split("\n").filter(Boolean).length;
    expect(wgRuns).toBeLessThan(200); // concurrent scrapes shared in-flight collections
    expect((await get(e, "/health")).status).toBe(200);
    expect(e.logs().filter((l) => l.level === "error")).toEqual([]);
  });
});
