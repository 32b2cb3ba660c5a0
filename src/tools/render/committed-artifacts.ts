// The generic artifacts committed at the repo root (alerts/, dashboards/): the same builders,
// fed with defaults only, so one rule file and one dashboard set serve every stack.
import { dashboardArtifacts } from "../../build/grafana/dashboards";
import { alertArtifacts } from "../../build/prometheus/artifacts";
import type { Artifact } from "../../build/artifact";

export function committedArtifacts(): Artifact[] {
  return [...alertArtifacts(), ...dashboardArtifacts()];
}
