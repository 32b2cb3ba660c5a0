// A stack whose string values carry shell, YAML and systemd metacharacters: each key either refuses
// them (naming the key and the form it takes, every error at once) or renders files that read back
// to exactly the value given — YAML and JSON round-trip, units pass systemd-analyze, Prometheus's
// files pass promtool — and the shell steps print such values without running anything.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { load } from "js-yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { keyPath, validateStackConfig, type Inventory } from "../../src/model/index";
import { stackFolder } from "../../src/build/grafana/stack-names";
import { exporterArgs, unitArg } from "../../src/build/hosts/systemd-unit";
import { EXPORTER_BUNDLE, HOST_FILES } from "../../src/build/hosts/paths";
import { renderWebConfig, withBasicAuthUser } from "../../src/build/hosts/web-config";
import { installScript } from "../../src/deploy/host-scripts";
import { prometheusApplyScript } from "../../src/deploy/prometheus-scripts";
import { stackArtifacts, stackBuildErrors } from "../../src/build/stack-artifacts";

/** Scratch directory of the tests that run tools (made when they run, not when tests are listed). */
let work: string;
beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), "wgm-hostile-"));
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Appears only if a hostile value was run as a command. */
const CANARY = join(tmpdir(), `wgm-hostile-canary-${process.pid}`);
/** Shell, YAML, JSON and systemd metacharacters on one line (no ":", which basic auth cannot take). */
const ONE_LINE = `x$(touch ${CANARY})\`touch ${CANARY}\`'" %n%%;& | # - [a] {b} *c \\ $HOME \${USER} &anchor !tag`;
/** The same, going on to add a key of its own where it is pasted into YAML. */
const MULTI_LINE = `${ONE_LINE}\nbasic_auth_users:\n  attacker: x`;
/** The same, shaped like an absolute path. */
const PATH_LIKE = `/etc/wireguard-exporter/${MULTI_LINE}`;
const HOSTILE = [
  ["on two lines", MULTI_LINE],
  ["on one line", ONE_LINE],
  ["as a path", PATH_LIKE],
] as const;

const HOST_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIC5T7KVG0Jx6Chq6Q/n3wk+i3HXNcS4lpuw+hW1BxRka";
const KEY_A = "XKiqzxysok0yJLo7RcTi80u07KFgN2KQPUMV4+R2zT4=";

type Tree = Record<string, unknown>;

/** A valid stack that sets every key, so that every string the schema knows is present. */
function fullConfig(): Tree {
  return {
    environment: "lab",
    allowUnpinnedHostKeys: false,
    hosts: [
      {
        name: "vpn-a",
        address: "203.0.113.10",
        ssh: { port: 22, user: "deploy", hostKey: HOST_KEY },
        interfaces: ["wg0"],
        labels: { site: "fra" },
        installNode: false,
        userspaceWireGuard: true,
      },
    ],
    peers: [{ publicKey: KEY_A, friendlyName: "alice", owner: "ops", host: "vpn-a", interface: "wg0", expected: true }],
    prometheus: {
      address: "203.0.113.20",
      ssh: { port: 22, user: "deploy", hostKey: HOST_KEY },
      configFile: "/etc/prometheus/prometheus.yml",
      rulesDir: "/etc/prometheus/rules",
      targetsDir: "/etc/prometheus/targets",
      secretsDir: "/etc/prometheus/secrets",
      configMode: "full",
      reload: "systemctl",
      reloadUrl: "http://127.0.0.1:9090/-/reload",
      service: "prometheus",
      url: "http://127.0.0.1:9090",
      jobName: "wireguard",
      scrapeInterval: "30s",
      scrapeTimeout: "10s",
      evaluationInterval: "30s",
    },
    grafana: { enabled: true, url: "https://grafana.example.net", folder: "WireGuard", datasourceUid: "prometheus" },
    thresholds: { staleHandshake: "5m", connected: "3m", highBandwidthBytesPerSecond: 1000 },
    exporter: {
      listenAddress: "0.0.0.0",
      port: 9586,
      telemetryPath: "/metrics",
      collectorTimeout: "5s",
      exportEndpoints: false,
      installNode: false,
      tls: {
        enabled: true,
        certFile: "/etc/wireguard-exporter/tls.crt",
        keyFile: "/etc/wireguard-exporter/tls.key",
        caFile: "/etc/prometheus/ca.crt",
        insecureSkipVerify: false,
      },
      basicAuth: { enabled: true, username: "prometheus" },
    },
    logs: { filebeat: true, filebeatInputsDir: "/etc/filebeat/inputs.d" },
    remoteWrite: [
      {
        url: "https://mimir.example.net/api/v1/push",
        name: "central",
        headers: { "X-Scope-OrgID": "team-a" },
        basicAuth: { username: "writer" },
        tls: { caFile: "/etc/prometheus/secrets/central-ca.crt", insecureSkipVerify: false },
        queue: { capacity: 10000, minShards: 1, maxShards: 50, maxSamplesPerSend: 2000, batchSendDeadline: "5s" },
        wireGuardOnly: true,
      },
    ],
    alerting: {
      alertmanagers: [
        {
          urls: ["https://am.example.net:9093/am"],
          basicAuth: { username: "prometheus" },
          tls: { caFile: "/etc/prometheus/secrets/am-ca.crt", insecureSkipVerify: false },
          timeout: "10s",
        },
        { fileSd: "/etc/prometheus/alertmanagers.json", scheme: "https", pathPrefix: "/am" },
      ],
      route: {
        receivers: { critical: "pager", warning: "team-chat", info: "ticket" },
        groupBy: ["env", "instance", "alertname"],
        groupWait: "30s",
        groupInterval: "5m",
        repeatInterval: "4h",
      },
    },
  };
}

