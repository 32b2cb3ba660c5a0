// Validation of several Prometheus servers, remote write and alerting: each mistake is refused with
// its key path and a message that says what to do; the Inventory lists every server with its hosts.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { load } from "js-yaml";
import { describe, expect, it } from "vitest";
import { validateStackConfig, type Inventory } from "../../src/model/index";
import { programConfigValues } from "../../src/model/program-config";
import { cliConfigRun } from "../../src/model/project-config-rules";
import { REPO } from "../helpers/run";

const P = "wireguard-monitoring:";
type Config = Record<string, unknown>;

/** Three hosts in two sites; each case adds or breaks the servers, remoteWrite or alerting. */
function base(extra: Config = {}): Config {
  return {
    allowUnpinnedHostKeys: true,
    environment: "prod",
    hosts: [
      { name: "fra-1", address: "203.0.113.1", labels: { site: "fra" } },
      { name: "fra-2", address: "203.0.113.2", labels: { site: "fra" } },
      { name: "nyc-1", address: "203.0.113.3", labels: { site: "nyc" } },
    ],
    ...extra,
  };
}

function errorsOf(config: Config): string[] {
  const r = validateStackConfig(config, "unit");
  return r.ok ? [] : r.errors.map((e) => `${e.path}: ${e.message}`);
}

function inventoryOf(config: Config): Inventory {
  const r = validateStackConfig(config, "unit");
  if (!r.ok) throw new Error(r.errors.map((e) => `${e.path}: ${e.message}`).join("\n"));
  return r.inventory;
}

const server = (name: string, last: number, extra: Config = {}) => ({ name, address: `198.51.100.${last}`, ...extra });

describe("the Inventory's Prometheus servers", () => {
  it("are one server named prometheus, scraping every host, for a stack that gives a map", () => {
    const inv = inventoryOf(base({ prometheus: { address: "198.51.100.9" } }));
    expect(inv.prometheusServers).toHaveLength(1);
    const [p] = inv.prometheusServers;
    expect(p).toMatchObject({
      name: "prometheus",
      listed: false,
      outDir: "prometheus",
      scrapes: {},
      address: "198.51.100.9",
    });
    expect(p!.hosts.map((h) => h.name)).toEqual(["fra-1", "fra-2", "nyc-1"]);
    expect(inv.prometheus).toBe(p);
  });

  it("is the defaults' server when the stack leaves prometheus out", () => {
    expect(inventoryOf(base()).prometheusServers.map((p) => [p.name, p.address])).toEqual([
      ["prometheus", "127.0.0.1"],
    ]);
  });

  it("are the listed servers, each with the hosts its scrapes pairs select, under prometheus/<name>", () => {
    const inv = inventoryOf(
      base({
        prometheus: [
          server("fra-a", 1, { scrapes: { site: "fra" }, replica: "a" }),
          server("fra-b", 2, { scrapes: { site: "fra" }, replica: "b" }),
          server("nyc", 3, { scrapes: { site: "nyc" } }),
        ],
      }),
    );
    expect(inv.prometheusServers.map((p) => [p.name, p.outDir, p.replica, p.hosts.map((h) => h.name)])).toEqual([
      ["fra-a", "prometheus/fra-a", "a", ["fra-1", "fra-2"]],
      ["fra-b", "prometheus/fra-b", "b", ["fra-1", "fra-2"]],
      ["nyc", "prometheus/nyc", undefined, ["nyc-1"]],
    ]);
    expect(inv.prometheusServers.every((p) => p.listed)).toBe(true);
  });

  it("take an HA pair without scrapes: both scrape every host", () => {
    const inv = inventoryOf(base({ prometheus: [server("a", 1, { replica: "a" }), server("b", 2, { replica: "b" })] }));
    expect(inv.prometheusServers.map((p) => p.hosts.length)).toEqual([3, 3]);
  });
});

