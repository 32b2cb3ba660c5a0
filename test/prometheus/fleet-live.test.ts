// A fleet beyond one Prometheus, with real components only: two WireGuard hosts (a wireguard-go tunnel
// and our exporter each, on 127.0.0.2 and 127.0.0.3 with the same port, labelled site eu and us), and
// Prometheus servers started from the generated prometheus.yml, targets file and rule file.
//
// Per site: server `eu` scrapes the eu host, `us` the us host; both remote-write to two receivers
// (Prometheus with --web.enable-remote-write-receiver, the protocol Mimir, Thanos and VictoriaMetrics
// receive): `central` with wireGuardOnly, where every dashboard query must show every host with no
// duplicates, and `archive` with everything, which must hold exactly what the two servers hold.
// An HA pair: servers `lab-a`/`lab-b` (replica a/b) scrape both hosts and send to a real Alertmanager
// routed by the generated alertmanager.yml; an alert firing on both reaches it and the webhook once.
//
// Each host has a second peer marked expected that never connects, so the alert panels have a
// WireGuardExpectedPeerDown to show; the `for:` durations are shortened in the generated rule files
// (the only edit to a generated file) so alerts fire within seconds instead of minutes.
import { generateKeyPairSync } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { dump, load } from "js-yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { validateStackConfig, type Inventory } from "../../src/model/index";
import { stackArtifacts } from "../../src/build/stack-artifacts";
import {
  amtool,
  startAlertmanager,
  startWebhookReceiver,
  type RunningAlertmanager,
  type WebhookNotification,
  type WebhookReceiver,
} from "../harness/alertmanager";
import {
  committedDashboards,
  dashboardQueries,
  dashboardExpressions,
  regexValue,
  type Json,
} from "../harness/dashboard-queries";
import { startExporter, type RunningExporter } from "../harness/exporter";
import { freePort, promtool, requirePrometheus, startPrometheus, type RunningPrometheus } from "../harness/prometheus";
import { requireTunnelPrerequisites, startTunnel, waitForHandshake, type Tunnel } from "../harness/tunnel";
import { parsePromQL, selectors } from "../grafana/promql";
import { dataPanels } from "../grafana/lint-rules";

const ENV = "fleet-live";
const JOB = "wireguard";
/**
 * Shortened `for:` (defaults are minutes): the ghost peers' alerts
 * on the site servers, WireGuardExporterDown on the HA pair.
 */
const SITE_FOR: Record<string, string> = { WireGuardExpectedPeerDown: "1s", WireGuardPeerDown: "1s" };
const HA_FOR: Record<string, string> = { WireGuardExporterDown: "2s" };

interface Site {
  name: "eu" | "us";
  /** The WireGuard host's address: where its exporter listens and the targets file points. */
  address: string;
  host: string;
  tunnel: Tunnel;
  exporter: RunningExporter;
  ghostKey: string;
}

let dir: string;
let exporterPort: number;
const sites: Site[] = [];
const dashboards = committedDashboards();

