// What the exporter adds to wg's view of a peer: the peers file's metadata and the connected flag.
import type { PeerTable } from "./peer-table";
import type { PeerLookup } from "./parse-dump";
import { lookupPeer, type PeersFile } from "./peers-file";

/** connected = a handshake happened and is at most thresholdMs old. */
export function isConnected(latestHandshake: number, nowSeconds: number, thresholdMs: number): boolean {
  return latestHandshake !== 0 && (nowSeconds - latestHandshake) * 1000 <= thresholdMs;
}

/** Fills the table's connected and expected columns (meta is set while parsing). */
export function annotatePeers(t: PeerTable, nowSeconds: number, thresholdMs: number): void {
  const { count, handshake, connected, expected, meta } = t;
  for (let i = 0; i < count; i++) connected[i] = isConnected(handshake[i]!, nowSeconds, thresholdMs) ? 1 : 0;
  for (let i = 0; i < count; i++) expected[i] = meta[i]?.expected ? 1 : 0;
}

/** The peers file as a lookup for the parser, or null without one. */
export function peerLookup(file: PeersFile | null): PeerLookup | null {
  return file === null ? null : (iface, key) => lookupPeer(file, iface, key);
}
