// /metrics compressed for scrapers that accept gzip (as client_golang's promhttp does), off with
// --web.disable-compression: the decoded body is the plain one byte for byte, HEAD, TLS and
// basic auth, a scraper that stops reading, real gzip readers (curl, Prometheus), and
// `promtool check metrics` over a real scrape, plain and decoded.
import { execFileSync, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import http from "node:http";
import https from "node:https";
import net from "node:net";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import bcrypt from "bcryptjs";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { acceptsGzip } from "../../exporter/src/accept-encoding";
import { FanOut, type FanOutLimits } from "../../exporter/src/fan-out";
import { GzipFanOut } from "../../exporter/src/gzip-fan-out";
import { createLogger } from "../../exporter/src/log";
import { crc32, crc32Table, SegmentedGzip } from "../../exporter/src/segmented-gzip";
import { startExporter, type RunningExporter } from "../harness/exporter";
import { PROMTOOL, startPrometheus, type RunningPrometheus } from "../harness/prometheus";
import { selfSignedCert } from "../helpers/self-signed-cert";

let dir: string;
const started: RunningExporter[] = [];
const prometheus: RunningPrometheus[] = [];

function file(name: string, text: string, mode = 0o644): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  chmodSync(p, mode);
  return p;
}

/** A `wg` that takes `delayS` and prints a dump of n peers, so scrapes sent together share it. */
function fakeWg(n: number, delayS = 0): string {
  const key = () => randomBytes(32).toString("base64");
  const lines = [`wg0\t${key()}\t${key()}\t51820\toff`];
  for (let i = 0; i < n; i++) {
    const endpoint = i % 10 === 0 ? `203.0.113.${i % 250}:${1024 + (i % 60000)}` : "(none)";
    lines.push(
      `wg0\t${key()}\t(none)\t${endpoint}\t10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}/` +
        `32\t${1795838450 + i}\t${i * 1000}\t${i * 3000}\toff`,
    );
  }
  const dump = file(`dump-${n}.txt`, lines.join("\n") + "\n");
  return file(`wg-${n}-${delayS}`, `#!/bin/sh\nsleep ${delayS}\ncat ${dump}\n`, 0o755);
}

async function run(args: string[], peersFile?: string): Promise<RunningExporter> {
  const e = await startExporter({ args, peersFile });
  started.push(e);
  return e;
}

interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

/** One request with Node's client, which does not decode: the body as sent. */
function get(url: string, headers: Record<string, string> = {}, method = "GET"): Promise<Reply> {
  const mod = url.startsWith("https:") ? https : http;
  return new Promise((resolve, reject) => {
    const req = mod.request(url, { method, headers, agent: false, rejectUnauthorized: false }, (res) => {
      const parts: Buffer[] = [];
      res.on("data", (b: Buffer) => parts.push(b));
      res.on("end", () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(parts) }));
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end();
  });
}

const GZIP = { "accept-encoding": "gzip" };

