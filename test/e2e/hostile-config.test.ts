// The shell steps of a stack whose values are hostile but valid (shell, YAML and systemd
// metacharacters in peer names, owners, labels, the basic-auth user and password, the telemetry
// path, the paths of the files), run on a booted Debian host with a failure forced on each path: Node.js
// missing, stdin unreadable, the bundle not uploaded, another stack owning the machine, the exporter
// not becoming healthy, promtool missing or rejecting the files before and after the swap, the
// reload failing — and then succeeding. No step runs a command it was not meant to (the canary the
// values would touch never appears), a step that fails before changing anything leaves the host as
// it was, and what is deployed reads back the values exactly, up to Prometheus's scraped labels.
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { load } from "js-yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { revealSecrets as reveal, type CapturedPlan, type PlannedResource } from "../../src/tools/plan/capture";
import { shellQuote } from "../../src/deploy/shell";
import { capturePlanInChild } from "../harness/plan";
import { startTestHost, stopTestHost, type RunResult, type TestHost } from "../harness/test-host";
import { PROMETHEUS_FIXTURE, PROMETHEUS_FIXTURE_REMOVE } from "./prometheus-fixture";

const ROOT = resolve(__dirname, "..", "..");
const CANARY = "/tmp/pwned";
const TOUCH = `touch ${CANARY}`;
/** One line, no ":" (so that the basic-auth user can take it). */
const ONE_LINE = `x$(${TOUCH})\`${TOUCH}\`'"; ${TOUCH} #%n%% \${HOME} &a !b`;
const MULTI_LINE = `${ONE_LINE}\nbasic_auth_users:\n  attacker: x`;
const PASSWORD = `p$(${TOUCH})'"\`${TOUCH}\`;|&`;
const TELEMETRY_PATH = "/m;touch$IFS/tmp/pwned&x=@+,~";
const PORT = 9586;
const STACK = "hostile";
const RULES_DIR = "/etc/prometheus/wgm@rules+1";

const LEFT_OVERS = [
  "systemctl disable --now wireguard-exporter.service wireguard-exporter-wg.socket 2>/dev/null",
  "systemctl stop wgm-port-blocker 2>/dev/null",
  "rm -rf /root/.wireguard-monitoring /var/lib/wireguard-monitoring /etc/wireguard-exporter " +
    "/opt/wireguard-exporter /etc/systemd/system/wireguard-exporter* /usr/local/bin/promtool",
  "[ ! -e /usr/bin/node.wgm-away ] || mv -f /usr/bin/node.wgm-away /usr/bin/node",
  "rm -rf /run/wgm-bin",
  `rm -f ${CANARY}`,
  "userdel wireguard-exporter 2>/dev/null; groupdel wireguard-exporter 2>/dev/null; systemctl daemon-reload; true",
].join("; ");

/** Files (type, path, mode, owner) and contents where a step could write; /tmp included. */
const SNAPSHOT = `
find /etc /opt /usr/local /usr/bin /var/lib/wireguard-monitoring /root /tmp /var/tmp -xdev \\
  -printf '%y %p %m %u %g\\n' 2>/dev/null | grep -v -E ' /etc/(passwd|group|shadow|gshadow)- | /etc/ld.so.cache ' | sort
echo '--- contents'
find /etc /opt /usr/local /root /tmp -xdev -type f ! -name '*-' -print0 2>/dev/null | sort -z | xargs -0 sha256sum
echo '--- accounts'
getent passwd wireguard-exporter || true
echo '--- units'
systemctl show -p ActiveState,UnitFileState wireguard-exporter.service wireguard-exporter-wg.socket`;

let host: TestHost;
let plan: CapturedPlan;

const resource = (name: string): PlannedResource => {
  const r = plan.resources.find((x) => x.name === name);
  if (!r) throw new Error(`no resource ${name} in the plan`);
  return r;
};
const inputs = (name: string) =>
  reveal(resource(name).inputs) as {
    create: string;
    delete: string;
    stdin: string;
    remotePath: string;
    source: { path: string };
  };

async function sh(command: string, input?: string): Promise<string> {
  const r = await host.ssh(command, input);
  if (r.code !== 0) throw new Error(`${command.slice(0, 100)}…: exit ${r.code}\n${r.stderr}`);
  return r.stdout;
}

