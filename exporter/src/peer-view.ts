// What the exporter adds to wg's view of a peer: the peers file's metadata and the connected flag.
import type { PeerTable } from "./peer-table.js";
import { lookupPeer, type PeersFile } from "./peers-file.js";

/** connected = a handshake happened and is at most thresholdMs old. */
export function isConnected(latestHandshake: number, nowSeconds: number, thresholdMs: number): boolean {
  return latestHandshake !== 0 && (nowSeconds - latestHandshake) * 1000 <= thresholdMs;
}

/** Fills the table's meta, connected and expected columns. */
export function annotatePeers(t: PeerTable, file: PeersFile | null, nowSeconds: number, thresholdMs: number): void {
  const { count, handshake, connected } = t;
  for (let i = 0; i < count; i++) connected[i] = isConnected(handshake[i]!, nowSeconds, thresholdMs) ? 1 : 0;
  t.expected.fill(0);
  const meta = (t.meta = file === null ? [] : new Array(count));
  if (file === null) return;
  for (let i = 0; i < count; i++) {
    const m = (meta[i] = lookupPeer(file, t.interfaceName(i), t.publicKey(i)));
    if (m?.expected) t.expected[i] = 1;
  }
}
