// The generic artifacts committed at the repo root (alerts/, dashboards/): the same builders,
// fed with defaults only, so one rule file and one dashboard set serve every stack.
import { dashboardArtifacts } from "../grafana/dashboards";
import { alertArtifacts } from "../prometheus/artifacts";
import type { Artifact } from "./artifact";

export function committedArtifacts(): Artifact[] {
  return [
    ...alertArtifacts(),
    ...dashboardArtifacts(),
  ];
}
