// End to end: index.ts under mocks with a stack pointing at a booted Debian host (systemd as PID 1,
// sshd, a WireGuard tunnel to a peer namespace); the captured CopyToRemote/Command steps are then
// performed over real SSH, and the host is checked — running, scraped, idempotent, removable.
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CapturedPlan } from "../../src/plan/capture";
import { capturePlanInChild } from "../harness/plan";
import { startTestHost, stopTestHost, type TestHost } from "../harness/test-host";
import { SshStepRunner, stepsInOrder, type Step } from "./steps";

const BUNDLE = resolve(__dirname, "..", "..", "exporter", "dist", "wireguard-exporter.cjs");
const FRIENDLY_NAME = "e2e-tunnel-peer";
const EXPORTER_PORT = 9586;
const PASSWORD = randomBytes(18).toString("base64url");
const AUTH = { authorization: `Basic ${Buffer.from(`prometheus:${PASSWORD}`).toString("base64")}` };

/** A Prometheus that is already there before the stack is deployed (the component only reconfigures it). */
const PROMETHEUS_FIXTURE = `
mkdir -p /etc/prometheus /var/lib/prometheus /etc/filebeat
printf 'global:\\n  scrape_interval: 15s\\n' >/etc/prometheus/prometheus.yml
cat >/etc/systemd/system/prometheus.service <<'EOF'
[Unit]
Description=Prometheus (e2e fixture)
[Service]
ExecStart=/usr/bin/prometheus --config.file=/etc/prometheus/prometheus.yml --storage.tsdb.path=/var/lib/prometheus --web.listen-address=0.0.0.0:9090
EOF
systemctl daemon-reload && systemctl start prometheus
for i in $(seq 100); do systemctl is-active --quiet prometheus && [ -e /var/lib/prometheus/wal ] && break; sleep 0.1; done
systemctl is-active prometheus`;
const PROMETHEUS_FIXTURE_REMOVE = `systemctl stop prometheus; rm -rf /etc/systemd/system/prometheus.service /etc/prometheus /var/lib/prometheus /etc/filebeat; systemctl daemon-reload`;

/** What the host looks like: file tree (type, path, mode, owner, group, size, mtime), contents, accounts, service. */
const SNAPSHOT = `
find /etc /opt /usr/local /tmp /var/tmp /run/wireguard -xdev -printf '%y %p %m %u %g %s %T@\\n' 2>/dev/null | sort
echo '--- contents'
find /etc /opt /usr/local /tmp /var/tmp -xdev -type f -print0 2>/dev/null | sort -z | xargs -0 sha256sum
echo '--- accounts'
getent passwd wireguard-exporter || true; getent group wireguard-exporter || true
echo '--- service'
systemctl show -p LoadState,UnitFileState,ActiveState,MainPID,ActiveEnterTimestampMonotonic wireguard-exporter.service`;

/**
 * Uploads land in the staging directory again (new mtimes, same bytes), and /tmp's own mtime moves
 * with every scrape (systemd sets up each wg helper instance's private /dev there); nothing else may move.
 */
const withoutMovingTimes = (snapshot: string) =>
  snapshot.replace(/^(\S+ \/tmp\/wireguard-monitoring-\S* .*) [\d.]+$/gm, "$1").replace(/^(d \/tmp .*) [\d.]+$/m, "$1");

let host: TestHost;
let runner: SshStepRunner;
let steps: Step[];
let plan: CapturedPlan;
let before: string;

