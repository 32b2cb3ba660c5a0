// Per-WireGuard-host artifacts: systemd unit (+ the wg helper on userspace-WireGuard hosts), peers file, exporter
// web config, and the Filebeat inputs when the stack ships logs. The host component moves them.
import type { Inventory } from "../config/index";
import type { Artifact } from "../render/artifact";
import { renderFilebeatInputs } from "./filebeat";
import { renderPeersFile } from "./peers-file";
import { renderExporterUnit } from "./systemd-unit";
import { renderWgHelperClient, renderWgHelperService, renderWgHelperSocket } from "./wg-helper";
import { renderWebConfig } from "./web-config";

/** File names under `hosts/<host>/`; the host component maps each to its path on the machine. */
export const HOST_FILES = {
  unit: "wireguard-exporter.service",
  helperSocket: "wireguard-exporter-wg.socket",
  helperService: "wireguard-exporter-wg@.service",
  helperClient: "wg-via-helper",
  peers: "peers.yml",
  webConfig: "web-config.yml",
  filebeat: "filebeat-inputs.yml",
} as const;

export function hostArtifacts(inventory: Inventory): Artifact[] {
  return inventory.hosts.flatMap((host) => {
    const at = (file: string) => `hosts/${host.name}/${file}`;
    const files: Artifact[] = [
      { path: at(HOST_FILES.unit), content: renderExporterUnit(inventory, host), kind: "systemd", host: host.name },
      { path: at(HOST_FILES.peers), content: renderPeersFile(inventory, host), kind: "peers", host: host.name },
      { path: at(HOST_FILES.webConfig), content: renderWebConfig(inventory, host), kind: "web-config", host: host.name },
    ];
    if (host.userspaceWireGuard) {
      files.push(
        { path: at(HOST_FILES.helperSocket), content: renderWgHelperSocket(inventory, host), kind: "systemd", host: host.name },
        { path: at(HOST_FILES.helperService), content: renderWgHelperService(inventory, host), kind: "systemd", host: host.name },
        { path: at(HOST_FILES.helperClient), content: renderWgHelperClient(), kind: "other", host: host.name },
      );
    }
    if (inventory.logs.filebeat) {
      files.push({ path: at(HOST_FILES.filebeat), content: renderFilebeatInputs(inventory, host), kind: "logs", host: host.name });
    }
    return files;
  });
}
