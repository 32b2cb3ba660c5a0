// `pulumi up`, again and again, as the engine runs it: each scenario captures the program's plan for
// an edited stack (loaded as Pulumi's runtime loads it, under mocks), computes the engine's steps
// from the previous deployment's plan (src/tools/plan/lifecycle.ts) and performs them over real SSH on
// booted Debian hosts (systemd as PID 1, sshd, a WireGuard tunnel each). Every scenario is checked on
// the hosts: units, files with their modes and owners, /metrics, Prometheus, what restarted, what is left.
import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CapturedPlan } from "../../src/tools/plan/capture";
import { describeSteps, engineSteps, type Lifecycle } from "../../src/tools/plan/lifecycle";
import { shellQuote } from "../../src/deploy/shell";
import { filesOnStdin } from "../../src/deploy/stdin-files";
import { readStdinFiles } from "../helpers/stdin-files";
import { capturePlanInChild } from "../harness/plan";
import { SECOND_HOST, startTestHost, stopTestHost, type TestHost } from "../harness/test-host";
import { SshStepRunner, type PerformedStep } from "./steps";
import { PROMETHEUS_FIXTURE, PROMETHEUS_FIXTURE_REMOVE } from "./prometheus-fixture";

const ROOT = resolve(__dirname, "..", "..");
const STACK = "e2e";
const PORT = 9586;
const PASSWORD = randomBytes(18).toString("base64url");
const ALERTMANAGER_PASSWORD = randomBytes(18).toString("base64url");
const AUTH = { authorization: `Basic ${Buffer.from(`prometheus:${PASSWORD}`).toString("base64")}` };

const LEFT_OVERS =
  "rm -rf /root/.wireguard-monitoring /var/lib/wireguard-monitoring /etc/wireguard-exporter " +
  "/opt/wireguard-exporter /etc/systemd/system/wireguard-exporter* /etc/filebeat; userdel " +
  "wireguard-exporter 2>/dev/null; groupdel wireguard-exporter 2>/dev/null; systemctl daemon-reload";

/** What a host looks like: file tree (type, path, mode, owner, group), contents, accounts, units. */
const SNAPSHOT_NOISE = String.raw` /etc/(passwd|group|shadow|gshadow)- | /etc/ld.so.cache | /etc/wireguard[ /]`;
const SNAPSHOT = `
find /etc /opt /usr/local /var/lib/wireguard-monitoring /root -xdev -printf '%y %p %m %u %g\\n' 2>/dev/null \\
  | grep -v -E '${SNAPSHOT_NOISE}' | sort
echo '--- contents'
find /etc /opt /usr/local /root -xdev -type f ! -name '*-' ! -path '/etc/wireguard/*' -print0 2>/dev/null \\
  | sort -z | xargs -0 sha256sum
echo '--- accounts'
getent passwd wireguard-exporter || true; getent group wireguard-exporter || true
echo '--- units'
systemctl show -p LoadState,UnitFileState,ActiveState wireguard-exporter.service wireguard-exporter-wg.socket`;

let c1: TestHost;
let c2: TestHost;
let runner: SshStepRunner;
let deployed: CapturedPlan | undefined;
let secrets: Record<string, string>;
/** From scenario f on, every deployment uses the "new build". */
let bundleEnv: Record<string, string> | undefined;
/** From scenario l on, every deployment sends alerts to an Alertmanager with basic auth. */
let alerting: { alertmanagers: { urls: string[]; basicAuth: { username: string } }[] } | undefined;
const scratch = mkdtempSync(join(tmpdir(), "wgm-lifecycle-"));
const before = new Map<string, string>();

interface HostEntry {
  name: string;
  on: TestHost;
}

interface StackShape {
  hosts: HostEntry[];
  peers?: { host: TestHost; publicKey: string; friendlyName: string; expected?: boolean }[];
  connected?: string;
  basicAuth?: boolean;
  /** An HA pair of Prometheus servers (replicas a and b) on these machines, instead of one on the first host. */
  haPair?: [TestHost, TestHost];
}

