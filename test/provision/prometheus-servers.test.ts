// Several Prometheus servers under mocks: the program declares one PrometheusServer per listed server,
// each installing only its own files (its prometheus.yml, the targets of the hosts it scrapes, its
// rules) after the installs of those hosts; the passwords its config reads from files reach it only as
// secrets; and growing a stack from one server to two is what the engine makes of it, step by step.
import { beforeAll, describe, expect, it } from "vitest";
import { load } from "js-yaml";
import { isSecretValue, revealSecrets, type CapturedPlan, type PlannedResource } from "../../src/tools/plan/capture";
import { formatPlan, redactPlan } from "../../src/tools/plan/format";
import { describeSteps, engineSteps } from "../../src/tools/plan/lifecycle";
import { revealsStandIn } from "../../src/tools/plan/secret-guard";
import { capturePlanInChild, committedStackConfig } from "../harness/plan";
import { readStdinFiles } from "../helpers/stdin-files";

type Config = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const SECRETS = {
  sshPrivateKey: "stand-in-ssh-key-0c41",
  grafanaAuth: "stand-in-grafana-token-5d1e",
  exporterBasicAuthPassword: "stand-in-exporter-password-a7b3",
  alertmanagerBasicAuthPassword: "stand-in-alertmanager-password-91fe",
  remoteWriteBasicAuthPassword: "stand-in-remote-write-password-3c2d",
};
const example = committedStackConfig("example") as Config;
const SERVER = example.prometheus as Config;
const AMS = "203.0.113.21";
/** The example stack with `edit` applied to a copy. */
const edited = (edit: (c: Config) => void): Config => {
  const c = structuredClone(example);
  edit(c);
  return c;
};
const onlyFra = (c: Config) => {
  c.hosts = c.hosts.filter((h: Config) => h.name === "vpn-fra-1");
  c.peers = c.peers.filter((p: Config) => p.host === "vpn-fra-1");
};
const sharded = (c: Config) => {
  c.prometheus = [
    { name: "fra", scrapes: { site: "fra" }, ...SERVER },
    { name: "ams", scrapes: { site: "ams" }, ...SERVER, address: AMS },
  ];
};
const withAuth = (c: Config) => {
  c.alerting = {
    alertmanagers: [{ urls: ["https://alertmanager.example.net:9093"], basicAuth: { username: "prometheus" } }],
  };
  c.remoteWrite = [{ url: "https://mimir.example.net/api/v1/push", basicAuth: { username: "writer" } }];
};

const STACKS: Record<string, Config> = {
  single: example,
  sharded: edited(sharded),
  "HA pair": edited((c) => {
    c.prometheus = [
      { name: "a", replica: "a", ...SERVER },
      { name: "b", replica: "b", ...SERVER, address: AMS },
    ];
  }),
  "one listed server, fra only": edited((c) => {
    onlyFra(c);
    c.prometheus = [{ name: "fra", scrapes: { site: "fra" }, ...SERVER }];
  }),
  "sharded with Alertmanager and remote-write auth": edited((c) => {
    sharded(c);
    withAuth(c);
  }),
  "single, fra only": edited(onlyFra),
  "fra listed first, ams added": edited((c) => {
    sharded(c);
  }),
};
const plans = new Map<string, CapturedPlan>();

beforeAll(async () => {
  for (const [name, config] of Object.entries(STACKS))
    plans.set(name, await capturePlanInChild({ stack: "example", config, secrets: SECRETS }));
}, 300_000);

const plan = (stack: string) => plans.get(stack)!;
const byName = (p: CapturedPlan, name: string): PlannedResource => {
  const r = p.resources.find((x) => x.name === name);
  if (!r) throw new Error(`no resource ${name}: ${p.resources.map((x) => x.name).join(", ")}`);
  return r;
};
const stdinOf = (p: CapturedPlan, name: string) =>
  readStdinFiles((revealSecrets(byName(p, name).inputs) as { stdin: string }).stdin);
/** Component names, sorted: components register as their inputs resolve, not in declaration order. */
const components = (p: CapturedPlan) =>
  p.resources
    .filter((r) => r.type === "wireguard-monitoring:index:PrometheusServer")
    .map((r) => r.name)
    .sort();
