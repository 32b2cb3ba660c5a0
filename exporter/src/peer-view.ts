// A peer as the exporter shows it: what wg says plus what the peers file says about it.
import type { WgPeer } from "./parse-dump.js";
import { lookupPeer, type PeersFile } from "./peers-file.js";

export interface PeerView extends WgPeer {
  friendlyName: string; // "" when unknown
  owner: string;
  expected: boolean;
  known: boolean; // listed in the peers file
  connected: boolean;
}

/** connected = a handshake happened and is at most thresholdMs old. */
export function isConnected(latestHandshake: number, nowSeconds: number, thresholdMs: number): boolean {
  return latestHandshake !== 0 && (nowSeconds - latestHandshake) * 1000 <= thresholdMs;
}

/**
 * Adds the peers file's metadata and the connected flag to freshly parsed peers. It annotates
 * them in place: they belong to this collection only, and copying 100k objects per scrape
 * costs more time and memory than the rest of the collection.
 */
export function viewPeers(peers: WgPeer[], file: PeersFile | null, nowSeconds: number, thresholdMs: number): PeerView[] {
  const out = peers as PeerView[];
  for (let i = 0; i < out.length; i++) {
    const p = out[i]!;
    const meta = file === null ? undefined : lookupPeer(file, p.interface, p.publicKey);
    p.friendlyName = meta?.friendlyName ?? "";
    p.owner = meta?.owner ?? "";
    p.expected = meta?.expected ?? false;
    p.known = meta !== undefined;
    p.connected = isConnected(p.latestHandshake, nowSeconds, thresholdMs);
  }
  return out;
}
