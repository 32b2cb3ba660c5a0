// Alerts reach people: wireguard-go tunnels → our exporter → Prometheus with the generated prometheus.yml
// (alerting.alertmanagers) and rules → a real Alertmanager with the generated alertmanager.yml (its routes
// and inhibit rules as rendered; only its empty receivers filled with a webhook) → a webhook receiver here.
//
// Two tunnels on one host: "branch-office" is an expected peer, "roaming-laptop" is not. To stay short
// the stack uses small thresholds (connected 15 s, stale 25 s), short `for:` (ruleSettingsFor's override,
// as the Prometheus live test does) and a 1 s group_wait / 2 s group_interval in `alerting.route`.
// connected < stale keeps the production order: WireGuardExpectedPeerDown reaches Alertmanager before the
// WireGuardPeerDown it inhibits, so an inhibited alert is never notified first.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { dump, load } from "js-yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { validateStackConfig, type Inventory } from "../../src/model/index";
import { renderRules, ruleSettingsFor, DEFAULT_FOR } from "../../src/build/prometheus/rules";
import { RULES_FILE, TARGETS_FILE } from "../../src/build/prometheus/scrape-config";
import type { Artifact } from "../../src/build/artifact";
import { stackArtifacts } from "../../src/build/stack-artifacts";
import {
  amtool,
  startAlertmanager,
  startWebhookReceiver,
  type AlertmanagerAlert,
  type RunningAlertmanager,
  type WebhookNotification,
  type WebhookReceiver,
} from "../harness/alertmanager";
import { startExporter, type RunningExporter } from "../harness/exporter";
import { freePort, startPrometheus, type RunningPrometheus } from "../harness/prometheus";
import { startTunnel, waitForHandshake, type Tunnel } from "../harness/tunnel";

const ENV = "live-test";
const HOST = "tunnel-host";
const EXPECTED_PEER = "branch-office";
const ROAMING_PEER = "roaming-laptop";
const CONNECTED_SECONDS = 15;
const CONNECTED = `${CONNECTED_SECONDS}s`;
const STALE = "25s";
const FOR = { ...DEFAULT_FOR, WireGuardExpectedPeerDown: "2s", WireGuardPeerDown: "5s", WireGuardExporterDown: "2s" };
const RECEIVERS = { critical: "pager", warning: "team-chat" };
const GROUP_INTERVAL_MS = 2_000;

let dir: string;
let office: Tunnel;
let laptop: Tunnel;
let officeHandshake: number;
let exporter: RunningExporter;
let hook: WebhookReceiver;
let prom: RunningPrometheus;
let am: RunningAlertmanager;
let artifacts: Artifact[];

function testInventory(
  exporterPort: number,
  prometheusPort: number,
  alertmanagerPort: number,
  promDir: string,
): Inventory {
  const result = validateStackConfig(
    {
      environment: ENV,
      allowUnpinnedHostKeys: true,
      hosts: [
        { name: HOST, address: "127.0.0.1", interfaces: [office.serverIf, laptop.serverIf], labels: { site: "lab" } },
      ],
      peers: [
        {
          publicKey: office.peerPublicKey,
          friendlyName: EXPECTED_PEER,
          owner: "ops",
          interface: office.serverIf,
          expected: true,
        },
        { publicKey: laptop.peerPublicKey, friendlyName: ROAMING_PEER, owner: "ops", interface: laptop.serverIf },
      ],
      prometheus: {
        url: `http://127.0.0.1:${prometheusPort}`,
        rulesDir: join(promDir, "rules"),
        targetsDir: join(promDir, "targets"),
        secretsDir: join(promDir, "secrets"),
        scrapeInterval: "1s",
        scrapeTimeout: "1s",
        evaluationInterval: "1s",
      },
      thresholds: { staleHandshake: STALE, connected: CONNECTED },
      exporter: { port: exporterPort },
      alerting: {
        alertmanagers: [{ urls: [`http://127.0.0.1:${alertmanagerPort}`] }],
        route: { receivers: RECEIVERS, groupWait: "1s", groupInterval: `${GROUP_INTERVAL_MS / 1000}s` },
      },
    },
    ENV,
  );
  if (!result.ok) throw new Error(`test stack does not validate: ${JSON.stringify(result.errors)}`);
  return result.inventory;
}

function artifact(path: string): string {
  const found = artifacts.find((a) => a.path === path);
  if (!found) throw new Error(`the stack renders no ${path} (rendered: ${artifacts.map((a) => a.path).join(", ")})`);
  return found.content;
}