function stackConfig(o: StackShape) {
  const target = (h: TestHost) => ({ address: h.address, ssh: { port: h.port, user: h.user, hostKey: h.hostKey } });
  const server = { reload: "sighup", scrapeInterval: "5s", scrapeTimeout: "4s", evaluationInterval: "5s" };
  return {
    hosts: o.hosts.map((h) => ({
      name: h.name,
      ...target(h.on),
      interfaces: ["wg0"],
      labels: { site: "lab" },
      userspaceWireGuard: true,
    })),
    peers: (o.peers ?? []).flatMap((p) =>
      o.hosts
        .filter((h) => h.on === p.host)
        .map((h) => ({
          publicKey: p.publicKey,
          friendlyName: p.friendlyName,
          host: h.name,
          interface: "wg0",
          expected: p.expected ?? false,
        })),
    ),
    prometheus: o.haPair
      ? o.haPair.map((h, i) => ({ name: "ab"[i], replica: "ab"[i], ...target(h), ...server }))
      : { ...target(c1), ...server },
    grafana: { enabled: false },
    logs: { filebeat: true },
    thresholds: { connected: o.connected ?? "3m" },
    exporter: { port: PORT, basicAuth: { enabled: o.basicAuth ?? false, username: "prometheus" } },
    ...(alerting ? { alerting } : {}),
  };
}

interface Deployed {
  lifecycle: Lifecycle;
  performed: PerformedStep[];
  steps: string[];
}

/** `pulumi up` for `config`: capture, compute the steps from the last deployment, perform them. */
async function up(config: ReturnType<typeof stackConfig>): Promise<Deployed> {
  const needed = {
    ...(config.exporter.basicAuth.enabled ? { exporterBasicAuthPassword: PASSWORD } : {}),
    ...(config.alerting ? { alertmanagerBasicAuthPassword: ALERTMANAGER_PASSWORD } : {}),
  };
  const plan = await capturePlanInChild({ stack: STACK, config, secrets: { ...secrets, ...needed }, env: bundleEnv });
  const lifecycle = engineSteps(deployed, plan);
  const performed = await runner.apply(lifecycle);
  deployed = plan;
  return { lifecycle, performed, steps: describeSteps(lifecycle).map((s) => s.replace(/ \[.*\]$/, "")) };
}

async function destroy(): Promise<Deployed> {
  const lifecycle = engineSteps(deployed, undefined);
  const performed = await runner.apply(lifecycle);
  deployed = undefined;
  return { lifecycle, performed, steps: describeSteps(lifecycle) };
}

async function sh(host: TestHost, command: string): Promise<string> {
  const r = await host.ssh(command);
  if (r.code !== 0) throw new Error(`${host.name}: ${command.slice(0, 80)}…: exit ${r.code}\n${r.stderr}`);
  return r.stdout;
}

const mainPid = async (h: TestHost) =>
  Number((await sh(h, "systemctl show -p MainPID --value wireguard-exporter.service")).trim());

async function waitFor<T>(what: string, seconds: number, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + seconds * 1000;
  let last: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline)
      throw new Error(`${what}: not within ${seconds} s${last ? ` (${(last as Error).message})` : ""}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

async function metrics(h: TestHost, auth = false): Promise<string> {
  const res = await fetch(`http://${h.address}:${PORT}/metrics`, { headers: auth ? AUTH : {} });
  if (res.status !== 200) throw new Error(`/metrics on ${h.name}: HTTP ${res.status}`);
  return res.text();
}

