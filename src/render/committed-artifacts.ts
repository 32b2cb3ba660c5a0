// The generic artifacts committed at the repo root (alerts/, dashboards/): the same builders,
// fed with defaults only, so one rule file and one dashboard set serve every stack.
import { dashboardArtifacts } from "../grafana/dashboards.js";
import { alertArtifacts } from "../prometheus/artifacts.js";
import type { Artifact } from "./artifact.js";

export function committedArtifacts(): Artifact[] {
  return [
    ...alertArtifacts(),
    ...dashboardArtifacts(),
  ];
}
