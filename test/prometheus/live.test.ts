// The rendered Prometheus config and rules against the real thing: Prometheus (Debian package)
// scrapes the real exporter (TLS + basic auth, as the scrape config says) serving a real
// wireguard-go tunnel; alerts are read back through Prometheus's HTTP API.
//
// WireGuard only re-handshakes every 2 minutes, so the test stack uses a 30 s stale threshold
// and short `for:` durations (same builders, overridden settings) to stay short. The peer's
// handshake at tunnel start is the last one until it is restarted: stopping it lets the
// handshake age past the threshold, restarting it (with traffic) makes a new one.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import bcrypt from "bcryptjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { validateStackConfig, type Inventory } from "../../src/model/index";
import { prometheusArtifacts } from "../../src/build/prometheus/artifacts";
import { renderRules, ruleSettingsFor, DEFAULT_FOR } from "../../src/build/prometheus/rules";
import { startExporter, type RunningExporter } from "../harness/exporter";
import { startPrometheus, type ActiveAlert, type RunningPrometheus } from "../harness/prometheus";
import { startTunnel, waitForHandshake, type Tunnel } from "../harness/tunnel";
import { selfSignedCert } from "../helpers/self-signed-cert";

const STALE_SECONDS = 30;
const FOR = { ...DEFAULT_FOR, WireGuardPeerDown: "10s", WireGuardExpectedPeerDown: "5s", WireGuardExporterDown: "5s" };
const PASSWORD = "live-test-password";
const FRIENDLY = "branch-office";

let dir: string;
let tunnel: Tunnel;
let exporter: RunningExporter;
let prom: RunningPrometheus;
let inventory: Inventory;
let firstHandshake: number;

const alertsNamed = async (name: string): Promise<ActiveAlert[]> =>
  (await prom.alerts()).filter((a) => a.labels.alertname === name);
const inState = (name: string, state: "pending" | "firing") => async () =>
  (await alertsNamed(name)).find((a) => a.state === state);

function testInventory(exporterPort: number, prometheusPort: number): Inventory {
  const result = validateStackConfig(
    {
      environment: "live-test",
      allowUnpinnedHostKeys: true,
      hosts: [{ name: "tunnel-host", address: "127.0.0.1", interfaces: [tunnel.serverIf], labels: { site: "lab" } }],
      peers: [
        {
          publicKey: tunnel.peerPublicKey,
          friendlyName: FRIENDLY,
          owner: "ops",
          interface: tunnel.serverIf,
          expected: true,
        },
      ],
      prometheus: {
        url: `http://127.0.0.1:${prometheusPort}`,
        rulesDir: join(dir, "rules"),
        targetsDir: join(dir, "targets"),
        secretsDir: join(dir, "secrets"),
        scrapeInterval: "1s",
        scrapeTimeout: "1s",
        evaluationInterval: "1s",
      },
      thresholds: { staleHandshake: `${STALE_SECONDS}s`, connected: "10s" },
      exporter: {
        port: exporterPort,
        tls: { enabled: true, caFile: join(dir, "tls/cert.pem") },
        basicAuth: { enabled: true, username: "prometheus" },
      },
    },
    "live-test",
  );
  if (!result.ok) throw new Error(`test stack does not validate: ${JSON.stringify(result.errors)}`);
  return result.inventory;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "wgm-alerts-live-"));
  tunnel = await startTunnel({ id: "alerts" });
  firstHandshake = await waitForHandshake(tunnel);

  // The exporter as the host component would run it: peers file, TLS, bcrypt basic auth.
  mkdirSync(join(dir, "tls"));
  selfSignedCert(join(dir, "tls"));
  writeFileSync(
    join(dir, "web.yml"),
    `tls_server_config:\n  cert_file: ${dir}/tls/cert.pem\n  key_file: ${dir}/tls/key.pem\n` +
      `basic_auth_users:\n  prometheus: ${bcrypt.hashSync(PASSWORD, 10)}\n`,
  );
  writeFileSync(
    join(dir, "peers.yml"),
    `peers:\n  - public_key: ${tunnel.peerPublicKey}\n` +
      `    friendly_name: ${FRIENDLY}\n    owner: ops\n    expected: true\n`,
  );
  exporter = await startExporter({
    peersFile: join(dir, "peers.yml"),
    args: [
      `--wireguard.interfaces=${tunnel.serverIf}`,
      "--wireguard.connected-threshold=10s",
      `--web.config.file=${join(dir, "web.yml")}`,
    ],
  });

  // Prometheus with the rendered prometheus.yml, targets file and rules (short `for:` only).
  prom = await startPrometheus({
    configYaml: (_promDir, port) => {
      inventory = testInventory(exporter.port, port);
      for (const a of prometheusArtifacts(inventory)) {
        if (a.path === "prometheus/targets/wireguard.json") {
          mkdirSync(join(dir, "targets"), { recursive: true });
          writeFileSync(join(dir, "targets/wireguard.json"), a.content);
        }
      }
      mkdirSync(join(dir, "rules"), { recursive: true });
      writeFileSync(join(dir, "rules/wireguard.rules.yml"), renderRules(ruleSettingsFor(inventory, { for: FOR })));
      mkdirSync(join(dir, "secrets"), { recursive: true });
      writeFileSync(join(dir, "secrets/wireguard-exporter-password"), PASSWORD);
      return prometheusArtifacts(inventory).find((a) => a.path === "prometheus/prometheus.yml")!.content;
    },
  });
});

