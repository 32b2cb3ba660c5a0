// Every panel's queries, run against a real Prometheus scraping the real exporter on a real
// wireguard-go tunnel, with the dashboard variables resolved through their own queries.
// A query that returns no series fails the test, naming the dashboard and the panel.
//
// The tunnel is set up so that the "quiet on a healthy fleet" panels have something to show: a second, expected peer
// ("dash-ghost") is configured on the server but never connects, and a test-only rule fires for it, so "Expected
// peers not connected" and "Firing WireGuard alerts" count something real; a third peer is not in the peers file at
// all (no friendly name); the exporter runs with --wireguard.export-endpoints for "Endpoints". No panel is exempted.
import { generateKeyPairSync } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  committedDashboards,
  dashboardQueries,
  regexValue,
  type DashboardQueries,
  type Json,
} from "../harness/dashboard-queries";
import { startExporter, type RunningExporter } from "../harness/exporter";
import { requirePrometheus, startPrometheus, type RunningPrometheus } from "../harness/prometheus";
import { requireTunnelPrerequisites, startTunnel, waitForHandshake, type Tunnel } from "../harness/tunnel";
import { expectedNotConnected } from "../../src/build/promql/expressions";
import { dataPanels } from "./lint-rules";

const JOB = "wireguard";
const dashboards = committedDashboards();

let tunnel: Tunnel | undefined;
let exporter: RunningExporter | undefined;
let prom: RunningPrometheus | undefined;
let grafana: DashboardQueries;
let dir: string | undefined;
let ghostKey = "";
let unnamedKey = "";

function x25519PublicKey(): string {
  const { publicKey } = generateKeyPairSync("x25519");
  return Buffer.from(publicKey.export({ format: "jwk" }).x!, "base64url").toString("base64");
}

