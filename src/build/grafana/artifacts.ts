// Grafana artifacts of one stack: the same dashboards, with the stack's datasource, job and
// thresholds as defaults and uids and titles of its own. The Grafana component uploads these
// under `dashboardUid`; it decides nothing about content.
import type { Inventory } from "../../model/index";
import { jsonText, type Artifact } from "../artifact";
import { buildDashboards } from "./dashboards";
import { dashboardSettingsFor } from "./settings";

export function grafanaArtifacts(inventory: Inventory): Artifact[] {
  if (!inventory.grafana.enabled) return [];
  return buildDashboards(dashboardSettingsFor(inventory)).map(({ name, model }) => {
    if (!model.uid) throw new Error(`dashboard ${name} was built without a uid`);
    return {
      path: `grafana/dashboards/${name}.json`,
      content: jsonText(model),
      kind: "dashboard" as const,
      dashboardUid: model.uid,
    };
  });
}