describe("refused Prometheus servers", () => {
  const cases: [string, Config, string[]][] = [
    [
      "an empty list",
      { prometheus: [] },
      [`${P}prometheus: expected at least one Prometheus server in the list (or one server as a map)`],
    ],
    [
      "neither a map nor a list",
      { prometheus: "prom.example" },
      [`${P}prometheus: expected a map or a list, got "prom.example"`],
    ],
    [
      "a listed server without a name",
      { prometheus: [{ address: "198.51.100.1" }] },
      [`${P}prometheus[0].name: is required`],
    ],
    [
      "a name that is no directory name",
      { prometheus: [server("EU/1", 1)] },
      [`${P}prometheus[0].name: expected a server name of 1-31 lower-case letters`],
    ],
    [
      "a map with a list's keys",
      { prometheus: { name: "eu", address: "198.51.100.1" } },
      [`${P}prometheus.name: unknown key`],
    ],
    [
      "an unknown key in a listed server, with its index",
      { prometheus: [server("a", 1), server("b", 2, { scrape: { site: "fra" } })] },
      [`${P}prometheus[1].scrape: unknown key`],
    ],
    [
      "scrapes that match no host",
      { prometheus: [server("all", 1), server("ams", 2, { scrapes: { site: "ams" } })] },
      [`${P}prometheus[1].scrapes: matches no host (no host's labels hold {site: "ams"})`],
    ],
    [
      "scrapes keys that are no label names",
      { prometheus: [server("fra", 1, { scrapes: { "si te": "fra" } })] },
      [`${P}prometheus[0].scrapes.si te: expected a Prometheus label name`],
    ],
    [
      "a host no server scrapes",
      { prometheus: [server("fra", 1, { scrapes: { site: "fra" } })] },
      [`${P}hosts[2]: host "nyc-1" is scraped by no Prometheus server (prometheus[0].scrapes {site: "fra"})`],
    ],
    [
      "hosts shared by servers that are not an HA group",
      { prometheus: [server("all", 1), server("fra", 2, { scrapes: { site: "fra" } })] },
      [
        `${P}prometheus[1].scrapes: scrapes fra-1, fra-2 like prometheus[0]; servers ` +
          `may share hosts only as an HA group (equal scrapes, each its own replica)`,
      ],
    ],
    [
      "an HA pair without replicas",
      { prometheus: [server("a", 1), server("b", 2)] },
      [
        `${P}prometheus[1].replica: is required: prometheus[0] and prometheus[1] ` +
          `scrape the same hosts, which makes them an HA group; give each its own replica`,
      ],
    ],
    [
      "an HA pair with one replica name twice",
      { prometheus: [server("a", 1, { replica: "x" }), server("b", 2, { replica: "x" })] },
      [`${P}prometheus[1].replica: duplicate replica "x" in the HA group with prometheus[0]`],
    ],
    [
      "a replica name twice in a group of three",
      {
        prometheus: [
          server("a", 1, { replica: "a" }),
          server("b", 2, { replica: "b" }),
          server("c", 3, { replica: "b" }),
        ],
      },
      [`${P}prometheus[2].replica: duplicate replica "b" in the HA group with prometheus[1]`],
    ],
    [
      "a replica that is no identifier",
      { prometheus: [server("a", 1, { replica: "a b" })] },
      [`${P}prometheus[0].replica: expected a replica name`],
    ],
    [
      "two servers on one machine",
      { prometheus: [server("a", 1, { replica: "a" }), { name: "b", address: "198.51.100.1", replica: "b" }] },
      [
        `${P}prometheus[1].address: 198.51.100.1:22 is also prometheus[0]: two servers ` +
          `on one machine would overwrite each other's prometheus.yml, targets and rules`,
      ],
    ],
    [
      "one address on two SSH ports is two machines (allowed)",
      {
        prometheus: [
          server("a", 1, { replica: "a" }),
          { name: "b", address: "198.51.100.1", ssh: { port: 2222 }, replica: "b" },
        ],
      },
      [],
    ],
    [
      "a duplicate name",
      { prometheus: [server("a", 1, { replica: "a" }), server("a", 2, { replica: "b" })] },
      [`${P}prometheus[1].name: duplicate Prometheus server name "a" (also prometheus[0])`],
    ],
    [
      "servers with different job names",
      { prometheus: [server("a", 1, { replica: "a" }), server("b", 2, { replica: "b", jobName: "wg" })] },
      [
        `${P}prometheus[1].jobName: must equal prometheus[0].jobName ` +
          `("wireguard"): the rules and dashboards select one job, got "wg"`,
      ],
    ],
    [
      "a listed server's timeout longer than its interval",
      { prometheus: [server("a", 1, { scrapeInterval: "15s", scrapeTimeout: "20s" })] },
      [`${P}prometheus[0].scrapeTimeout: must not be longer than prometheus[0].scrapeInterval (15s), got "20s"`],
    ],
    [
      "a host label named replica (the HA external label)",
      { hosts: [{ name: "h", address: "203.0.113.1", labels: { replica: "a" } }] },
      [`${P}hosts[0].labels.replica: label "replica" is set by wireguard-monitoring itself`],
    ],
  ];
  it.each(cases)("%s", (_name, extra, expected) => {
    const errors = errorsOf(base(extra));
    expect(errors).toHaveLength(expected.length);
    expected.forEach((line, i) => expect(errors[i]).toContain(line));
  });

  it("reports the checks across servers beside the errors of other keys", () => {
    const errors = errorsOf(base({ prometheus: [server("a", 1), server("b", 2)], grafana: { url: "ftp://x" } }));
    expect(errors.map((e) => e.split(": ")[0])).toEqual(
      expect.arrayContaining([`${P}grafana.url`, `${P}prometheus[1].replica`]),
    );
  });

  it("asks each listed server for a pinned host key, by its index", () => {
    const config = base({ allowUnpinnedHostKeys: false, prometheus: [server("a", 1)] });
    (config.hosts as Config[]).forEach(
      (h) => (h.ssh = { hostKey: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIC5T7KVG0Jx6Chq6Q/n3wk+i3HXNcS4lpuw+hW1BxRka" }),
    );
    expect(errorsOf(config)).toEqual([
      expect.stringContaining(`${P}prometheus[0].ssh.hostKey: is required: pin the Prometheus server's SSH key`),
    ]);
  });
});

describe("refused alerting", () => {
  const am = (entry: Config) => ({ alerting: { alertmanagers: [entry] } });
  const cases: [string, Config, string[]][] = [
    [
      "URLs of one entry with another path",
      am({ urls: ["http://am-1:9093", "http://am-2:9093/am"] }),
      [
        `${P}alerting.alertmanagers[0].urls[1]: must have the scheme and ` +
          `path of urls[0] (http://…/): Prometheus sets them once per entry`,
      ],
    ],
    [
      "URLs of one entry with another scheme",
      am({ urls: ["http://am-1:9093", "https://am-2:9093"] }),
      [`${P}alerting.alertmanagers[0].urls[1]: must have the scheme and path of urls[0]`],
    ],
    [
      "a URL with credentials",
      am({ urls: ["http://user:pw@am-1:9093"] }),
      [`${P}alerting.alertmanagers[0].urls[0]: expected an http:// or https:// URL without user:password@`],
    ],
    [
      "a URL with a query",
      am({ urls: ["http://am-1:9093/?x=1"] }),
      [`${P}alerting.alertmanagers[0].urls[0]: expected an Alertmanager URL without a query`],
    ],
    [
      "one Alertmanager twice",
      am({ urls: ["http://am-1:9093", "http://am-1:9093"] }),
      [`${P}alerting.alertmanagers[0].urls[1]: duplicate Alertmanager am-1:9093`],
    ],
    [
      "neither urls nor fileSd",
      am({ timeout: "10s" }),
      [`${P}alerting.alertmanagers[0]: expected urls (a list of Alertmanager URLs) or fileSd (a file listing them)`],
    ],
    [
      "both urls and fileSd",
      am({ urls: ["http://am-1:9093"], fileSd: "/etc/prometheus/am.json" }),
      [`${P}alerting.alertmanagers[0].fileSd: give either urls or fileSd, not both`],
    ],
    [
      "a scheme beside URLs",
      am({ urls: ["http://am-1:9093"], scheme: "https" }),
      [`${P}alerting.alertmanagers[0].scheme: comes from the URLs; set it only with fileSd`],
    ],
    [
      "a file_sd file Prometheus would not read",
      am({ fileSd: "/etc/prometheus/am.txt" }),
      [`${P}alerting.alertmanagers[0].fileSd: expected a file ending .json, .yml or .yaml`],
    ],
    [
      "a route without a critical receiver",
      { alerting: { route: { receivers: { warning: "chat" } } } },
      [`${P}alerting.route.receivers.critical: is required`],
    ],
    [
      "a receiver name on two lines",
      { alerting: { route: { receivers: { critical: "pager\nroutes: []" } } } },
      [`${P}alerting.route.receivers.critical: expected a receiver name on one line`],
    ],
    [
      "a group_by that is no label",
      { alerting: { route: { receivers: { critical: "p" }, groupBy: ["env", "in stance"] } } },
      [`${P}alerting.route.groupBy[1]: expected a label name or "..."`],
    ],
    [
      "a duration Alertmanager cannot read",
      { alerting: { route: { receivers: { critical: "p" }, groupWait: "1.5m" } } },
      [`${P}alerting.route.groupWait: expected a duration Prometheus accepts`],
    ],
  ];
  it.each(cases)("%s", (_name, extra, expected) => {
    const errors = errorsOf(base(extra));
    expect(errors).toHaveLength(expected.length);
    expected.forEach((line, i) => expect(errors[i]).toContain(line));
  });

  it("takes static URLs, a file_sd entry and a route with defaults", () => {
    const inv = inventoryOf(
      base({
        alerting: {
          alertmanagers: [
            { urls: ["http://am-1:9093", "http://am-2:9093"] },
            { fileSd: "/etc/prometheus/am.yml", scheme: "https", pathPrefix: "/am" },
          ],
          route: { receivers: { critical: "pager" } },
        },
      }),
    );
    expect(inv.alerting.route).toEqual({
      receivers: { critical: "pager" },
      groupBy: ["env", "instance", "alertname"],
      groupWait: "30s",
      groupInterval: "5m",
      repeatInterval: "4h",
    });
  });
});

describe("refused remote write", () => {
  const rw = (...entries: Config[]) => ({ remoteWrite: entries });
  const cases: [string, Config, string[]][] = [
    [
      "a URL with credentials",
      rw({ url: "https://u:p@mimir.example/api/v1/push" }),
      [`${P}remoteWrite[0].url: expected an http:// or https:// URL without user:password@`],
    ],
    [
      "a header Prometheus sets itself",
      rw({ url: "https://m.example/push", headers: { authorization: "Bearer x" } }),
      [`${P}remoteWrite[0].headers.authorization: header "authorization" is set by Prometheus itself`],
    ],
    [
      "a header name that is no token",
      rw({ url: "https://m.example/push", headers: { "X Org": "a" } }),
      [`${P}remoteWrite[0].headers.X Org: expected an HTTP header name`],
    ],
    [
      "a header value on two lines",
      rw({ url: "https://m.example/push", headers: { "X-Scope-OrgID": "a\r\nX-Other: b" } }),
      [`${P}remoteWrite[0].headers.X-Scope-OrgID: expected a header value on one line`],
    ],
    [
      "a duplicate name",
      rw({ url: "https://a.example/push", name: "c" }, { url: "https://b.example/push", name: "c" }),
      [`${P}remoteWrite[1].name: duplicate name "c" (also remoteWrite[0])`],
    ],
    [
      "one URL twice without names",
      rw({ url: "https://a.example/push" }, { url: "https://a.example/push", name: "x" }),
      [`${P}remoteWrite[1].url: the same URL as remoteWrite[0]: give both a name to send to it twice`],
    ],
    [
      "a queue of zero shards",
      rw({ url: "https://a.example/push", queue: { maxShards: 0 } }),
      [`${P}remoteWrite[0].queue.maxShards: expected number to be >0`],
    ],
    [
      "an unknown queue key",
      rw({ url: "https://a.example/push", queue: { shards: 3 } }),
      [`${P}remoteWrite[0].queue.shards: unknown key`],
    ],
  ];
  it.each(cases)("%s", (_name, extra, expected) => {
    const errors = errorsOf(base(extra));
    expect(errors).toHaveLength(expected.length);
    expected.forEach((line, i) => expect(errors[i]).toContain(line));
  });

  it("takes one URL twice under two names", () => {
    expect(
      errorsOf(base(rw({ url: "https://a.example/push", name: "x" }, { url: "https://a.example/push", name: "y" }))),
    ).toEqual([]);
  });
});

describe("a stack file listing servers, through the Pulumi CLI's config rules", () => {
  it("runs the program, which gets the same servers, remote write and alerting as render", () => {
    const project = load(readFileSync(join(REPO, "Pulumi.yaml"), "utf8")) as {
      name: string;
      config: Record<string, unknown>;
    };
    const stack = base({
      prometheus: [
        server("fra-a", 1, { scrapes: { site: "fra" }, replica: "a" }),
        server("fra-b", 2, { scrapes: { site: "fra" }, replica: "b" }),
        server("nyc", 3, { scrapes: { site: "nyc" } }),
      ],
      remoteWrite: [
        {
          url: "https://mimir.example.net/api/v1/push",
          headers: { "X-Scope-OrgID": "netops" },
          basicAuth: { username: "w" },
        },
      ],
      alerting: { alertmanagers: [{ urls: ["http://am:9093"] }], route: { receivers: { critical: "pager" } } },
    });
    const stackFile = {
      ...Object.fromEntries(Object.entries(stack).map(([k, v]) => [`wireguard-monitoring:${k}`, v])),
      "wireguard-monitoring:sshPrivateKey": { secure: "v1:x" },
    };
    const run = cliConfigRun(project, "unit", stackFile);
    expect(run.errors).toEqual([]);
    const program = validateStackConfig(programConfigValues(run.config), "unit");
    if (!program.ok) throw new Error(JSON.stringify(program.errors));
    expect(program.inventory).toEqual(inventoryOf(stack));
    expect(program.inventory.prometheusServers.map((p) => p.name)).toEqual(["fra-a", "fra-b", "nyc"]);
  });
});