type Path = (string | number)[];

/** Every string value in the config, with its key path. */
function stringKeys(value: unknown, path: Path = []): Path[] {
  if (typeof value === "string") return [path];
  if (Array.isArray(value)) return value.flatMap((v, i) => stringKeys(v, [...path, i]));
  if (value !== null && typeof value === "object")
    return Object.entries(value).flatMap(([k, v]) => stringKeys(v, [...path, k]));
  return [];
}

function setAt(tree: Tree, path: Path, value: unknown): void {
  let at: any = tree;
  for (const part of path.slice(0, -1)) at = at[part];
  at[path[path.length - 1]] = value;
}

const ALL_KEYS = stringKeys(fullConfig());
const name = (path: Path) => keyPath(path).replace(/^wireguard-monitoring:/, "");

/** Free text that only ever reaches a serializer (YAML, JSON, a provider input); it must round-trip. */
const FREE_TEXT = new Set([
  "hosts[0].labels.site",
  "peers[0].friendlyName",
  "peers[0].owner",
  "grafana.folder",
  "grafana.datasourceUid",
]);
/** Refused by the checks across keys (a reference to a host that does not exist). */
const CROSS_CHECKED = new Set(["peers[0].host"]);
/** Taken on one line only (HTTP basic auth has no room for control characters). */
const ONE_LINE_ONLY = new Set([
  "exporter.basicAuth.username",
  "remoteWrite[0].basicAuth.username",
  "alerting.alertmanagers[0].basicAuth.username",
  // HTTP header values end at a line break; receiver names are shown on one line by Alertmanager and amtool.
  "remoteWrite[0].headers.X-Scope-OrgID",
  "alerting.route.receivers.critical",
  "alerting.route.receivers.warning",
  "alerting.route.receivers.info",
]);

function validate(config: Tree) {
  return validateStackConfig(config, "hostile");
}

/** Every string leaf of a parsed file. */
function leaves(value: unknown): string[] {
  if (typeof value === "string") return [value];
  if (Array.isArray(value)) return value.flatMap(leaves);
  if (value !== null && typeof value === "object") return Object.entries(value).flatMap(([k, v]) => [k, ...leaves(v)]);
  return [];
}

