// Grafana artifacts of one stack: the dashboards, with the stack's datasource.
import type { Inventory } from "../config/index.js";
import type { Artifact } from "../render/artifact.js";

export function grafanaArtifacts(_inventory: Inventory): Artifact[] {
  return []; // filled in by the dashboards issue (#5)
}
