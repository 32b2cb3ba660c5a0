// The Pulumi program under mocks, for each committed stack: which resources `pulumi up` would
// create (types, names, parents, dependencies, triggers), and that secrets stay secret everywhere.
import { readdirSync } from "node:fs";
import { resolve } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { loadStackFile, type Inventory } from "../../src/model/index";
import { isSecretValue, revealSecrets, type CapturedPlan, type PlannedResource } from "../../src/tools/plan/capture";
import { capturePlanInChild, committedStackConfig } from "../harness/plan";
import { readStdinFiles } from "../helpers/stdin-files";

const ROOT = resolve(__dirname, "..", "..");
const STACKS = ["example", "prod"];
const STAND_INS = {
  sshPrivateKey: "stand-in-ssh-private-key-4b1f",
  grafanaAuth: "stand-in-grafana-token-9c2e",
  exporterBasicAuthPassword: "stand-in-basic-auth-password-77aa",
};
const COMMITTED_DASHBOARDS = readdirSync(resolve(ROOT, "dashboards")).filter((f) => f.endsWith(".json")).length;

const plans = new Map<string, { plan: CapturedPlan; inventory: Inventory }>();

beforeAll(async () => {
  for (const stack of STACKS) {
    const loaded = loadStackFile(ROOT, stack);
    if (!loaded.ok) throw new Error(`Pulumi.${stack}.yaml does not validate`);
    plans.set(stack, {
      plan: await capturePlanInChild({ stack, config: committedStackConfig(stack), secrets: STAND_INS }),
      inventory: loaded.inventory,
    });
  }
});

const countByType = (plan: CapturedPlan) => {
  const counts: Record<string, number> = {};
  for (const r of plan.resources) counts[r.type] = (counts[r.type] ?? 0) + 1;
  return counts;
};
const byName = (plan: CapturedPlan, name: string) => {
  const r = plan.resources.find((x) => x.name === name);
  if (!r) throw new Error(`no resource ${name}`);
  return r;
};
/** Inputs with secrets unwrapped, for reading plain structure. */
const plain = revealSecrets;