function x25519PublicKey(): string {
  const { publicKey } = generateKeyPairSync("x25519");
  return Buffer.from(publicKey.export({ format: "jwk" }).x!, "base64url").toString("base64");
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A tunnel with a second, expected peer that never connects, and its exporter on `address`. */
async function startSite(name: Site["name"], address: string, port: number): Promise<Site> {
  const tunnel = await startTunnel({ id: `fleet-${name}`, persistentKeepalive: 1 });
  await waitForHandshake(tunnel);
  const ghostKey = x25519PublicKey();
  const ghostIp = tunnel.peerTunnelIp.replace(/\d+$/, (n) => String(Number(n) + 1));
  await tunnel.wg(["set", tunnel.serverIf, "peer", ghostKey, "allowed-ips", `${ghostIp}/32`]);
  const peersFile = join(dir, `peers-${name}.yml`);
  writeFileSync(
    peersFile,
    `peers:\n  - public_key: ${tunnel.peerPublicKey}\n` +
      `    friendly_name: ${name}-laptop\n    owner: ops\n    expected: true\n` +
      `  - public_key: ${ghostKey}\n    friendly_name: ${name}-ghost\n    owner: ops\n    expected: true\n`,
  );
  const exporter = await startExporter({
    peersFile,
    listen: `${address}:${port}`,
    args: [`--wireguard.interfaces=${tunnel.serverIf}`, "--wireguard.export-endpoints"],
  });
  return { name, address, host: `vpn-${name}`, tunnel, exporter, ghostKey };
}

const peer = (s: Site, publicKey: string, what: string) => ({
  publicKey,
  friendlyName: `${s.name}-${what}`,
  owner: "ops",
  host: s.host,
  interface: s.tunnel.serverIf,
  expected: true,
});

/** Hosts and peers of both stacks: the two sites' WireGuard hosts, labelled by site. */
function fleet(): Record<string, unknown> {
  return {
    environment: ENV,
    allowUnpinnedHostKeys: true,
    hosts: sites.map((s) => ({
      name: s.host,
      address: s.address,
      interfaces: [s.tunnel.serverIf],
      labels: { site: s.name },
    })),
    peers: sites.flatMap((s) => [
      // A per-peer limit renders a recording rule per peer: each server must record only its hosts' peers.
      { ...peer(s, s.tunnel.peerPublicKey, "laptop"), bandwidthLimitBytesPerSecond: 1e9 },
      peer(s, s.ghostKey, "ghost"),
    ]),
    exporter: { port: exporterPort },
    grafana: { enabled: false },
  };
}

/**
 * One listed server. `address` is where a deployment would SSH to (never contacted here; distinct,
 * since two servers on one machine are refused); `url` is the server's own, for its self-scrape job.
 */
function server(name: string, port: number | undefined, extra: Record<string, unknown>): Record<string, unknown> {
  const files = join(dir, name);
  return {
    name,
    address: `prometheus-${name}.test`,
    // Until the server is started its port is not known; the placeholder only ever lands in other servers' inventories.
    url: `http://127.0.0.1:${port ?? 9}`,
    rulesDir: join(files, "rules"),
    targetsDir: join(files, "targets"),
    secretsDir: join(files, "secrets"),
    scrapeInterval: "1s",
    scrapeTimeout: "1s",
    evaluationInterval: "1s",
    ...extra,
  };
}

function validated(config: Record<string, unknown>, stack: string): Inventory {
  const result = validateStackConfig(config, stack);
  if (!result.ok) throw new Error(`test stack ${stack} does not validate: ${JSON.stringify(result.errors)}`);
  return result.inventory;
}

/** The generated file at `path` (relative to out/<stack>/), or an error listing what was generated. */
function artifact(inventory: Inventory, path: string): string {
  const all = stackArtifacts(inventory);
  const found = all.find((a) => a.path === path);
  if (!found) throw new Error(`no artifact ${path}; generated: ${all.map((a) => a.path).join(", ")}`);
  return found.content;
}

/** The generated rule file with some alerts' `for:` shortened; everything else as generated. */
function withFor(rulesYaml: string, forByAlert: Record<string, string>): string {
  const doc = load(rulesYaml) as { groups: { rules: { alert?: string; for?: string }[] }[] };
  for (const rule of doc.groups.flatMap((g) => g.rules))
    if (rule.alert && forByAlert[rule.alert]) rule.for = forByAlert[rule.alert];
  return dump(doc, { lineWidth: -1 });
}

interface StartedServer {
  name: string;
  prom: RunningPrometheus;
  /** The generated files it was started from. */
  config: string;
  targets: string;
  rules: string;
}

/**
 * Starts server `name` of the stack `configFor(port)` from its generated prometheus.yml, targets
 * file and rule file, written where the stack config says (this test's temp dir). promtool checks
 * the generated prometheus.yml with the files it names in place.
 */
async function startServer(
  name: string,
  stack: string,
  configFor: (port: number) => Record<string, unknown>,
  forByAlert: Record<string, string>,
): Promise<StartedServer> {
  let files: Omit<StartedServer, "prom"> | undefined;
  const prom = await startPrometheus({
    configYaml: (_promDir, port) => {
      const inventory = validated(configFor(port), stack);
      const s = inventory.prometheusServers.find((x) => x.name === name)!;
      const out = `prometheus/${name}`;
      files = {
        name,
        config: artifact(inventory, `${out}/prometheus.yml`),
        targets: artifact(inventory, `${out}/targets/wireguard.json`),
        rules: artifact(inventory, `${out}/rules/wireguard.rules.yml`),
      };
      for (const d of [s.rulesDir, s.targetsDir, s.secretsDir]) mkdirSync(d, { recursive: true });
      writeFileSync(join(s.targetsDir, "wireguard.json"), files.targets);
      writeFileSync(join(s.rulesDir, "wireguard.rules.yml"), withFor(files.rules, forByAlert));
      writeFileSync(join(dir, name, "prometheus.yml"), files.config);
      const check = promtool(["check", "config", join(dir, name, "prometheus.yml")]);
      if (check.code !== 0) {
        throw new Error(
          `promtool check config refuses the generated ` +
            `prometheus/${name}/prometheus.yml:\n${check.stdout}${check.stderr}`,
        );
      }
      return files.config;
    },
  });
  return { ...files!, prom };
}

/**
 * The series a Prometheus holds with samples in the last `seconds`, as label maps. Recent ones only: at
 * start-up, before its first scrape, every site server's absent(up{job}) term of WireGuardExporterDown is
 * briefly pending with the same labels on each server (no host label), which is a moment, not the steady state.
 */
async function allSeries(p: RunningPrometheus, seconds = 10): Promise<Record<string, string>[]> {
  const q = new URLSearchParams({ "match[]": '{__name__=~".+"}', start: String(Date.now() / 1000 - seconds) });
  const body = (await (await fetch(`${p.url}/api/v1/series?${q}`)).json()) as {
    status: string;
    data: Record<string, string>[];
    error?: string;
  };
  if (body.status !== "success") throw new Error(`series: ${body.error}`);
  return body.data;
}

/** A label set as one comparable string (sorted names). */
const key = (labels: Record<string, string>) =>
  JSON.stringify(Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));

