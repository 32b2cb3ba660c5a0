// The contract between the builders and the components: an artifact says where and how it is installed
// (its placement), and the host and Prometheus components install exactly the placed artifacts, taking
// target, mode, group and restarts from the placement alone, the units to run and what promtool checks
// from it too; a placement that keeps the user's file puts that file back on delete.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, posix, resolve } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadStackFile, validateStackConfig, type Inventory } from "../../src/model/index";
import type { Artifact, Placement } from "../../src/build/artifact";
import { stackArtifacts } from "../../src/build/stack-artifacts";
import { EXPORTER_BUNDLE, HOST_FILES } from "../../src/build/hosts/paths";
import { BASIC_AUTH_MARKER } from "../../src/build/hosts/web-config";
import { ORIGINAL_SUFFIX } from "../../src/build/prometheus/artifacts";
import { MARKER_DIR, type Deployment } from "../../src/deploy/deployment";
import { prometheusApplyScript, prometheusRemoveScript } from "../../src/deploy/prometheus-scripts";
import { PrometheusServer } from "../../src/deploy/prometheus-server";
import { filesOnStdin } from "../../src/deploy/stdin-files";
import { WireGuardHost } from "../../src/deploy/wireguard-host";
import { committedStackConfig } from "../harness/plan";
import { readStdinFiles } from "../helpers/stdin-files";

const ROOT = resolve(__dirname, "..", "..");

function committed(stack: string): Inventory {
  const r = loadStackFile(ROOT, stack);
  if (!r.ok) throw new Error(`Pulumi.${stack}.yaml does not validate`);
  return r.inventory;
}

/** The example stack with a userspace-WireGuard host and two listed servers, one of them in fragment mode. */
function variant(): Inventory {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const c = structuredClone(committedStackConfig("example")) as Record<string, any>;
  c.hosts[0].userspaceWireGuard = true;
  c.prometheus = [
    { ...c.prometheus, name: "fra", scrapes: { site: "fra" } },
    { ...c.prometheus, name: "ams", scrapes: { site: "ams" }, address: "203.0.113.21", configMode: "fragment" },
  ];
  const r = validateStackConfig(c, "variant", ROOT);
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return r.inventory;
}

const INVENTORIES = [committed("example"), committed("prod"), variant()];

describe.each(INVENTORIES.map((inv) => [inv.stack, inv] as const))(
  "what the builders say, %s stack",
  (_stack, inventory) => {
    const artifacts = stackArtifacts(inventory);

    it("every host file has a placement; each host has one main service, and the units it needs are its files", () => {
      for (const host of inventory.hosts) {
        const files = artifacts.filter((a) => a.host === host.name);
        expect(files.filter((a) => a.placement === undefined).map((a) => a.path)).toEqual([]);
        const placements = files.map((a) => a.placement!);
        expect(new Set(placements.map((p) => p.target)).size).toBe(placements.length);
        expect(placements.filter((p) => p.service === "main").map((p) => p.target)).toEqual([
          HOST_FILES.unit.placement.target,
        ]);
        const needed = placements.filter((p) => p.service === "before-main").map((p) => p.target);
        expect(needed).toEqual(host.userspaceWireGuard ? [HOST_FILES.helperSocket.placement.target] : []);
      }
    });

    it("the web config asks for the basic-auth users exactly when the stack turns basic auth on", () => {
      const asking = artifacts.filter((a) => a.deployFills === "basic-auth-users");
      expect(asking.map((a) => a.kind)).toEqual(
        inventory.exporter.basicAuth.enabled ? inventory.hosts.map(() => "web-config") : [],
      );
    });

    it("each server has one main config; only configMode full installs it, keeping the user's file", () => {
      for (const server of inventory.prometheusServers) {
        const files = artifacts.filter((a) => a.prometheusServer === server.name);
        const main = files.filter((a) => a.mainConfig !== undefined);
        expect(main.map((a) => a.mainConfig)).toEqual([server.configFile]);
        const kept = files.flatMap((a) => (a.placement?.keepOriginal ? [a.placement] : []));
        if (server.configMode === "full") {
          const keepOriginal = server.configFile + ORIGINAL_SUFFIX;
          expect(main[0]!.placement).toMatchObject({ target: server.configFile, check: "config", keepOriginal });
          expect(kept).toHaveLength(1);
        } else {
          expect(main[0]!.placement).toBeUndefined();
          expect(kept).toEqual([]);
        }
        // What promtool checks before the swap: every placed config on its own, the rule files as rules.
        for (const a of files.filter((f) => f.placement)) {
          const check = a.kind === "prometheus" ? "config" : a.kind === "rules" ? "rules" : undefined;
          expect([a.path, a.placement!.check]).toEqual([a.path, check]);
        }
      }
    });
  },
);

