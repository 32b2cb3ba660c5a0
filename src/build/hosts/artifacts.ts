// Per-WireGuard-host artifacts: systemd unit (+ the wg helper on userspace-WireGuard hosts), peers file, exporter
// web config, and the Filebeat inputs when the stack ships logs — each with where it goes on the host.
import type { Inventory } from "../../model/index";
import type { Artifact, Placement } from "../artifact";
import { renderFilebeatInputs } from "./filebeat";
import { EXPORTER_USER, HOST_PATHS } from "./paths";
import { renderPeersFile } from "./peers-file";
import { renderExporterUnit } from "./systemd-unit";
import { renderWgHelperClient, renderWgHelperService, renderWgHelperSocket } from "./wg-helper";
import { renderWebConfig } from "./web-config";

/** File names under `hosts/<host>/`. */
export const HOST_FILES = {
  unit: "wireguard-exporter.service",
  helperSocket: "wireguard-exporter-wg.socket",
  helperService: "wireguard-exporter-wg@.service",
  helperClient: "wg-via-helper",
  peers: "peers.yml",
  webConfig: "web-config.yml",
  filebeat: "filebeat-inputs.yml",
} as const;

const systemUnit = (target: string, restarts: boolean): Placement => ({ target, mode: "0644", group: "root", restarts });
/** Readable by the exporter's group only: the web config carries the basic-auth hash once deployed. */
const exporterReadable = (target: string, restarts: boolean): Placement => ({ target, mode: "0640", group: EXPORTER_USER, restarts });

export function hostArtifacts(inventory: Inventory): Artifact[] {
  return inventory.hosts.flatMap((host) => {
    const file = (name: string, kind: Artifact["kind"], content: string, placement: Placement): Artifact => ({ path: `hosts/${host.name}/${name}`, content, kind, host: host.name, placement });
    const files: Artifact[] = [
      file(HOST_FILES.unit, "systemd", renderExporterUnit(inventory, host), systemUnit(HOST_PATHS.unit, true)),
      // The exporter reloads the peers file by itself when it changes.
      file(HOST_FILES.peers, "peers", renderPeersFile(inventory, host), exporterReadable(HOST_PATHS.peersFile, false)),
      file(HOST_FILES.webConfig, "web-config", renderWebConfig(inventory, host), exporterReadable(HOST_PATHS.webConfig, true)),
    ];
    if (host.userspaceWireGuard) {
      files.push(
        file(HOST_FILES.helperSocket, "systemd", renderWgHelperSocket(inventory, host), systemUnit(HOST_PATHS.helperSocketUnit, true)),
        // Started per connection: the next `wg` call runs the new unit.
        file(HOST_FILES.helperService, "systemd", renderWgHelperService(inventory, host), systemUnit(HOST_PATHS.helperServiceUnit, false)),
        file(HOST_FILES.helperClient, "other", renderWgHelperClient(), { target: HOST_PATHS.helperClient, mode: "0755", group: "root", restarts: false }),
      );
    }
    if (inventory.logs.filebeat) {
      const target = `${inventory.logs.filebeatInputsDir}/${HOST_PATHS.filebeatInputsName}`;
      files.push(file(HOST_FILES.filebeat, "logs", renderFilebeatInputs(inventory, host), { target, mode: "0644", group: "root", restarts: false }));
    }
    return files;
  });
}
