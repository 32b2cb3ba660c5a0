// Pulumi.yaml and every committed stack file pass the checks the Pulumi CLI makes before it runs the
// program, and the config the program then gets is one our validation accepts — the same Inventory
// `render` builds from the stack file.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { load } from "js-yaml";
import { describe, expect, it } from "vitest";
import { loadStackFile, validateStackConfig } from "../../src/model/index";
import { programConfigValues } from "../../src/model/program-config";
import { cliConfigRun } from "../../src/model/project-config-rules";
import { inventoryFromPulumiConfig, requireSecretConfig } from "../../src/deploy/pulumi-config";
import { DECLARED_CONFIG_KEYS, DECLARED_SECRET_KEYS, SECRET_KEYS, TEXT_KEYS } from "../../src/model/schema";
import { REPO } from "../helpers/run";

const P = "wireguard-monitoring";
const HOST_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIC5T7KVG0Jx6Chq6Q/n3wk+i3HXNcS4lpuw+hW1BxRka";

type Declaration = { type?: string; default?: unknown; value?: unknown; secret?: boolean; description?: string };
const project = load(readFileSync(join(REPO, "Pulumi.yaml"), "utf8")) as {
  name: string;
  config: Record<string, Declaration>;
};
const stacks = readdirSync(REPO)
  .map((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1])
  .filter((s): s is string => s !== undefined)
  .sort();
const stackConfig = (stack: string) =>
  (load(readFileSync(join(REPO, `Pulumi.${stack}.yaml`), "utf8")) as { config: Record<string, unknown> }).config;
/** What `pulumi config set --secret sshPrivateKey < key` adds to a stack file. */
const withSshKey = (config: Record<string, unknown>): Record<string, unknown> => ({
  ...config,
  [`${P}:sshPrivateKey`]: { secure: "v1:ssh-private-key" },
});
/** A new stack with only what is required. */
const minimalStack = () =>
  withSshKey({
    [`${P}:hosts`]: [{ name: "vpn-a", address: "203.0.113.10", ssh: { hostKey: HOST_KEY } }],
    [`${P}:prometheus`]: { ssh: { hostKey: HOST_KEY } },
  });

describe("Pulumi.yaml declarations", () => {
  it("declare every plain key and the secrets every deploy needs", () => {
    expect(Object.keys(project.config).sort()).toEqual([...DECLARED_CONFIG_KEYS].sort());
    for (const [key, d] of Object.entries(project.config)) expect(d.description, key).toBeTruthy();
  });

  it("give every optional key a default, so only hosts and sshPrivateKey are required", () => {
    const required = Object.entries(project.config)
      .filter(([, d]) => d.default === undefined && d.value === undefined)
      .map(([k]) => k);
    expect(required.sort()).toEqual(["hosts", ...DECLARED_SECRET_KEYS].sort());
  });

  it("mark secrets secret and give none a default (a default reaches the program as plain text)", () => {
    for (const key of DECLARED_SECRET_KEYS) {
      expect(project.config[key], key).toMatchObject({ type: "string", secret: true });
      expect(project.config[key]!.default, key).toBeUndefined();
    }
    for (const [key, d] of Object.entries(project.config))
      if (d.secret) expect(d.default ?? d.value, key).toBeUndefined();
    for (const key of SECRET_KEYS)
      if (!(DECLARED_SECRET_KEYS as readonly string[]).includes(key)) expect(project.config[key], key).toBeUndefined();
  });

  it("type as string exactly the plain keys the program reads as text", () => {
    const stringKeys = Object.entries(project.config)
      .filter(([, d]) => d.type === "string" && !d.secret)
      .map(([k]) => k);
    expect(stringKeys.sort()).toEqual([...TEXT_KEYS].sort());
  });
});

