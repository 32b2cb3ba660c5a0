// `npm run preview`: the plan of what `pulumi up` would create, without the CLI, with secrets hidden.
import { describe, expect, it } from "vitest";
import { runCli } from "../helpers/run";

describe.each(["example", "prod"])("preview --stack %s", (stack) => {
  const text = runCli("preview", ["--stack", stack]);
  const json = runCli("preview", ["--stack", stack, "--json"]);

  it("says plainly that it is a plan, not a deployment", () => {
    expect(text.stderr).toBe("");
    expect(text.status).toBe(0);
    expect(text.stdout).toContain(`what \`pulumi up --stack ${stack}\` would create`);
    expect(text.stdout).toContain("This is a plan, not a deployment");
    expect(text.stdout).toMatch(/^\d+ resources to create:$/m);
  });

  it("lists each resource with type, name, parent and dependencies, as JSON too", () => {
    expect(json.status).toBe(0);
    const plan = JSON.parse(json.stdout) as {
      stack: string;
      resources: Array<{ urn: string; type: string; name: string; parent?: string; dependencies: string[] }>;
    };
    expect(plan.stack).toBe(stack);
    const urns = new Set(plan.resources.map((r) => r.urn));
    for (const r of plan.resources) {
      expect(text.stdout).toContain(`+ ${r.type}  ${r.name}`);
      if (r.parent) expect(urns.has(r.parent), `parent of ${r.name}`).toBe(true);
      for (const d of r.dependencies) expect(urns.has(d), `dependency of ${r.name}: ${d}`).toBe(true);
    }
  });

  it("never prints a secret value, only [secret]", () => {
    for (const out of [text.stdout, json.stdout]) {
      expect(out).not.toContain("preview-stand-in-not-a-real-secret");
      expect(out).not.toMatch(/PRIVATE KEY|glsa_/);
    }
  });
});

describe("preview on bad input", () => {
  it("names the missing stack and exits non-zero", () => {
    const r = runCli("preview", ["--stack", "missing"]);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("no stack file");
    expect(r.stdout).toBe("");
  });
});
