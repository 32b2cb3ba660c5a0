// Everything one stack would deploy, as files: the single list `render` writes and components move.
import { alertmanagerArtifacts } from "./alertmanager/artifacts";
import type { ConfigError, Inventory } from "../model/index";
import { grafanaArtifacts } from "./grafana/artifacts";
import { grafanaNameErrors } from "./grafana/stack-names";
import { hostArtifacts } from "./hosts/artifacts";
import { prometheusArtifacts } from "./prometheus/artifacts";
import type { Artifact } from "./artifact";

/**
 * Config errors only the builders can see (a valid environment that makes a Grafana uid too
 * long); the tools report them with the schema's errors, before building anything.
 */
export function stackBuildErrors(inventory: Inventory): ConfigError[] {
  return grafanaNameErrors(inventory);
}

export function stackArtifacts(inventory: Inventory): Artifact[] {
  const all = [
    ...prometheusArtifacts(inventory),
    ...alertmanagerArtifacts(inventory),
    ...grafanaArtifacts(inventory),
    ...hostArtifacts(inventory),
  ];
  const seen = new Set<string>();
  for (const a of all) {
    if (seen.has(a.path)) throw new Error(`two builders produce ${a.path}`);
    seen.add(a.path);
  }
  return all.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}
