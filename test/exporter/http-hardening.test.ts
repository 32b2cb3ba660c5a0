// The bundle's HTTP side under hostile or careless use: a scraper that stops reading, a flood
// of wrong passwords, and a web config whose every TLS field is honoured as exporter-toolkit
// honours it or refused at start.
import { execFileSync, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import http from "node:http";
import https from "node:https";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import bcrypt from "bcryptjs";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { parseWebConfig } from "../../exporter/src/web-config";
import { ensureBundle, startExporter, type RunningExporter } from "../harness/exporter";

let dir: string;
const started: RunningExporter[] = [];

function file(name: string, text: string, mode = 0o644): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  chmodSync(p, mode);
  return p;
}

/** A `wg` that prints a dump of n peers (every 10th with an endpoint), as wg show all dump does. */
function fakeWg(n: number): string {
  const key = () => randomBytes(32).toString("base64");
  const lines = [`wg0\t${key()}\t${key()}\t51820\toff`];
  for (let i = 0; i < n; i++) {
    const ip = `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}/32`;
    const endpoint = i % 10 === 0 ? `203.0.113.${i % 250}:${1024 + (i % 60000)}` : "(none)";
    lines.push(`wg0\t${key()}\t(none)\t${endpoint}\t${ip}\t${1795838450 + i}\t${i * 1000}\t${i * 3000}\toff`);
  }
  const dump = file(`dump-${n}.txt`, lines.join("\n") + "\n");
  return file(`wg-${n}`, `#!/bin/sh\ncat ${dump}\n`, 0o755);
}

async function run(args: string[]): Promise<RunningExporter> {
  const e = await startExporter({ args });
  started.push(e);
  return e;
}

/** GET with Node's client; resolves with the status and the time until the body's end. */
function timedGet(
  url: string,
  headers: Record<string, string> = {},
  timeoutMs = 10_000,
): Promise<{ status: number; ms: number; bytes: number }> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const req = http.get(url, { agent: false, headers }, (res) => {
      let bytes = 0;
      res.on("data", (b: Buffer) => (bytes += b.length));
      res.on("end", () => resolve({ status: res.statusCode!, ms: performance.now() - t0, bytes }));
      res.on("error", reject);
    });
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`no complete response within ${timeoutMs} ms`)));
    req.on("error", reject);
  });
}

