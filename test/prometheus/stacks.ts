// The committed stacks (Pulumi.<name>.yaml at the repo root), validated, for tests of the renders.
import { readdirSync } from "node:fs";
import { resolve } from "node:path";
import { loadStackFile, type Inventory, type PrometheusServer } from "../../src/model/index";

export const REPO_ROOT = resolve(__dirname, "../..");

export function committedStacks(): { name: string; inventory: Inventory }[] {
  return readdirSync(REPO_ROOT)
    .map((f) => /^Pulumi\.([A-Za-z0-9_.-]+)\.yaml$/.exec(f)?.[1])
    .filter((name): name is string => name !== undefined)
    .sort()
    .map((name) => {
      const r = loadStackFile(REPO_ROOT, name);
      if (!r.ok) throw new Error(`Pulumi.${name}.yaml does not validate: ${JSON.stringify(r.errors)}`);
      return { name, inventory: r.inventory };
    });
}

/**
 * The same stack with every server's rules, targets and secrets directories moved under
 * `<root>/<server's out directory>/`, so that promtool can open what the configs point to.
 */
export function withServerPathsUnder(inventory: Inventory, root: string): Inventory {
  const move = (s: PrometheusServer): PrometheusServer => {
    const dir = `${root}/${s.outDir}`;
    return { ...s, rulesDir: `${dir}/rules`, targetsDir: `${dir}/targets`, secretsDir: `${dir}/secrets` };
  };
  const servers = inventory.prometheusServers.map(move);
  return { ...inventory, prometheusServers: servers, prometheus: servers[0]! };
}