async function ssh(command: string): Promise<string> {
  const r = await host.ssh(command);
  if (r.code !== 0) throw new Error(`ssh ${command.slice(0, 80)}…: exit ${r.code}\n${r.stderr}`);
  return r.stdout;
}

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
    if (Date.now() > deadline) throw new Error(`${what}: not within ${seconds} s${last ? ` (${(last as Error).message})` : ""}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

describe("deploying a stack (basic auth, Filebeat, userspace WireGuard) to a booted systemd host over SSH", () => {
  beforeAll(async () => {
    if (!existsSync(BUNDLE)) throw new Error(`exporter bundle ${BUNDLE} is missing: run \`npm run build\` first`);
    host = await startTestHost();
    const target = { address: host.address, ssh: { port: host.port, user: host.user, hostKey: host.hostKey } };
    plan = await capturePlanInChild({
      stack: "e2e",
      config: {
        hosts: [{ name: "wgm-e2e", ...target, interfaces: ["wg0"], labels: { site: "lab" }, userspaceWireGuard: true }],
        peers: [{ publicKey: host.peerPublicKey, friendlyName: FRIENDLY_NAME, owner: "qa", host: "wgm-e2e", interface: "wg0", expected: true }],
        prometheus: { ...target, reload: "sighup", scrapeInterval: "5s", scrapeTimeout: "4s", evaluationInterval: "5s" },
        grafana: { enabled: false },
        logs: { filebeat: true },
        exporter: { port: EXPORTER_PORT, basicAuth: { enabled: true, username: "prometheus" } },
      },
      secrets: { sshPrivateKey: readFileSync(host.privateKeyPath, "utf8"), exporterBasicAuthPassword: PASSWORD },
    });
    steps = stepsInOrder(plan);
    runner = new SshStepRunner();
    // The tree is cached between runs: a run that failed half-way is undone first (delete is idempotent).
    await runner.down(steps);
    await ssh(PROMETHEUS_FIXTURE);
    before = await ssh(SNAPSHOT);
    await runner.up(steps);
  });

  afterAll(async () => {
    try {
      if (runner && steps) await runner.down(steps);
      if (host) await host.ssh(PROMETHEUS_FIXTURE_REMOVE);
    } finally {
      runner?.dispose();
      await stopTestHost();
    }
  });

  it("performs uploads before the install and the hosts' installs before the Prometheus step", () => {
    const names = steps.map((s) => s.resource.name);
    expect(names.indexOf("wgm-e2e-install")).toBeGreaterThan(Math.max(...names.filter((n) => n.startsWith("wgm-e2e-") && n !== "wgm-e2e-install").map((n) => names.indexOf(n))));
    expect(names.indexOf("prometheus-apply")).toBeGreaterThan(names.indexOf("wgm-e2e-install"));
  });

  it("runs the exporter under systemd as its own user holding only CAP_NET_ADMIN", async () => {
    const pid = (await ssh("systemctl show -p MainPID --value wireguard-exporter.service")).trim();
    expect(Number(pid)).toBeGreaterThan(0);
    const status = await ssh(`stat -c %U /proc/${pid}; grep -E '^(Uid|Gid|Cap(Inh|Prm|Eff|Bnd|Amb)):' /proc/${pid}/status`);
    expect(status.split("\n")[0]).toBe("wireguard-exporter");
    const caps = Object.fromEntries([...status.matchAll(/^(Cap\w+):\s+([0-9a-f]+)$/gm)].map((m) => [m[1], m[2]]));
    // Ambient capabilities live in the inheritable set too; every set holds CAP_NET_ADMIN (bit 12) alone.
    const netAdminOnly = (1n << 12n).toString(16).padStart(16, "0");
    expect(caps).toEqual({ CapInh: netAdminOnly, CapPrm: netAdminOnly, CapEff: netAdminOnly, CapBnd: netAdminOnly, CapAmb: netAdminOnly });
    expect(status).not.toMatch(/^Uid:\s+0\b/m);
  });

  it("serves /metrics to the root namespace with the tunnel's peer under its friendly name", async () => {
    const text = await waitFor("peer with a handshake on /metrics", 30, async () => {
      const body = await (await fetch(`http://${host.address}:${EXPORTER_PORT}/metrics`, { headers: AUTH })).text();
      return /wireguard_latest_handshake_seconds\{[^}]*friendly_name="e2e-tunnel-peer"[^}]*\} [1-9]/.test(body) ? body : undefined;
    });
    expect(text).toMatch(new RegExp(`wireguard_peer_connected\\{[^}]*public_key="${host.peerPublicKey.replace(/[+/]/g, "\\$&")}"[^}]*\\} 1`));
    expect(text).toMatch(/wireguard_scrape_success 1/);
    expect((await fetch(`http://${host.address}:${EXPORTER_PORT}/metrics`)).status, "without the password").toBe(401);
  });

  it("passes systemd-analyze on the real host: verify is clean and the exposure is at most 2.0", async () => {
    const verify = await host.ssh("systemd-analyze verify /etc/systemd/system/wireguard-exporter.service");
    expect({ code: verify.code, stderr: verify.stderr.trim() }).toEqual({ code: 0, stderr: "" });
    const security = await ssh("systemd-analyze security --no-pager wireguard-exporter.service | tail -1");
    const score = Number(/exposure level for wireguard-exporter\.service: ([\d.]+)/.exec(security)?.[1]);
    expect(score).toBeLessThanOrEqual(2.0);
  });

  it("installs the Filebeat inputs where Filebeat reads them", async () => {
    const inputs = await ssh("cat /etc/filebeat/inputs.d/wireguard-monitoring.yml");
    expect(inputs).toContain("_SYSTEMD_UNIT=wireguard-exporter.service");
    expect(inputs).toContain("_SYSTEMD_UNIT=wg-quick@wg0.service");
  });

  it("has a real Prometheus with the rendered config scrape the exporter", async () => {
    const promFiles = plan.resources.filter((r) => r.type === "command:remote:CopyToRemote" && r.name.startsWith("prometheus-"));
    expect(promFiles.length, "the stack renders no Prometheus files (prometheusArtifacts)").toBeGreaterThan(0);
    const query = `wireguard_peer_connected{friendly_name="${FRIENDLY_NAME}"}`;
    const result = await waitFor("the peer in Prometheus", 60, async () => {
      const r = (await (await fetch(`http://${host.address}:9090/api/v1/query?query=${encodeURIComponent(query)}`)).json()) as { data: { result: { metric: Record<string, string>; value: [number, string] }[] } };
      return r.data.result.length > 0 ? r.data.result : undefined;
    });
    expect(result[0].value[1]).toBe("1");
  });

  it("refuses to install where Node.js is missing, naming the host, and changes nothing", async () => {
    const install = steps.find((st) => st.resource.name === "wgm-e2e-install")!;
    const snapshot = await ssh(SNAPSHOT);
    await ssh("mv /usr/bin/node /usr/bin/node.e2e-hidden");
    try {
      await expect(runner.perform(install)).rejects.toThrow(/wireguard-monitoring: host wgm-e2e: Node\.js >= 18 is required at \/usr\/bin\/node \(found: none\); install it or set installNode: true/);
    } finally {
      await ssh("mv /usr/bin/node.e2e-hidden /usr/bin/node");
    }
    expect(withoutMovingTimes(await ssh(SNAPSHOT))).toBe(withoutMovingTimes(snapshot));
  });

  it("keeps the previous Prometheus files when promtool rejects the new ones, before or after the swap", async () => {
    const apply = steps.find((st) => st.resource.name === "prometheus-apply")!;
    const rulesUpload = steps.find((st) => st.resource.name === "prometheus-rules-wireguard-rules-yml")!;
    const staged = rulesUpload.inputs.remotePath as string;
    const installed = "/etc/prometheus/rules/wireguard.rules.yml";
    const state = () => ssh(`sha256sum ${installed} /etc/prometheus/prometheus.yml /etc/prometheus/targets/*.json`);
    const good = await state();
    try {
      // 1. broken staged rules: refused before anything is swapped in
      await ssh(`printf 'groups:\n  - name: broken\n    rules:\n      - alert: Broken\n        expr: sum(\n' >${staged}`);
      await expect(runner.perform(apply)).rejects.toThrow(/staged rules failed promtool check rules; nothing was changed/);
      expect(await state()).toBe(good);
      // 2. valid new rules, but the whole config fails in place (someone else's broken rule file): rolled back
      await runner.perform(rulesUpload);
      await ssh(`echo '# a harmless change' >>${staged}; printf 'groups:\n  - name: foreign\n    rules:\n      - record: x\n        expr: sum(\n' >/etc/prometheus/rules/zz-foreign.yml`);
      await expect(runner.perform(apply)).rejects.toThrow(/failed after the swap; the previous files were restored/);
      expect(await state()).toBe(good);
    } finally {
      await ssh("rm -f /etc/prometheus/rules/zz-foreign.yml");
      await runner.perform(rulesUpload);
    }
  });

  it("changes nothing on the host when the steps are performed again", async () => {
    const first = await ssh(SNAPSHOT);
    await runner.up(steps);
    expect(withoutMovingTimes(await ssh(SNAPSHOT))).toBe(withoutMovingTimes(first));
  });

  it("leaves nothing behind after the delete steps", async () => {
    await runner.down(steps);
    const after = await ssh(SNAPSHOT);
    // Directory mtimes move when entries come and go, and shadow-utils keep their one-generation
    // backups (/etc/passwd- …); everything else — every path, mode, owner, content — is as before.
    const comparable = (s: string) =>
      s
        .split("\n")
        .filter((l) => !/ \/etc\/(passwd|group|shadow|gshadow)-( |$)/.test(l) && !/^\S+\s+\/etc\/(passwd|group|shadow|gshadow)-$/.test(l))
        .map((l) => (/^[df] /.test(l) ? l.replace(/ [\d.]+$/, "") : l))
        .join("\n");
    expect(comparable(after)).toBe(comparable(before));
    expect(after).toContain("LoadState=not-found");
  });
});