describe("committed stacks under the CLI's rules", () => {
  it("finds the committed stacks", () => expect(stacks).toEqual(expect.arrayContaining(["example", "prod"])));

  it.each(stacks)(
    "Pulumi.%s.yaml: the CLI runs the program once sshPrivateKey is set, and the program accepts what it gets",
    (stack) => {
      const run = cliConfigRun(project, stack, withSshKey(stackConfig(stack)));
      expect(run.errors).toEqual([]);
      expect(run.warnings).toEqual([]);
      expect(run.secretKeys).toEqual([`${P}:sshPrivateKey`]);
      const program = validateStackConfig(programConfigValues(run.config), stack);
      expect(program.ok ? [] : program.errors).toEqual([]);
      const rendered = loadStackFile(REPO, stack);
      if (!program.ok || !rendered.ok) throw new Error("invalid");
      expect(program.inventory).toEqual(rendered.inventory);
    },
  );

  it.each(stacks)("Pulumi.%s.yaml without sshPrivateKey: the CLI names the missing secret", (stack) => {
    expect(cliConfigRun(project, stack, stackConfig(stack)).errors).toEqual([
      `Stack '${stack}' is missing configuration value 'sshPrivateKey'`,
    ]);
  });

  it("a new stack needs only hosts and the SSH key; defaults reach the program as plain values", () => {
    const run = cliConfigRun(project, "staging", minimalStack());
    expect(run.errors).toEqual([]);
    expect(run.config).toMatchObject({
      [`${P}:environment`]: "",
      [`${P}:allowUnpinnedHostKeys`]: "false",
      [`${P}:peers`]: "[]",
      [`${P}:thresholds`]: "{}",
    });
    const program = validateStackConfig(programConfigValues(run.config), "staging");
    if (!program.ok) throw new Error(JSON.stringify(program.errors));
    expect(program.inventory.environment).toBe("staging");
    expect(program.inventory.thresholds.connected).toBe("3m");
  });

  it("the program reads the CLI's config through the Pulumi runtime", () => {
    const run = cliConfigRun(project, "prod", withSshKey(stackConfig("prod")));
    pulumi.runtime.setMocks(
      { newResource: (a) => ({ id: a.name, state: a.inputs }), call: (a) => a.inputs },
      P,
      "prod",
    );
    pulumi.runtime.setAllConfig(run.config, run.secretKeys);
    expect(inventoryFromPulumiConfig().hosts.map((h) => h.name)).toEqual([
      "hub-fra-1",
      "hub-fra-2",
      "hub-ams-1",
      "hub-nyc-1",
    ]);
  });
});

