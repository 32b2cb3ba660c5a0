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

export function viewPeers(peers: readonly WgPeer[], file: PeersFile | null, nowSeconds: number, thresholdMs: number): PeerView[] {
  const out = new Array<PeerView>(peers.length);
  for (let i = 0; i < peers.length; i++) {
    const p = peers[i]!;
    const meta = lookupPeer(file, p.interface, p.publicKey);
    out[i] = {
      ...p,
      friendlyName: meta?.friendlyName ?? "",
      owner: meta?.owner ?? "",
      expected: meta?.expected ?? false,
      known: meta !== undefined,
      connected: isConnected(p.latestHandshake, nowSeconds, thresholdMs),
    };
  }
  return out;
}
