// The Pulumi program under mocks, for each committed stack: which resources `pulumi up` would
// create (types, names, parents, dependencies, triggers), and that secrets stay secret everywhere.
import { createHash } from "node:crypto";
import { readdirSync } from "node:fs";
import { resolve } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { loadStackFile, type Inventory } from "../../src/config/index";
import { isSecretValue, type CapturedPlan, type PlannedResource } from "../../src/plan/capture";
import { capturePlanInChild, committedStackConfig } from "../harness/plan";

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
    plans.set(stack, { plan: await capturePlanInChild({ stack, config: committedStackConfig(stack), secrets: STAND_INS }), inventory: loaded.inventory });
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
const plain = (v: unknown): unknown =>
  isSecretValue(v) ? plain(v.value) : Array.isArray(v) ? v.map(plain) : v && typeof v === "object" ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plain(x)])) : v;
const sha256 = (t: string) => createHash("sha256").update(t).digest("hex");

describe.each(STACKS)("the %s stack under mocks", (stack) => {
  const get = () => plans.get(stack)!;

  it("declares one WireGuardHost per host, one PrometheusServer and Grafana with one dashboard per committed file", () => {
    const { plan, inventory } = get();
    const hosts = inventory.hosts.length;
    const userspace = inventory.hosts.filter((h) => h.userspaceWireGuard).length;
    // bundle, unit, web config, peers (+ Filebeat inputs); + socket, service, client of the wg helper
    const perHostUploads = 4 + (inventory.logs.filebeat ? 1 : 0);
    // prometheus.yml (full) or the fragment, targets, rules (+ the exporters' password)
    const promUploads = 3 + (inventory.exporter.basicAuth.enabled ? 1 : 0);
    expect(countByType(plan)).toEqual({
      "wireguard-monitoring:index:WireGuardHost": hosts,
      "wireguard-monitoring:index:PrometheusServer": 1,
      "wireguard-monitoring:index:GrafanaDashboards": 1,
      "command:remote:CopyToRemote": hosts * perHostUploads + userspace * 3 + promUploads,
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
    expect(plan.resources.filter((r) => r.type === "wireguard-monitoring:index:WireGuardHost").map((r) => r.name)).toEqual(inventory.hosts.map((h) => h.name));
  });

  it("installs on a host only after all of that host's uploads, and reconfigures Prometheus after every host", () => {
    const { plan, inventory } = get();
    const installs = inventory.hosts.map((h) => byName(plan, `${h.name}-install`));
    for (const [i, host] of inventory.hosts.entries()) {
      const hostUrn = plan.resources.find((r) => r.name === host.name && !r.custom)!.urn;
      const uploads = plan.resources.filter((r) => r.parent === hostUrn && r.type === "command:remote:CopyToRemote").map((r) => r.urn);
      expect(installs[i].dependencies).toEqual([...uploads].sort());
    }
    const apply = byName(plan, "prometheus-apply");
    const promUploads = plan.resources.filter((r) => r.type === "command:remote:CopyToRemote" && r.name.startsWith("prometheus-")).map((r) => r.urn);
    expect(apply.dependencies).toEqual([...promUploads, ...installs.map((r) => r.urn)].sort());
  });

  it("re-runs a host's install exactly when a content hash changes (triggers), with update = create", () => {
    const { plan, inventory } = get();
    for (const host of inventory.hosts) {
      const install = plain(byName(plan, `${host.name}-install`).inputs) as Record<string, unknown>;
      const triggers = install.triggers as string[];
      expect(triggers[0]).toBe((plan.outputs.hosts as Record<string, string>)[host.name]);
      expect(triggers[0]).toMatch(/^[0-9a-f]{64}$/);
      expect(install.update).toBe(install.create);
      expect(install.delete).toMatch(/systemctl disable --now/);
    }
    for (const r of plan.resources.filter((x) => x.type === "command:remote:CopyToRemote")) {
      const inputs = plain(r.inputs) as { source: { asset: string; text?: string }; triggers: string[] };
      if (inputs.source.asset === "text") expect(inputs.triggers).toEqual([sha256(inputs.source.text!)]);
    }
  });

  it("pins every SSH host key and connects with the secret key", () => {
    const { plan, inventory } = get();
    const expected = new Map([...inventory.hosts.map((h) => [h.address, h.ssh.hostKey] as const), [inventory.prometheus.address, inventory.prometheus.ssh.hostKey]]);
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
        for (const [key, secret] of Object.entries(STAND_INS)) if (v.includes(secret)) leaks.push(`${where} carries ${key}`);
      } else if (Array.isArray(v)) v.forEach((x, i) => walk(x, `${where}[${i}]`));
      else if (v && typeof v === "object") for (const [k, x] of Object.entries(v)) walk(x, `${where}.${k}`);
    };
    for (const r of plan.resources) walk(r.inputs, `${r.type} ${r.name}`);
    expect(leaks).toEqual([]);
    for (const r of plan.resources.filter((x) => x.type === "command:remote:Command")) expect(r.inputs.logging).toBe("stderr");
    expect(JSON.stringify(plan.outputs)).not.toMatch(/stand-in/);
  });

  it("configures the Grafana provider from the stack with the token as a secret", () => {
    const { plan, inventory } = get();
    const provider = byName(plan, "grafana-provider");
    expect(provider.inputs.url).toBe(inventory.grafana.url);
    expect(isSecretValue(provider.inputs.auth)).toBe(true);
    expect(byName(plan, "grafana-folder").inputs.title).toBe(inventory.grafana.folder);
    for (const d of plan.resources.filter((r) => r.type === "grafana:oss/dashboard:Dashboard")) {
      const model = JSON.parse(d.inputs.configJson as string) as { uid: string; templating: { list: Array<{ name: string; current?: { value?: unknown } }> } };
      expect(model.uid).toBe(d.name.replace(/^grafana-/, ""));
      // the stack's own datasource is the default, not the generic one
      const ds = model.templating.list.find((v) => v.name === "datasource");
      expect(JSON.stringify(ds?.current)).toContain(inventory.grafana.datasourceUid);
      expect(d.dependencies).toContain(byName(plan, "grafana-folder").urn);
    }
  });
});

