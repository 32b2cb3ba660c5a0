// The exporter's peers file for one host (team-notes format): friendly names, owners and
// `expected` for the peers this host serves. Stable order (interface, then name) for clean diffs.
import { dump } from "js-yaml";
import { PEERS_LIST, PEER_FIELDS as F, type PeersFileEntry } from "../../contract/peers-file-fields";
import { peersOnHost, type Host, type Inventory } from "../../model/index";

export function renderPeersFile(inventory: Inventory, host: Host): string {
  const peers = peersOnHost(inventory, host)
    .slice()
    .sort(
      (a, b) =>
        a.interface.localeCompare(b.interface) ||
        a.friendlyName.localeCompare(b.friendlyName) ||
        a.publicKey.localeCompare(b.publicKey),
    )
    .map((p): PeerEntry => ({
      [F.publicKey]: p.publicKey,
      [F.friendlyName]: p.friendlyName,
      ...(p.owner !== undefined ? { [F.owner]: p.owner } : {}),
      [F.expected]: p.expected,
      // Host-less peers apply to every host with that interface; the key alone identifies them.
      [F.interface]: p.interface,
    }));
  const header =
    `# Managed by wireguard-monitoring (stack ${inventory.stack}, host ${host.name}); ` + "changes are overwritten.\n";
  return header + peersYaml(peers);
}

/** Every entry says whether it is expected and on which interface. */
type PeerEntry = PeersFileEntry & Required<Pick<PeersFileEntry, typeof F.expected | typeof F.interface>>;

const LINE = {
  publicKey: `  - ${F.publicKey}: `,
  friendlyName: `\n    ${F.friendlyName}: `,
  owner: `\n    ${F.owner}: `,
  expected: `\n    ${F.expected}: `,
  interface: `\n    ${F.interface}: `,
};

const DUMP_OPTIONS = { lineWidth: -1, noRefs: true, sortKeys: false } as const;

/**
 * Exactly js-yaml's `dump({ peers }, DUMP_OPTIONS)`, written line by line: a fleet's peers files
 * hold every peer once, and js-yaml's generic emitter was most of a large render's build time.
 * Values js-yaml would write as they are take the fast path; anything else is js-yaml's own
 * quoting of that one value (test/render/peers-file-yaml.test.ts checks the two agree).
 */
export function peersYaml(peers: readonly PeerEntry[]): string {
  if (peers.length === 0) return dump({ [PEERS_LIST]: peers }, DUMP_OPTIONS);
  let out = `${PEERS_LIST}:\n`;
  for (const p of peers) {
    const key = scalar(p.public_key);
    const name = scalar(p.friendly_name);
    const owner = p.owner === undefined ? "" : scalar(p.owner);
    const iface = scalar(p.interface);
    // A multi-line value is a block scalar, indented by where it stands: js-yaml writes the file then.
    if (key === undefined || name === undefined || owner === undefined || iface === undefined) {
      return dump({ [PEERS_LIST]: peers }, DUMP_OPTIONS);
    }
    out += LINE.publicKey + key + LINE.friendlyName + name;
    if (p.owner !== undefined) out += LINE.owner + owner;
    out += LINE.expected + (p.expected ? "true" : "false") + LINE.interface + iface + "\n";
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