describe.each(STACKS)("the %s stack under mocks", (stack) => {
  const get = () => plans.get(stack)!;

  it("declares a WireGuardHost per host (upload, install), a PrometheusServer, Grafana with each dashboard", () => {
    const { plan, inventory } = get();
    const hosts = inventory.hosts.length;
    expect(countByType(plan)).toEqual({
      "wireguard-monitoring:index:WireGuardHost": hosts,
      "wireguard-monitoring:index:PrometheusServer": 1,
      "wireguard-monitoring:index:GrafanaDashboards": 1,
      "command:remote:CopyToRemote": hosts,
      "command:remote:Command": hosts + 1,
      "pulumi:providers:grafana": 1,
      "grafana:oss/folder:Folder": 1,
      "grafana:oss/dashboard:Dashboard": COMMITTED_DASHBOARDS,
    });
    expect(COMMITTED_DASHBOARDS).toBeGreaterThan(0);
  });

  it("parents every remote step and Grafana resource to its component", () => {
    const { plan, inventory } = get();
    const components = new Map(plan.resources.filter((r) => !r.custom).map((r) => [r.urn, r]));
    for (const r of plan.resources) {
      if (!r.custom) {
        expect(r.parent, `${r.name} is a top-level component`).toBeUndefined();
        continue;
      }
      const parent = components.get(r.parent ?? "");
      expect(parent, `${r.type} ${r.name} has a component parent`).toBeDefined();
      expect(r.name.startsWith(`${parent!.name}-`), `${r.name} is named after ${parent!.name}`).toBe(true);
    }
    expect(
      plan.resources.filter((r) => r.type === "wireguard-monitoring:index:WireGuardHost").map((r) => r.name),
    ).toEqual(inventory.hosts.map((h) => h.name));
  });

  it("installs on a host after its bundle upload, and reconfigures Prometheus after every host", () => {
    const { plan, inventory } = get();
    const installs = inventory.hosts.map((h) => byName(plan, `${h.name}-exporter`));
    for (const [i, host] of inventory.hosts.entries())
      expect(installs[i].dependencies).toEqual([byName(plan, `${host.name}-exporter-bundle`).urn]);
    expect(byName(plan, "prometheus-files").dependencies).toEqual(installs.map((r) => r.urn).sort());
  });

  it("makes every content edit an update: triggers hold only the machine, files go on stdin, update = create", () => {
    const { plan, inventory } = get();
    const machines = new Map([
      ...inventory.hosts.map((h) => [h.name, `${h.address}:${h.ssh.port}`] as const),
      ["prometheus", `${inventory.prometheus.address}:${inventory.prometheus.ssh.port}`],
    ]);
    for (const r of plan.resources.filter((x) => x.type.startsWith("command:remote:"))) {
      const component = r.name.replace(/-(exporter-bundle|exporter|files)$/, "");
      const inputs = plain(r.inputs) as Record<string, unknown>;
      // what the provider SDK adds (sdk/nodejs/remote/command.ts: replaceOnChanges triggers[*]) and nothing else
      expect(r.options.replaceOnChanges, r.name).toEqual(["triggers[*]"]);
      expect(r.options.deleteBeforeReplace, r.name).toBe(false);
      expect(inputs.triggers, r.name).toEqual([machines.get(component)]);
      if (r.type === "command:remote:Command") {
        expect(inputs.update).toBe(inputs.create);
        expect(readStdinFiles(inputs.stdin as string).size).toBeGreaterThan(0);
      }
    }
  });

  it("pins every SSH host key and connects with the secret key", () => {
    const { plan, inventory } = get();
    const expected = new Map([
      ...inventory.hosts.map((h) => [h.address, h.ssh.hostKey] as const),
      [inventory.prometheus.address, inventory.prometheus.ssh.hostKey],
    ]);
    for (const r of plan.resources.filter((x) => x.type.startsWith("command:remote:"))) {
      const c = plain(r.inputs.connection) as { host: string; hostKey?: string; privateKey: string };
      expect(c.hostKey, `${r.name}`).toBe(expected.get(c.host));
      expect(c.privateKey).toBe(STAND_INS.sshPrivateKey);
    }
  });

  it("keeps every secret secret: each input that carries one is wrapped, and no step logs stdout", () => {
    const { plan } = get();
    const leaks: string[] = [];
    const walk = (v: unknown, where: string): void => {
      if (isSecretValue(v)) return;
      if (typeof v === "string") {
        for (const [key, secret] of Object.entries(STAND_INS))
          if (v.includes(secret)) leaks.push(`${where} carries ${key}`);
      } else if (Array.isArray(v)) v.forEach((x, i) => walk(x, `${where}[${i}]`));
      else if (v && typeof v === "object") for (const [k, x] of Object.entries(v)) walk(x, `${where}.${k}`);
    };
    for (const r of plan.resources) walk(r.inputs, `${r.type} ${r.name}`);
    // Files travel base64-encoded on stdin, where a plain string would hide a secret from the walk.
    for (const r of plan.resources.filter((x) => typeof x.inputs.stdin === "string")) {
      for (const [file, content] of readStdinFiles(r.inputs.stdin as string)) walk(content, `${r.name} stdin ${file}`);
    }
    expect(leaks).toEqual([]);
    for (const r of plan.resources.filter((x) => x.type === "command:remote:Command")) {
      expect(r.inputs.logging).toBe("stdoutAndStderr");
      expect(r.options.additionalSecretOutputs).toEqual(expect.arrayContaining(["stdout", "stderr"]));
    }
    expect(JSON.stringify(plan.outputs)).not.toMatch(/stand-in/);
  });

  it("configures the Grafana provider from the stack with the token as a secret", () => {
    const { plan, inventory } = get();
    const provider = byName(plan, "grafana-provider");
    expect(provider.inputs.url).toBe(inventory.grafana.url);
    expect(isSecretValue(provider.inputs.auth)).toBe(true);
    expect(byName(plan, "grafana-folder").inputs.title).toContain(inventory.grafana.folder);
    for (const d of plan.resources.filter((r) => r.type === "grafana:oss/dashboard:Dashboard")) {
      const model = JSON.parse(d.inputs.configJson as string) as {
        uid: string;
        templating: { list: Array<{ name: string; current?: { value?: unknown } }> };
      };
      expect(model.uid).toBe(d.name.replace(/^grafana-/, ""));
      // the stack's own datasource is the default, not the generic one
      const ds = model.templating.list.find((v) => v.name === "datasource");
      expect(JSON.stringify(ds?.current)).toContain(inventory.grafana.datasourceUid);
      expect(d.dependencies).toContain(byName(plan, "grafana-folder").urn);
    }
  });
});

