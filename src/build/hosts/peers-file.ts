// The exporter's peers file for one host (team-notes format): friendly names, owners and
// `expected` for the peers this host serves. Stable order (interface, then name) for clean diffs.
import { dump } from "js-yaml";
import { peersOnHost, type Host, type Inventory } from "../../model/index";

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
  return header + peersYaml(peers);
}

interface PeerEntry {
  public_key: string;
  friendly_name: string;
  owner?: string;
  expected: boolean;
  interface: string;
}

const DUMP_OPTIONS = { lineWidth: -1, noRefs: true, sortKeys: false } as const;

/**
 * Exactly js-yaml's `dump({ peers }, DUMP_OPTIONS)`, written line by line: a fleet's peers files
 * hold every peer once, and js-yaml's generic emitter was most of a large render's build time.
 * Values js-yaml would write as they are take the fast path; anything else is js-yaml's own
 * quoting of that one value (test/render/peers-file-yaml.test.ts checks the two agree).
 */
export function peersYaml(peers: readonly PeerEntry[]): string {
  if (peers.length === 0) return dump({ peers }, DUMP_OPTIONS);
  let out = "peers:\n";
  for (const p of peers) {
    const key = scalar(p.public_key);
    const name = scalar(p.friendly_name);
    const owner = p.owner === undefined ? "" : scalar(p.owner);
    const iface = scalar(p.interface);
    // A multi-line value is a block scalar, indented by where it stands: js-yaml writes the file then.
    if (key === undefined || name === undefined || owner === undefined || iface === undefined) return dump({ peers }, DUMP_OPTIONS);
    out += `  - public_key: ${key}\n    friendly_name: ${name}\n`;
    if (p.owner !== undefined) out += `    owner: ${owner}\n`;
    out += `    expected: ${p.expected ? "true" : "false"}\n    interface: ${iface}\n`;
  }
  return out;
}

/**
 * Strings js-yaml writes plain: a letter or base64 digit first, no indicator or space, and not a
 * word YAML reads as a boolean or null. Numbers and timestamps start with a digit, a sign or a dot,
 * so a string starting with a digit is only plain here when it cannot be one (it holds a letter
 * or ends in `=`, like a WireGuard key).
 */
const PLAIN = /^(?:[A-Za-z][A-Za-z0-9_.-]*|[A-Za-z0-9+/]{43}=)$/;
const YAML_WORDS = /^(?:true|false|null|yes|no|on|off|y|n)$/i;

/** The value as js-yaml writes it on a mapping line, or undefined when that depends on the indentation. */
function scalar(value: string): string | undefined {
  if (PLAIN.test(value) && !YAML_WORDS.test(value)) return value;
  const text = dump(value, DUMP_OPTIONS).slice(0, -1);
  return text.includes("\n") ? undefined : text;
}