/** Scrapes /metrics every 100 ms while `during` runs; returns how many scrapes failed. */
async function scrapesFailedDuring(
  h: TestHost,
  during: () => Promise<unknown>,
  auth = false,
): Promise<{ ok: number; failed: number }> {
  let stop = false;
  const counts = { ok: 0, failed: 0 };
  const loop = (async () => {
    while (!stop) {
      try {
        await metrics(h, auth);
        counts.ok++;
      } catch {
        counts.failed++;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  })();
  try {
    await during();
  } finally {
    stop = true;
    await loop;
  }
  return counts;
}

const peerName = (text: string, key: string) =>
  new RegExp(
    `wireguard_peer_connected\\{[^}]*public_key="${key.replace(/[+/]/g, "\\$&")}"[^}]*friendly_name="([^"]*)"`,
  ).exec(text)?.[1];

// Each scenario captures the plan (ts-node) and runs real installs: minutes on a loaded 2-core machine.
describe("pulumi up, again and again, on booted hosts", { timeout: 600_000 }, () => {
  beforeAll(async () => {
    c1 = await startTestHost();
    c2 = await startTestHost(SECOND_HOST);
    secrets = { sshPrivateKey: readFileSync(c1.privateKeyPath, "utf8") };
    // Both hosts accept the first host's key (the deploy key); the harness keeps its own.
    const pub = readFileSync(`${c1.privateKeyPath}.pub`, "utf8").trim();
    await sh(c2, `grep -qF '${pub}' /root/.ssh/authorized_keys || echo '${pub}' >>/root/.ssh/authorized_keys`);
    runner = new SshStepRunner();
    // The trees are cached between runs: whatever a failed run left is removed first.
    for (const h of [c1, c2]) {
      await sh(
        h,
        `systemctl disable --now wireguard-exporter.service wireguard-exporter-wg.socket ` +
          `2>/dev/null; ${LEFT_OVERS}; ${PROMETHEUS_FIXTURE_REMOVE}`,
      );
    }
    for (const h of [c1, c2]) await sh(h, PROMETHEUS_FIXTURE); // the second for the HA pair's other replica
    // As the Debian package makes it: the group the password files in secretsDir are readable by.
    await sh(c1, "getent group prometheus >/dev/null || groupadd --system prometheus");
    await sh(c2, "mkdir -p /etc/filebeat"); // as if Filebeat were installed there too
    for (const h of [c1, c2]) before.set(h.name, await sh(h, SNAPSHOT));
  });

  afterAll(async () => {
    try {
      if (deployed && runner) await destroy().catch(() => undefined);
      if (c1) await c1.ssh(`${PROMETHEUS_FIXTURE_REMOVE}; groupdel prometheus 2>/dev/null || true`);
      if (c2) await c2.ssh(PROMETHEUS_FIXTURE_REMOVE);
    } finally {
      runner?.dispose();
      rmSync(scratch, { recursive: true, force: true });
      await stopTestHost(SECOND_HOST);
      await stopTestHost();
    }
  });

  const base = () => ({
    hosts: [{ name: "vpn-1", on: c1 }],
    peers: [{ host: c1, publicKey: c1.peerPublicKey, friendlyName: "alice-laptop", expected: true }],
  });

  it("a. creates everything from nothing: exporter running and scraped, files where their placement says", async () => {
    const { steps } = await up(stackConfig(base()));
    expect([...steps].sort()).toEqual([
      "create command:remote:Command prometheus-files",
      "create command:remote:Command vpn-1-exporter",
      "create command:remote:CopyToRemote vpn-1-exporter-bundle",
      "create wireguard-monitoring:index:PrometheusServer prometheus",
      "create wireguard-monitoring:index:WireGuardHost vpn-1",
    ]);
    const at = (name: string) => steps.findIndex((s) => s.endsWith(` ${name}`));
    expect(at("vpn-1-exporter-bundle")).toBeLessThan(at("vpn-1-exporter"));
    expect(at("vpn-1-exporter")).toBeLessThan(at("prometheus-files"));
    expect(await sh(c1, "systemctl is-active wireguard-exporter.service wireguard-exporter-wg.socket")).toBe(
      "active\nactive\n",
    );
    const files = await sh(
      c1,
      "stat -c '%n %a %U %G' /opt/wireguard-exporter/wireguard-exporter.cjs /etc/wireguard-exporter/peers.yml " +
        "/etc/wireguard-exporter/web-config.yml /etc/systemd/system/wireguard-exporter.service " +
        "/etc/filebeat/inputs.d/wireguard-monitoring.yml /var/lib/wireguard-monitoring/exporter.deployment",
    );
    expect(files.trim().split("\n")).toEqual([
      "/opt/wireguard-exporter/wireguard-exporter.cjs 644 root root",
      "/etc/wireguard-exporter/peers.yml 640 root wireguard-exporter",
      "/etc/wireguard-exporter/web-config.yml 640 root wireguard-exporter",
      "/etc/systemd/system/wireguard-exporter.service 644 root root",
      "/etc/filebeat/inputs.d/wireguard-monitoring.yml 644 root root",
      "/var/lib/wireguard-monitoring/exporter.deployment 644 root root",
    ]);
    expect(await sh(c1, "cat /var/lib/wireguard-monitoring/exporter.deployment")).toBe(
      `${STACK}\n${STACK}/vpn-1@${c1.address}:22\n`,
    );
    const text = await waitFor("the peer with a handshake on /metrics", 30, async () => {
      const t = await metrics(c1);
      return /wireguard_latest_handshake_seconds\{[^}]*friendly_name="alice-laptop"[^}]*\} [1-9]/.test(t)
        ? t
        : undefined;
    });
    expect(peerName(text, c1.peerPublicKey)).toBe("alice-laptop");
    const query = encodeURIComponent('wireguard_peer_connected{friendly_name="alice-laptop"}');
    await waitFor("the peer in Prometheus", 60, async () => {
      const r = (await (await fetch(`http://${c1.address}:9090/api/v1/query?query=${query}`)).json()) as {
        data: { result: unknown[] };
      };
      return r.data.result.length > 0 ? true : undefined;
    });
  });

  it("b. a re-run with no change has zero steps", async () => {
    const snapshot = await sh(c1, SNAPSHOT);
    const { lifecycle } = await up(stackConfig(base()));
    expect(lifecycle.steps).toEqual([]);
    expect(lifecycle.same.length).toBe(deployed!.resources.length);
    expect(await sh(c1, SNAPSHOT)).toBe(snapshot);
  });

  it("runs the exporter as its own user with only CAP_NET_ADMIN, in a unit systemd-analyze accepts", async () => {
    const pid = await mainPid(c1);
    const status = await sh(
      c1,
      `stat -c %U /proc/${pid}; grep -E '^(Uid|Cap(Inh|Prm|Eff|Bnd|Amb)):' /proc/${pid}/status`,
    );
    expect(status.split("\n")[0]).toBe("wireguard-exporter");
    const caps = Object.fromEntries([...status.matchAll(/^(Cap\w+):\s+([0-9a-f]+)$/gm)].map((m) => [m[1], m[2]]));
    // Ambient capabilities live in the inheritable set too; every set holds CAP_NET_ADMIN (bit 12) alone.
    const netAdminOnly = (1n << 12n).toString(16).padStart(16, "0");
    expect(caps).toEqual({
      CapInh: netAdminOnly,
      CapPrm: netAdminOnly,
      CapEff: netAdminOnly,
      CapBnd: netAdminOnly,
      CapAmb: netAdminOnly,
    });
    const verify = await c1.ssh("systemd-analyze verify /etc/systemd/system/wireguard-exporter.service");
    expect({ code: verify.code, stderr: verify.stderr.trim() }).toEqual({ code: 0, stderr: "" });
    const security = await sh(c1, "systemd-analyze security --no-pager wireguard-exporter.service | tail -1");
    expect(Number(/exposure level for wireguard-exporter\.service: ([\d.]+)/.exec(security)?.[1])).toBeLessThanOrEqual(
      2.0,
    );
    expect(await sh(c1, "cat /etc/filebeat/inputs.d/wireguard-monitoring.yml")).toContain(
      "_SYSTEMD_UNIT=wireguard-exporter.service",
    );
  });

  it("refuses to install where Node.js is missing, naming the host, and changes nothing", async () => {
    const install = deployed!.resources.find((r) => r.name === "vpn-1-exporter")!;
    const snapshot = await sh(c1, SNAPSHOT);
    await sh(c1, "mv /usr/bin/node /usr/bin/node.e2e-hidden");
    try {
      await expect(
        runner.perform({ op: "update", resource: install, old: install, reason: "changed", changed: [] }),
      ).rejects.toThrow(
        new RegExp(
          String.raw`wireguard-monitoring: host vpn-1: Node\.js >= 18 is required at /usr/bin/node \(found: none\); ` +
            "install it or set installNode: true",
        ),
      );
    } finally {
      await sh(c1, "mv /usr/bin/node.e2e-hidden /usr/bin/node");
    }
    expect(await sh(c1, SNAPSHOT)).toBe(snapshot);
  });

  it("keeps the previous Prometheus files when promtool rejects the new ones, before or after the swap", async () => {
    const apply = deployed!.resources.find((r) => r.name === "prometheus-files")!;
    const files = readStdinFiles(apply.inputs.stdin as string);
    const withRules = (rules: string) => ({
      ...apply,
      inputs: {
        ...apply.inputs,
        stdin: filesOnStdin(
          [...files].map(([name, content]) => ({ name, content: name === "wireguard.rules.yml" ? rules : content })),
        ),
      },
    });
    const step = (r: typeof apply) => ({
      op: "update" as const,
      resource: r,
      old: apply,
      reason: "changed" as const,
      changed: ["stdin"],
    });
    const state = () =>
      sh(
        c1,
        "sha256sum /etc/prometheus/rules/wireguard.rules.yml " +
          "/etc/prometheus/prometheus.yml /etc/prometheus/targets/*.json",
      );
    const good = await state();
    try {
      await expect(
        runner.perform(
          step(withRules("groups:\n  - name: broken\n    rules:\n      - alert: Broken\n        expr: sum(\n")),
        ),
      ).rejects.toThrow(/the new rules failed promtool check rules; nothing was changed/);
      expect(await state()).toBe(good);
      // valid new rules, but the whole config fails in place (someone else's broken rule file): rolled back
      await sh(
        c1,
        "printf 'groups:\\n  - name: foreign\\n    rules:\\n      - record: " +
          "x\\n        expr: sum(\\n' >/etc/prometheus/rules/zz-foreign.yml",
      );
      await expect(
        runner.perform(step(withRules(`${files.get("wireguard.rules.yml")}# a harmless change\n`))),
      ).rejects.toThrow(/failed after the swap; the previous files were restored/);
      expect(await state()).toBe(good);
    } finally {
      await sh(c1, "rm -f /etc/prometheus/rules/zz-foreign.yml");
    }
  });

  it("c. adding a peer and renaming a friendly name are updates; the exporter shows the new name", async () => {
    const pid = await mainPid(c1);
    const extraKey = Buffer.alloc(32, 7).toString("base64");
    const config = stackConfig({
      hosts: [{ name: "vpn-1", on: c1 }],
      peers: [
        { host: c1, publicKey: c1.peerPublicKey, friendlyName: "alice-desktop", expected: true },
        { host: c1, publicKey: extraKey, friendlyName: "bob-phone" },
      ],
    });
    let steps: string[] = [];
    const scrapes = await scrapesFailedDuring(c1, async () => ({ steps } = await up(config)));
    expect(steps).toEqual(["update command:remote:Command vpn-1-exporter"]);
    expect(scrapes.failed).toBe(0);
    expect(scrapes.ok).toBeGreaterThan(0);
    expect(await mainPid(c1), "the exporter reloads the peers file itself: no restart").toBe(pid);
    await waitFor("the new friendly name on /metrics", 15, async () =>
      peerName(await metrics(c1), c1.peerPublicKey) === "alice-desktop" ? true : undefined,
    );
    expect(await sh(c1, "cat /etc/wireguard-exporter/peers.yml")).toContain("bob-phone");
  });

  it("d. changing thresholds.connected restarts the exporter with the new flag", async () => {
    const pid = await mainPid(c1);
    const { steps } = await up(stackConfig({ ...base(), connected: "150s" }));
    expect(steps).toEqual(["update command:remote:Command vpn-1-exporter"]);
    expect(await mainPid(c1)).not.toBe(pid);
    expect(await sh(c1, "systemctl show -p ExecStart --value wireguard-exporter.service")).toContain(
      "--wireguard.connected-threshold=150s",
    );
    expect(await sh(c1, "systemctl is-active wireguard-exporter.service")).toBe("active\n");
  });

  it("e. basic auth: Prometheus scrapes with the password, 401 without; no secret readable by others", async () => {
    const watch = "/run/wgm-watch.log";
    // Every file and directory the steps create or change, with its mode right after the event.
    const watcher =
      `inotifywait -m -r -q -e create,moved_to,attrib,close_write --format '%w%f' /etc /var/lib ` +
      `/root /tmp /var/tmp /opt | while read -r f; do stat -c '%a %U %G %n' "$f"; done >${watch}`;
    // Detached from the SSH session (which would otherwise wait for it), watching before the steps run.
    await sh(c1, `rm -f ${watch}; setsid sh -c ${shellQuote(watcher)} </dev/null >/dev/null 2>&1 & sleep 2`);
    const { steps } = await up(stackConfig({ ...base(), connected: "150s", basicAuth: true }));
    await sh(c1, "pkill -x inotifywait || true");
    expect(steps).toEqual([
      "update command:remote:Command vpn-1-exporter",
      "update command:remote:Command prometheus-files",
    ]);
    expect((await fetch(`http://${c1.address}:${PORT}/metrics`)).status).toBe(401);
    expect(await metrics(c1, true)).toMatch(/wireguard_scrape_success 1/);
    const up1 = encodeURIComponent('up{job="wireguard"}');
    await waitFor("Prometheus scraping with the password", 60, async () => {
      const r = (await (await fetch(`http://${c1.address}:9090/api/v1/query?query=${up1}`)).json()) as {
        data: { result: { value: [number, string] }[] };
      };
      return r.data.result[0]?.value[1] === "1" ? true : undefined;
    });
    const events = (await sh(c1, `cat ${watch}`))
      .trim()
      .split("\n")
      .filter((l) => l !== "");
    expect(events.length, "the watcher saw the steps write files").toBeGreaterThan(3);
    // Files on stdin are unpacked into a mktemp directory: 0700, so nothing in it is reachable by others.
    const workDirs = events.filter((l) => /^\d+ \S+ \S+ \/tmp\/tmp\.[^/]+$/.test(l));
    expect(workDirs.length).toBeGreaterThan(0);
    expect(workDirs.filter((l) => !l.startsWith("700 root root "))).toEqual([]);
    // Files that hold the password or its hash, wherever they are (temporary names included): never o+r.
    const secretFiles = events.filter((l) =>
      /\/(web-config\.yml|wireguard-exporter-password|health-password|files\.tar)(\.wgm-new)?$/.test(l),
    );
    expect(secretFiles.length).toBeGreaterThan(0);
    expect(secretFiles.filter((l) => /^[0-7]*[4-7] /.test(l))).toEqual([]);
    expect(
      await sh(
        c1,
        "stat -c '%a %U %G' /etc/prometheus/secrets/wireguard-exporter-password /etc/wireguard-exporter/web-config.yml",
      ),
    ).toBe("640 root prometheus\n640 root wireguard-exporter\n");
  });

  it("l. Alertmanager basic auth: 0640 password file; prometheus.yml uses it and passes promtool", async () => {
    alerting = { alertmanagers: [{ urls: ["http://127.0.0.1:9093"], basicAuth: { username: "prometheus" } }] };
    const { steps } = await up(stackConfig({ ...base(), connected: "150s", basicAuth: true }));
    expect(steps).toEqual(["update command:remote:Command prometheus-files"]);
    const file = "/etc/prometheus/secrets/wireguard-alertmanager-password";
    expect(await sh(c1, `stat -c '%a %U %G' ${file}; cat ${file}`)).toBe(
      `640 root prometheus\n${ALERTMANAGER_PASSWORD}`,
    );
    const config = await sh(c1, "cat /etc/prometheus/prometheus.yml");
    expect(config).toContain(`password_file: ${file}`);
    expect(config).not.toContain(ALERTMANAGER_PASSWORD);
    expect((await c1.ssh("promtool check config /etc/prometheus/prometheus.yml")).code).toBe(0);
    // reloaded: Prometheus now sends to that Alertmanager
    await waitFor("the Alertmanager in Prometheus", 30, async () => {
      const r = (await (await fetch(`http://${c1.address}:9090/api/v1/alertmanagers`)).json()) as {
        data: { activeAlertmanagers: { url: string }[] };
      };
      return r.data.activeAlertmanagers.some((a) => a.url.startsWith("http://127.0.0.1:9093/")) ? true : undefined;
    });
  });

  it("f. a new exporter build: new bundle uploaded and installed, exporter restarted", async () => {
    const pid = await mainPid(c1);
    const rebuilt = join(scratch, "wireguard-exporter-build2.cjs");
    writeFileSync(
      rebuilt,
      `${readFileSync(join(ROOT, "exporter", "dist", "wireguard-exporter.cjs"), "utf8")}\n// build 2\n`,
    );
    bundleEnv = { WIREGUARD_MONITORING_EXPORTER_BUNDLE: rebuilt };
    const { steps, performed } = await up(stackConfig({ ...base(), connected: "150s", basicAuth: true }));
    expect(steps).toEqual([
      "update command:remote:CopyToRemote vpn-1-exporter-bundle",
      "update command:remote:Command vpn-1-exporter",
    ]);
    expect(performed.filter((p) => p.ran).map((p) => p.name)).toEqual(["vpn-1-exporter-bundle", "vpn-1-exporter"]);
    expect(await sh(c1, "tail -c 11 /opt/wireguard-exporter/wireguard-exporter.cjs")).toBe("// build 2\n");
    expect(await mainPid(c1)).not.toBe(pid);
    expect(await sh(c1, "ls /root/.wireguard-monitoring/e2e/ | wc -l"), "earlier uploads are cleaned up").toBe("1\n");
  });

  it("k. after a restart of the host, the next update still works", async () => {
    await stopTestHost();
    c1 = await startTestHost(); // the tunnel comes back with a new peer key
    expect(await sh(c1, "systemctl is-active wireguard-exporter.service")).toBe("active\n");
    await sh(c1, "systemctl start prometheus"); // the fixture's Prometheus is not enabled
    const { steps } = await up(stackConfig({ ...base(), connected: "150s", basicAuth: true }));
    expect(steps).toEqual(["update command:remote:Command vpn-1-exporter"]);
    await waitFor("the new peer under its name", 30, async () =>
      peerName(await metrics(c1, true), c1.peerPublicKey) === "alice-laptop" ? true : undefined,
    );
  });

  it("g. renaming a host at the same address leaves it installed (the old resources' delete keeps it)", async () => {
    const { steps, performed } = await up(
      stackConfig({ hosts: [{ name: "vpn-one", on: c1 }], peers: base().peers, connected: "150s", basicAuth: true }),
    );
    expect(steps).toEqual([
      "create wireguard-monitoring:index:WireGuardHost vpn-one",
      "create command:remote:CopyToRemote vpn-one-exporter-bundle",
      "create command:remote:Command vpn-one-exporter",
      "update command:remote:Command prometheus-files",
      "delete command:remote:Command vpn-1-exporter",
      "delete command:remote:CopyToRemote vpn-1-exporter-bundle",
      "delete wireguard-monitoring:index:WireGuardHost vpn-1",
    ]);
    expect(performed.find((p) => p.name === "vpn-1-exporter")!.stdout).toContain(
      `is now deployed as ${STACK}/vpn-one@${c1.address}:22`,
    );
    expect(await sh(c1, "systemctl is-active wireguard-exporter.service")).toBe("active\n");
    expect(await metrics(c1, true)).toMatch(/wireguard_scrape_success 1/);
  });

  it("h. moving a host to another machine installs it there and cleans the old one", async () => {
    const { steps } = await up(
      stackConfig({
        hosts: [{ name: "vpn-one", on: c2 }],
        peers: [{ host: c2, publicKey: c2.peerPublicKey, friendlyName: "carol" }],
        connected: "150s",
        basicAuth: true,
      }),
    );
    expect(steps).toEqual([
      "create command:remote:CopyToRemote vpn-one-exporter-bundle (replace)",
      "create command:remote:Command vpn-one-exporter (replace)",
      "update command:remote:Command prometheus-files",
      "delete command:remote:Command vpn-one-exporter (replace)",
      "delete command:remote:CopyToRemote vpn-one-exporter-bundle (replace)",
    ]);
    expect(await sh(c2, "systemctl is-active wireguard-exporter.service")).toBe("active\n");
    await waitFor("carol on the new machine", 30, async () =>
      peerName(await metrics(c2, true), c2.peerPublicKey) === "carol" ? true : undefined,
    );
    const old = await c1.ssh(
      "systemctl show -p LoadState --value wireguard-exporter.service; ls " +
        "/etc/wireguard-exporter /opt/wireguard-exporter /root/.wireguard-monitoring " +
        "/var/lib/wireguard-monitoring 2>&1; getent passwd wireguard-exporter",
    );
    expect(old.stdout).toContain("not-found");
    expect(old.stdout).not.toMatch(/peers\.yml|wireguard-exporter\.cjs|exporter\.deployment|wireguard-exporter:/);
    expect(old.stdout).toContain("prometheus.deployment");
  });

  it("i. removing a host from the stack leaves nothing of it on that machine", async () => {
    const two = {
      hosts: [
        { name: "vpn-one", on: c2 },
        { name: "vpn-1", on: c1 },
      ],
      peers: [{ host: c2, publicKey: c2.peerPublicKey, friendlyName: "carol" }, ...base().peers],
      connected: "150s",
      basicAuth: true,
    };
    await up(stackConfig(two));
    expect(await sh(c1, "systemctl is-active wireguard-exporter.service")).toBe("active\n");
    const { steps } = await up(stackConfig({ ...two, hosts: [two.hosts[1]!], peers: base().peers }));
    expect(steps).toEqual([
      "update command:remote:Command prometheus-files",
      "delete command:remote:Command vpn-one-exporter",
      "delete command:remote:CopyToRemote vpn-one-exporter-bundle",
      "delete wireguard-monitoring:index:WireGuardHost vpn-one",
    ]);
    expect(await sh(c2, SNAPSHOT)).toBe(before.get(c2.name));
  });

  it("m. the single Prometheus becomes replica a of an HA pair: updated (aliased), b installed elsewhere", async () => {
    const { steps } = await up(stackConfig({ ...base(), connected: "150s", basicAuth: true, haPair: [c1, c2] }));
    expect([...steps].sort()).toEqual([
      "create command:remote:Command prometheus-b-files",
      "create wireguard-monitoring:index:PrometheusServer prometheus-b",
      "update command:remote:Command prometheus-a-files",
    ]);
    for (const [h, replica] of [
      [c1, "a"],
      [c2, "b"],
    ] as const) {
      expect(await sh(h, "cat /var/lib/wireguard-monitoring/prometheus.deployment")).toBe(
        `${STACK}\n${STACK}/prometheus-${replica}@${h.address}:${h.port}\n`,
      );
      expect(await sh(h, "sed -n '/external_labels:/,/^[a-z]/p' /etc/prometheus/prometheus.yml")).toContain(
        `replica: ${replica}`,
      );
      // reloaded with it
      await waitFor(`replica ${replica}'s Prometheus with its config`, 30, async () => {
        const r = (await (await fetch(`http://${h.address}:9090/api/v1/status/config`)).json()) as {
          data: { yaml: string };
        };
        return r.data.yaml.includes(`replica: ${replica}`) ? true : undefined;
      });
    }
    expect(await sh(c2, "stat -c '%a %U %G %n' /etc/prometheus/secrets/*")).toBe(
      "640 root root /etc/prometheus/secrets/wireguard-alertmanager-password\n" +
        "640 root root /etc/prometheus/secrets/wireguard-exporter-password\n",
    );
  });

  it("j. destroying the stack leaves the hosts as they were before", async () => {
    const { lifecycle } = await destroy();
    expect(lifecycle.steps.every((s) => s.op === "delete")).toBe(true);
    expect(await sh(c1, SNAPSHOT)).toBe(before.get(c1.name));
    expect(await sh(c2, SNAPSHOT)).toBe(before.get(c2.name));
  });
});