/** Each rendered file parsed as what it is; the systemd units and the wg helper client as text. */
function parsedArtifacts(inventory: Inventory): { path: string; strings: string[] }[] {
  const deployed = (content: string, kind: string) =>
    kind === "web-config" && inventory.exporter.basicAuth.enabled
      ? withBasicAuthUser(
          content,
          inventory.exporter.basicAuth.username,
          "$2b$10$abcdefghijklmnopqrstuu0123456789012345678901234567890",
        )
      : content;
  return stackArtifacts(inventory).flatMap((a) => {
    if (a.kind === "systemd" || a.kind === "other") return [];
    const text = deployed(a.content, a.kind);
    const parsed = a.path.endsWith(".json") ? JSON.parse(text) : load(text);
    return [{ path: a.path, strings: leaves(parsed) }];
  });
}

/** Where each free-text key must come back, exactly. */
function renderedValues(inventory: Inventory, key: string): string[] {
  const files = parsedArtifacts(inventory);
  const strings = (path: string) => files.find((f) => f.path === path)!.strings;
  switch (key) {
    case "hosts[0].labels.site":
      return (
        JSON.parse(stackArtifacts(inventory).find((a) => a.path === "prometheus/targets/wireguard.json")!.content) as {
          labels: Record<string, string>;
        }[]
      ).map((g) => g.labels.site);
    case "peers[0].friendlyName":
    case "peers[0].owner": {
      const peers = (
        load(stackArtifacts(inventory).find((a) => a.path === "hosts/vpn-a/peers.yml")!.content) as {
          peers: Record<string, string>[];
        }
      ).peers;
      return peers.map((p) => p[key.endsWith("owner") ? "owner" : "friendly_name"]);
    }
    case "grafana.folder":
      return [stackFolder(inventory).title.replace(/ \(lab\)$/, "")];
    case "grafana.datasourceUid":
      return files
        .filter((f) => f.path.startsWith("grafana/dashboards/"))
        .flatMap((f) => f.strings.filter((s) => s.includes("touch")));
    case "exporter.basicAuth.username": {
      const web = load(
        withBasicAuthUser(
          stackArtifacts(inventory).find((a) => a.path === "hosts/vpn-a/web-config.yml")!.content,
          inventory.exporter.basicAuth.username,
          "$2b$10$x",
        ),
      ) as { basic_auth_users: Record<string, string> };
      const prometheus = load(
        stackArtifacts(inventory).find((a) => a.path === "prometheus/prometheus.yml")!.content,
      ) as { scrape_configs: { basic_auth?: { username: string } }[] };
      return [
        ...Object.keys(web.basic_auth_users),
        ...prometheus.scrape_configs.flatMap((j) => (j.basic_auth ? [j.basic_auth.username] : [])),
      ];
    }
    case "remoteWrite[0].basicAuth.username":
    case "remoteWrite[0].headers.X-Scope-OrgID": {
      const prometheus = load(
        stackArtifacts(inventory).find((a) => a.path === "prometheus/prometheus.yml")!.content,
      ) as { remote_write: { headers: Record<string, string>; basic_auth: { username: string } }[] };
      return prometheus.remote_write.map((w) =>
        key.endsWith("username") ? w.basic_auth.username : w.headers["X-Scope-OrgID"]!,
      );
    }
    case "alerting.alertmanagers[0].basicAuth.username": {
      const prometheus = load(
        stackArtifacts(inventory).find((a) => a.path === "prometheus/prometheus.yml")!.content,
      ) as { alerting: { alertmanagers: { basic_auth?: { username: string } }[] } };
      return prometheus.alerting.alertmanagers.flatMap((a) => (a.basic_auth ? [a.basic_auth.username] : []));
    }
    case "alerting.route.receivers.critical":
    case "alerting.route.receivers.warning":
    case "alerting.route.receivers.info": {
      const severity = key.split(".").pop()!;
      const config = load(
        stackArtifacts(inventory).find((a) => a.path === "alertmanager/alertmanager.yml")!.content,
      ) as AlertmanagerYml;
      const route = config.route.routes[0]!;
      const child = route.routes.find((r) => r.matchers[0] === `severity="${severity}"`)!;
      const names = config.receivers.map((r) => r.name).filter((n) => n.includes("touch"));
      return [child.receiver, ...names, ...(severity === "critical" ? [route.receiver] : [])];
    }
    default:
      throw new Error(`no round-trip check for ${key}`);
  }
}