/**
 * What a server sends over remote write: its series with its
 * external labels added where the series has none of that name.
 */
function asRemoteWritten(series: Record<string, string>[], configYaml: string): Record<string, string>[] {
  const external =
    (load(configYaml) as { global?: { external_labels?: Record<string, string> } }).global?.external_labels ?? {};
  return series.map((s) => ({ ...external, ...s }));
}

/** A started server's recent series as remote write delivers them. */
const remoteWritten = async (s: StartedServer) => asRemoteWritten(await allSeries(s.prom), s.config);

/** Metric names a PromQL expression reads (Grafana variables kept as text are fine for the parser). */
function namesRead(expr: string): string[] {
  return selectors(parsePromQL(expr))
    .flatMap((s) => [s.name, ...s.matchers.filter((m) => m.name === "__name__" && m.op === "=").map((m) => m.value)])
    .filter((n): n is string => !!n);
}

beforeAll(async () => {
  requireTunnelPrerequisites();
  requirePrometheus();
  dir = mkdtempSync(join(tmpdir(), "wgm-fleet-live-"));
  // Same port on both hosts, as a stack's exporter.port says: the first exporter's port is free on
  // 127.0.0.2, so nobody holds it on the wildcard address and 127.0.0.3 can take it too.
  const eu = await startSite("eu", "127.0.0.2", 0);
  exporterPort = eu.exporter.port;
  sites.push(eu, await startSite("us", "127.0.0.3", exporterPort));
});

