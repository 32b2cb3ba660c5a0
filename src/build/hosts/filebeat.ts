// Filebeat inputs for one host, to centralise its logs: the exporter's connection events
// (JSON lines on stderr, so in the journal of its unit) and the wg-quick@ units of the host's interfaces.
import { dump } from "js-yaml";
import type { Host, Inventory } from "../../model/index";
import { EXPORTER_SERVICE } from "./paths";

export function renderFilebeatInputs(inventory: Inventory, host: Host): string {
  const fields = { service: "wireguard", env: inventory.environment, host: host.name };
  const inputs = [
    {
      type: "journald",
      id: "wireguard-exporter-events",
      include_matches: { match: [`_SYSTEMD_UNIT=${EXPORTER_SERVICE}`] },
      // The exporter logs one JSON object per line; connection events carry `event`.
      parsers: [{ ndjson: { target: "wireguard_exporter", add_error_key: true } }],
      fields,
      fields_under_root: true,
    },
    {
      type: "journald",
      id: "wireguard-wg-quick",
      include_matches: { match: host.interfaces.map((i) => `_SYSTEMD_UNIT=wg-quick@${i}.service`) },
      fields,
      fields_under_root: true,
    },
  ];
  const header =
    `# Managed by wireguard-monitoring (stack ${inventory.stack}, ` +
    `host ${host.name}); read via filebeat.config.inputs.\n`;
  return header + dump(inputs, { lineWidth: -1, noRefs: true, sortKeys: false });
}