/** Runs a Command's create or delete as the provider does: the command over SSH, stdin on its stdin. */
function step(name: string, op: "create" | "delete", stdin?: string): Promise<RunResult> {
  const i = inputs(name);
  return host.ssh(op === "create" ? i.create : i.delete, stdin ?? (op === "create" ? i.stdin : undefined));
}

async function canaryAbsent(): Promise<void> {
  expect((await host.ssh(`test ! -e ${CANARY}`)).code, `${CANARY} exists on the host`).toBe(0);
}

async function upload(): Promise<void> {
  const i = inputs("vpn-1-exporter-bundle");
  await sh(
    `mkdir -p "$HOME"/${shellQuote(i.remotePath.replace(/\/[^/]*$/, ""))} && cat >"$HOME"/${shellQuote(i.remotePath)}`,
    readFileSync(i.source.path, "utf8"),
  );
}

/** Runs `run` and expects it to fail with `message` and leave the host exactly as it was. */
async function failsChangingNothing(run: () => Promise<RunResult>, message: string): Promise<RunResult> {
  const before = await sh(SNAPSHOT);
  const r = await run();
  expect(r.code, r.stdout).not.toBe(0);
  expect(r.stderr).toContain(message);
  await canaryAbsent();
  expect(await sh(SNAPSHOT)).toBe(before);
  return r;
}