afterAll(async () => {
  await prom?.stop();
  await exporter?.stop();
  await tunnel?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("rendered Prometheus config and rules on a live tunnel", () => {
  it("scrapes the exporter over TLS with basic auth; the target carries the host labels", async () => {
    const target = await prom.waitFor(
      async () => (await prom.targets()).find((t) => t.scrapePool === "wireguard" && t.health === "up"),
      {
        what: "the wireguard target to be up",
        timeoutMs: 30_000,
      },
    );
    expect(target.scrapeUrl).toBe(`https://127.0.0.1:${exporter.port}/metrics`);
    expect(target.labels).toEqual({
      instance: "tunnel-host",
      job: "wireguard",
      host: "tunnel-host",
      env: "live-test",
      site: "lab",
    });
  });

  it("has the peer's series with its friendly name from the peers file", async () => {
    const [hs] = await prom.waitFor(
      async () => {
        const r = await prom.query(
          `wireguard_latest_handshake_seconds{job="wireguard", public_key="${tunnel.peerPublicKey}"}`,
        );
        return r.length > 0 ? r : undefined;
      },
      { what: "the peer's handshake series" },
    );
    expect(hs.metric).toMatchObject({
      friendly_name: FRIENDLY,
      interface: tunnel.serverIf,
      host: "tunnel-host",
      env: "live-test",
      site: "lab",
    });
    expect(hs.value).toBe(firstHandshake);
    const [expected] = await prom.query(`wireguard_peer_expected{public_key="${tunnel.peerPublicKey}"}`);
    expect(expected.value).toBe(1);
    // The rules loaded and evaluate without errors.
    const groups = (await prom.rules()) as { rules: { name: string; health: string; lastError?: string }[] }[];
    const unhealthy = groups.flatMap((g) => g.rules).filter((r) => r.health === "err");
    expect(unhealthy).toEqual([]);
    // Still within the stale threshold of the start handshake: no WireGuardPeerDown yet.
    const [now] = await prom.query("time()");
    expect(now.value - firstHandshake).toBeLessThan(STALE_SECONDS);
    expect(await alertsNamed("WireGuardPeerDown")).toEqual([]);
  });

  it("stopping the peer makes WireGuardPeerDown pending, then firing with the peer's name and host", async () => {
    await tunnel.stopPeer();
    const pending = await prom.waitFor(inState("WireGuardPeerDown", "pending"), {
      what: "WireGuardPeerDown pending",
      timeoutMs: 60_000,
      intervalMs: 200,
    });
    expect(pending.labels).toMatchObject({
      severity: "warning",
      friendly_name: FRIENDLY,
      host: "tunnel-host",
      public_key: tunnel.peerPublicKey,
    });
    const firing = await prom.waitFor(inState("WireGuardPeerDown", "firing"), {
      what: "WireGuardPeerDown firing",
      timeoutMs: 60_000,
    });
    expect(firing.annotations.summary).toBe("WireGuard peer has no recent handshake");
    expect(firing.annotations.description).toMatch(
      new RegExp(
        `^Peer ${FRIENDLY} on interface ${tunnel.serverIf} on host tunnel-host ` +
          `last completed a handshake [\\d.]+s ago \\(threshold 30s\\)\\.$`,
      ),
    );
    expect(firing.annotations.runbook_url).toBe("alerts/README.md#wireguardpeerdown");
    // The peer is expected, so the critical alert fires too (its connected threshold is 10 s).
    const expectedDown = await prom.waitFor(inState("WireGuardExpectedPeerDown", "firing"), {
      what: "WireGuardExpectedPeerDown firing",
    });
    expect(expectedDown.labels).toMatchObject({ severity: "critical", friendly_name: FRIENDLY });
  });

  it("restarting the peer (a new handshake) resolves both alerts", async () => {
    await tunnel.startPeer();
    const hs = await waitForHandshake(tunnel, { after: firstHandshake, ms: 30_000 });
    expect(hs).toBeGreaterThan(firstHandshake);
    await prom.waitFor(
      async () =>
        (await alertsNamed("WireGuardPeerDown")).length === 0 &&
        (await alertsNamed("WireGuardExpectedPeerDown")).length === 0,
      {
        what: "WireGuardPeerDown and WireGuardExpectedPeerDown to resolve",
        timeoutMs: 30_000,
      },
    );
  });

  it("killing the exporter fires WireGuardExporterDown for the host", async () => {
    expect(await alertsNamed("WireGuardExporterDown")).toEqual([]);
    exporter.kill();
    await exporter.exited;
    const firing = await prom.waitFor(inState("WireGuardExporterDown", "firing"), {
      what: "WireGuardExporterDown firing",
      timeoutMs: 60_000,
    });
    expect(firing.labels).toEqual({
      alertname: "WireGuardExporterDown",
      severity: "critical",
      job: "wireguard",
      instance: "tunnel-host",
      host: "tunnel-host",
      env: "live-test",
      site: "lab",
    });
    expect(firing.annotations.description).toBe(
      "Prometheus cannot scrape the WireGuard exporter tunnel-host " +
        "on host tunnel-host. Nothing about its peers is known.",
    );
  });

  it("emptying the targets file drops the target without a reload; ExporterDown fires for that host", async () => {
    writeFileSync(join(dir, "targets/wireguard.json"), "[]\n");
    await prom.waitFor(async () => !(await prom.targets()).some((t) => t.scrapePool === "wireguard"), {
      what: "file_sd to drop the target",
      timeoutMs: 30_000,
    });
    const absent = await prom.waitFor(
      async () =>
        (await alertsNamed("WireGuardExporterDown")).find(
          (a) => a.state === "firing" && a.labels.instance === undefined && a.labels.host === "tunnel-host",
        ),
      { what: "WireGuardExporterDown for the host absent from up", timeoutMs: 60_000 },
    );
    expect(absent.labels).toEqual({
      alertname: "WireGuardExporterDown",
      severity: "critical",
      job: "wireguard",
      host: "tunnel-host",
    });
    expect(absent.annotations.description).toBe(
      "No target of job wireguard for host tunnel-host is in up: the targets " +
        "file or scrape config lost it. Nothing about its peers is known.",
    );
  });
});
