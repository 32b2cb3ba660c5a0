// The exporter's peers file for one host (team-notes format): friendly names, owners and
// `expected` for the peers this host serves. Stable order (interface, then name) for clean diffs.
import { dump } from "js-yaml";
import { peersOnHost, type Host, type Inventory } from "../config/index";

export function renderPeersFile(inventory: Inventory, host: Host): string {
  const peers = peersOnHost(inventory, host)
    .slice()
    .sort((a, b) => a.interface.localeCompare(b.interface) || a.friendlyName.localeCompare(b.friendlyName) || a.publicKey.localeCompare(b.publicKey))
    .map((p) => ({
      public_key: p.publicKey,
      friendly_name: p.friendlyName,
      ...(p.owner !== undefined ? { owner: p.owner } : {}),
      expected: p.expected,
      // Host-less peers apply to every host with that interface; the key alone identifies them.
      interface: p.interface,
    }));
  const header = `# Managed by wireguard-monitoring (stack ${inventory.stack}, host ${host.name}); changes are overwritten.\n`;
  return header + dump({ peers }, { lineWidth: -1, noRefs: true, sortKeys: false });
}