/**
 * The generated alertmanager.yml with every (empty) receiver
 * sending to our webhook: what a user does with Slack or PagerDuty.
 */
function withWebhooks(alertmanagerYml: string, url: string): string {
  const config = load(alertmanagerYml) as { receivers?: { name: string }[] };
  for (const r of config.receivers ?? []) Object.assign(r, { webhook_configs: [{ url }] });
  return dump(config, { lineWidth: -1 });
}

/** Every alert delivered so far, with the receiver and the notification's own status. */
function delivered(all: WebhookNotification[] = hook.notifications()) {
  return all.flatMap((n) =>
    n.alerts.map((alert) => ({ receiver: n.receiver, status: n.status, alert, notification: n })),
  );
}

const notificationsAbout = (all: WebhookNotification[], alertname: string, status: "firing" | "resolved") =>
  all.filter((n) => n.status === status && n.alerts.some((a) => a.labels.alertname === alertname));

const officePeerDownDeliveries = () =>
  delivered().filter(
    ({ alert }) => alert.labels.alertname === "WireGuardPeerDown" && alert.labels.public_key === office.peerPublicKey,
  );

const amAlert = (alerts: AlertmanagerAlert[], alertname: string, labels: Record<string, string> = {}) =>
  alerts.find((a) => a.labels.alertname === alertname && Object.entries(labels).every(([k, v]) => a.labels[k] === v));

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function activeAlertmanagers(): Promise<string[]> {
  const body = (await (await fetch(`${prom.url}/api/v1/alertmanagers`)).json()) as {
    data: { activeAlertmanagers: { url: string }[] };
  };
  return body.data.activeAlertmanagers.map((a) => a.url);
}

/** Restarts the peer side, so the server records a new handshake (newer than `after`), and returns it. */
async function freshHandshake(t: Tunnel, after: number): Promise<number> {
  await t.stopPeer();
  await t.startPeer();
  return waitForHandshake(t, { after, ms: 30_000 });
}

/**
 * What each stage holds, for a timeout message: the series the peer
 * alerts read, Prometheus's and Alertmanager's alerts, the notifications.
 */
async function pipelineState(): Promise<string> {
  const series = async (q: string) =>
    (await prom.query(q).catch(() => []))
      .map((x) => `${x.metric.__name__ ?? q}{${x.metric.friendly_name ?? ""}}=${x.value}`)
      .join(" ");
  const peer = (l: Record<string, string | undefined>) => `${l.alertname}{${l.friendly_name ?? ""}}`;
  const firing = (await prom.alerts().catch(() => [])).map((a) => `${peer(a.labels)} ${a.state}`);
  const held = (await am.alerts().catch(() => [])).map((a) => `${peer(a.labels)} ${a.status.state}`);
  const sent = hook
    .notifications()
    .map((n) => `${n.receiver} ${n.status} [${n.alerts.map((a) => `${peer(a.labels)} ${a.status}`)}]`);
  const handshakeAge = await series("time() - wireguard_latest_handshake_seconds");
  const lines = [
    `series: ${await series("wireguard_peer_connected")} ${await series("wireguard_peer_expected")} ${handshakeAge}`,
    `prometheus: ${firing.join(", ")}`,
    `alertmanager: ${held.join(", ")}`,
    `notifications: ${sent.join("; ")}`,
  ];
  return lines.join("\n");
}

