// Per-WireGuard-host artifacts: systemd unit, peers file, exporter web config, Filebeat inputs.
import type { Inventory } from "../config/index.js";
import type { Artifact } from "../render/artifact.js";

export function hostArtifacts(_inventory: Inventory): Artifact[] {
  return []; // filled in by the provisioning issue (#6)
}