describe("a stack of hostile but valid values, deployed with every step's failure forced", { timeout: 600_000 }, () => {
  let initial: string;

  beforeAll(async () => {
    host = await startTestHost();
    await sh(`${LEFT_OVERS}; ${PROMETHEUS_FIXTURE_REMOVE}`);
    await sh(PROMETHEUS_FIXTURE);
    const target = { address: host.address, ssh: { port: host.port, user: host.user, hostKey: host.hostKey } };
    const config = {
      hosts: [
        { name: "vpn-1", ...target, interfaces: ["wg0"], labels: { site: MULTI_LINE }, userspaceWireGuard: true },
      ],
      peers: [
        {
          publicKey: host.peerPublicKey,
          friendlyName: MULTI_LINE,
          owner: ONE_LINE,
          host: "vpn-1",
          interface: "wg0",
          expected: true,
        },
      ],
      prometheus: {
        ...target,
        rulesDir: RULES_DIR,
        targetsDir: "/etc/prometheus/targets-2",
        secretsDir: "/etc/prometheus/secrets_3",
        reload: "sighup",
        scrapeInterval: "2s",
        scrapeTimeout: "1s",
        evaluationInterval: "2s",
      },
      grafana: { enabled: false },
      logs: { filebeat: true, filebeatInputsDir: "/etc/filebeat/in+puts@d" },
      exporter: { port: PORT, telemetryPath: TELEMETRY_PATH, basicAuth: { enabled: true, username: ONE_LINE } },
    };
    plan = await capturePlanInChild({
      stack: STACK,
      config,
      secrets: { sshPrivateKey: readFileSync(host.privateKeyPath, "utf8"), exporterBasicAuthPassword: PASSWORD },
    });
    initial = await sh(SNAPSHOT);
  });

  afterAll(async () => {
    try {
      if (host) await host.ssh(`${LEFT_OVERS}; ${PROMETHEUS_FIXTURE_REMOVE}`);
    } finally {
      await stopTestHost();
    }
  });

  it("host install: stdin that is no archive stops it before anything changes", async () => {
    await upload();
    await failsChangingNothing(
      () => step("vpn-1-exporter", "create", "wireguard-monitoring files\n--\n%%% not base64\n"),
      "wireguard-monitoring: host vpn-1: the files on stdin are not readable",
    );
  });

  it("host install: a missing Node.js stops it, naming the host, before anything changes", async () => {
    await sh("mv /usr/bin/node /usr/bin/node.wgm-away");
    try {
      await failsChangingNothing(
        () => step("vpn-1-exporter", "create"),
        "wireguard-monitoring: host vpn-1: Node.js >= 18 is required at /usr/bin/node",
      );
    } finally {
      await sh("mv /usr/bin/node.wgm-away /usr/bin/node");
    }
  });

  it("host install and removal: a machine another stack owns is refused and left alone, marker printed", async () => {
    const owner = `evil$(${TOUCH})\`${TOUCH}\``;
    await sh(
      `mkdir -p /var/lib/wireguard-monitoring && printf ` +
        `'%s\\n%s\\n' ${shellQuote(owner)} ${shellQuote(`${owner}/x@y`)} ` +
        `>/var/lib/wireguard-monitoring/exporter.deployment`,
    );
    try {
      await failsChangingNothing(
        () => step("vpn-1-exporter", "create"),
        `the exporter here belongs to stack '${owner}' (${owner}/x@y); remove it from that stack first`,
      );
      const before = await sh(SNAPSHOT);
      const removed = await step("vpn-1-exporter", "delete");
      expect(removed.code, removed.stderr).toBe(0);
      expect(removed.stdout).toContain(
        `exporter on ${host.address}:22 is now deployed ` +
          `as ${owner}/x@y; ${STACK}/vpn-1@${host.address}:22 leaves it in place`,
      );
      await canaryAbsent();
      expect(await sh(SNAPSHOT)).toBe(before);
    } finally {
      await sh("rm -rf /var/lib/wireguard-monitoring");
    }
  });

  it("host install: a bundle that was not uploaded stops it before anything is installed", async () => {
    const i = inputs("vpn-1-exporter-bundle");
    await sh(`rm -f "$HOME"/${shellQuote(i.remotePath)}`);
    const before = await sh(SNAPSHOT);
    const r = await step("vpn-1-exporter", "create");
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain("wireguard-monitoring: host vpn-1: the exporter bundle was not uploaded to");
    await canaryAbsent();
    // The install claimed the machine and created the exporter's account before it reached the bundle.
    const after = await sh(SNAPSHOT);
    const added = after.split("\n").filter((l) => !before.split("\n").includes(l));
    const expected = new RegExp(
      [
        String.raw`^f /var/lib/wireguard-monitoring/exporter\.deployment `,
        String.raw`^d /var/lib/wireguard-monitoring `,
        String.raw`^[0-9a-f]{64} {2}/etc/(passwd|group|shadow|gshadow|\.pwd\.lock)$`,
        String.raw`^f /etc/\.pwd\.lock `,
        "^wireguard-exporter:x:",
      ].join("|"),
    );
    expect(added.filter((l) => !expected.test(l))).toEqual([]);
    await upload();
  });

  it("host install: an exporter that cannot become healthy fails with its journal; the next run succeeds", async () => {
    await sh(
      `systemd-run --quiet --unit=wgm-port-blocker /usr/bin/node -e 'require("net").createServer().listen(${PORT})'`,
    );
    try {
      const r = await step("vpn-1-exporter", "create");
      expect(r.code).not.toBe(0);
      expect(r.stderr).toContain("wireguard-monitoring: host vpn-1: wireguard-exporter.service did not become healthy");
      await canaryAbsent();
    } finally {
      await sh("systemctl stop wgm-port-blocker");
    }
    const ok = await step("vpn-1-exporter", "create");
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toContain("host vpn-1: wireguard-exporter.service healthy");
    await canaryAbsent();
  });

  it("host files read back exactly the values given", async () => {
    const peers = load(await sh("cat /etc/wireguard-exporter/peers.yml")) as {
      peers: { friendly_name: string; owner: string }[];
    };
    expect(peers.peers.map((p) => [p.friendly_name, p.owner])).toEqual([[MULTI_LINE, ONE_LINE]]);
    const web = load(await sh("cat /etc/wireguard-exporter/web-config.yml")) as {
      basic_auth_users: Record<string, string>;
    };
    expect(Object.keys(web.basic_auth_users)).toEqual([ONE_LINE]);
    const argv = (
      await sh("tr '\\0' '\\n' </proc/$(systemctl show -p MainPID --value wireguard-exporter.service)/cmdline")
    ).split("\n");
    expect(argv).toContain(`--web.telemetry-path=${TELEMETRY_PATH}`);
    const authorization = `Basic ${Buffer.from(`${ONE_LINE}:${PASSWORD}`).toString("base64")}`;
    const res = await fetch(`http://${host.address}:${PORT}${TELEMETRY_PATH}`, { headers: { authorization } });
    expect(res.status).toBe(200);
    expect(await res.text()).toContain("wireguard_peer_connected{");
    await canaryAbsent();
  });

  it("prometheus apply: a missing promtool stops it before anything changes", async () => {
    // promtool is bind-mounted into the host: the step gets a PATH whose bin directory lacks it
    await sh(
      "rm -rf /run/wgm-bin && mkdir /run/wgm-bin && for f in /usr/bin/*; " +
        'do [ "$f" = /usr/bin/promtool ] || ln -s "$f" /run/wgm-bin/; done',
    );
    try {
      await failsChangingNothing(
        () =>
          host.ssh(
            `export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/run/wgm-bin; ${inputs("prometheus-files").create}`,
            inputs("prometheus-files").stdin,
          ),
        "wireguard-monitoring: prometheus: promtool not found on the Prometheus server",
      );
    } finally {
      await sh("rm -rf /run/wgm-bin");
    }
  });

  it("prometheus apply: files promtool rejects before the swap change nothing", async () => {
    await sh(
      `printf '#!/bin/sh\\n[ "$1 $2" != "check rules" ] || { echo rejected >&2; exit 1; }\\nexec ` +
        `/usr/bin/promtool "$@"\\n' >/usr/local/bin/promtool && chmod 755 /usr/local/bin/promtool`,
    );
    try {
      await failsChangingNothing(
        () => step("prometheus-files", "create"),
        "wireguard-monitoring: prometheus: the new rules failed promtool check rules; nothing was changed",
      );
    } finally {
      await sh("rm -f /usr/local/bin/promtool");
    }
  });

  it("prometheus apply: a configuration promtool rejects after the swap is rolled back", async () => {
    const before = await sh(SNAPSHOT);
    await sh(
      `printf '#!/bin/sh\\n[ "$1 $2 $3" != "check config /etc/prometheus/prometheus.yml" ` +
        `] || { echo rejected >&2; exit 1; }\\nexec /usr/bin/promtool "$@"\\n' ` +
        `>/usr/local/bin/promtool && chmod 755 /usr/local/bin/promtool`,
    );
    let r: RunResult;
    try {
      r = await step("prometheus-files", "create");
    } finally {
      await sh("rm -f /usr/local/bin/promtool");
    }
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(
      "wireguard-monitoring: prometheus: promtool check config " +
        "/etc/prometheus/prometheus.yml failed after the swap; the previous files were restored",
    );
    await canaryAbsent();
    // Every file is as before; left: the directories the swap made, the deployment marker and the
    // copy of the user's own prometheus.yml that a removal restores.
    const after = await sh(SNAPSHOT);
    const added = after.split("\n").filter((l) => !before.split("\n").includes(l));
    const removed = before.split("\n").filter((l) => !after.split("\n").includes(l));
    expect(removed).toEqual([]);
    const original = "/etc/prometheus/prometheus.yml.before-wireguard-monitoring";
    const left = (l: string) =>
      /^d \/etc\/prometheus\/\S+ |^f \/var\/lib\/wireguard-monitoring\/prometheus\.deployment /.test(l) ||
      l.startsWith(`f ${original} `) ||
      l.endsWith(`  ${original}`);
    expect(added.filter((l) => !left(l))).toEqual([]);
  });

  it("prometheus apply: a failing reload is reported, a working one reloads, hostile names are scraped", async () => {
    await sh("systemctl stop prometheus");
    try {
      const r = await step("prometheus-files", "create");
      expect(r.code).not.toBe(0);
      expect(r.stderr).toContain("wireguard-monitoring: prometheus: reload (sighup) failed");
      await canaryAbsent();
    } finally {
      // Prometheus running again with the user's prometheus.yml: the next apply replaces it and reloads
      await sh(PROMETHEUS_FIXTURE);
    }
    const ok = await step("prometheus-files", "create");
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toContain("prometheus: files changed: 1, reloaded: 1");
    await canaryAbsent();
    const query = `http://${host.address}:9090/api/v1/query?query=wireguard_peer_connected`;
    const deadline = Date.now() + 60_000;
    let labels: Record<string, string> | undefined;
    while (!labels && Date.now() < deadline) {
      const result = (await (await fetch(query)).json()) as { data: { result: { metric: Record<string, string> }[] } };
      labels = result.data.result[0]?.metric;
      if (!labels) await new Promise((r) => setTimeout(r, 1000));
    }
    expect(labels?.friendly_name).toBe(MULTI_LINE);
    expect(labels?.site).toBe(MULTI_LINE);
  });

  it("removal on both machines runs nothing else and leaves the host as it was", async () => {
    const host1 = await step("vpn-1-exporter", "delete");
    expect(host1.code, host1.stderr).toBe(0);
    const prom = await step("prometheus-files", "delete");
    expect(prom.code, prom.stderr).toBe(0);
    await canaryAbsent();
    // useradd leaves its lock file behind
    const strip = (s: string) =>
      s
        .split("\n")
        .filter((l) => !l.includes("/etc/.pwd.lock"))
        .join("\n");
    expect(strip(await sh(SNAPSHOT))).toBe(strip(initial));
  });
});