/** `wait`, with the pipeline's state added to its error. */
async function explained<T>(wait: Promise<T>): Promise<T> {
  try {
    return await wait;
  } catch (e) {
    throw new Error(`${(e as Error).message}\n${await pipelineState()}`);
  }
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "wgm-alertmanager-live-"));
  office = await startTunnel({ id: "am-office" });
  laptop = await startTunnel({ id: "am-laptop" });
  officeHandshake = await waitForHandshake(office);
  const laptopHandshake = await waitForHandshake(laptop);

  writeFileSync(
    join(dir, "peers.yml"),
    `peers:\n  - public_key: ${office.peerPublicKey}\n` +
      `    friendly_name: ${EXPECTED_PEER}\n    owner: ops\n    expected: true\n` +
      `  - public_key: ${laptop.peerPublicKey}\n    friendly_name: ${ROAMING_PEER}\n    owner: ops\n`,
  );
  exporter = await startExporter({
    peersFile: join(dir, "peers.yml"),
    args: [
      `--wireguard.interfaces=${office.serverIf},${laptop.serverIf}`,
      `--wireguard.connected-threshold=${CONNECTED}`,
    ],
  });
  hook = await startWebhookReceiver();

  // Prometheus's config names Alertmanager's port, and Alertmanager's config comes from the same
  // rendering: pick the port first, render once inside Prometheus's start, start Alertmanager after.
  const alertmanagerPort = await freePort();
  let inventory: Inventory | undefined;
  prom = await startPrometheus({
    configYaml: (promDir, port) => {
      inventory = testInventory(exporter.port, port, alertmanagerPort, promDir);
      artifacts = stackArtifacts(inventory);
      for (const sub of ["targets", "rules", "secrets"]) mkdirSync(join(promDir, sub), { recursive: true });
      writeFileSync(join(promDir, "targets", TARGETS_FILE), artifact(`prometheus/targets/${TARGETS_FILE}`));
      return artifact("prometheus/prometheus.yml");
    },
  });
  am = await startAlertmanager({
    port: alertmanagerPort,
    configYaml: withWebhooks(artifact("alertmanager/alertmanager.yml"), hook.url),
  });

  // The rules only once Prometheus scrapes the exporter: it hands discovered targets on at most every 5 s
  // (discovery/manager.go, updatert), and until then WireGuardExporterDown's absent(up{...}) term would fire
  // under the short `for:`.
  await prom.waitFor(
    async () => (await prom.targets()).some((t) => t.scrapePool === "wireguard" && t.health === "up"),
    {
      what: "the wireguard target to be up",
      timeoutMs: 30_000,
    },
  );
  // WireGuard handshakes again only after 2 minutes of traffic (or a restart): a fresh handshake now makes
  // the thresholds count from here, however long the start took, so nothing fires before the peers stop.
  officeHandshake = await freshHandshake(office, officeHandshake);
  await freshHandshake(laptop, laptopHandshake);
  writeFileSync(join(prom.dir, "rules", RULES_FILE), renderRules(ruleSettingsFor(inventory!, { for: FOR })));
  await prom.reload();
  await prom.waitFor(async () => (await prom.rules()).length > 0, { what: "the rules to load", timeoutMs: 10_000 });
  // A reload makes Prometheus discover its Alertmanagers anew; an alert that fires while it knows none is
  // dropped and sent again only after --rules.alert.resend-delay, 1 m (rules/alerting.go, needsSending).
  await prom.waitFor(async () => (await activeAlertmanagers()).includes(`${am.url}/api/v2/alerts`), {
    what: "Prometheus to discover the Alertmanager",
    timeoutMs: 30_000,
  });
  const sinceHandshake = Date.now() / 1000 - officeHandshake;
  if (sinceHandshake > CONNECTED_SECONDS - 3)
    throw new Error(`start too slow: ${sinceHandshake.toFixed(1)} s since the fresh handshake`);
});