describe("what the CLI refuses", () => {
  it("required keys the stack does not set: one error naming them all", () => {
    expect(cliConfigRun(project, "s", {}).errors).toEqual([
      "Stack 's' is missing configuration values 'hosts' and 'sshPrivateKey'",
    ]);
  });

  it("a secret set as plain text", () => {
    const config = { ...minimalStack(), [`${P}:sshPrivateKey`]: "-----BEGIN OPENSSH PRIVATE KEY-----" };
    expect(cliConfigRun(project, "s", config).errors).toEqual([
      "Stack 's' with configuration key 'sshPrivateKey' must be encrypted as it's secret",
    ]);
  });

  it("a value of the wrong type for a typed key", () => {
    const config = { ...minimalStack(), [`${P}:allowUnpinnedHostKeys`]: "yes" };
    expect(cliConfigRun(project, "s", config).errors).toEqual([
      "Stack 's' with configuration key 'allowUnpinnedHostKeys' must be of type 'boolean'",
    ]);
    const map = { ...minimalStack(), [`${P}:environment`]: { name: "prod" } };
    expect(cliConfigRun(project, "s", map).errors).toEqual([
      "Stack 's' with configuration key 'environment' must be of type 'string'",
    ]);
  });

  it("a typed secret with a default: the default is injected as plain text, which the secret check refuses", () => {
    const withDefault = {
      ...project,
      config: { ...project.config, grafanaAuth: { type: "string", secret: true, default: "" } },
    };
    expect(cliConfigRun(withDefault, "s", minimalStack()).errors).toEqual([
      "Stack 's' with configuration key 'grafanaAuth' must be encrypted as it's secret",
    ]);
  });

  it("an untyped secret with a default passes, and the program gets the default as a plain empty string", () => {
    const withDefault = { ...project, config: { ...project.config, grafanaAuth: { secret: true, default: "" } } };
    const run = cliConfigRun(withDefault, "s", minimalStack());
    expect(run.errors).toEqual([]);
    expect(run.config[`${P}:grafanaAuth`]).toBe("");
    expect(run.secretKeys).not.toContain(`${P}:grafanaAuth`);
  });

  it("a typed default of the wrong type: Pulumi.yaml does not load", () => {
    const bad = {
      ...project,
      config: { ...project.config, allowUnpinnedHostKeys: { type: "boolean", default: "no" } },
    };
    expect(cliConfigRun(bad, "s", minimalStack()).errors).toEqual([
      "could not unmarshal 'Pulumi.yaml': The default value specified for " +
        "configuration key 'allowUnpinnedHostKeys' is not of the expected type 'boolean'",
    ]);
  });

  it("an unknown declaration attribute: Pulumi.yaml does not load", () => {
    const bad = { ...project, config: { ...project.config, peers: { defualt: [] } } };
    expect(cliConfigRun(bad, "s", minimalStack()).errors).toEqual([
      "could not validate 'Pulumi.yaml': #/config/peers: additionalProperties 'defualt' not allowed",
    ]);
  });

  it("undeclared keys of the project pass the CLI; the program's own validation refuses them", () => {
    const run = cliConfigRun(project, "s", { ...minimalStack(), [`${P}:hostz`]: [] });
    expect(run.errors).toEqual([]);
    const program = validateStackConfig(programConfigValues(run.config), "s");
    expect(program.ok ? [] : program.errors).toEqual([{ path: `${P}:hostz`, message: "unknown key" }]);
  });

  it("stack keys without a namespace belong to the project", () => {
    const { [`${P}:hosts`]: hosts, ...rest } = minimalStack();
    const run = cliConfigRun(project, "s", { ...rest, hosts });
    expect(run.errors).toEqual([]);
    expect(JSON.parse(run.config[`${P}:hosts`]!)).toEqual(hosts);
  });
});

describe("secrets the program asks for", () => {
  const set = (config: Record<string, string>) => pulumi.runtime.setAllConfig(config, Object.keys(config));

  it("missing: names the key, why it is needed and the command that sets it", () => {
    set({});
    expect(() => requireSecretConfig("exporterBasicAuthPassword", "exporter.basicAuth.enabled is true")).toThrow(
      `${P}:exporterBasicAuthPassword is required (exporter.basicAuth.enabled is ` +
        `true); set it with \`pulumi config set --secret exporterBasicAuthPassword\``,
    );
  });

  it("empty counts as missing", () => {
    set({ [`${P}:grafanaAuth`]: "" });
    expect(() => requireSecretConfig("grafanaAuth", "grafana.enabled is true")).toThrow(
      `${P}:grafanaAuth is empty but required (grafana.enabled is ` +
        `true); set it with \`pulumi config set --secret grafanaAuth\``,
    );
    set({ [`${P}:sshPrivateKey`]: "  \n" });
    expect(() => requireSecretConfig("sshPrivateKey", "the components reach hosts over SSH")).toThrow(
      "`pulumi config set --secret sshPrivateKey < <private key file>`",
    );
  });

  it("set: returned as a secret output", async () => {
    set({ [`${P}:grafanaAuth`]: "glsa_token" });
    const out = requireSecretConfig("grafanaAuth", "grafana.enabled is true");
    expect(await pulumi.isSecret(out)).toBe(true);
  });
});