beforeAll(async () => {
  requireTunnelPrerequisites();
  requirePrometheus();
  tunnel = await startTunnel({ id: "dash", persistentKeepalive: 1 });
  await waitForHandshake(tunnel);
  // A second peer on the server that never connects, marked expected: the condition the
  // "expected peers not connected" and "firing alerts" panels exist for.
  ghostKey = x25519PublicKey();
  const ghostIp = tunnel.peerTunnelIp.replace(/\d+$/, (n) => String(Number(n) + 1));
  await tunnel.wg(["set", tunnel.serverIf, "peer", ghostKey, "allowed-ips", `${ghostIp}/32`]);
  unnamedKey = x25519PublicKey();
  const unnamedIp = tunnel.peerTunnelIp.replace(/\d+$/, (n) => String(Number(n) - 2));
  await tunnel.wg(["set", tunnel.serverIf, "peer", unnamedKey, "allowed-ips", `${unnamedIp}/32`]);
  dir = mkdtempSync(join(tmpdir(), "wgm-dash-live-"));
  const peersFile = join(dir, "peers.yml");
  writeFileSync(
    peersFile,
    `peers:\n  - public_key: ${tunnel.peerPublicKey}\n` +
      `    friendly_name: dash-laptop\n    owner: dash\n    expected: true\n` +
      `  - public_key: ${ghostKey}\n    friendly_name: dash-ghost\n    owner: dash\n    expected: true\n`,
  );
  exporter = await startExporter({
    peersFile,
    args: [`--wireguard.interfaces=${tunnel.serverIf}`, "--wireguard.export-endpoints"],
  });
  const target = exporter.url.replace(/^https?:\/\//, "");
  prom = await startPrometheus({
    configYaml: `scrape_configs:\n  - job_name: ${JOB}\n    static_configs: [{ targets: ["${target}"] }]\n`,
    rulesFiles: {
      // Test-only: fires at once (the real WireGuardExpectedPeerDown waits its `for:`), on the shared expression.
      "live-probe.yml":
        `groups:\n  - name: dashboard-live-probe\n    rules:\n      - alert: WireGuardLiveProbeExpectedPeerDown\n` +
        `        expr: '${expectedNotConnected(`job="${JOB}"`)}'\n        labels: { severity: info }\n`,
    },
  });
  grafana = dashboardQueries(prom.url);
  await tunnel.sendTraffic(100_000);
  await prom.waitFor(
    async () => (await prom!.query(`wireguard_peer_connected{public_key="${tunnel!.peerPublicKey}"} == 1`)).length > 0,
    { what: "the tunnel peer connected in Prometheus" },
  );
  await prom.waitFor(
    async () =>
      (await prom!.query(`ALERTS{alertstate="firing", alertname="WireGuardLiveProbeExpectedPeerDown"}`)).length > 0,
    { what: "the probe alert firing" },
  );
  // enough samples for rate() over the rate interval, with traffic inside it
  await new Promise((r) => setTimeout(r, 6_000));
  await tunnel.sendTraffic(100_000);
  await new Promise((r) => setTimeout(r, 3_000));
});

afterAll(async () => {
  await prom?.stop();
  await exporter?.stop();
  await tunnel?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("every panel query returns data on a live tunnel", () => {
  it.each(Object.keys(dashboards))("%s", async (uid) => {
    const d = dashboards[uid];
    const vars = await grafana.resolveVariables(d, (name, options) => {
      // The peer dashboard is looked at for the peer that is really there.
      const real = options.find((o) => o.value === tunnel!.peerPublicKey);
      if (name === "peer" && !real)
        throw new Error(`peer variable does not offer the tunnel peer: ${JSON.stringify(options)}`);
      return real?.value ?? options[0].value;
    });
    const empty = await grafana.emptyTargets(d, vars);
    expect(empty).toEqual([]);
  });
});

describe("the panels show what happened on the tunnel", () => {
  const panel = (uid: string, title: string) => {
    const p = dataPanels(dashboards[uid]).find((x: Json) => x.title === title);
    if (!p) throw new Error(`dashboard '${uid}' has no panel '${title}'`);
    return p;
  };
  const all = { job: ".+", instance: ".+", interface: ".+", peer: ".+" };
  const values = async (uid: string, title: string, vars: Record<string, string> = all) =>
    grafana.runTarget(panel(uid, title).targets[0], vars);

  it("overview: one active peer, one expected peer missing, one firing alert", async () => {
    expect((await values("wireguard-overview", "Active peers")).map((s) => s.value)).toEqual([1]);
    expect((await values("wireguard-overview", "Expected peers not connected")).map((s) => s.value)).toEqual([1]);
    expect((await values("wireguard-overview", "Firing WireGuard alerts"))[0].value).toBeGreaterThanOrEqual(1);
    expect((await values("wireguard-overview", "Peers per interface")).map((s) => s.value)).toEqual([3]);
    const list = await values("wireguard-overview", "Firing WireGuard alerts (list)");
    expect(list.map((s) => [s.metric.alertname, s.metric.friendly_name])).toContainEqual([
      "WireGuardLiveProbeExpectedPeerDown",
      "dash-ghost",
    ]);
  });

  it("overview: the handshake table names every peer; peers that never connected read as never", async () => {
    const rows = await values("wireguard-overview", "Handshake age by peer");
    const byName = Object.fromEntries(rows.map((r) => [r.metric.friendly_name, r.value]));
    expect(Object.keys(byName).sort()).toEqual(["(unnamed)", "dash-ghost", "dash-laptop"]);
    expect(byName["(unnamed)"]).toBeGreaterThan(1e9);
    expect(byName["dash-laptop"]).toBeLessThan(180);
    expect(byName["dash-ghost"]).toBeGreaterThan(1e9); // mapped to "never"
  });

  it("overview: traffic from the tunnel peer shows up by friendly name", async () => {
    const rx = await values("wireguard-overview", "Receive rate per peer");
    expect(rx.find((s) => s.metric.friendly_name === "dash-laptop")?.metric.public_key).toBe(tunnel!.peerPublicKey);
    const share = await values("wireguard-overview", "Traffic share by peer");
    expect(share.find((s) => s.metric.friendly_name === "dash-laptop")!.value).toBeGreaterThan(100_000);
  });

  it("peer dashboard: the peer variable lists peers by name; the endpoint panel shows where it connected", async () => {
    const d = dashboards["wireguard-peer"];
    const peerVar = d.templating.list.find((v: Json) => v.name === "peer");
    const options = await grafana.variableOptions(peerVar, { job: ".+", instance: ".+", interface: ".+" });
    expect(options.map((o) => o.text).sort()).toEqual(
      ["dash-ghost", "dash-laptop", `${unnamedKey.slice(0, 8)}…`].sort(),
    );
    expect(options.find((o) => o.value === unnamedKey)).toBeDefined();
    expect(options.find((o) => o.text === "dash-laptop")!.value).toBe(tunnel!.peerPublicKey);
    const vars = {
      job: regexValue([JOB]),
      instance: regexValue([exporter!.url.replace(/^https?:\/\//, "")]),
      interface: regexValue([tunnel!.serverIf]),
      peer: tunnel!.peerPublicKey,
    };
    const endpoints = await values("wireguard-peer", "Endpoints", vars);
    expect(endpoints.map((s) => s.metric.endpoint)).toEqual([
      expect.stringMatching(new RegExp(`^${tunnel!.peerUnderlayIp.replace(/\./g, "\\.")}:\\d+$`)),
    ]);
    expect((await values("wireguard-peer", "Connected", vars)).map((s) => s.value)).toEqual([1]);
  });
});