interface AlertmanagerYml {
  route: { receiver: string; routes: { receiver: string; routes: { receiver: string; matchers: string[] }[] }[] };
  receivers: { name: string }[];
}

function tool(file: string, args: string[], cwd?: string) {
  const r = spawnSync(file, args, { cwd: cwd ?? work, encoding: "utf8", timeout: 60_000 });
  if (r.error) throw new Error(`${file} is needed for this test: ${r.error.message}`);
  return { code: r.status, out: `${r.stdout}${r.stderr}` };
}

describe("a stack with shell, YAML and systemd metacharacters in every string", () => {
  it("starts from a stack that sets every key and is valid", () => {
    const r = validate(fullConfig());
    expect(r.ok ? [] : r.errors).toEqual([]);
    expect(ALL_KEYS.length).toBeGreaterThan(35);
  });

  it("is refused at once, naming every key that cannot take such a value", () => {
    const config = fullConfig();
    for (const path of ALL_KEYS) setAt(config, path, MULTI_LINE);
    const r = validate(config);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    const named = new Set(r.errors.map((e) => e.path));
    const expected = ALL_KEYS.filter((p) => !FREE_TEXT.has(name(p)) && !CROSS_CHECKED.has(name(p))).map((p) =>
      keyPath(p),
    );
    expect([...named].sort()).toEqual(expected.sort());
    // each message says what the key takes and shows the value it got
    for (const e of r.errors) expect(e.message, e.path).toMatch(/expected|must/);
  });

  it("names a key the checks across keys refuse beside the keys refused on their own", () => {
    const config = fullConfig();
    for (const path of ALL_KEYS.filter((p) => name(p).startsWith("exporter.") || name(p) === "peers[0].host"))
      setAt(config, path, MULTI_LINE);
    const r = validate(config);
    const paths = r.ok ? [] : r.errors.map((e) => e.path);
    expect(paths).toContain(keyPath(["peers", 0, "host"]));
    expect(paths).toContain(keyPath(["exporter", "tls", "certFile"]));
  });

  describe.each(HOSTILE)("each key alone, %s", (_how, value) => {
    it.each(ALL_KEYS.map((p) => [name(p), p] as const))(
      "%s: refused with its key path, or rendered back exactly",
      (key, path) => {
        const config = fullConfig();
        setAt(config, path, value);
        const r = validate(config);
        const accepted = FREE_TEXT.has(key) || (ONE_LINE_ONLY.has(key) && value === ONE_LINE);
        if (!accepted) {
          expect(r.ok).toBe(false);
          if (!r.ok) expect(r.errors.map((e) => e.path)).toContain(keyPath(path));
          return;
        }
        expect(r.ok ? [] : r.errors).toEqual([]);
        if (!r.ok) return;
        expect(stackBuildErrors(r.inventory)).toEqual([]);
        const back = renderedValues(r.inventory, key);
        expect(back.length).toBeGreaterThan(0);
        for (const v of back) expect(v).toBe(value);
        // nowhere else does a piece of it turn up: no file got a key or value out of it
        for (const f of parsedArtifacts(r.inventory)) {
          for (const s of f.strings.filter((s) => s.includes("touch"))) expect(s, f.path).toBe(value);
        }
      },
    );
  });

  it("with every value set at once, renders units systemd verifies and a prometheus.yml promtool accepts", () => {
    const config = fullConfig();
    for (const path of ALL_KEYS) if (FREE_TEXT.has(name(path))) setAt(config, path, MULTI_LINE);
    for (const path of ALL_KEYS) if (ONE_LINE_ONLY.has(name(path))) setAt(config, path, ONE_LINE);
    const r = validate(config);
    expect(r.ok ? [] : r.errors).toEqual([]);
    if (!r.ok) return;
    const dir = mkdtempSync(join(work, "render-"));
    const units = stackArtifacts(r.inventory)
      .filter((a) => a.kind === "systemd")
      .map((a) => ({ file: a.path.split("/").pop()!, content: a.content }));
    for (const u of units) writeFileSync(join(dir, u.file), u.content);
    for (const u of units.filter((u) => !u.file.includes("@")))
      expect(tool("systemd-analyze", ["verify", `./${u.file}`], dir), u.file).toEqual({ code: 0, out: "" });
    const prometheusYml = join(dir, "prometheus.yml");
    writeFileSync(
      prometheusYml,
      stackArtifacts(r.inventory).find((a) => a.path === "prometheus/prometheus.yml")!.content,
    );
    const checked = tool("promtool", ["check", "config", "--syntax-only", prometheusYml]);
    expect(checked.out).toContain("SUCCESS");
    expect(checked.code).toBe(0);
    const alertmanagerYml = join(dir, "alertmanager.yml");
    writeFileSync(
      alertmanagerYml,
      stackArtifacts(r.inventory).find((a) => a.path === "alertmanager/alertmanager.yml")!.content,
    );
    const amChecked = tool("amtool", ["check-config", alertmanagerYml]);
    expect(amChecked.out).toContain("SUCCESS");
    expect(amChecked.code).toBe(0);
    expect(existsSync(CANARY)).toBe(false);
  });
});