describe("stack-specific steps", () => {
  const stdinOf = (plan: CapturedPlan, name: string) =>
    readStdinFiles((plain(byName(plan, name).inputs) as { stdin: string }).stdin);

  it("prod: basic auth reaches the host only as a secret bcrypt hash on install stdin, with the /health one", () => {
    const { plan } = plans.get("prod")!;
    const install = byName(plan, "hub-fra-1-exporter");
    expect(isSecretValue(install.inputs.stdin)).toBe(true);
    const files = stdinOf(plan, "hub-fra-1-exporter");
    expect(files.get("web-config.yml")).toMatch(/basic_auth_users:\n {2}prometheus: '?\$2b\$10\$[./A-Za-z0-9]{53}'?\n/);
    expect(files.get("web-config.yml")).toContain("tls_server_config:");
    expect(files.get("health-password")).toBe(`${STAND_INS.exporterBasicAuthPassword}\n`);
    expect(isSecretValue(byName(plan, "prometheus-files").inputs.stdin)).toBe(true);
    expect(stdinOf(plan, "prometheus-files").get("wireguard-exporter-password")).toBe(
      STAND_INS.exporterBasicAuthPassword,
    );
  });

  it("example: without secrets the install's stdin stays plain and lists each file with its hash", () => {
    const install = byName(plans.get("example")!.plan, "vpn-fra-1-exporter");
    expect(typeof install.inputs.stdin).toBe("string");
    expect(install.inputs.stdin as string).toMatch(
      /^wireguard-monitoring files\n(\S+ \d+ sha256:[0-9a-f]{64}\n)+--\n[A-Za-z0-9+/=\n]+$/,
    );
  });

  it("prod installs the distribution's nodejs; example fails naming the host when Node.js is missing", () => {
    const prod = plain(byName(plans.get("prod")!.plan, "hub-ams-1-exporter").inputs) as { create: string };
    expect(prod.create).toContain("apt-get -q install -y nodejs");
    const example = plain(byName(plans.get("example")!.plan, "vpn-ams-1-exporter").inputs) as { create: string };
    expect(example.create).not.toContain("apt-get");
    expect(example.create).toContain("wireguard-monitoring: host vpn-ams-1:");
    expect(example.create).toContain("Node.js >= 18 is required");
  });

  it("prod ships Filebeat inputs to logs.filebeatInputsDir; example does not", () => {
    const prod = plain(byName(plans.get("prod")!.plan, "hub-fra-1-exporter").inputs) as { create: string };
    expect(prod.create).toContain("/etc/filebeat/inputs.d/wireguard-monitoring.yml");
    expect(stdinOf(plans.get("prod")!.plan, "hub-fra-1-exporter").has("filebeat-inputs.yml")).toBe(true);
    expect(stdinOf(plans.get("example")!.plan, "vpn-fra-1-exporter").has("filebeat-inputs.yml")).toBe(false);
  });
});