afterAll(async () => {
  await am?.stop();
  await prom?.stop();
  await exporter?.stop();
  await hook?.close();
  await office?.close();
  await laptop?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("generated Alertmanager route and inhibit rules, live", () => {
  it("generated alertmanager.yml with webhooks passes amtool check-config; Prometheus sends to it only", async () => {
    const check = amtool(["check-config", am.configPath]);
    expect(check.stderr).toBe("");
    expect(check.code).toBe(0);
    expect(await activeAlertmanagers()).toEqual([`${am.url}/api/v2/alerts`]);
    // Both peers just made a handshake: nothing fires, nothing is notified.
    expect((await prom.alerts()).filter((a) => a.state === "firing")).toEqual([]);
    expect(hook.notifications()).toEqual([]);
  });

  it("stopping the expected peer pages once (ExpectedPeerDown, critical receiver), naming peer and host", async () => {
    await office.stopPeer();
    await laptop.stopPeer();
    const n = await explained(
      hook.waitFor((all) => notificationsAbout(all, "WireGuardExpectedPeerDown", "firing")[0], {
        ms: 45_000,
        what: "a firing WireGuardExpectedPeerDown notification",
      }),
    );
    expect(n.receiver).toBe(RECEIVERS.critical);
    expect(n.alerts).toHaveLength(1);
    const [alert] = n.alerts;
    expect(alert.labels).toMatchObject({
      alertname: "WireGuardExpectedPeerDown",
      severity: "critical",
      env: ENV,
      instance: HOST,
      host: HOST,
      friendly_name: EXPECTED_PEER,
      interface: office.serverIf,
      public_key: office.peerPublicKey,
    });
    expect(alert.annotations.description).toContain(
      `Peer ${EXPECTED_PEER} on interface ${office.serverIf} on host ${HOST}`,
    );
  });

  it("PeerDown fires for the expected peer but is inhibited; the roaming peer's arrives as a warning", async () => {
    const firing = await explained(
      prom.waitFor(
        async () =>
          (await prom.alerts()).find(
            (a) =>
              a.labels.alertname === "WireGuardPeerDown" &&
              a.state === "firing" &&
              a.labels.public_key === office.peerPublicKey,
          ),
        { what: "WireGuardPeerDown firing in Prometheus for the expected peer", timeoutMs: 45_000 },
      ),
    );
    expect(firing.labels).toMatchObject({ friendly_name: EXPECTED_PEER, host: HOST });

    // The API recomputes each alert's status from the inhibitor
    // when asked (api/v2/api.go, alertFilter → setAlertStatus).
    const { peerDown, expectedDown } = await explained(
      am.waitFor(
        async () => {
          const alerts = await am.alerts();
          const peerDown = amAlert(alerts, "WireGuardPeerDown", { public_key: office.peerPublicKey });
          const expectedDown = amAlert(alerts, "WireGuardExpectedPeerDown", { public_key: office.peerPublicKey });
          return peerDown && expectedDown ? { peerDown, expectedDown } : undefined;
        },
        { ms: 15_000, what: "both alerts of the expected peer in Alertmanager" },
      ),
    );
    expect(peerDown.status).toEqual({ state: "suppressed", inhibitedBy: [expectedDown.fingerprint], silencedBy: [] });

    // Same group (env, instance, alertname) as the roaming peer's WireGuardPeerDown: its notification
    // must carry the roaming peer only.
    const roaming = await explained(
      hook.waitFor(
        (all) =>
          delivered(all).find(
            ({ alert }) =>
              alert.labels.alertname === "WireGuardPeerDown" && alert.labels.public_key === laptop.peerPublicKey,
          ),
        { ms: 45_000, what: "the roaming peer's WireGuardPeerDown notification" },
      ),
    );
    expect(roaming.receiver).toBe(RECEIVERS.warning);
    expect(roaming.alert.labels).toMatchObject({ severity: "warning", friendly_name: ROAMING_PEER, host: HOST });
    // Two group intervals after the inhibited alert arrived: the group has been flushed with it in it.
    await sleep(2 * GROUP_INTERVAL_MS + 500);
    expect(officePeerDownDeliveries()).toEqual([]);
  });

  it("restarting the expected peer delivers the resolved notification; ExpectedPeerDown fired once", async () => {
    await office.startPeer();
    await waitForHandshake(office, { after: officeHandshake, ms: 30_000 });
    const resolved = await explained(
      hook.waitFor((all) => notificationsAbout(all, "WireGuardExpectedPeerDown", "resolved")[0], {
        ms: 30_000,
        what: "a resolved WireGuardExpectedPeerDown notification",
      }),
    );
    expect(resolved.receiver).toBe(RECEIVERS.critical);
    expect(resolved.alerts.map((a) => [a.status, a.labels.friendly_name, a.labels.host])).toEqual([
      ["resolved", EXPECTED_PEER, HOST],
    ]);

    // The peer's WireGuardPeerDown resolved in the same evaluation and was never notified firing. It can still
    // be listed as resolved: it shares its group (env, instance, alertname) with the roaming peer's, whose
    // group is notified again when its resolved set changes (notify/notify.go, DedupStage.needsUpdate, with
    // webhooks' send_resolved default true), and the inhibitor no longer mutes it once its source has
    // resolved (inhibit/inhibit.go, InhibitRule.inhibits skips resolved sources). It never pages.
    await sleep(2 * GROUP_INTERVAL_MS + 500);
    const all = hook.notifications();
    expect(notificationsAbout(all, "WireGuardExpectedPeerDown", "firing")).toHaveLength(1);
    expect(notificationsAbout(all, "WireGuardExpectedPeerDown", "resolved")).toHaveLength(1);
    expect(officePeerDownDeliveries().filter(({ alert }) => alert.status === "firing")).toEqual([]);
    expect(
      delivered(all).every(({ receiver }) => receiver === RECEIVERS.critical || receiver === RECEIVERS.warning),
    ).toBe(true);
  });

  it("ExporterDown arrives as critical and inhibits every WireGuard alert of its instance, not another's", async () => {
    exporter.kill();
    await exporter.exited;
    const n = await explained(
      hook.waitFor((all) => notificationsAbout(all, "WireGuardExporterDown", "firing")[0], {
        ms: 30_000,
        what: "a firing WireGuardExporterDown notification",
      }),
    );
    expect(n.receiver).toBe(RECEIVERS.critical);
    expect(n.alerts.map((a) => a.labels)).toEqual([
      expect.objectContaining({ severity: "critical", env: ENV, instance: HOST, host: HOST }),
    ]);

    // A dead exporter's peer series go stale at once, so Prometheus resolves their alerts before
    // WireGuardExporterDown's `for:` ends; an alert that is still firing when it arrives (e.g. from a
    // Prometheus that evaluates later) is posted here, as Prometheus would post it, for this host and another.
    const peerAlert = (host: string) => ({
      labels: {
        alertname: "WireGuardHighBandwidth",
        severity: "warning",
        env: ENV,
        job: "wireguard",
        instance: host,
        host,
        interface: "wg0",
        public_key: laptop.peerPublicKey,
      },
      annotations: { summary: "WireGuard peer uses a lot of bandwidth" },
    });
    await am.postAlerts([peerAlert(HOST), peerAlert("other-host")]);
    const { same, other, exporterDown } = await explained(
      am.waitFor(
        async () => {
          const alerts = await am.alerts();
          const same = amAlert(alerts, "WireGuardHighBandwidth", { instance: HOST });
          const other = amAlert(alerts, "WireGuardHighBandwidth", { instance: "other-host" });
          const exporterDown = amAlert(alerts, "WireGuardExporterDown", { instance: HOST });
          return same && other && exporterDown ? { same, other, exporterDown } : undefined;
        },
        { ms: 10_000, what: "the posted alerts and WireGuardExporterDown in Alertmanager" },
      ),
    );
    expect(same.status).toEqual({ state: "suppressed", inhibitedBy: [exporterDown.fingerprint], silencedBy: [] });
    expect(other.status).toEqual({ state: "active", inhibitedBy: [], silencedBy: [] });

    const control = await explained(
      hook.waitFor(
        (all) =>
          delivered(all).find(
            ({ alert }) =>
              alert.labels.alertname === "WireGuardHighBandwidth" && alert.labels.instance === "other-host",
          ),
        { ms: 15_000, what: "the other host's WireGuardHighBandwidth notification" },
      ),
    );
    expect(control.receiver).toBe(RECEIVERS.warning);
    await sleep(GROUP_INTERVAL_MS + 500);
    expect(
      delivered().filter(
        ({ alert }) => alert.labels.alertname === "WireGuardHighBandwidth" && alert.labels.instance === HOST,
      ),
    ).toEqual([]);
  });
});

describe("generated route fragment merged into an existing Alertmanager config", () => {
  /**
   * A team's own alertmanager.yml: its catch-all, an unrelated route,
   * its receivers, and the fragment merged as its comments say.
   */
  function mergedUserConfig(): string {
    const fragment = load(artifact("alertmanager/wireguard-route.yml")) as { route: object; inhibit_rules: object[] };
    return dump({
      route: {
        receiver: "ops-default",
        group_by: ["alertname"],
        routes: [{ receiver: "db-team", matchers: ['service="postgres"'] }, fragment.route],
      },
      inhibit_rules: [
        { source_matchers: ['alertname="DatacenterDown"'], target_matchers: ['severity="warning"'], equal: ["dc"] },
        ...fragment.inhibit_rules,
      ],
      receivers: ["ops-default", "db-team", RECEIVERS.critical, RECEIVERS.warning].map((name) => ({ name })),
    });
  }

  it("passes amtool check-config; routes each severity here to its receiver, other alerts to the team's routes", () => {
    const path = join(dir, "user-alertmanager.yml");
    writeFileSync(path, mergedUserConfig());
    const check = amtool(["check-config", path]);
    expect(check.stderr).toBe("");
    expect(check.stdout).toContain("- 3 inhibit rules");
    const routeOf = (...labels: string[]) =>
      amtool(["config", "routes", "test", `--config.file=${path}`, ...labels]).stdout.trim();
    expect(routeOf("alertname=WireGuardExpectedPeerDown", `env=${ENV}`, "severity=critical")).toBe(RECEIVERS.critical);
    expect(routeOf("alertname=WireGuardPeerDown", `env=${ENV}`, "severity=warning")).toBe(RECEIVERS.warning);
    // info defaults to critical's receiver when the stack names none.
    expect(routeOf("alertname=WireGuardSomethingNew", `env=${ENV}`, "severity=info")).toBe(RECEIVERS.critical);
    expect(routeOf("alertname=WireGuardPeerDown", "env=another-env", "severity=warning")).toBe("ops-default");
    expect(routeOf("alertname=DiskFull", `env=${ENV}`, "severity=critical")).toBe("ops-default");
    expect(routeOf("alertname=ReplicationLag", "service=postgres")).toBe("db-team");
  });
});