describe("free text", () => {
  it("takes any well-formed Unicode and refuses a lone surrogate, which has no UTF-8 form", () => {
    for (const path of ALL_KEYS.filter((p) => FREE_TEXT.has(name(p)))) {
      const config = fullConfig();
      setAt(config, path, "caf\u00e9 \u{1F600}");
      const ok = validate(config);
      expect(ok.ok ? [] : ok.errors).toEqual([]);
      setAt(config, path, "half \uD83D of an emoji");
      const r = validate(config);
      expect(r.ok ? [] : r.errors).toEqual([
        {
          path: keyPath(path),
          message: 'expected well-formed Unicode text (no lone surrogate), got "half \\ud83d of an emoji"',
        },
      ]);
    }
  });
});

describe("values the unit passes to the exporter", () => {
  it("refuses listen addresses and telemetry paths the exporter or Prometheus cannot use, naming the form", () => {
    const cases: [string, string, RegExp][] = [
      ["listenAddress", "0.0.0.0 --evil", /expected an IP address or a host name/],
      ["listenAddress", "0.0.0.0\nExecStartPre=/bin/touch /tmp/x", /expected an IP address or a host name/],
      ["listenAddress", "[::1]", /without brackets/],
      ["telemetryPath", '/metr"ics', /expected a URL path Prometheus requests as written/],
      ["telemetryPath", "/métrics", /non-ASCII/],
      ["telemetryPath", "/metrics?x=1", /"\?"/],
      ["telemetryPath", "/metrics#top", /"#"/],
      ["telemetryPath", "/a b", /spaces/],
      ["telemetryPath", "/a/../metrics", /"\.\." segments/],
      ["telemetryPath", "/health", /not "\/", "\/health" or "\/peers"/],
    ];
    for (const [key, value, message] of cases) {
      const config = fullConfig();
      (config.exporter as Tree)[key] = value;
      const r = validate(config);
      expect(r.ok, `${key}: ${JSON.stringify(value)}`).toBe(false);
      if (!r.ok)
        expect(r.errors).toEqual([
          { path: `wireguard-monitoring:exporter.${key}`, message: expect.stringMatching(message) },
        ]);
    }
  });

  it("takes IPv6 and host names as listen addresses and writes IPv6 in brackets", () => {
    for (const [address, flag] of [
      ["::", "[::]:9586"],
      ["fd00::1", "[fd00::1]:9586"],
      ["exporter.internal", "exporter.internal:9586"],
    ]) {
      const config = fullConfig();
      (config.exporter as Tree).listenAddress = address;
      const r = validate(config);
      expect(r.ok ? [] : r.errors).toEqual([]);
      if (r.ok) expect(exporterArgs(r.inventory, r.inventory.hosts[0])).toContain(`--web.listen-address=${flag}`);
    }
  });

  it("writes TLS paths into the web config as values, never as keys of their own (even unvalidated)", () => {
    const r = validate(fullConfig());
    if (!r.ok) throw new Error("base config invalid");
    const certFile = "/x\nbasic_auth_users:\n  attacker: $2b$10$abcdefghijklmnopqrstuu0123456789012345678901234567890";
    const inventory = {
      ...r.inventory,
      exporter: { ...r.inventory.exporter, tls: { ...r.inventory.exporter.tls, certFile } },
    };
    const web = load(
      withBasicAuthUser(renderWebConfig(inventory, inventory.hosts[0]), "prometheus", "$2b$10$x"),
    ) as Record<string, any>;
    expect(web.tls_server_config.cert_file).toBe(certFile);
    expect(Object.keys(web.basic_auth_users)).toEqual(["prometheus"]);
  });

  it("quotes every argument for systemd so that none can end the line or become two", () => {
    expect(unitArg("--web.telemetry-path=/a$b;c%d")).toBe('"--web.telemetry-path=/a$$b;c%%d"');
    expect(unitArg('a"b\\c\nd e')).toBe('"a\\"b\\\\c\\x0ad e"');
    expect(unitArg("--web.listen-address=[::]:9586")).toBe("--web.listen-address=[::]:9586");
    expect(() => unitArg("a\0b")).toThrow(/NUL/);
  });
});