function status(pid: number, field: "VmRSS" | "VmHWM"): number {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return Number(m![1]) * 1024;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "wgm-exp-http-"));
});
afterEach(async () => {
  for (const e of started.splice(0)) await e.stop();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("/metrics with a scraper that stops reading", () => {
  it("drops it and logs it; 10 scrapes beside it at 20k peers complete while it is held; memory returns", async () => {
    const e = await run([`--wireguard.command=${fakeWg(20_000)}`, "--log.level=debug"]);
    const url = e.url + "/metrics";
    for (let i = 0; i < 5; i++) expect((await timedGet(url)).status).toBe(200); // warm-up
    const peak = status(e.pid, "VmHWM");

    // Sent together, so the two share one collection and one rendering.
    const stalled = net.connect(e.port, "127.0.0.1");
    stalled.pause();
    stalled.write("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n");
    const disturbed = [await timedGet(url)];
    // Served while the stalled scraper still holds its share of that rendering (it is dropped only
    // at the 10 s write deadline: 12.6 MB is under the queue cap): the renderer did not wait for it.
    expect(e.logs().filter((l) => l.msg === "slow scraper dropped")).toEqual([]);
    for (let i = 1; i < 10; i++) disturbed.push(await timedGet(url));
    expect(e.logs().some((l) => l.msg === "metrics served" && l.receivers === 2)).toBe(true);
    for (const d of disturbed) expect(d.bytes).toBeGreaterThan(12_000_000); // four series per peer: ~12.6 MB
    // Their times are not asserted: on a shared 2-core machine they vary more than any fair bound.

    // Dropped at the write deadline (10 s without taking a byte), or before at the queue cap.
    const dropped = await e.waitForLog((l) => l.msg === "slow scraper dropped", 20_000);
    expect(dropped).toMatchObject({ level: "warn", remote_address: "127.0.0.1", reason: expect.any(String) });
    stalled.destroy();
    await timedGet(url);
    // The dropped scraper held a whole body (~12.6 MB); once it is let go, RSS is back near the undisturbed
    // peak. Near, not at: on a loaded machine the allocator may keep a few MB for a while.
    const back = peak + 8 * 1024 * 1024;
    let rss = status(e.pid, "VmRSS");
    for (let i = 0; i < 40 && rss > back; i++) {
      await sleep(250);
      rss = status(e.pid, "VmRSS");
    }
    expect(rss, `RSS ${rss} after the drop, undisturbed peak ${peak}`).toBeLessThanOrEqual(back);
    const noise = e.logs().filter((l) => l.unparsed || /MaxListeners/.test(JSON.stringify(l)));
    expect(noise).toEqual([]);
  });
});

describe("basic auth under a flood of wrong passwords", () => {
  const user = "prometheus";
  const auth = (u: string, p: string) => ({ authorization: "Basic " + Buffer.from(`${u}:${p}`).toString("base64") });

  async function authExporter(): Promise<RunningExporter> {
    const cfg = file("auth-web.yml", `basic_auth_users:\n  ${user}: ${hash}\n`);
    const e = await run([`--wireguard.command=${fakeWg(10)}`, `--web.config.file=${cfg}`]);
    expect((await timedGet(e.url + "/metrics", auth(user, "right"))).status).toBe(200); // now cached
    return e;
  }
  let hash: string;
  beforeAll(() => {
    hash = bcrypt.hashSync("right", 12);
  });

  it("answers a flood of wrong passwords 429 at once, and a cached scrape promptly", async () => {
    const e = await authExporter();
    const url = e.url + "/metrics";
    const flood = Array.from({ length: 150 }, () => timedGet(url, auth(user, "wrong"), 60_000));
    await sleep(50);
    const good = await timedGet(url, auth(user, "right"), 5_000);
    expect(good.status).toBe(200);
    expect(good.ms).toBeLessThan(1000);
    const answers = await Promise.all(flood);
    const busy = answers.filter((a) => a.status === 429);
    expect(answers.every((a) => a.status === 401 || a.status === 429)).toBe(true);
    expect(busy.length).toBeGreaterThan(140);
    expect(median(busy.map((b) => b.ms))).toBeLessThan(1000);
  });

  it("makes an unknown user wait as long as a wrong password (cost-12 hash)", async () => {
    const e = await authExporter();
    const url = e.url + "/metrics";
    const wrong: number[] = [];
    const unknown: number[] = [];
    for (let i = 0; i < 3; i++) {
      const w = await timedGet(url, auth(user, "wrong"));
      const u = await timedGet(url, auth("nobody", "wrong"));
      expect([w.status, u.status]).toEqual([401, 401]);
      wrong.push(w.ms);
      unknown.push(u.ms);
    }
    const ratio = median(unknown) / median(wrong);
    expect(ratio, `unknown ${unknown.map(Math.round)} ms, wrong password ${wrong.map(Math.round)} ms`).toBeGreaterThan(
      0.6,
    );
    expect(ratio).toBeLessThan(1.6);
  });
});

describe("tls_server_config as exporter-toolkit honours it", () => {
  const pem = (name: string) => readFileSync(join(dir, name));
  beforeAll(() => {
    const ssl = (...args: string[]) => execFileSync("openssl", args, { cwd: dir, stdio: "ignore" });
    ssl(
      "req",
      "-x509",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-days",
      "1",
      "-subj",
      "/CN=test CA",
      "-keyout",
      "ca.key",
      "-out",
      "ca.crt",
    );
    writeFileSync(join(dir, "san.ext"), "subjectAltName=IP:127.0.0.1\n");
    ssl(
      "req",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-subj",
      "/CN=127.0.0.1",
      "-keyout",
      "server.key",
      "-out",
      "server.csr",
    );
    ssl(
      "x509",
      "-req",
      "-in",
      "server.csr",
      "-CA",
      "ca.crt",
      "-CAkey",
      "ca.key",
      "-CAcreateserial",
      "-days",
      "1",
      "-extfile",
      "san.ext",
      "-out",
      "server.crt",
    );
    ssl(
      "req",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-subj",
      "/CN=prometheus",
      "-keyout",
      "client.key",
      "-out",
      "client.csr",
    );
    ssl(
      "x509",
      "-req",
      "-in",
      "client.csr",
      "-CA",
      "ca.crt",
      "-CAkey",
      "ca.key",
      "-CAcreateserial",
      "-days",
      "1",
      "-out",
      "client.crt",
    );
    ssl(
      "req",
      "-x509",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-days",
      "1",
      "-subj",
      "/CN=stranger",
      "-keyout",
      "stranger.key",
      "-out",
      "stranger.crt",
    );
  });

  async function tlsExporter(name: string, tlsLines: string): Promise<RunningExporter> {
    const cfg = file(name, `tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n${tlsLines}`);
    return run([`--wireguard.command=${fakeWg(3)}`, `--web.config.file=${cfg}`]);
  }

  type Outcome = { status: number; cipher: string; group: string | undefined } | { error: string };
  function get(e: RunningExporter, opts: https.RequestOptions = {}): Promise<Outcome> {
    return new Promise((resolve) => {
      const req = https.get(e.url + "/metrics", { ca: pem("ca.crt"), agent: false, ...opts }, (res) => {
        const sock = res.socket as import("node:tls").TLSSocket;
        const info = {
          status: res.statusCode!,
          cipher: sock.getCipher().standardName,
          group: (sock.getEphemeralKeyInfo() as { name?: string } | null)?.name,
        };
        res.resume();
        res.on("end", () => resolve(info));
        res.on("error", (err) => resolve({ error: err.message }));
      });
      req.setTimeout(5000, () => req.destroy(new Error("timeout")));
      req.on("error", (err) => resolve({ error: err.message }));
    });
  }
  const client = { cert: () => pem("client.crt"), key: () => pem("client.key") };
  const stranger = () => ({ cert: pem("stranger.crt"), key: pem("stranger.key") });
  const trusted = () => ({ cert: client.cert(), key: client.key() });
  const tls12 = { maxVersion: "TLSv1.2" as const };

  it("RequireAnyClientCert: a certificate is required but not verified", async () => {
    const e = await tlsExporter("any.yml", "  client_auth_type: RequireAnyClientCert\n");
    for (const opts of [{}, tls12]) expect(await get(e, opts)).toHaveProperty("error");
    expect(await get(e, stranger())).toMatchObject({ status: 200 });
    expect(await get(e, { ...stranger(), ...tls12 })).toMatchObject({ status: 200 });
    expect(e.logs().some((l) => l.msg === "client certificate refused" && l.reason === "no client certificate")).toBe(
      true,
    );
  });

  it("VerifyClientCertIfGiven: none is fine, a trusted one is fine, an untrusted one is refused", async () => {
    const e = await tlsExporter(
      "ifgiven.yml",
      "  client_auth_type: VerifyClientCertIfGiven\n  client_ca_file: ca.crt\n",
    );
    expect(await get(e)).toMatchObject({ status: 200 });
    expect(await get(e, trusted())).toMatchObject({ status: 200 });
    expect(await get(e, stranger())).toHaveProperty("error");
  });

  it("RequireAndVerifyClientCert: only a certificate the CA signed", async () => {
    const e = await tlsExporter(
      "verify.yml",
      "  client_auth_type: RequireAndVerifyClientCert\n  client_ca_file: ca.crt\n",
    );
    expect(await get(e)).toHaveProperty("error");
    expect(await get(e, stranger())).toHaveProperty("error");
    expect(await get(e, trusted())).toMatchObject({ status: 200 });
  });

  it("cipher_suites limits TLS 1.2 to the suites named", async () => {
    const e = await tlsExporter(
      "ciphers.yml",
      "  max_version: TLS12\n  cipher_suites: [TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384]\n",
    );
    expect(await get(e, { ...tls12, ciphers: "ECDHE-RSA-AES128-GCM-SHA256" })).toHaveProperty("error");
    expect(await get(e, { ...tls12, ciphers: "ECDHE-RSA-AES256-GCM-SHA384" })).toMatchObject({
      status: 200,
      cipher: "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
    });
    expect(await get(e, { minVersion: "TLSv1.3" })).toHaveProperty("error"); // max_version TLS12
  });

  it("curve_preferences limits the key exchange groups", async () => {
    const e = await tlsExporter("curves.yml", "  curve_preferences: [CurveP384]\n");
    expect(await get(e, { ecdhCurve: "X25519" })).toHaveProperty("error");
    expect(await get(e, { ecdhCurve: "X25519:P-384" })).toMatchObject({ status: 200, group: "secp384r1" });
  });

  it("min_version above max_version is refused at start", () => {
    const cfg = file(
      "minmax.yml",
      "tls_server_config:\n  cert_file: server.crt\n" +
        "  key_file: server.key\n  min_version: TLS13\n  max_version: TLS12\n",
    );
    const r = spawnSync(
      process.execPath,
      [ensureBundle(), `--web.config.file=${cfg}`, "--web.listen-address=127.0.0.1:0"],
      { timeout: 10_000 },
    );
    expect(r.status).toBe(2);
    expect(r.stderr.toString()).toContain("tls_server_config: min_version TLS13 is above max_version TLS12");
  });

  it("a header value with CR/LF is refused at start", () => {
    const cfg = file(
      "crlf.yml",
      "http_server_config:\n  headers:\n    Content-Security-Policy: \"default-src 'none'\\r\\nSet-Cookie: x=1\"\n",
    );
    const r = spawnSync(
      process.execPath,
      [ensureBundle(), `--web.config.file=${cfg}`, "--web.listen-address=127.0.0.1:0"],
      { timeout: 10_000 },
    );
    expect(r.status).toBe(2);
    expect(r.stderr.toString()).toContain("http_server_config.headers.Content-Security-Policy");
  });
});

describe("web config refusals name the field and the reason", () => {
  const refused = (yaml: string) => parseWebConfig(yaml, "/etc/web.yml");
  const tls = (lines: string) =>
    refused(`tls_server_config:\n  cert_file: /nonexistent/c.pem\n  key_file: /nonexistent/k.pem\n${lines}`);

  it.each([
    ["  min_version: TLS13\n  max_version: TLS11\n", "tls_server_config: min_version TLS13 is above max_version TLS11"],
    ["  min_version: TLS1.2\n", 'tls_server_config.min_version: unknown TLS version "TLS1.2"'],
    [
      "  cipher_suites: [TLS_RSA_WITH_RC4_128_SHA]\n",
      'tls_server_config.cipher_suites[0]: unknown cipher "TLS_RSA_WITH_RC4_128_SHA"',
    ],
    ["  max_version: TLS12\n  cipher_suites: [TLS_AES_128_GCM_SHA256]\n", "lists only TLS 1.3 suites"],
    ["  curve_preferences: [X448]\n", 'tls_server_config.curve_preferences[0]: unknown curve "X448"'],
    ["  client_ca_file: ca.crt\n", "client CA's have been configured without a Client Auth Policy"],
    ["  client_auth_type: RequireAnything\n", 'tls_server_config.client_auth_type: invalid "RequireAnything"'],
    [
      "  client_auth_type: RequireAndVerifyClientCert\n",
      "tls_server_config.client_ca_file is required for RequireAndVerifyClientCert",
    ],
    [
      "  client_auth_type: RequireAnyClientCert\n  client_allowed_sans: [prometheus]\n",
      "client_allowed_sans: not supported",
    ],
    ["  prefer_server_cipher_suites: maybe\n", "prefer_server_cipher_suites: expected true or false"],
  ])("tls_server_config %j", (lines, message) => {
    expect(tls(lines)).toContain(message);
  });

  it.each([
    ['    X-Frame-Options: "deny\\r\\nX-Evil: 1"\n', "X-Frame-Options: expected one of deny, sameorigin"],
    [
      '    Strict-Transport-Security: "max-age=1\\nX-Evil: 1"\n',
      'Strict-Transport-Security: "max-age=1\\nX-Evil: 1" is not a valid header value',
    ],
    ['    Content-Security-Policy: "a\\u0000b"\n', 'Content-Security-Policy: "a\\u0000b" is not a valid header value'],
    ["    Set-Cookie: x=1\n", "Set-Cookie: this header can not be configured"],
  ])("http_server_config.headers %j", (lines, message) => {
    expect(refused(`http_server_config:\n  headers:\n${lines}`)).toContain(message);
  });

  it("accepts the headers exporter-toolkit allows", () => {
    const ok = refused(
      "http_server_config:\n  headers:\n    X-Frame-Options: deny\n    Strict-Transport-Security: max-age=31536000\n",
    );
    expect(typeof ok === "string" ? ok : ok.headers).toEqual({
      "X-Frame-Options": "deny",
      "Strict-Transport-Security": "max-age=31536000",
    });
  });
});