describe("stack-specific steps", () => {
  it("prod: basic auth reaches the host only as a secret bcrypt hash, the install reads the password from stdin", () => {
    const { plan } = plans.get("prod")!;
    const webConfig = byName(plan, "hub-fra-1-web-config-yml");
    expect(isSecretValue(webConfig.inputs.source)).toBe(true);
    const text = (plain(webConfig.inputs.source) as { text: string }).text;
    expect(text).toMatch(/basic_auth_users:\n {2}"prometheus": "\$2b\$10\$[./A-Za-z0-9]{53}"/);
    expect(text).toContain("tls_server_config:");
    const install = byName(plan, "hub-fra-1-install");
    expect(isSecretValue(install.inputs.stdin)).toBe(true);
    expect(isSecretValue(byName(plan, "prometheus-wireguard-exporter-password").inputs.source)).toBe(true);
  });

  it("prod installs the distribution's nodejs; example fails naming the host when Node.js is missing", () => {
    const prod = plain(byName(plans.get("prod")!.plan, "hub-ams-1-install").inputs) as { create: string };
    expect(prod.create).toContain("apt-get -q install -y nodejs");
    const example = plain(byName(plans.get("example")!.plan, "vpn-ams-1-install").inputs) as { create: string };
    expect(example.create).not.toContain("apt-get");
    expect(example.create).toContain("host vpn-ams-1: $*");
    expect(example.create).toContain("Node.js >= 18 is required");
  });

  it("prod ships Filebeat inputs to logs.filebeatInputsDir; example does not", () => {
    const prod = plain(byName(plans.get("prod")!.plan, "hub-fra-1-install").inputs) as { create: string };
    expect(prod.create).toContain("/etc/filebeat/inputs.d/wireguard-monitoring.yml");
    expect(plans.get("example")!.plan.resources.some((r) => r.name.endsWith("filebeat-inputs-yml"))).toBe(false);
  });
});