/** The script a step runs as root: asRoot's argument to `sh -c`, unquoted. */
const rootScript = (r: PlannedResource) => {
  const line = (revealSecrets(r.inputs) as { create: string }).create;
  return line.slice(line.indexOf(" -c '") + 5, line.lastIndexOf("' wireguard-monitoring")).replace(/'\\''/g, "'");
};
const targetsOf = (files: Map<string, string>) =>
  (JSON.parse(files.get("wireguard.json")!) as { targets: string[]; labels: Record<string, string> }[]).map(
    (g) => g.labels.host!,
  );
const configOf = (files: Map<string, string>) => load(files.get("prometheus.yml")!) as Config;
const steps = (from: string, to: string) =>
  describeSteps(engineSteps(plan(from), plan(to))).map((s) => s.replace(/ \[.*\]$/, ""));

describe("one PrometheusServer per server", () => {
  it("a stack's single server keeps the component prometheus and its step prometheus-files", () => {
    expect(components(plan("single"))).toEqual(["prometheus"]);
    expect(byName(plan("single"), "prometheus-files").parent).toBe(byName(plan("single"), "prometheus").urn);
  });

  it("sharded by site: prometheus-fra and prometheus-ams, each on its machine with its hosts, after installs", () => {
    const p = plan("sharded");
    expect(components(p)).toEqual(["prometheus-ams", "prometheus-fra"]);
    for (const [server, host, address] of [
      ["fra", "vpn-fra-1", SERVER.address],
      ["ams", "vpn-ams-1", AMS],
    ] as const) {
      const files = stdinOf(p, `prometheus-${server}-files`);
      expect([...files.keys()].sort()).toEqual(["prometheus.yml", "wireguard.json", "wireguard.rules.yml"]);
      expect(targetsOf(files)).toEqual([host]);
      expect(files.get("wireguard.rules.yml")).toContain(host);
      expect(configOf(files).global.external_labels).toEqual({ env: "example" });
      const step = byName(p, `prometheus-${server}-files`);
      expect(step.dependencies).toEqual([byName(p, `${host}-exporter`).urn]);
      expect((revealSecrets(step.inputs) as Config).triggers).toEqual([`${address}:22`]);
    }
  });

  it("an HA pair: both scrape every host, each with its replica label, dropped before alerts are sent", () => {
    const p = plan("HA pair");
    expect(components(p)).toEqual(["prometheus-a", "prometheus-b"]);
    const installs = ["vpn-fra-1", "vpn-ams-1"].map((h) => byName(p, `${h}-exporter`).urn).sort();
    for (const replica of ["a", "b"]) {
      const files = stdinOf(p, `prometheus-${replica}-files`);
      expect(targetsOf(files).sort()).toEqual(["vpn-ams-1", "vpn-fra-1"]);
      const config = configOf(files);
      expect(config.global.external_labels).toEqual({ env: "example", replica });
      expect(JSON.stringify(config.alerting.alert_relabel_configs)).toContain("labeldrop");
      expect(byName(p, `prometheus-${replica}-files`).dependencies).toEqual(installs);
    }
  });
});

describe("one Prometheus deployment marker per machine", () => {
  it("holds because two servers on one machine are refused before anything is declared", async () => {
    const config = edited((c) => {
      c.prometheus = [
        { name: "a", replica: "a", ...SERVER },
        { name: "b", replica: "b", ...SERVER },
      ];
    });
    await expect(capturePlanInChild({ stack: "example", config, secrets: SECRETS })).rejects.toThrow(
      `wireguard-monitoring:prometheus[1].address: ${SERVER.address}:22 is also ` +
        `prometheus[0]: two servers on one machine would overwrite each other's`,
    );
  });
});

describe("growing from one server to two", () => {
  it("a listed server joined by a second for a new site: only creates, the first server untouched", () => {
    expect(steps("one listed server, fra only", "fra listed first, ams added").sort()).toEqual([
      "create command:remote:Command prometheus-ams-files",
      "create command:remote:Command vpn-ams-1-exporter",
      "create command:remote:CopyToRemote vpn-ams-1-exporter-bundle",
      "create wireguard-monitoring:index:PrometheusServer prometheus-ams",
      "create wireguard-monitoring:index:WireGuardHost vpn-ams-1",
    ]);
  });

  it("the single server becoming the first of a list: same resources (aliased); 2nd created; none deleted", () => {
    const lifecycle = engineSteps(plan("single, fra only"), plan("fra listed first, ams added"));
    expect(
      describeSteps(lifecycle)
        .filter((s) => s.includes("prometheus"))
        .sort(),
    ).toEqual([
      "create command:remote:Command prometheus-ams-files",
      "create wireguard-monitoring:index:PrometheusServer prometheus-ams",
      // its scripts' deployment marker and its prometheus.yml's header comment name it anew
      "update command:remote:Command prometheus-fra-files [create, delete, stdin, update]",
    ]);
    expect(lifecycle.steps.filter((s) => s.op === "delete")).toEqual([]);
    const update = lifecycle.steps.find((s) => s.resource.name === "prometheus-fra-files")!;
    expect(update.old!.name).toBe("prometheus-files");
    const uncommented = (files: Map<string, string>) =>
      new Map([...files].map(([k, v]) => [k, v.replace(/^#.*\n/gm, "")]));
    expect(uncommented(stdinOf(plan("fra listed first, ams added"), "prometheus-fra-files"))).toEqual(
      uncommented(stdinOf(plan("single, fra only"), "prometheus-files")),
    );
  });
});

describe("the passwords Prometheus reads from files", () => {
  it.each([
    ["alertmanagerBasicAuthPassword", "alerting.alertmanagers[0].basicAuth is set"],
    ["remoteWriteBasicAuthPassword", "remoteWrite[0].basicAuth is set"],
  ])("without %s the program stops, naming the key, the setting that needs it and the command", async (key, why) => {
    const { [key as keyof typeof SECRETS]: _left, ...secrets } = SECRETS;
    const run = capturePlanInChild({
      stack: "example",
      config: STACKS["sharded with Alertmanager and remote-write auth"]!,
      secrets,
    });
    await expect(run).rejects.toThrow(
      `wireguard-monitoring:${key} is required (${why}); set it with \`pulumi config set --secret ${key}\``,
    );
  });

  it("a password Prometheus would read back trimmed (a trailing line break) is refused by key, not shown", async () => {
    const secrets = { ...SECRETS, remoteWriteBasicAuthPassword: `${SECRETS.remoteWriteBasicAuthPassword}\n` };
    const run = capturePlanInChild({
      stack: "example",
      config: STACKS["sharded with Alertmanager and remote-write auth"]!,
      secrets,
    });
    const message = await run.then(
      () => "",
      (e: Error) => e.message,
    );
    expect(message).toContain(
      "wireguard-monitoring:remoteWriteBasicAuthPassword must not start or end with white space",
    );
    expect(message).not.toContain(SECRETS.remoteWriteBasicAuthPassword);
  });

  it("each server gets each password as a 0640 file in secretsDir, on a secret stdin; the config points there", () => {
    const p = plan("sharded with Alertmanager and remote-write auth");
    for (const server of ["fra", "ams"]) {
      const step = byName(p, `prometheus-${server}-files`);
      expect(isSecretValue(step.inputs.stdin)).toBe(true);
      const files = stdinOf(p, `prometheus-${server}-files`);
      expect(files.get("wireguard-alertmanager-password")).toBe(SECRETS.alertmanagerBasicAuthPassword);
      expect(files.get("wireguard-remote-write-password")).toBe(SECRETS.remoteWriteBasicAuthPassword);
      const script = rootScript(step);
      for (const file of ["wireguard-alertmanager-password", "wireguard-remote-write-password"]) {
        expect(script).toContain(`put "$files"/'${file}' '/etc/prometheus/secrets/${file}' 0640 "$grp" no`);
      }
      const config = JSON.stringify(configOf(files));
      expect(config).toContain("/etc/prometheus/secrets/wireguard-alertmanager-password");
      expect(config).toContain("/etc/prometheus/secrets/wireguard-remote-write-password");
    }
  });

  it("no password in the plan as the preview prints it, nor in any plain input", () => {
    const p = plan("sharded with Alertmanager and remote-write auth");
    const printed = [formatPlan(redactPlan(p)), JSON.stringify(redactPlan(p))];
    const leaks: string[] = [];
    const walk = (v: unknown, where: string): void => {
      if (isSecretValue(v)) return;
      if (typeof v === "string") {
        for (const [key, secret] of Object.entries(SECRETS))
          if (revealsStandIn(v, secret)) leaks.push(`${where} carries ${key}`);
      } else if (Array.isArray(v)) v.forEach((x, i) => walk(x, `${where}[${i}]`));
      else if (v && typeof v === "object") for (const [k, x] of Object.entries(v)) walk(x, `${where}.${k}`);
    };
    for (const r of p.resources) walk(r.inputs, `${r.type} ${r.name}`);
    walk(printed, "printed plan");
    walk(p.outputs, "outputs");
    expect(leaks).toEqual([]);
  });
});
