// The engine's steps between two versions of a committed stack, computed from captured plans (the
// program loaded as Pulumi loads it, under mocks): every content edit is an in-place update of the
// affected resources, and renames and moves are what the engine makes of them.
import { beforeAll, describe, expect, it } from "vitest";
import type { CapturedPlan } from "../../src/tools/plan/capture";
import { changedPaths, describeSteps, engineSteps, pathContains } from "../../src/tools/plan/lifecycle";
import { capturePlanInChild, committedStackConfig } from "../harness/plan";

const SECRETS = {
  sshPrivateKey: "stand-in-key",
  grafanaAuth: "stand-in-token",
  exporterBasicAuthPassword: "stand-in-password",
  alertmanagerBasicAuthPassword: "stand-in-alertmanager-password",
  remoteWriteBasicAuthPassword: "stand-in-remote-write-password",
};
type Config = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const example = committedStackConfig("example") as Config;
const edited = (edit: (c: Config) => void): Config => {
  const c = structuredClone(example);
  edit(c);
  return c;
};
const EDITS: Record<string, Config> = {
  base: example,
  "a peer added": edited((c) =>
    c.peers.push({
      publicKey: Buffer.alloc(32, 9).toString("base64"),
      friendlyName: "dave-tablet",
      host: "vpn-fra-1",
      interface: "wg0",
    }),
  ),
  "a friendly name renamed": edited((c) => (c.peers[1].friendlyName = "alice-new-laptop")),
  "thresholds.connected changed": edited((c) => (c.thresholds = { ...c.thresholds, connected: "150s" })),
  "basic auth enabled": edited((c) => (c.exporter = { ...c.exporter, basicAuth: { enabled: true } })),
  "a host renamed": edited((c) => {
    c.hosts[0].name = "vpn-fra-01";
    for (const p of c.peers) if (p.host === "vpn-fra-1") p.host = "vpn-fra-01";
  }),
  "a host moved": edited((c) => (c.hosts[0].address = "203.0.113.11")),
  "an Alertmanager with basic auth and a remote-write store added": edited((c) => {
    c.alerting = {
      alertmanagers: [{ urls: ["https://alertmanager.example.net"], basicAuth: { username: "prometheus" } }],
    };
    c.remoteWrite = [{ url: "https://mimir.example.net/api/v1/push", basicAuth: { username: "writer" } }];
  }),
};
const plans = new Map<string, CapturedPlan>();

beforeAll(async () => {
  for (const [name, config] of Object.entries(EDITS))
    plans.set(name, await capturePlanInChild({ stack: "example", config, secrets: SECRETS }));
});

const steps = (edit: string) =>
  describeSteps(engineSteps(plans.get("base"), plans.get(edit))).map((s) => s.replace(/ \[.*\]$/, ""));

describe("the engine's steps for edits of the example stack", () => {
  it("a second capture of the same stack is zero steps", () => {
    expect(steps("base")).toEqual([]);
  });

  it.each(["a peer added", "a friendly name renamed"])("%s: an update of that host's install, nothing else", (edit) => {
    expect(steps(edit)).toEqual(["update command:remote:Command vpn-fra-1-exporter"]);
  });

  it("thresholds.connected changed: updates every host's install and the dashboards that show it, no replace", () => {
    expect(steps("thresholds.connected changed")).toEqual([
      "update command:remote:Command vpn-fra-1-exporter",
      "update command:remote:Command vpn-ams-1-exporter",
      "update grafana:oss/dashboard:Dashboard grafana-wireguard-overview-example",
      "update grafana:oss/dashboard:Dashboard grafana-wireguard-peer-example",
    ]);
  });

  it("basic auth enabled: updates of every install and of the Prometheus files", () => {
    expect(steps("basic auth enabled")).toEqual([
      "update command:remote:Command vpn-fra-1-exporter",
      "update command:remote:Command vpn-ams-1-exporter",
      "update command:remote:Command prometheus-files",
    ]);
  });

  it("Alertmanager with basic auth and remote write added: Prometheus files (config, passwords) updated only", () => {
    expect(steps("an Alertmanager with basic auth and a remote-write store added")).toEqual([
      "update command:remote:Command prometheus-files",
    ]);
  });

  it("a host renamed: new resources created, then the old ones deleted (leaving a machine another one owns)", () => {
    expect(steps("a host renamed")).toEqual([
      "create wireguard-monitoring:index:WireGuardHost vpn-fra-01",
      "create command:remote:CopyToRemote vpn-fra-01-exporter-bundle",
      "create command:remote:Command vpn-fra-01-exporter",
      "update command:remote:Command prometheus-files",
      "delete command:remote:Command vpn-fra-1-exporter",
      "delete command:remote:CopyToRemote vpn-fra-1-exporter-bundle",
      "delete wireguard-monitoring:index:WireGuardHost vpn-fra-1",
    ]);
  });

  it("a host moved to another address: upload and install replaced, created on the new machine first", () => {
    expect(steps("a host moved")).toEqual([
      "create command:remote:CopyToRemote vpn-fra-1-exporter-bundle (replace)",
      "create command:remote:Command vpn-fra-1-exporter (replace)",
      "update command:remote:Command prometheus-files",
      "delete command:remote:Command vpn-fra-1-exporter (replace)",
      "delete command:remote:CopyToRemote vpn-fra-1-exporter-bundle (replace)",
    ]);
  });

  it("destroy deletes dependents first: Prometheus files, then each host's install before its upload", () => {
    const names = engineSteps(plans.get("base"), undefined).steps.map((s) => s.resource.name);
    expect(names.indexOf("prometheus-files")).toBeLessThan(names.indexOf("vpn-fra-1-exporter"));
    expect(names.indexOf("vpn-fra-1-exporter")).toBeLessThan(names.indexOf("vpn-fra-1-exporter-bundle"));
    expect(names.indexOf("vpn-fra-1-exporter-bundle")).toBeLessThan(names.indexOf("vpn-fra-1"));
  });
});

describe("engine rules", () => {
  it("replaceOnChanges matches as PropertyPath.Contains: the pattern is a prefix, * any one segment", () => {
    expect(pathContains("triggers[*]", "triggers[0]")).toBe(true);
    expect(pathContains("triggers[*]", "triggers")).toBe(false);
    expect(pathContains("connection", "connection.host")).toBe(true);
    expect(pathContains("connection.host", "connection")).toBe(false);
    expect(pathContains("*", "stdin")).toBe(true);
  });

  it("changed paths go into objects and equal-length arrays; secrets compare by value", () => {
    const secret = (value: unknown) => ({
      "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270",
      value,
    });
    expect(changedPaths({ a: 1, t: ["x", "y"], c: { host: "h" } }, { a: 1, t: ["x", "z"], c: { host: "g" } })).toEqual([
      "c.host",
      "t[1]",
    ]);
    expect(changedPaths({ t: ["x"] }, { t: ["x", "y"] })).toEqual(["t"]);
    expect(changedPaths({ s: secret("p") }, { s: "p" })).toEqual([]);
  });
});
