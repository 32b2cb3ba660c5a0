// The committed stacks are valid, and Pulumi.yaml declares exactly the keys the schema knows.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { load } from "js-yaml";
import { describe, expect, it } from "vitest";
import { loadStackFile, validateStackConfig } from "../../src/model/index";
import { DECLARED_CONFIG_KEYS } from "../../src/model/schema";
import { REPO } from "../helpers/run";

describe("committed stacks", () => {
  it.each(["example", "prod"])("Pulumi.%s.yaml is valid and holds no secret values", (stack) => {
    const r = loadStackFile(REPO, stack);
    expect(r.ok ? [] : r.errors).toEqual([]);
    expect(r.secretsSet).toEqual([]);
    expect(readFileSync(join(REPO, `Pulumi.${stack}.yaml`), "utf8")).not.toMatch(/PRIVATE KEY|secure:/);
  });

  it("the example is a small realistic fleet: 2 hosts, about 6 peers, at least one expected", () => {
    const r = loadStackFile(REPO, "example");
    if (!r.ok) throw new Error("example invalid");
    expect(r.inventory.hosts).toHaveLength(2);
    expect(r.inventory.peers.length).toBeGreaterThanOrEqual(5);
    expect(r.inventory.peers.some((p) => p.expected)).toBe(true);
  });

  it("prod is another environment with more hosts", () => {
    const r = loadStackFile(REPO, "prod");
    if (!r.ok) throw new Error("prod invalid");
    expect(r.inventory.environment).toBe("prod");
    expect(r.inventory.hosts.length).toBeGreaterThan(2);
  });

  it("Pulumi.yaml names the project and declares every plain key and the SSH key with a description", () => {
    const project = load(readFileSync(join(REPO, "Pulumi.yaml"), "utf8")) as {
      name: string;
      runtime: { name: string };
      config: Record<string, { description?: string; type?: string; secret?: boolean }>;
    };
    expect(project.name).toBe("wireguard-monitoring");
    expect(project.runtime.name).toBe("nodejs");
    expect(Object.keys(project.config).sort()).toEqual([...DECLARED_CONFIG_KEYS].sort());
    for (const [key, decl] of Object.entries(project.config)) expect(decl.description, key).toBeTruthy();
    expect(project.config.sshPrivateKey.secret).toBe(true);
  });
});

describe("defaults", () => {
  it("fill in everything a builder reads, and env defaults to the stack name", () => {
    const r = validateStackConfig(
      { allowUnpinnedHostKeys: true, hosts: [{ name: "a", address: "203.0.113.1" }] },
      "staging",
    );
    if (!r.ok) throw new Error(JSON.stringify(r.errors));
    expect(r.inventory.environment).toBe("staging");
    expect(r.inventory.hosts[0]).toMatchObject({ interfaces: ["wg0"], ssh: { port: 22, user: "root" }, labels: {} });
    expect(r.inventory.exporter.port).toBe(9586);
    expect(r.inventory.thresholds).toEqual({
      staleHandshake: "5m",
      connected: "3m",
      highBandwidthBytesPerSecond: 100_000_000,
    });
    expect(r.inventory.prometheus.jobName).toBe("wireguard");
  });
});
