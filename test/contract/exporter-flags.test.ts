// The exporter's command line, end to end: the flags the unit builder renders into ExecStart for
// every committed stack, read back as systemd splits them and parsed by the exporter's own flag
// parser, give the exporter the stack's settings.
import { readdirSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { helpText, parseFlags, type Config } from "../../exporter/src/flags";
import { EXPORTER_DEFAULTS, EXPORTER_FLAGS, EXPORTER_PAGES } from "../../src/contract/exporter-flags";
import { parseDuration } from "../../src/contract/duration";
import { HOST_FILES, HOST_PATHS } from "../../src/build/hosts/paths";
import { unitArg } from "../../src/build/hosts/systemd-unit";
import { stackArtifacts } from "../../src/build/stack-artifacts";
import { durationSeconds, loadStackFile, validateStackConfig, type Inventory } from "../../src/model/index";
import { telemetryPathProblem } from "../../src/model/validators";
import { REPO } from "../helpers/run";

const HOST_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIC5T7KVG0Jx6Chq6Q/n3wk+i3HXNcS4lpuw+hW1BxRka";
const stacks = readdirSync(REPO)
  .map((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1])
  .filter((s): s is string => s !== undefined);

const C_ESCAPES: Record<string, string> = {
  a: "\x07",
  b: "\b",
  f: "\f",
  n: "\n",
  r: "\r",
  t: "\t",
  v: "\v",
  "\\": "\\",
  '"': '"',
  "'": "'",
  s: " ",
};

/**
 * An ExecStart= value as systemd reads it (systemd.service(5), "Command lines"): specifiers first
 * (`%%` is `%`), then words split at white space, with double or single quotes and C escapes
 * (\\ \" \xNN …), then `$$` is `$` in each word. Throws on what systemd would refuse.
 */
function splitExecStart(value: string): string[] {
  const line = value.replace(/%(.)/g, (_, c: string) => {
    if (c !== "%") throw new Error(`specifier %${c} in ${value}`);
    return "%";
  });
  const words: string[] = [];
  let i = 0;
  while (i < line.length) {
    while (line[i] === " " || line[i] === "\t") i++;
    if (i >= line.length) break;
    let word = "";
    let quote: string | null = null;
    for (; i < line.length; i++) {
      const c = line[i]!;
      if (quote === null && (c === " " || c === "\t")) break;
      if (c === "\\") {
        const n = line[++i];
        if (n === "x") {
          word += String.fromCharCode(parseInt(line.slice(i + 1, i + 3), 16));
          i += 2;
        } else if (n !== undefined && C_ESCAPES[n] !== undefined) word += C_ESCAPES[n];
        else throw new Error(`unknown escape \\${n} in ${value}`);
      } else if (quote === null && (c === '"' || c === "'") && word === "") quote = c;
      else if (c === quote) {
        quote = null;
        const next = line[i + 1];
        if (next !== undefined && next !== " " && next !== "\t")
          throw new Error(`a quote ends inside a word in ${value}`);
      } else word += c;
    }
    if (quote !== null) throw new Error(`unterminated quote in ${value}`);
    words.push(word.replace(/\$\$/g, "$"));
  }
  return words;
}

/** Per WireGuard host: the unit's argv and the host's other artifacts, by kind. */
function renderedHosts(inventory: Inventory) {
  const artifacts = stackArtifacts(inventory);
  return inventory.hosts.map((host) => {
    const mine = artifacts.filter((a) => a.host === host.name);
    const unit = mine.find((a) => a.placement?.target === HOST_FILES.unit.placement.target);
    if (!unit) throw new Error(`no exporter unit for ${host.name}`);
    const execStart = unit.content.split("\n").filter((l) => l.startsWith("ExecStart="));
    expect(execStart, host.name).toHaveLength(1);
    const argv = splitExecStart(execStart[0]!.slice("ExecStart=".length));
    const target = (kind: string) => mine.find((a) => a.kind === kind)?.placement?.target;
    const helper = mine.find((a) => a.path.endsWith(`/${HOST_FILES.helperClient.name}`));
    return {
      host,
      argv,
      peersTarget: target("peers"),
      webConfigTarget: target("web-config"),
      helperTarget: helper?.placement?.target,
    };
  });
}

/** What the exporter runs with: its flags start after the bundle (node's own flags come before it). */
function exporterConfig(argv: string[]): Config {
  expect(argv[0]).toBe(HOST_PATHS.nodeBinary);
  const bundle = argv.indexOf(HOST_PATHS.bundle);
  expect(bundle).toBeGreaterThan(0);
  const parsed = parseFlags(argv.slice(bundle + 1));
  if (parsed.kind !== "run") throw new Error(`the exporter refuses ${JSON.stringify(argv)}: ${JSON.stringify(parsed)}`);
  return parsed.config;
}

/** The settings a stack gives one host's exporter. */
function expectStackSettings(inventory: Inventory, rendered: ReturnType<typeof renderedHosts>[number]) {
  const { host, argv } = rendered;
  const e = inventory.exporter;
  const config = exporterConfig(argv);
  expect(config).toEqual({
    listenHost: e.listenAddress,
    listenPort: e.port,
    telemetryPath: e.telemetryPath,
    webConfigFile: rendered.webConfigTarget,
    interfaces: host.interfaces,
    peersFile: rendered.peersTarget,
    connectedThresholdMs: durationSeconds(inventory.thresholds.connected) * 1000,
    wgCommand: host.userspaceWireGuard ? rendered.helperTarget : "wg",
    collectorTimeoutMs: durationSeconds(e.collectorTimeout) * 1000,
    exportEndpoints: e.exportEndpoints,
    compression: true,
    logLevel: "info",
  });
  expect(config.webConfigFile).toBeDefined();
  expect(config.peersFile).toBeDefined();
}

function validate(edit: Record<string, unknown>): Inventory {
  const r = validateStackConfig(
    {
      hosts: [{ name: "vpn-a", address: "203.0.113.10", ssh: { hostKey: HOST_KEY } }],
      prometheus: { ssh: { hostKey: HOST_KEY } },
      ...edit,
    },
    "test",
  );
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return r.inventory;
}

describe("ExecStart as systemd splits it", () => {
  const args = [
    "plain",
    "with space",
    'quote " in',
    "back\\slash",
    "50%",
    "$HOME",
    "$$",
    "a;b",
    "tab\there",
    "new\nline",
  ];
  args.push("é ☃ \u{1F600}", "", "'single'");
  it.each(args)("unitArg(%j) comes back as the same argument", (arg) => {
    expect(splitExecStart(`/bin/x ${unitArg(arg)} last`)).toEqual(["/bin/x", arg, "last"]);
  });
});

describe("the flags rendered for every committed stack", () => {
  it("covers the committed stacks", () => {
    expect(stacks).toEqual(expect.arrayContaining(["example", "prod"]));
  });

  it.each(stacks)("%s: each host's exporter parses its ExecStart into the stack's settings", (stack) => {
    const r = loadStackFile(REPO, stack);
    if (!r.ok) throw new Error(`${stack}: ${JSON.stringify(r.errors)}`);
    const hosts = renderedHosts(r.inventory);
    expect(hosts.length).toBe(r.inventory.hosts.length);
    for (const h of hosts) expectStackSettings(r.inventory, h);
  });

  it("non-defaults: IPv6 address, userspace WireGuard, endpoints, several interfaces, a path with $ ; = @", () => {
    const INTERFACES = ["wg0", "wg-office.1", "wg_2"];
    const inventory = validate({
      hosts: [
        {
          name: "vpn-a",
          address: "203.0.113.10",
          ssh: { hostKey: HOST_KEY },
          interfaces: INTERFACES,
          userspaceWireGuard: true,
        },
        { name: "vpn-b", address: "203.0.113.11", ssh: { hostKey: HOST_KEY } },
      ],
      exporter: {
        listenAddress: "2001:db8::1",
        port: 19586,
        telemetryPath: "/x/$HOME;a=1@b,c",
        collectorTimeout: "1500ms",
        exportEndpoints: true,
      },
      thresholds: { connected: "1h30m" },
    });
    const hosts = renderedHosts(inventory);
    for (const h of hosts) expectStackSettings(inventory, h);
    const first = exporterConfig(hosts[0]!.argv);
    expect(first).toMatchObject({
      listenHost: "2001:db8::1",
      wgCommand: HOST_PATHS.helperClient,
      interfaces: INTERFACES,
    });
  });
});

describe("names and defaults both sides take from the contract", () => {
  it("the exporter knows every flag the contract names", () => {
    const help = helpText();
    for (const flag of Object.values(EXPORTER_FLAGS)) expect(help).toContain(`--${flag}`);
  });

  it("a stack that sets nothing runs the exporter with the exporter's own defaults", () => {
    const inventory = validate({});
    const defaults = parseFlags([]);
    if (defaults.kind !== "run") throw new Error(JSON.stringify(defaults));
    expect(defaults.config).toMatchObject({
      listenPort: EXPORTER_DEFAULTS.port,
      telemetryPath: EXPORTER_DEFAULTS.telemetryPath,
      connectedThresholdMs: parseDuration(EXPORTER_DEFAULTS.connectedThreshold),
      collectorTimeoutMs: parseDuration(EXPORTER_DEFAULTS.collectorTimeout),
    });
    const rendered = exporterConfig(renderedHosts(inventory)[0]!.argv);
    for (const key of ["listenPort", "telemetryPath", "connectedThresholdMs", "collectorTimeoutMs"] as const) {
      expect(rendered[key], key).toBe(defaults.config[key]);
    }
  });

  it("the exporter's own pages are refused by the stack config and by the flag", () => {
    for (const page of EXPORTER_PAGES) {
      expect(telemetryPathProblem(page), page).toBeDefined();
      expect(parseFlags([`--${EXPORTER_FLAGS.telemetryPath}=${page}`]).kind, page).toBe("error");
    }
  });
});
