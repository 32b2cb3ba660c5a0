// Every shape of Prometheus deployment a stack can describe — one server, per-site shards, an HA pair,
// remote write with every option, fragment mode — rendered and checked by promtool with the files in
// place, and what each server's files hold: its own hosts, its labels, alerting and remote write.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { load } from "js-yaml";
import { afterAll, describe, expect, it } from "vitest";
import { validateStackConfig, type Inventory } from "../../src/model/index";
import { prometheusArtifacts } from "../../src/build/prometheus/artifacts";
import {
  ALERTMANAGER_PASSWORD_FILE,
  PASSWORD_FILE,
  REMOTE_WRITE_PASSWORD_FILE,
} from "../../src/build/prometheus/scrape-config";
import { stackArtifacts } from "../../src/build/stack-artifacts";
import { promtool } from "../harness/prometheus";
import { withServerPathsUnder } from "./stacks";

const tmp = mkdtempSync(join(tmpdir(), "wgm-topologies-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const HOSTS = [
  { name: "fra-1", address: "203.0.113.1", labels: { site: "fra" } },
  { name: "fra-2", address: "203.0.113.2", labels: { site: "fra" } },
  { name: "nyc-1", address: "2001:db8::3", labels: { site: "nyc" } },
];
const server = (name: string, last: number, extra: Record<string, unknown> = {}) => ({
  name,
  address: `198.51.100.${last}`,
  ...extra,
});
/** Each option set once, so that promtool sees every key the builders can write. */
const EVERY_REMOTE_WRITE_OPTION = {
  url: "https://mimir.example.net/api/v1/push",
  name: "central",
  headers: { "X-Scope-OrgID": "team-a" },
  basicAuth: { username: "writer" },
  tls: { caFile: "/etc/prometheus/secrets/central-ca.crt", insecureSkipVerify: false },
  queue: { capacity: 20000, minShards: 2, maxShards: 20, maxSamplesPerSend: 1000, batchSendDeadline: "10s" },
  wireGuardOnly: true,
};
const ALERTING = {
  alertmanagers: [
    {
      urls: ["https://am-1.example.net:9093/am", "https://am-2.example.net:9093/am"],
      basicAuth: { username: "prometheus" },
      tls: { caFile: "/etc/prometheus/secrets/am-ca.crt" },
      timeout: "10s",
    },
    { fileSd: "/etc/prometheus/alertmanagers.json", scheme: "http", pathPrefix: "/" },
  ],
};

const SHAPES: { shape: string; config: Record<string, unknown>; servers: Record<string, string[]> }[] = [
  {
    shape: "one server",
    config: { prometheus: { address: "198.51.100.9" } },
    servers: { prometheus: ["fra-1", "fra-2", "nyc-1"] },
  },
  {
    shape: "per-site shards",
    config: {
      prometheus: [server("fra", 1, { scrapes: { site: "fra" } }), server("nyc", 2, { scrapes: { site: "nyc" } })],
    },
    servers: { fra: ["fra-1", "fra-2"], nyc: ["nyc-1"] },
  },
  {
    shape: "an HA pair with Alertmanagers",
    config: { prometheus: [server("a", 1, { replica: "a" }), server("b", 2, { replica: "b" })], alerting: ALERTING },
    servers: { a: ["fra-1", "fra-2", "nyc-1"], b: ["fra-1", "fra-2", "nyc-1"] },
  },
  {
    shape: "sharded HA pairs writing to a central store with every option",
    config: {
      prometheus: [
        server("fra-a", 1, { scrapes: { site: "fra" }, replica: "a" }),
        server("fra-b", 2, { scrapes: { site: "fra" }, replica: "b" }),
        server("nyc", 3, { scrapes: { site: "nyc" } }),
      ],
      remoteWrite: [EVERY_REMOTE_WRITE_OPTION, { url: "http://127.0.0.1:8428/api/v1/write" }],
      alerting: ALERTING,
    },
    servers: { "fra-a": ["fra-1", "fra-2"], "fra-b": ["fra-1", "fra-2"], nyc: ["nyc-1"] },
  },
  {
    shape: "fragment mode with remote write and Alertmanagers",
    config: { prometheus: { configMode: "fragment" }, remoteWrite: [EVERY_REMOTE_WRITE_OPTION], alerting: ALERTING },
    servers: { prometheus: ["fra-1", "fra-2", "nyc-1"] },
  },
];

function inventory(config: Record<string, unknown>): Inventory {
  const r = validateStackConfig(
    {
      allowUnpinnedHostKeys: true,
      environment: "prod",
      hosts: HOSTS,
      exporter: { basicAuth: { enabled: true } },
      ...config,
    },
    "topology",
  );
  if (!r.ok) throw new Error(r.errors.map((e) => `${e.path}: ${e.message}`).join("\n"));
  return r.inventory;
}

function write(root: string, path: string, content: string): void {
  mkdirSync(dirname(join(root, path)), { recursive: true });
  writeFileSync(join(root, path), content);
}

/** The CA and file_sd files the configs point to, moved under the temp dir and written (dummy certificates). */
function withReferencedFiles(inv: Inventory): Inventory {
  const files = [
    ...inv.remoteWrite.flatMap((w) => (w.tls?.caFile ? [w.tls.caFile] : [])),
    ...inv.alerting.alertmanagers.flatMap((a) => (a.tls?.caFile ? [a.tls.caFile] : [])),
  ];
  const moved = (path: string) => join(tmp, "ca", path);
  for (const f of files) write("/", moved(f), "not a real certificate\n");
  for (const a of inv.alerting.alertmanagers)
    if (a.fileSd) write("/", moved(a.fileSd), '[{"targets": ["127.0.0.1:9093"]}]\n');
  return {
    ...inv,
    remoteWrite: inv.remoteWrite.map((w) =>
      w.tls?.caFile ? { ...w, tls: { ...w.tls, caFile: moved(w.tls.caFile) } } : w,
    ),
    alerting: {
      ...inv.alerting,
      alertmanagers: inv.alerting.alertmanagers.map((a) => ({
        ...a,
        ...(a.tls?.caFile ? { tls: { ...a.tls, caFile: moved(a.tls.caFile) } } : {}),
        ...(a.fileSd ? { fileSd: moved(a.fileSd) } : {}),
      })),
    },
  };
}

const yamlOf = (content: string) => load(content) as Record<string, any>;

describe.each(SHAPES)("$shape", ({ shape, config, servers }) => {
  const inv = inventory(config);
  const artifacts = prometheusArtifacts(inv);
  const of = (name: string, file: string) =>
    artifacts.find((a) => a.prometheusServer === name && a.path.endsWith(file))!;

  it("has the servers the stack names, each scraping its share of the hosts", () => {
    expect(Object.fromEntries(inv.prometheusServers.map((p) => [p.name, p.hosts.map((h) => h.name)]))).toEqual(servers);
    for (const p of inv.prometheusServers) {
      const groups = JSON.parse(of(p.name, "targets/wireguard.json").content) as { labels: { host: string } }[];
      expect(groups.map((g) => g.labels.host)).toEqual(servers[p.name]);
      // the absent() terms of WireGuardExporterDown name exactly that server's hosts
      const rules = of(p.name, "rules/wireguard.rules.yml").content;
      expect([...rules.matchAll(/host="([^"]+)"/g)].map((m) => m[1]).sort()).toEqual([...servers[p.name]!].sort());
    }
  });

  it("puts each server's files under its own directory, marked with its name, and at its own paths on it", () => {
    for (const a of artifacts) {
      const p = inv.prometheusServers.find((s) => s.name === a.prometheusServer)!;
      expect(a.path.startsWith(`${p.outDir}/`), a.path).toBe(true);
    }
    expect(artifacts).toHaveLength(4 * inv.prometheusServers.length);
    if (!inv.prometheusServers[0]!.listed) expect(artifacts.map((a) => a.path)).toContain("prometheus/prometheus.yml");
  });

  it("labels every server with env, and a server of an HA group with its replica, dropped for alerting", () => {
    for (const p of inv.prometheusServers) {
      const config = yamlOf(of(p.name, "prometheus.yml").content);
      expect(config.global.external_labels).toEqual({ env: "prod", ...(p.replica ? { replica: p.replica } : {}) });
      const relabel = config.alerting?.alert_relabel_configs;
      expect(relabel).toEqual(p.replica ? [{ action: "labeldrop", regex: "replica" }] : undefined);
    }
  });

  it("sends alerts to the stack's Alertmanagers and writes to its stores, passwords by file only", () => {
    for (const p of inv.prometheusServers) {
      for (const file of ["prometheus.yml", "scrape-fragment.yml"]) {
        const parsed = yamlOf(of(p.name, file).content);
        expect(parsed.alerting?.alertmanagers?.length ?? 0, file).toBe(inv.alerting.alertmanagers.length);
        expect(parsed.remote_write?.length ?? 0, file).toBe(inv.remoteWrite.length);
        for (const am of parsed.alerting?.alertmanagers ?? [])
          if (am.basic_auth) expect(am.basic_auth.password_file).toBe(`${p.secretsDir}/${ALERTMANAGER_PASSWORD_FILE}`);
        for (const w of parsed.remote_write ?? [])
          if (w.basic_auth) expect(w.basic_auth.password_file).toBe(`${p.secretsDir}/${REMOTE_WRITE_PASSWORD_FILE}`);
      }
    }
  });

  it("passes the full promtool check config on every server, with its files in place", () => {
    const root = join(tmp, shape.replace(/\W+/g, "-"));
    const moved = withServerPathsUnder(withReferencedFiles(inv), root);
    for (const a of prometheusArtifacts(moved)) write(root, a.path, a.content);
    for (const p of moved.prometheusServers) {
      for (const file of [PASSWORD_FILE, ALERTMANAGER_PASSWORD_FILE, REMOTE_WRITE_PASSWORD_FILE])
        write(p.secretsDir, file, "not-a-real-password\n");
      for (const file of ["prometheus.yml", "scrape-fragment.yml"]) {
        const r = promtool(["check", "config", join(root, p.outDir, file)]);
        expect(r.stdout + r.stderr, `${p.name}/${file}`).not.toMatch(/WARNING|FAILED/);
        expect(r.code).toBe(0);
        expect(r.stdout).toContain("SUCCESS: 1 rule files found");
      }
    }
  });
});

describe("alertmanager entries", () => {
  it("take scheme and path_prefix from the URLs and targets as host:port, or a file_sd file with own scheme", () => {
    const inv = inventory({ alerting: ALERTING });
    const [first, second] = yamlOf(prometheusArtifacts(inv)[0]!.content).alerting.alertmanagers;
    expect(first).toEqual({
      scheme: "https",
      path_prefix: "/am",
      timeout: "10s",
      api_version: "v2",
      basic_auth: { username: "prometheus", password_file: `/etc/prometheus/secrets/${ALERTMANAGER_PASSWORD_FILE}` },
      tls_config: { ca_file: "/etc/prometheus/secrets/am-ca.crt", insecure_skip_verify: false },
      static_configs: [{ targets: ["am-1.example.net:9093", "am-2.example.net:9093"] }],
    });
    expect(second).toEqual({
      scheme: "http",
      path_prefix: "/",
      api_version: "v2",
      file_sd_configs: [{ files: ["/etc/prometheus/alertmanagers.json"] }],
    });
  });

  it("write the default port and keep IPv6 brackets", () => {
    const inv = inventory({
      alerting: { alertmanagers: [{ urls: ["http://[2001:db8::9]", "http://am.example.net"] }] },
    });
    expect(yamlOf(prometheusArtifacts(inv)[0]!.content).alerting.alertmanagers[0].static_configs).toEqual([
      { targets: ["[2001:db8::9]:80", "am.example.net:80"] },
    ]);
  });
});

describe("remote write entries", () => {
  it("carry every option as Prometheus names it, and leave unset queue keys to Prometheus's defaults", () => {
    const inv = inventory({ remoteWrite: [EVERY_REMOTE_WRITE_OPTION, { url: "http://127.0.0.1:8428/api/v1/write" }] });
    const [every, plain] = yamlOf(prometheusArtifacts(inv)[0]!.content).remote_write;
    expect(every).toMatchObject({
      url: "https://mimir.example.net/api/v1/push",
      name: "central",
      headers: { "X-Scope-OrgID": "team-a" },
      basic_auth: { username: "writer", password_file: `/etc/prometheus/secrets/${REMOTE_WRITE_PASSWORD_FILE}` },
      tls_config: { ca_file: "/etc/prometheus/secrets/central-ca.crt", insecure_skip_verify: false },
      queue_config: {
        capacity: 20000,
        min_shards: 2,
        max_shards: 20,
        max_samples_per_send: 1000,
        batch_send_deadline: "10s",
      },
    });
    expect(every.write_relabel_configs).toHaveLength(1);
    expect(plain).toEqual({ url: "http://127.0.0.1:8428/api/v1/write" });
  });

  it("render no alertmanager files or remote_write if unset; the fragment's note says what to merge", () => {
    const inv = inventory({});
    expect(stackArtifacts(inv).filter((a) => a.path.startsWith("alertmanager/"))).toEqual([]);
    const fragment = prometheusArtifacts(inv).find((a) => a.path.endsWith("scrape-fragment.yml"))!.content;
    expect(fragment).toContain("append these rule_files and scrape_configs entries");
    const withBoth = prometheusArtifacts(
      inventory({ remoteWrite: [{ url: "https://m.example/push" }], alerting: ALERTING }),
    ).find((a) => a.path.endsWith("scrape-fragment.yml"))!.content;
    expect(withBoth).toContain("append these rule_files, scrape_configs, alerting and remote_write entries");
    expect(withBoth).toContain('Set global.external_labels in it too: {env: "prod"}');
  });
});