/** promtool's lint findings that are not about prom-client's default nodejs_* gauges named *_total. */
function promtoolProblems(text: Buffer): { code: number | null; problems: string[] } {
  const r = spawnSync(PROMTOOL, ["check", "metrics"], { input: text });
  const lines = (r.stdout.toString() + r.stderr.toString()).split("\n").filter((l) => l.trim() !== "");
  return {
    code: r.status,
    problems: lines.filter((l) => !/^nodejs_\w+_total non-counter metrics should not have "_total" suffix$/.test(l)),
  };
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "wgm-exp-gzip-"));
});
afterEach(async () => {
  for (const p of prometheus.splice(0)) await p.stop();
  for (const e of started.splice(0)) await e.stop();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("Accept-Encoding", () => {
  it("allows gzip when named with a q-value above 0, or by * when gzip is not named", () => {
    for (const h of ["gzip", "GZIP", "deflate, gzip, br, zstd", "gzip;q=0.5", "x-gzip", "*", "br, *;q=0.1"])
      expect(acceptsGzip(h), h).toBe(true);
    for (const h of [undefined, "", "identity", "br, deflate", "gzip;q=0", "gzip; q=0.000", "*, gzip;q=0", "*;q=0"])
      expect(acceptsGzip(h), String(h)).toBe(false);
  });
});

describe("/metrics with gzip", () => {
  it("a gzip scrape decodes to exactly the body of a plain scrape of the same rendering, ≥ 3× smaller", async () => {
    const e = await run([`--wireguard.command=${fakeWg(5_000, 0.5)}`, "--log.level=debug"]);
    const url = e.url + "/metrics";
    // Sent together, so they share one collection and one rendering: the same bytes.
    const [plain, gz] = await Promise.all([get(url), get(url, GZIP)]);
    await e.waitForLog((l) => l.msg === "metrics served" && l.receivers === 2 && l.gzip_receivers === 1);
    expect(plain.status).toBe(200);
    expect(plain.headers["content-encoding"]).toBeUndefined();
    expect(plain.headers.vary).toBe("Accept-Encoding");
    expect(gz.headers["content-encoding"]).toBe("gzip");
    expect(gz.headers.vary).toBe("Accept-Encoding");
    expect(gz.headers["content-type"]).toBe("text/plain; version=0.0.4; charset=utf-8");
    const decoded = gunzipSync(gz.body);
    expect(decoded.length).toBe(plain.body.length);
    expect(decoded.equals(plain.body)).toBe(true);
    expect(plain.body.length / gz.body.length).toBeGreaterThanOrEqual(3);
    expect(plain.body.toString()).toContain("wireguard_scrape_success 1\n");
  });

  it("is read by curl --compressed (zlib as a C client uses it) as the whole exposition", async () => {
    const e = await run([`--wireguard.command=${fakeWg(2_000)}`]);
    const out = execFileSync("curl", ["-s", "--compressed", "-D", "-", e.url + "/metrics"], {
      maxBuffer: 64 << 20,
    }).toString();
    expect(out).toMatch(/content-encoding: gzip/i);
    expect(out.split("\n").filter((l) => l.startsWith("wireguard_sent_bytes_total{")).length).toBe(2_000);
    expect(out).toContain("wireguard_scrape_success 1\n");
    expect(out.trimEnd().split("\n").at(-1)).toMatch(/^nodejs_|^process_|^wireguard_/); // nothing cut off
  });

  it("is not compressed without Accept-Encoding: gzip, or with gzip;q=0", async () => {
    const e = await run([`--wireguard.command=${fakeWg(100)}`]);
    for (const headers of [{}, { "accept-encoding": "identity" }, { "accept-encoding": "br, gzip;q=0" }] as Record<
      string,
      string
    >[]) {
      const r = await get(e.url + "/metrics", headers);
      expect(r.headers["content-encoding"], JSON.stringify(headers)).toBeUndefined();
      expect(r.body.toString()).toContain("wireguard_scrape_success 1\n");
    }
  });

  it("is never compressed with --web.disable-compression, and then says nothing of Vary", async () => {
    const e = await run([`--wireguard.command=${fakeWg(100)}`, "--web.disable-compression"]);
    expect(e.logs().find((l) => l.msg === "listening")?.config).toMatchObject({ compression: false });
    const r = await get(e.url + "/metrics", GZIP);
    expect(r.headers["content-encoding"]).toBeUndefined();
    expect(r.headers.vary).toBeUndefined();
    expect(r.body.toString()).toContain("wireguard_scrape_success 1\n");
  });

  it("HEAD answers with the headers of the GET and no body, beside a GET sharing its collection", async () => {
    const e = await run([`--wireguard.command=${fakeWg(1_000, 0.3)}`]);
    const [head, body] = await Promise.all([get(e.url + "/metrics", GZIP, "HEAD"), get(e.url + "/metrics", GZIP)]);
    expect(head.status).toBe(200);
    expect(head.headers["content-encoding"]).toBe("gzip");
    expect(head.body.length).toBe(0);
    expect(gunzipSync(body.body).toString()).toContain("wireguard_scrape_success 1\n");
  });

  it("works over TLS with basic auth", async () => {
    selfSignedCert(dir);
    const cfg = file(
      "web.yml",
      `tls_server_config:\n  cert_file: cert.pem\n  key_file: key.pem\n` +
        `basic_auth_users:\n  prometheus: ${bcrypt.hashSync("s3cret", 4)}\n`,
    );
    const e = await run([`--wireguard.command=${fakeWg(1_000)}`, `--web.config.file=${cfg}`]);
    expect(e.url).toMatch(/^https:/);
    expect((await get(e.url + "/metrics", GZIP)).status).toBe(401);
    const r = await get(e.url + "/metrics", {
      ...GZIP,
      authorization: "Basic " + Buffer.from("prometheus:s3cret").toString("base64"),
    });
    expect(r.status).toBe(200);
    expect(r.headers["content-encoding"]).toBe("gzip");
    expect(gunzipSync(r.body).toString()).toContain("wireguard_scrape_success 1\n");
  });

  it("a gzip scraper that stops reading is dropped; the one beside it gets the whole body", async () => {
    const e = await run([`--wireguard.command=${fakeWg(20_000, 0.3)}`, "--log.level=debug"]);
    const stalled = net.connect(e.port, "127.0.0.1");
    stalled.pause();
    stalled.write("GET /metrics HTTP/1.1\r\nHost: x\r\nAccept-Encoding: gzip\r\n\r\n");
    await new Promise((r) => setTimeout(r, 50));
    const r = await get(e.url + "/metrics", GZIP);
    await e.waitForLog((l) => l.msg === "metrics served" && l.gzip_receivers === 2);
    const text = gunzipSync(r.body).toString();
    expect(text.split("\n").filter((l) => l.startsWith("wireguard_received_bytes_total{")).length).toBe(20_000);
    expect(text).toContain("wireguard_scrape_success 1\n");
    // The stalled one holds a compressed body the kernel's buffers may take whole; if not,
    // it is dropped at the write deadline. Either way the exporter goes on serving.
    stalled.destroy();
    expect((await get(e.url + "/metrics", GZIP)).status).toBe(200);
  });
});

describe("GzipFanOut with the limits shortened, over real sockets", () => {
  const limits: FanOutLimits = { behindBytes: 256 << 10, keepUpMs: 20, maxQueuedBytes: 4 << 20, stallMs: 500 };

  it("drops a gzip scraper that stops reading at the queue cap; the other decodes every chunk, in order", async () => {
    const lines: Record<string, unknown>[] = [];
    const log = createLogger("debug", (l) => lines.push(JSON.parse(l) as Record<string, unknown>));
    // Random bytes do not compress: 80 chunks are ~20 MB on the wire, more than the kernel
    // buffers and the cap together.
    const chunks = Array.from({ length: 80 }, () => randomBytes(256 << 10));
    let taken = 0;
    const group: http.ServerResponse[] = [];
    let served: () => void;
    const done = new Promise<void>((r) => (served = r));
    const server = http.createServer((_req, res) => {
      group.push(res);
      if (group.length < 2) return;
      void (async () => {
        for (const r of group) r.writeHead(200, { "content-encoding": "gzip" });
        const out = new GzipFanOut(new FanOut(group, limits, log), log);
        for (const c of chunks) await out.write(c, () => taken++);
        await out.end();
        served();
      })();
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const port = (server.address() as AddressInfo).port;
    try {
      const stalled = net.connect(port, "127.0.0.1");
      stalled.pause();
      stalled.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
      await new Promise((r) => setTimeout(r, 50));
      const r = await get(`http://127.0.0.1:${port}/`);
      await done;
      expect(gunzipSync(r.body).equals(Buffer.concat(chunks))).toBe(true);
      expect(taken).toBe(chunks.length); // every chunk given back once compressed
      expect(lines.find((l) => l.msg === "slow scraper dropped")).toMatchObject({
        level: "warn",
        reason: "queued bytes over the per-connection cap",
      });
      stalled.destroy();
    } finally {
      server.close();
    }
  });

  it("members compressed at the same time, with more segments in flight than deflate streams, each decode to their input", async () => {
    const text = (k: number) => Buffer.from(`wireguard_sent_bytes_total{interface="wg${k}",public_key="`.repeat(4000));
    // Incompressible and larger than a stream's output buffer; empty; text a segment compresses well.
    const inputs = [0, 1, 2].map((k) => [randomBytes(600_000), Buffer.alloc(0), text(k), randomBytes(100), text(k)]);
    const members = inputs.map(() => new SegmentedGzip());
    const parts: Promise<Buffer>[][] = inputs.map(() => []);
    for (let i = 0; i < inputs[0]!.length; i++)
      inputs.forEach((segs, k) => parts[k]!.push(members[k]!.segment(segs[i]!)));
    for (const [k, g] of members.entries()) {
      const gz = Buffer.concat([g.header(), ...(await Promise.all(parts[k]!)), g.trailer()]);
      expect(gunzipSync(gz).equals(Buffer.concat(inputs[k]!))).toBe(true);
    }
  });

  it("runs a young-generation collection per MB of compressed output, none for a smaller body", async () => {
    const gc = vi.fn();
    const had = (globalThis as { gc?: unknown }).gc;
    (globalThis as { gc?: unknown }).gc = gc;
    try {
      const sink = { write: () => Promise.resolve(), end: () => Promise.resolve(), count: 1, allGone: false };
      const render = async (chunks: Buffer[]) => {
        const out = new GzipFanOut(sink as unknown as FanOut, createLogger("error"));
        for (const c of chunks) await out.write(c, () => {});
        await out.end();
      };
      await render(Array.from({ length: 3 }, () => randomBytes(256 << 10))); // ~0.75 MB compressed
      expect(gc).not.toHaveBeenCalled();
      await render(Array.from({ length: 12 }, () => randomBytes(256 << 10))); // ~3 MB compressed
      expect(gc.mock.calls).toEqual([[{ type: "minor" }], [{ type: "minor" }], [{ type: "minor" }]]);
    } finally {
      (globalThis as { gc?: unknown }).gc = had;
    }
  });

  it("the CRC-32 fallback for Node without zlib.crc32 agrees with zlib's", () => {
    for (const n of [0, 1, 7, 4096, 100_003]) {
      const b = randomBytes(n);
      expect(crc32Table(b, 0)).toBe(crc32(b, 0));
      expect(crc32Table(b.subarray(n >> 1), crc32Table(b.subarray(0, n >> 1), 0))).toBe(crc32(b, 0));
    }
  });
});

describe("a real scrape passes promtool check metrics", () => {
  it("plain and gzip-decoded, with every family present (peers file, expected peers, endpoints)", async () => {
    const dump = join(__dirname, "fixtures/wg-show-all-dump.txt");
    const wg = file("wg-fixture", `#!/bin/sh\ncat ${dump}\n`, 0o755);
    const peers = file(
      "peers.yml",
      [
        "peers:",
        "  - public_key: Gw2s4IBfE2fZh/kHK1t/lKb1UI09Zi1PFM2YxJ8SZgU=",
        '    friendly_name: branch "office" \\ fra',
        "    owner: ops",
        "    expected: true",
        "  - public_key: AEc9VooMoxmKLKXYHSeOiibfV58pk2/GrPDLHtIzoQI=",
        "    friendly_name: alice-laptop",
        "",
      ].join("\n"),
    );
    const e = await run([`--wireguard.command=${wg}`, "--wireguard.export-endpoints"], peers);
    const plain = await get(e.url + "/metrics");
    const gz = await get(e.url + "/metrics", GZIP);
    expect(gz.headers["content-encoding"]).toBe("gzip");
    for (const [what, body] of [
      ["plain", plain.body],
      ["gzip-decoded", gunzipSync(gz.body)],
    ] as const) {
      const text = body.toString();
      for (const family of [
        "wireguard_sent_bytes_total",
        "wireguard_peer_expected",
        "wireguard_peer_info",
        "wireguard_peer_endpoint_info",
        "wireguard_interface_info",
      ]) {
        expect(text, `${what}: ${family}`).toContain(`\n${family}{`);
      }
      expect(text.split("\n").filter((l) => l.startsWith("wireguard_peer_expected{")).length, what).toBe(1);
      const { code, problems } = promtoolProblems(body);
      expect(problems, what).toEqual([]);
      expect([0, 3], `${what}: promtool exit ${code} (1 = a parse error)`).toContain(code);
    }
  });
});

describe("a real Prometheus (Go's gzip reader) ingests the compressed body", () => {
  it("scrapes with gzip and stores every sample of the exposition", async () => {
    const e = await run([`--wireguard.command=${fakeWg(3_000)}`, "--log.level=debug"]);
    const target = e.url.replace(/^http:\/\//, "");
    const p = await startPrometheus({
      configYaml: `scrape_configs:\n  - job_name: wg\n    static_configs: [{ targets: ["${target}"] }]\n`,
    });
    prometheus.push(p);
    const [up] = await p.waitFor(
      async () => {
        const r = await p.query(`up{job="wg"} == 1`);
        return r.length > 0 ? r : undefined;
      },
      { what: "the exporter up in Prometheus" },
    );
    expect(up!.value).toBe(1);
    await e.waitForLog((l) => l.msg === "metrics served" && l.gzip_receivers === 1);
    const [sent] = await p.query(`count(wireguard_sent_bytes_total{job="wg"})`);
    expect(sent!.value).toBe(3_000);
    // Every wireguard_ sample of a scrape (the process metrics vary from one scrape to the next).
    const [stored] = await p.query(`count({job="wg", __name__=~"wireguard_.+"})`);
    const plain = (await get(e.url + "/metrics")).body.toString();
    expect(stored!.value).toBe(plain.split("\n").filter((l) => l.startsWith("wireguard_")).length);
  });
});
