// One rendering written to several scrapers over real sockets, with the limits shortened: a
// scraper that stops reading holds up nobody, is dropped, and leaves no listeners behind.
import http from "node:http";
import net from "node:net";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { FanOut, type FanOutLimits } from "../../exporter/src/fan-out";
import { createLogger } from "../../exporter/src/log";

const limits: FanOutLimits = { behindBytes: 256 << 10, keepUpMs: 20, maxQueuedBytes: 4 << 20, stallMs: 500 };
const CHUNK = Buffer.alloc(256 << 10, 97);
const servers: http.Server[] = [];
afterEach(() => {
  for (const s of servers.splice(0)) s.close();
});

/** A server that hands the first `n` requests to `serve` together, once all have arrived. */
async function serverFor(n: number, serve: (res: http.ServerResponse[]) => Promise<void>): Promise<number> {
  const group: http.ServerResponse[] = [];
  const server = http.createServer((_req, res) => {
    group.push(res);
    if (group.length === n) void serve(group);
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return (server.address() as AddressInfo).port;
}

function stalledRequest(port: number): net.Socket {
  const s = net.connect(port, "127.0.0.1");
  s.pause();
  s.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
  return s;
}

function read(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    http
      .get({ port, host: "127.0.0.1", agent: false }, (res) => {
        let n = 0;
        res.on("data", (b: Buffer) => (n += b.length));
        res.on("end", () => resolve(n));
      })
      .on("error", reject);
  });
}

describe("fan-out", () => {
  it("drops a scraper that stops reading at the queue cap while the other gets everything", async () => {
    const lines: Record<string, unknown>[] = [];
    const log = createLogger("debug", (l) => lines.push(JSON.parse(l) as Record<string, unknown>));
    const chunks = 80; // 20 MB: more than the kernel buffers and the cap together
    let baseline: number[] = [];
    let afterEnd: number[] = [];
    let stalled: net.Socket | undefined;
    let reader: Promise<number> | undefined;
    await new Promise<void>((done) => {
      void serverFor(2, async (res) => {
        for (const r of res) r.writeHead(200);
        baseline = res.map((r) => r.listenerCount("close") + r.listenerCount("finish"));
        const out = new FanOut(res, limits, log);
        for (let i = 0; i < chunks; i++) await out.write(CHUNK, () => {});
        await out.end();
        afterEnd = res.map((r) => r.listenerCount("close") + r.listenerCount("finish"));
        done();
      }).then((port) => {
        stalled = stalledRequest(port);
        reader = read(port);
      });
    });
    expect(await reader!).toBe(chunks * CHUNK.length);
    expect(lines.find((l) => l.msg === "slow scraper dropped")).toMatchObject({
      level: "warn",
      reason: "queued bytes over the per-connection cap",
    });
    expect(afterEnd).toEqual(baseline); // one listener each while writing, none left after
    stalled!.destroy();
  });

  it("waits for a scraper alone until the write deadline, then drops it", async () => {
    const lines: Record<string, unknown>[] = [];
    const log = createLogger("debug", (l) => lines.push(JSON.parse(l) as Record<string, unknown>));
    let stalled: net.Socket | undefined;
    const t0 = performance.now();
    await new Promise<void>((done) => {
      void serverFor(1, async ([res]) => {
        res!.writeHead(200);
        const out = new FanOut([res!], limits, log);
        for (let i = 0; i < 80 && !res!.destroyed; i++) await out.write(CHUNK, () => {});
        await out.end();
        done();
      }).then((port) => (stalled = stalledRequest(port)));
    });
    expect(performance.now() - t0).toBeGreaterThanOrEqual(limits.stallMs);
    expect(lines.find((l) => l.msg === "slow scraper dropped")).toMatchObject({
      reason: "no progress within the write deadline",
    });
    stalled!.destroy();
  });
});