// ---- the components, under mocks, given placements no builder would make ----

interface Declared {
  type: string;
  name: string;
  inputs: Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
}
const declared: Declared[] = [];

beforeAll(() => {
  pulumi.runtime.setMocks(
    {
      newResource: (a) => {
        declared.push({ type: a.type, name: a.name, inputs: a.inputs });
        return { id: `${a.name}-id`, state: a.inputs };
      },
      call: (a) => a.inputs,
    },
    "wireguard-monitoring",
    "placements",
    false,
  );
});

/** The script an asRoot command runs, unquoted. */
const scriptOf = (command: string) => /-c '(.*)' wireguard-monitoring/s.exec(command)![1]!.replaceAll(`'\\''`, "'");

/** Waits until the install step is registered with the mocks: its stdin, and its install and remove scripts. */
async function stepOf(
  resource: pulumi.CustomResource,
  name: string,
): Promise<{ stdin: string; install: string; remove: string }> {
  await new Promise<void>((done) => resource.urn.apply(() => done()));
  const found = declared.find((d) => d.name === name);
  if (!found) throw new Error(`${name} was not declared`);
  // A secret stdin reaches the mocks as the engine's secret wrapper.
  const stdin = typeof found.inputs.stdin === "string" ? found.inputs.stdin : found.inputs.stdin.value;
  return { stdin, install: scriptOf(found.inputs.create), remove: scriptOf(found.inputs.delete) };
}

const at = (
  target: string,
  mode: Placement["mode"],
  group: string,
  restarts: boolean,
  more: Partial<Placement> = {},
): Placement => ({
  target,
  mode,
  group,
  restarts,
  ...more,
});
const odd = (path: string, content: string, placement?: Placement, more: Partial<Artifact> = {}): Artifact => ({
  path,
  content,
  kind: "other",
  ...(placement ? { placement } : {}),
  ...more,
});
const deployment = (role: Deployment["role"]): Deployment => ({
  stack: "placements",
  component: role,
  role,
  machine: "192.0.2.1:22",
});
const connection = { host: "192.0.2.1", user: "deploy" };