describe("the shell steps", () => {
  const deployment = {
    stack: "hostile",
    component: `vpn$(touch ${CANARY})`,
    role: "exporter" as const,
    machine: "203.0.113.10:22",
  };
  const hostOptions = {
    host: `vpn-a$(touch ${CANARY})\`touch ${CANARY}\`'"`,
    deployment,
    installNode: false,
    files: [{ name: HOST_FILES.unit.name, placement: HOST_FILES.unit.placement }],
    bundle: { sha256: "0".repeat(64), placement: EXPORTER_BUNDLE },
    healthUrl: "http://127.0.0.1:9586/health",
  };

  /** Runs a step with stdin that is no file archive: it stops at its first check, with a message. */
  function runUntilFirstCheck(script: string) {
    return spawnSync("/bin/sh", ["-eu", "-c", script, "wireguard-monitoring", join(work, "no-upload.cjs")], {
      input: "not an archive\n--\n!!!\n",
      encoding: "utf8",
      cwd: work,
      env: { PATH: process.env.PATH, HOME: work },
    });
  }

  it("print stack values in their messages as they are, without running them", () => {
    const r = runUntilFirstCheck(installScript(hostOptions));
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`wireguard-monitoring: host ${hostOptions.host}: the files on stdin are not readable`);
    expect(existsSync(CANARY)).toBe(false);
    const p = runUntilFirstCheck(
      prometheusApplyScript({
        deployment: { ...deployment, role: "prometheus" },
        configFile: `/etc/prometheus/prom$(touch ${CANARY}).yml`,
        files: [],
        reload: "http",
        reloadUrl: "http://127.0.0.1:9090/-/reload",
        service: "prometheus",
      }),
    );
    expect(p.status).toBe(1);
    expect(p.stderr).toContain("wireguard-monitoring: prometheus: the files on stdin are not readable");
    expect(existsSync(CANARY)).toBe(false);
  });
});