afterAll(async () => {
  for (const s of sites) {
    await s.exporter.stop();
    await s.tunnel.close();
  }
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("two site servers remote-writing to a central store", () => {
  let central: RunningPrometheus;
  let archive: RunningPrometheus;
  const servers: StartedServer[] = [];
  let siteInventory: Inventory;

  const siteStack = (ports: Record<string, number>): Record<string, unknown> => ({
    ...fleet(),
    prometheus: sites.map((s) => server(s.name, ports[s.name], { scrapes: { site: s.name } })),
    remoteWrite: [
      // batchSendDeadline 1s: samples reach the receivers within a second (Prometheus's default waits 5 s).
      { name: "central", url: `${central.url}/api/v1/write`, wireGuardOnly: true, queue: { batchSendDeadline: "1s" } },
      { name: "archive", url: `${archive.url}/api/v1/write`, queue: { batchSendDeadline: "1s" } },
    ],
  });

  beforeAll(async () => {
    const receiver = { configYaml: "{}\n", args: ["--web.enable-remote-write-receiver"] };
    [central, archive] = await Promise.all([startPrometheus(receiver), startPrometheus(receiver)]);
    const ports: Record<string, number> = {};
    for (const s of sites) {
      const started = await startServer(
        s.name,
        "fleet-sites",
        (port) => siteStack({ ...ports, [s.name]: port }),
        SITE_FOR,
      );
      ports[s.name] = started.prom.port;
      servers.push(started);
      // One at a time, each past its first scrape: before it, a server's absent(up{job}) term makes
      // WireGuardExporterDown pending with labels that name no host, the same series on every site
      // server, and two servers writing one series get their batches refused (out of order).
      const scraped = async () => (await started.prom.query(`up{job="${JOB}"}`)).length > 0;
      const exporterDown = async () =>
        (await started.prom.alerts()).some((a) => a.labels.alertname === "WireGuardExporterDown");
      await started.prom.waitFor(async () => (await scraped()) && !(await exporterDown()), {
        what: `${s.name} past its first scrape and evaluation`,
      });
    }
    siteInventory = validated(siteStack(ports), "fleet-sites");
    for (const s of sites) await s.tunnel.sendTraffic(100_000);
    // The ghost peers' alerts firing on the central store: scraped, evaluated and remote-written.
    await central.waitFor(
      async () => {
        const firing = await central.query(`ALERTS{alertstate="firing", alertname="WireGuardExpectedPeerDown"}`);
        return sites.every((s) => firing.some((a) => a.metric.host === s.host));
      },
      { what: "WireGuardExpectedPeerDown of both hosts on the central store", timeoutMs: 60_000 },
    );
    // enough samples for rate() over the dashboards' 10 s rate interval, with traffic inside it
    await sleep(6_000);
    for (const s of sites) await s.tunnel.sendTraffic(100_000);
    await sleep(3_000);
  });

  afterAll(async () => {
    for (const s of servers) await s.prom.stop();
    await central?.stop();
    await archive?.stop();
  });

  it("each server scrapes only its site's host: targets file, live targets and its rules' absent() terms", async () => {
    for (const s of sites) {
      const srv = servers.find((x) => x.name === s.name)!;
      const others = sites.filter((o) => o !== s);
      expect(JSON.parse(srv.targets)).toEqual([
        { targets: [`${s.address}:${exporterPort}`], labels: { host: s.host, env: ENV, site: s.name } },
      ]);
      const targets = (await srv.prom.targets()).filter((t) => t.scrapePool === JOB);
      expect(targets.map((t) => [t.labels.host, t.health])).toEqual([[s.host, "up"]]);
      expect(srv.rules).toContain(`host="${s.host}"`);
      for (const o of others) expect(srv.rules).not.toContain(`host="${o.host}"`);
      const [up] = await srv.prom.query(`count(up{job="${JOB}"})`);
      expect(up.value).toBe(1);
    }
  });

  it("each server labels what it sends with env (and no replica)", () => {
    for (const srv of servers) {
      const global = (load(srv.config) as { global: { external_labels?: Record<string, string> } }).global;
      expect(global.external_labels).toEqual({ env: ENV });
    }
  });

  it("no two servers hold the same series, and none of their remote writes failed", async () => {
    const [eu, us] = await Promise.all(servers.map(async (s) => new Set((await remoteWritten(s)).map(key))));
    const failed = await Promise.all(
      servers.map(async (s) =>
        (await s.prom.query("sum by (remote_name) (prometheus_remote_storage_samples_failed_total)")).map((f) => [
          s.name,
          f.metric.remote_name,
          f.value,
        ]),
      ),
    );
    const refused = [central, archive].flatMap((r) =>
      r
        .logs()
        .split("\n")
        .filter((l) => /level=(error|warn)/.test(l)),
    );
    expect(
      { both: [...eu].filter((k) => us.has(k)), failed: failed.flat().sort() },
      `the receivers said:\n${refused.join("\n")}`,
    ).toEqual({
      both: [],
      failed: servers
        .flatMap((s) => [
          [s.name, "archive", 0],
          [s.name, "central", 0],
        ])
        .sort(),
    });
  });

  it("the archive (everything) holds exactly the series of both servers, each with env", async () => {
    const sent = async () => new Set((await Promise.all(servers.map(async (s) => remoteWritten(s)))).flat().map(key));
    const compare = async () => {
      const [want, got] = await Promise.all([sent(), allSeries(archive).then((all) => new Set(all.map(key)))]);
      return { missing: [...want].filter((k) => !got.has(k)), extra: [...got].filter((k) => !want.has(k)) };
    };
    // Series come and go between two reads (a pending alert turning firing): compare until they agree.
    let diff = await compare();
    const agree = () => diff.missing.length === 0 && diff.extra.length === 0;
    for (const end = Date.now() + 20_000; !agree() && Date.now() < end; diff = await compare()) await sleep(500);
    expect(diff).toEqual({ missing: [], extra: [] });
    const withoutEnv = (await allSeries(archive)).filter((s) => s.env !== ENV);
    expect(withoutEnv).toEqual([]);
    // Series no target labels with env (Prometheus's own) carry it from external_labels.
    const self = await archive.query('prometheus_build_info{job="prometheus"}');
    expect(self.map((s) => s.metric.env)).toEqual([ENV, ENV]);
  });

  it("with wireGuardOnly the central store holds only what the dashboards and rules read, and all of it", async () => {
    const read = new Set([
      ...Object.values(dashboards)
        .flatMap((d) => dashboardExpressions(d))
        .flatMap(namesRead),
      ...(load(servers[0].rules) as { groups: { rules: { expr: string }[] }[] }).groups
        .flatMap((g) => g.rules)
        .flatMap((r) => namesRead(r.expr)),
    ]);
    const centralSeries = await allSeries(central);
    const names = new Set(centralSeries.map((s) => s.__name__));
    expect([...names].filter((n) => !read.has(n)).sort()).toEqual([]);
    // Every series the two servers hold of a name the dashboards or rules read is on the central store.
    const got = new Set(centralSeries.map(key));
    const sent = (await Promise.all(servers.map(remoteWritten))).flat();
    const missing = sent.filter((s) => read.has(s.__name__) && !got.has(key(s)));
    expect(missing).toEqual([]);
    expect(centralSeries.filter((s) => s.env !== ENV)).toEqual([]);
    // What the filter saves: Prometheus's own series (and the rules' bookkeeping) stay home.
    const archiveSeries = await allSeries(archive);
    expect(centralSeries.length).toBeLessThan(archiveSeries.length);
  });

  it("on the central store every dashboard query returns series for every host", async () => {
    const grafana = dashboardQueries(central.url);
    const instanceVar = dashboards["wireguard-overview"].templating.list.find((v: Json) => v.name === "instance");
    const offered = await grafana.variableOptions(instanceVar, { job: ".+" });
    expect(offered.map((o) => o.value).sort()).toEqual(sites.map((s) => s.host).sort());
    for (const s of sites) {
      for (const d of Object.values(dashboards)) {
        const vars = await grafana.resolveVariables(
          d,
          (name, options) => {
            const real = options.find((o) => o.value === s.tunnel.peerPublicKey);
            if (name === "peer" && !real)
              throw new Error(`peer variable does not offer ${s.name}'s tunnel peer: ${JSON.stringify(options)}`);
            return real?.value ?? options[0].value;
          },
          (name) => (name === "instance" ? regexValue([s.host]) : undefined),
        );
        expect(await grafana.emptyTargets(d, vars)).toEqual([]);
      }
    }
  });

  it("on the central store the overview shows both hosts side by side, one series each", async () => {
    const grafana = dashboardQueries(central.url);
    const all = { job: ".+", instance: ".+", interface: ".+", peer: ".+" };
    const hosts = sites.map((s) => s.host).sort();
    for (const p of dataPanels(dashboards["wireguard-overview"])) {
      for (const t of p.targets) {
        const result = await grafana.runTarget(t, all);
        const keys = result.map((r) => key(r.metric));
        expect(new Set(keys).size, `panel '${p.title}': duplicate series`).toBe(keys.length);
        // Every host is there; "Exporter up" with job All (`.+`) also shows Prometheus's own targets.
        if (result.some((r) => r.metric.instance !== undefined)) {
          expect([...new Set(result.map((r) => r.metric.instance))].sort(), `panel '${p.title}'`).toEqual(
            expect.arrayContaining(hosts),
          );
        }
      }
    }
  });

  it("on the central store each peer, target and alert is one series", async () => {
    const once = [
      "count by (env, instance, interface, public_key) (wireguard_latest_handshake_seconds)",
      "count by (env, instance, interface, public_key) (wireguard_peer_connected)",
      "count by (env, instance, interface, public_key) (wireguard_peer_expected)",
      `count by (env, instance) (up{job="${JOB}"})`,
      `count by (env, instance) (wireguard_exporter_build_info)`,
      'count by (alertname, env, instance, public_key) (ALERTS{alertstate="firing"})',
    ];
    for (const q of once) {
      const counts = await central.query(q);
      expect(counts.length, q).toBeGreaterThan(0);
      expect(
        counts.filter((c) => c.value !== 1),
        q,
      ).toEqual([]);
    }
    const perHost = await central.query("count by (host) (wireguard_latest_handshake_seconds)");
    expect(perHost.map((c) => [c.metric.host, c.value]).sort()).toEqual(sites.map((s) => [s.host, 2]).sort());
  });
});

describe("an HA pair sending to one Alertmanager", () => {
  let am: RunningAlertmanager;
  let hook: WebhookReceiver;
  const pair: StartedServer[] = [];
  let alertmanagerYaml: string;

  const haStack = (ports: Record<string, number>, alertmanagerPort: number): Record<string, unknown> => ({
    ...fleet(),
    // No `scrapes`: both scrape every host, which the stack allows because they form an HA group.
    prometheus: ["a", "b"].map((r) => server(`lab-${r}`, ports[`lab-${r}`], { replica: r })),
    alerting: {
      alertmanagers: [{ urls: [`http://127.0.0.1:${alertmanagerPort}`] }],
      // group_interval 3s: a second notification for the same group would come within the test's wait.
      route: {
        receivers: { critical: "oncall", warning: "team-chat" },
        groupWait: "1s",
        groupInterval: "3s",
        repeatInterval: "1h",
      },
    },
  });

  /**
   * The generated alertmanager.yml with every receiver (they come without integrations) posting to the test's webhook.
   */
  function withWebhook(yaml: string, url: string): string {
    const doc = load(yaml) as { receivers: { name: string; webhook_configs?: unknown[] }[] };
    for (const r of doc.receivers) r.webhook_configs = [{ url, send_resolved: true }];
    return dump(doc, { lineWidth: -1 });
  }

  beforeAll(async () => {
    const alertmanagerPort = await freePort();
    alertmanagerYaml = artifact(validated(haStack({}, alertmanagerPort), "fleet-ha"), "alertmanager/alertmanager.yml");
    hook = await startWebhookReceiver();
    am = await startAlertmanager({ port: alertmanagerPort, configYaml: withWebhook(alertmanagerYaml, hook.url) });
    const ports: Record<string, number> = {};
    for (const name of ["lab-a", "lab-b"]) {
      const started = await startServer(
        name,
        "fleet-ha",
        (port) => haStack({ ...ports, [name]: port }, alertmanagerPort),
        HA_FOR,
      );
      ports[name] = started.prom.port;
      pair.push(started);
    }
    for (const s of pair) {
      const upTargets = async () => (await s.prom.targets()).filter((t) => t.scrapePool === JOB && t.health === "up");
      await s.prom.waitFor(async () => (await upTargets()).length === sites.length, {
        what: `${s.name} scraping both hosts`,
      });
    }
  });

  afterAll(async () => {
    for (const s of pair) await s.prom.stop();
    await am?.stop();
    await hook?.close();
  });

  it("the generated alertmanager.yml passes amtool, as generated and with the webhooks filled in", () => {
    writeFileSync(join(dir, "alertmanager.yml"), alertmanagerYaml);
    writeFileSync(join(dir, "alertmanager-filled.yml"), withWebhook(alertmanagerYaml, hook.url));
    for (const f of ["alertmanager.yml", "alertmanager-filled.yml"]) {
      const check = amtool(["check-config", join(dir, f)]);
      expect(check.code, `${f}: ${check.stdout}${check.stderr}`).toBe(0);
    }
  });

  it("each replica labels its series with its replica and drops it from alerts", () => {
    for (const [s, replica] of [
      [pair[0], "a"],
      [pair[1], "b"],
    ] as const) {
      const config = load(s.config) as {
        global: { external_labels: Record<string, string> };
        alerting: { alert_relabel_configs: unknown[] };
      };
      expect(config.global.external_labels).toEqual({ env: ENV, replica });
      expect(config.alerting.alert_relabel_configs).toContainEqual({ action: "labeldrop", regex: "replica" });
    }
  });

  it("an exporter down fires on both replicas, reaches the webhook once, without the replica label", async () => {
    const [eu] = sites;
    await eu.exporter.stop();
    for (const s of pair) {
      const firing = async () =>
        (await s.prom.alerts()).find(
          (a) => a.labels.alertname === "WireGuardExporterDown" && a.state === "firing" && a.labels.host === eu.host,
        );
      await s.prom.waitFor(firing, {
        what: `WireGuardExporterDown firing on ${s.name}`,
        timeoutMs: 30_000,
      });
    }
    const isExporterDown = (n: WebhookNotification) =>
      n.alerts.some((a) => a.labels.alertname === "WireGuardExporterDown");
    await hook.waitFor((all) => all.find(isExporterDown), {
      what: "the WireGuardExporterDown notification",
      ms: 30_000,
    });
    // Both replicas have sent it (each sends an alert when it starts firing): had Alertmanager seen two
    // alerts, a second notification would have come within the route's group_interval (3 s).
    for (const s of pair) {
      const sent = async () => ((await s.prom.query("sum(prometheus_notifications_sent_total)"))[0]?.value ?? 0) > 0;
      await s.prom.waitFor(sent, { what: `${s.name} sending to Alertmanager` });
    }
    await sleep(5_000);

    const held = (await am.alerts()).filter((a) => a.labels.alertname === "WireGuardExporterDown");
    expect(held.map((a) => a.labels)).toEqual([
      {
        alertname: "WireGuardExporterDown",
        severity: "critical",
        job: JOB,
        instance: eu.host,
        host: eu.host,
        env: ENV,
        site: "eu",
      },
    ]);
    const notifications = hook.notifications().filter(isExporterDown);
    expect(notifications).toHaveLength(1);
    expect(notifications[0].receiver).toBe("oncall");
    expect(notifications[0].status).toBe("firing");
    expect(notifications[0].alerts.map((a) => a.labels.replica)).toEqual([undefined]);
  });
});
