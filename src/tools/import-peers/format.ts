// Peers as the YAML of a stack's peers list (`peers:` with the stack config's field names), with each
// peer's allowed IPs as a comment: the stack config has no field for them, but a reviewer wants them.
import { dump } from "js-yaml";
import type { ImportedPeer } from "./parse";

const scalar = (v: string): string => dump(v, { lineWidth: -1 }).trimEnd();

export interface PeersYamlOptions {
  /** Where the peers came from, for the header comment. */
  source: string;
  /** Interface for peers the input did not name one for. */
  defaultInterface?: string;
  /** Host the peers are on (omitted: every host with the interface). */
  host?: string;
}

/** A name for a peer the input did not name: the stack config requires one. */
export function placeholderName(publicKey: string): string {
  return `peer-${publicKey.slice(0, 8).replace(/[+/]/g, "-")}`;
}

export function peersYaml(peers: readonly ImportedPeer[], options: PeersYamlOptions): string {
  const lines = [
    `# Peers imported from ${options.source} by \`npm run import-peers\`: public keys, names and allowed IPs only.`,
    "peers:",
  ];
  if (peers.length === 0) return `${lines[0]}\npeers: []\n`;
  for (const p of peers) {
    const iface = p.interface ?? options.defaultInterface;
    lines.push(`  - publicKey: ${scalar(p.publicKey)}`);
    lines.push(
      `    friendlyName: ${scalar(p.friendlyName ?? placeholderName(p.publicKey))}` +
        (p.friendlyName === undefined ? " # rename: the input has no name for it" : ""),
    );
    if (options.host !== undefined) lines.push(`    host: ${scalar(options.host)}`);
    if (iface !== undefined) lines.push(`    interface: ${scalar(iface)}`);
    if (p.allowedIPs.length > 0) lines.push(`    # AllowedIPs: ${p.allowedIPs.join(", ")}`);
  }
  return `${lines.join("\n")}\n`;
}
