// Grafana artifacts of one stack: the same dashboards, with the stack's datasource, job and
// thresholds as defaults. The Grafana component uploads these; it decides nothing about content.
import type { Inventory } from "../config/index";
import { jsonText, type Artifact } from "../render/artifact";
import { buildDashboards } from "./dashboards";
import { dashboardSettingsFor } from "./settings";

export function grafanaArtifacts(inventory: Inventory): Artifact[] {
  if (!inventory.grafana.enabled) return [];
  return buildDashboards(dashboardSettingsFor(inventory)).map((d) => ({
    path: `grafana/dashboards/${d.uid}.json`,
    content: jsonText(d),
    kind: "dashboard" as const,
  }));
}
