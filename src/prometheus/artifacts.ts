// Prometheus artifacts of one stack: prometheus.yml, the scrape fragment, targets, rule files.
import type { Inventory } from "../config/index.js";
import type { Artifact } from "../render/artifact.js";

export function prometheusArtifacts(_inventory: Inventory): Artifact[] {
  return []; // filled in by the alert-rules issue (#4)
}