describe("Unicode, quotes and ${} in the alerting and remote-write values", () => {
  const TEXT = "Bereitschaft „Nacht\" 🚨 ${PAGER} 'q' #1";

  it("a receiver name: amtool accepts the config and routes to exactly that name", () => {
    const config = fullConfig();
    setAt(config, ["alerting", "route", "receivers", "critical"], TEXT);
    const r = validate(config);
    expect(r.ok ? [] : r.errors).toEqual([]);
    if (!r.ok) return;
    const file = join(work, "unicode-alertmanager.yml");
    writeFileSync(file, stackArtifacts(r.inventory).find((a) => a.path === "alertmanager/alertmanager.yml")!.content);
    expect(tool("amtool", ["check-config", file]).code).toBe(0);
    const routed = tool("amtool", [
      "config",
      "routes",
      "test",
      `--config.file=${file}`,
      "alertname=WireGuardNoPeers",
      "env=lab",
      "severity=critical",
    ]);
    expect(routed.out.split("\n").filter((l) => l && !l.startsWith("Warning:"))).toEqual([TEXT]);
  });

  it("a header value and a basic-auth user name: promtool accepts prometheus.yml and both read back exactly", () => {
    const config = fullConfig();
    setAt(config, ["remoteWrite", 0, "headers", "X-Scope-OrgID"], TEXT);
    setAt(config, ["remoteWrite", 0, "basicAuth", "username"], "wrïter ${USER}");
    const r = validate(config);
    expect(r.ok ? [] : r.errors).toEqual([]);
    if (!r.ok) return;
    const content = stackArtifacts(r.inventory).find((a) => a.path === "prometheus/prometheus.yml")!.content;
    const file = join(work, "unicode-prometheus.yml");
    writeFileSync(file, content);
    expect(tool("promtool", ["check", "config", "--syntax-only", file]).code).toBe(0);
    const [w] = (
      load(content) as { remote_write: { headers: Record<string, string>; basic_auth: { username: string } }[] }
    ).remote_write;
    expect(w!.headers["X-Scope-OrgID"]).toBe(TEXT);
    expect(w!.basic_auth.username).toBe("wrïter ${USER}");
  });

  it("a label value in a server's scrapes selects the hosts with exactly that value", () => {
    const config = fullConfig();
    setAt(config, ["hosts", 0, "labels", "site"], 'Zürich 🏔 "${SITE}"');
    config.prometheus = [{ ...(config.prometheus as Tree), name: "zrh", scrapes: { site: 'Zürich 🏔 "${SITE}"' } }];
    const r = validate(config);
    expect(r.ok ? [] : r.errors).toEqual([]);
    if (!r.ok) return;
    expect(r.inventory.prometheusServers[0]!.hosts.map((h) => h.name)).toEqual(["vpn-a"]);
    const targets = JSON.parse(
      stackArtifacts(r.inventory).find((a) => a.path === "prometheus/zrh/targets/wireguard.json")!.content,
    ) as { labels: { site: string } }[];
    expect(targets[0]!.labels.site).toBe('Zürich 🏔 "${SITE}"');
  });

  it.each([
    [["remoteWrite", 0, "url"], "https://mímir.example.net/api/v1/push", "expected an http:// or https:// URL"],
    [["remoteWrite", 0, "url"], 'https://m.example.net/push"\nx: y', "expected an http:// or https:// URL"],
    [
      ["alerting", "alertmanagers", 0, "urls", 0],
      "https://ämter.example.net:9093",
      "expected an http:// or https:// URL",
    ],
    [
      ["remoteWrite", 0, "headers", "X-Scope-OrgID"],
      " padded",
      "expected a header value on one line, without control characters or white space around it",
    ],
    [["alerting", "route", "receivers", "warning"], "chat\u0000", "expected a receiver name on one line"],
    [["alerting", "route", "receivers", "info"], "  ", "expected a receiver name, got an empty one"],
  ] as const)("%j = %j is refused by key: %s", (path, value, message) => {
    const config = fullConfig();
    setAt(config, [...path], value);
    const r = validate(config);
    expect(r.ok ? [] : r.errors.map((e) => [e.path, e.message.slice(0, message.length)])).toEqual([
      [keyPath([...path]), message],
    ]);
  });

  it("a replica with ${} is refused (Prometheus's expand-external-labels would read it as a variable)", () => {
    const config = fullConfig();
    config.prometheus = [{ ...(config.prometheus as Tree), name: "a", replica: "${HOSTNAME}" }];
    const r = validate(config);
    expect(r.ok ? [] : r.errors.map((e) => e.path)).toEqual([keyPath(["prometheus", 0, "replica"])]);
  });

  it("a percent-encoded URL path is taken as written and promtool accepts it", () => {
    const config = fullConfig();
    setAt(config, ["remoteWrite", 0, "url"], "https://m.example.net/t%C3%A9nant/push?org=a%20b");
    const r = validate(config);
    expect(r.ok ? [] : r.errors).toEqual([]);
    if (!r.ok) return;
    const content = stackArtifacts(r.inventory).find((a) => a.path === "prometheus/prometheus.yml")!.content;
    expect((load(content) as { remote_write: { url: string }[] }).remote_write[0]!.url).toBe(
      "https://m.example.net/t%C3%A9nant/push?org=a%20b",
    );
    const file = join(work, "encoded-prometheus.yml");
    writeFileSync(file, content);
    expect(tool("promtool", ["check", "config", "--syntax-only", file]).code).toBe(0);
  });
});
