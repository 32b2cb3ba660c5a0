// The bundle as users run it: standalone, flags, SIGTERM, TLS and basic auth via --web.config.file.
import { execFileSync, spawnSync } from "node:child_process";
import { chmodSync, copyFileSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import https from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import bcrypt from "bcryptjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureBundle, metricValue, startExporter } from "../harness/exporter";
import { selfSignedCert } from "../helpers/self-signed-cert";

let dir: string;
let fakeWg: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "wgm-exp-web-"));
  // Replays captured `wg show all dump` text: these tests are about HTTP, not WireGuard.
  fakeWg = join(dir, "wg-replay");
  writeFileSync(fakeWg, `#!/bin/sh\ncat ${join(__dirname, "fixtures/wg-show-all-dump.txt")}\n`);
  chmodSync(fakeWg, 0o755);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("bundle", () => {
  it("runs alone, copied to an empty directory", () => {
    const empty = mkdtempSync(join(tmpdir(), "wgm-exp-bundle-"));
    try {
      copyFileSync(ensureBundle(), join(empty, "wireguard-exporter.cjs"));
      const out = execFileSync(process.execPath, ["wireguard-exporter.cjs", "--version"], {
        cwd: empty,
        env: { PATH: "/usr/bin:/bin" },
      }).toString();
      expect(out).toMatch(/^wireguard-exporter \d+\.\d+\.\d+ \(revision \w+, node v\d+/);
      const help = execFileSync(process.execPath, ["wireguard-exporter.cjs", "--help"], { cwd: empty }).toString();
      for (const f of [
        "--web.listen-address",
        "--web.telemetry-path",
        "--web.config.file",
        "--wireguard.interfaces",
        "--wireguard.peers-file",
        "--wireguard.connected-threshold",
        "--wireguard.command",
        "--collector.timeout",
        "--wireguard.export-endpoints",
        "--web.disable-compression",
      ]) {
        expect(help).toContain(f);
      }
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });

  it("rejects a bad flag with a message naming it and a non-zero exit", () => {
    const r = spawnSync(process.execPath, [ensureBundle(), "--wireguard.connected-threshold=often"]);
    expect(r.status).toBe(2);
    expect(r.stderr.toString()).toContain("--wireguard.connected-threshold: invalid duration");
  });

  it("exits 0 on SIGTERM", async () => {
    const e = await startExporter({ args: [`--wireguard.command=${fakeWg}`] });
    expect((await fetch(e.url + "/metrics")).status).toBe(200);
    expect(await e.stop()).toBe(0);
    expect(e.logs().some((l) => l.msg === "shutting down" && l.signal === "SIGTERM")).toBe(true);
  });

  it("serves the landing page, a custom telemetry path and 404 elsewhere", async () => {
    const e = await startExporter({ args: [`--wireguard.command=${fakeWg}`, "--web.telemetry-path=/wg-metrics"] });
    try {
      const landing = await (await fetch(e.url + "/")).text();
      expect(landing).toContain('href="/wg-metrics"');
      expect(landing).toContain('href="/health"');
      const m = await fetch(e.url + "/wg-metrics");
      expect(m.headers.get("content-type")).toBe("text/plain; version=0.0.4; charset=utf-8");
      const text = await m.text();
      expect(metricValue(text, "wireguard_peers", { interface: "wg0" })).toBe(4);
      expect(text).toContain("process_resident_memory_bytes");
      expect((await fetch(e.url + "/metrics")).status).toBe(404);
    } finally {
      await e.stop();
    }
  });
});

describe("--web.config.file", () => {
  it("serves TLS and requires bcrypt basic auth", async () => {
    selfSignedCert(dir);
    const hash = bcrypt.hashSync("s3cret", 10);
    const cfg = join(dir, "web.yml");
    writeFileSync(
      cfg,
      `tls_server_config:\n  cert_file: cert.pem\n  key_file: key.pem\nbasic_auth_users:\n  prometheus: ${hash}\n`,
    );
    const e = await startExporter({ args: [`--wireguard.command=${fakeWg}`, `--web.config.file=${cfg}`] });
    try {
      expect(e.url).toMatch(/^https:/);
      const req = (auth?: string) =>
        new Promise<number>((resolve, reject) => {
          https
            .get(
              e.url + "/metrics",
              {
                rejectUnauthorized: false,
                headers: auth ? { authorization: "Basic " + Buffer.from(auth).toString("base64") } : {},
              },
              (res) => {
                res.resume();
                res.on("end", () => resolve(res.statusCode!));
              },
            )
            .on("error", reject);
        });
      expect(await req()).toBe(401);
      expect(await req("prometheus:wrong")).toBe(401);
      expect(await req("nobody:s3cret")).toBe(401);
      expect(await req("prometheus:s3cret")).toBe(200);
      expect(await req("prometheus:s3cret")).toBe(200); // cached
      expect(JSON.stringify(e.logs())).not.toContain("s3cret");
    } finally {
      await e.stop();
    }
  });

  it("refuses to start on an invalid web config, naming the field", () => {
    const cfg = join(dir, "bad-web.yml");
    writeFileSync(cfg, "basic_auth_users:\n  prometheus: plaintext\n");
    const r = spawnSync(process.execPath, [
      ensureBundle(),
      `--web.config.file=${cfg}`,
      "--web.listen-address=127.0.0.1:0",
    ]);
    expect(r.status).toBe(2);
    expect(r.stderr.toString()).toContain("basic_auth_users.prometheus: not a bcrypt hash");
  });
});