describe("the host component", () => {
  const placed = {
    main: at("/srv/units/odd-exporter.service", "0600", "staff", true, { service: "main", sharedDir: true }),
    needed: at("/srv/units/odd-first.socket", "0644", "root", false, { service: "before-main", sharedDir: true }),
    config: at("/srv/odd dir/conf.yml", "0640", "odd group", false),
    tool: at("/usr/local/odd/tool", "0755", "root", true),
  };
  const artifacts = [
    odd("hosts/h/a.service", "unit\n", placed.main),
    odd("hosts/h/b.socket", "socket\n", placed.needed),
    odd("hosts/h/c.yml", `users: ${BASIC_AUTH_MARKER}\n`, placed.config, { deployFills: "basic-auth-users" }),
    odd("hosts/h/tool", "#!/bin/sh\n", placed.tool),
    odd("hosts/h/notes.txt", "rendered only\n"),
  ];
  const bundle = {
    path: "/nonexistent/x.cjs",
    sha256: "0".repeat(64),
    placement: at("/srv/bundle/x.cjs", "0640", "staff", false),
  };
  const args = {
    stack: "placements",
    machine: "192.0.2.1:22",
    connection,
    exporterBundle: bundle,
    installNode: false,
    healthUrl: "",
  };
  const basicAuth = { username: "prom", password: pulumi.output("pw") };
  let step: Awaited<ReturnType<typeof stepOf>>;

  beforeAll(async () => {
    const host = new WireGuardHost("h", { ...args, artifacts, basicAuth });
    step = await stepOf(host.install, "h-exporter");
  });

  it("puts on stdin exactly the placed artifacts (and the /health password), the basic-auth users filled in", () => {
    const files = readStdinFiles(step.stdin);
    expect([...files.keys()]).toEqual(["a.service", "b.socket", "c.yml", "tool", "health-password"]);
    expect(files.get("c.yml")).toMatch(/^users: basic_auth_users:\n {2}prom: '?\$2b\$/);
  });

  it("installs each file with the target, mode, group and restart flag of its placement, the bundle too", () => {
    expect(step.install.match(/^\s*put .*$/gm)!.map((l) => l.trim())).toEqual([
      `put "$work/bundle" '/srv/bundle/x.cjs' 0640 staff no`,
      `put "$files"/'a.service' '/srv/units/odd-exporter.service' 0600 'staff' yes`,
      `put "$files"/'b.socket' '/srv/units/odd-first.socket' 0644 'root' no`,
      `put "$files"/'c.yml' '/srv/odd dir/conf.yml' 0640 'odd group' no`,
      `put "$files"/'tool' '/usr/local/odd/tool' 0755 'root' yes`,
    ]);
  });

  it("runs the units the placements name: the one the main service needs first, the main one last, checked", () => {
    expect(step.install).toContain("for unit in odd-first.socket odd-exporter.service; do");
    expect(step.install).toContain("journalctl -u odd-exporter.service");
    expect(step.remove).toContain("for unit in odd-exporter.service odd-first.socket; do systemctl disable --now");
  });

  it("names no file of its own: no target but the placements' in either step", () => {
    const defaults = [EXPORTER_BUNDLE, ...Object.values(HOST_FILES).map((f) => f.placement)].map((p) => p.target);
    for (const script of [step.install, step.remove]) {
      for (const path of [...defaults, "/etc/systemd/system", "/etc/wireguard-exporter", "/opt/wireguard-exporter"]) {
        expect(script).not.toContain(path);
      }
    }
  });

  it("removes every placed file on delete, and directories it may have made unless shared with the system", () => {
    const removed = [bundle.placement, placed.main, placed.needed, placed.config, placed.tool].map(
      (p) => `'${p.target}'`,
    );
    expect(removed).toContain("'/srv/odd dir/conf.yml'");
    expect(step.remove).toContain(`rm -f ${removed.join(" ")}\n`);
    expect(step.remove).toContain(`for d in '/srv/bundle' '/srv/odd dir' '/usr/local/odd'; do`);
  });

  it("refuses files without exactly one main service, and a file asking for basic-auth users with no password", () => {
    const notMain = (a: Artifact) => ({ ...a, placement: { ...a.placement!, service: undefined } });
    const withoutMain = artifacts.map((a) => (a.placement?.service === "main" ? notMain(a) : a));
    const h2 = () => new WireGuardHost("h2", { ...args, artifacts: withoutMain, basicAuth });
    expect(h2).toThrow("host h2: expected one file placed as the main service, got 0");
    const h3 = () => new WireGuardHost("h3", { ...args, artifacts });
    expect(h3).toThrow("host h3: hosts/h/c.yml takes the basic-auth users, and no basic-auth password was given");
  });
});

describe("the Prometheus component", () => {
  const placed = {
    config: at("/srv/prom/main.yml", "0644", "root", true, {
      check: "config",
      keepOriginal: "/srv/prom/main.yml.mine",
    }),
    rules: at("/srv/prom/r/odd.rules", "0640", "staff", true, { check: "rules" }),
    targets: at("/srv/prom/t/odd.json", "0644", "root", false),
    secret: at("/srv/prom/s/pw", "0600", "odd group", false),
  };
  const settings = { reload: "sighup" as const, reloadUrl: "", service: "prom.service" };
  const args = { stack: "placements", machine: "192.0.2.2:22", settings, connection };
  let step: Awaited<ReturnType<typeof stepOf>>;

  beforeAll(async () => {
    const server = new PrometheusServer("p", {
      ...args,
      artifacts: [
        odd("p/config.yml", "c\n", placed.config, { kind: "prometheus", mainConfig: "/srv/prom/main.yml" }),
        odd("p/fragment.yml", "f\n", undefined, { kind: "prometheus" }),
        odd("p/odd.rules", "r\n", placed.rules, { kind: "rules" }),
        odd("p/odd.json", "[]\n", placed.targets, { kind: "targets" }),
      ],
      secretFiles: [{ name: "pw", placement: placed.secret, value: pulumi.output("secret") }],
    });
    step = await stepOf(server.apply, "p-files");
  });

  it("installs placed artifacts and secret files with their placements' target, mode, group and restart flag", () => {
    expect([...readStdinFiles(step.stdin).keys()]).toEqual(["config.yml", "odd.rules", "odd.json", "pw"]);
    const put = /^keep \S+ (\S+); grp=(.+); getent .*; put \S+ \S+ (\d+) "\$grp" (yes|no)$/;
    const puts = step.install.match(/^keep .*$/gm)!.map((l) => put.exec(l)!.slice(1).join(" "));
    expect(puts).toEqual([
      `'/srv/prom/main.yml' 'root' 0644 yes`,
      `'/srv/prom/r/odd.rules' 'staff' 0640 yes`,
      `'/srv/prom/t/odd.json' 'root' 0644 no`,
      `'/srv/prom/s/pw' 'odd group' 0600 no`,
    ]);
  });

  it("checks what the placements say before the swap, and the main config after it", () => {
    expect(step.install).toContain(`promtool check rules "$files"/'odd.rules' >&2`);
    const checked = step.install.match(/promtool check config --syntax-only \S+/g);
    expect(checked).toEqual([`promtool check config --syntax-only "$files"/'config.yml'`]);
    expect(step.install).toContain(`if ! promtool check config '/srv/prom/main.yml' >&2`);
  });

  it("keeps the user's file where the placement says; on delete puts it back instead of removing ours", () => {
    const [main, mine] = ["'/srv/prom/main.yml'", "'/srv/prom/main.yml.mine'"];
    expect(step.install).toContain(`[ ! -f ${main} ] || [ -f ${mine} ] || cp -p ${main} ${mine}`);
    expect(step.remove).toContain(`rm -f '/srv/prom/r/odd.rules' '/srv/prom/t/odd.json' '/srv/prom/s/pw'\n`);
    expect(step.remove).toContain(`[ ! -f ${mine} ] || mv -f ${mine} ${main}`);
  });

  it("refuses artifacts that name no main config", () => {
    const onlyRules = [odd("q/r.yml", "r\n", placed.rules)];
    const q = () => new PrometheusServer("q", { ...args, artifacts: onlyRules });
    expect(q).toThrow("q: expected one artifact that is the server's main config, got 0");
  });
});

// ---- keep-original, run: the apply and remove steps on this machine, in a temporary directory ----

describe("a placement that keeps the user's file, run", () => {
  const dir = mkdtempSync(join(tmpdir(), "wgm-keep-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const bin = join(dir, "bin");
  const config = join(dir, "prometheus", "prometheus.yml");
  const rules = join(dir, "prometheus", "rules", "r.yml");
  const RULES = "groups:\n  - name: g\n    rules:\n      - record: x:sum\n        expr: sum(up)\n";
  const generated = `rule_files: [${JSON.stringify(rules)}]\n`;
  const files = [
    {
      name: "prometheus.yml",
      placement: at(config, "0644", "root", true, { check: "config", keepOriginal: config + ORIGINAL_SUFFIX }),
      content: generated,
    },
    { name: "r.yml", placement: at(rules, "0644", "root", true, { check: "rules" }), content: RULES },
  ];
  const reload = { reload: "http" as const, reloadUrl: "http://127.0.0.1:1/-/reload", service: "prometheus" };
  const options = { deployment: deployment("prometheus"), configFile: config, files, ...reload };

  /**
   * Runs a step as the component would, with its marker in the temporary directory, curl standing in for
   * the reload and chown for the ownership (so that it runs without root too).
   */
  function run(script: string): string {
    const r = spawnSync(
      "/bin/sh",
      ["-eu", "-c", script.replaceAll(MARKER_DIR, join(dir, "marker")), "wireguard-monitoring"],
      {
        input: filesOnStdin(files),
        encoding: "utf8",
        env: { PATH: `${bin}:${process.env.PATH}` },
      },
    );
    if (r.status !== 0) throw new Error(`exit ${r.status}: ${r.stderr}`);
    return r.stdout;
  }

  beforeAll(() => {
    mkdirSync(bin, { recursive: true });
    for (const standIn of ["curl", "chown"]) writeFileSync(join(bin, standIn), "#!/bin/sh\nexit 0\n", { mode: 0o755 });
  });

  it("the user's prometheus.yml is kept on install and is back after delete; the installed files are gone", () => {
    mkdirSync(posix.dirname(config), { recursive: true });
    writeFileSync(config, "# the user's own\n");
    run(prometheusApplyScript(options));
    expect(readFileSync(config, "utf8")).toBe(generated);
    expect(readFileSync(config + ORIGINAL_SUFFIX, "utf8")).toBe("# the user's own\n");
    run(prometheusApplyScript(options));
    expect(readFileSync(config + ORIGINAL_SUFFIX, "utf8")).toBe("# the user's own\n");
    run(prometheusRemoveScript(options));
    expect(readFileSync(config, "utf8")).toBe("# the user's own\n");
    expect(existsSync(config + ORIGINAL_SUFFIX)).toBe(false);
    expect(existsSync(rules)).toBe(false);
  });

  it("without a file of the user's, the installed one stays on delete: Prometheus cannot start with no config", () => {
    rmSync(config);
    run(prometheusApplyScript(options));
    expect(existsSync(config + ORIGINAL_SUFFIX)).toBe(false);
    run(prometheusRemoveScript(options));
    expect(readFileSync(config, "utf8")).toBe(generated);
  });
});
