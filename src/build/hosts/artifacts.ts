// Per-WireGuard-host artifacts: systemd unit (+ the wg helper on userspace-WireGuard hosts), peers file, exporter
// web config, and the Filebeat inputs when the stack ships logs — each with where it goes on the host.
import type { Inventory } from "../../model/index";
import type { Artifact } from "../artifact";
import { renderFilebeatInputs } from "./filebeat";
import { filebeatInputsFile, HOST_FILES, type HostFile } from "./paths";
import { renderPeersFile } from "./peers-file";
import { renderExporterUnit } from "./systemd-unit";
import { renderWgHelperClient, renderWgHelperService, renderWgHelperSocket } from "./wg-helper";
import { renderWebConfig } from "./web-config";

export function hostArtifacts(inventory: Inventory): Artifact[] {
  return inventory.hosts.flatMap((host) => {
    const file = ({ name, kind, placement }: HostFile, content: string): Artifact => ({
      path: `hosts/${host.name}/${name}`,
      content,
      kind,
      host: host.name,
      placement,
    });
    const webConfig = file(HOST_FILES.webConfig, renderWebConfig(inventory, host));
    const files: Artifact[] = [
      file(HOST_FILES.unit, renderExporterUnit(inventory, host)),
      file(HOST_FILES.peers, renderPeersFile(inventory, host)),
      inventory.exporter.basicAuth.enabled ? { ...webConfig, deployFills: "basic-auth-users" } : webConfig,
    ];
    if (host.userspaceWireGuard) {
      files.push(
        file(HOST_FILES.helperSocket, renderWgHelperSocket(inventory, host)),
        file(HOST_FILES.helperService, renderWgHelperService(inventory, host)),
        file(HOST_FILES.helperClient, renderWgHelperClient()),
      );
    }
    if (inventory.logs.filebeat) {
      files.push(file(filebeatInputsFile(inventory.logs.filebeatInputsDir), renderFilebeatInputs(inventory, host)));
    }
    return files;
  });
}
