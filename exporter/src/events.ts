// Connection events (the audit trail): pure comparison of two successive collections.
import type { PeerView } from "./peer-view.js";

export type EventKind =
  | "peer_added"
  | "peer_removed"
  | "peer_first_handshake"
  | "peer_stale"
  | "peer_reconnected"
  | "peer_endpoint_changed";

export interface PeerEvent {
  event: EventKind;
  interface: string;
  public_key: string;
  friendly_name: string;
  latest_handshake: number;
  endpoint?: string | null;
  previous_endpoint?: string | null;
}

/** The previous collection's peers by interface, then public key (no per-peer key strings). */
export type PeerStates = Map<string, Map<string, PeerView>>;

/**
 * Events between `prev` (null on the first collection: no events, just a baseline) and `peers`.
 * Endpoints appear in events only when `withEndpoints` (they are personal data).
 */
export function diffPeers(
  prev: PeerStates | null,
  peers: readonly PeerView[],
  withEndpoints: boolean,
): { events: PeerEvent[]; next: PeerStates } {
  const next: PeerStates = new Map();
  const events: PeerEvent[] = [];
  const ev = (event: EventKind, p: PeerView, extra?: Partial<PeerEvent>) =>
    events.push({
      event,
      interface: p.interface,
      public_key: p.publicKey,
      friendly_name: p.friendlyName,
      latest_handshake: p.latestHandshake,
      ...(withEndpoints ? { endpoint: p.endpoint, ...extra } : {}),
    });
  let curIface = "";
  let curNext: Map<string, PeerView> | undefined;
  let curPrev: Map<string, PeerView> | undefined;
  for (const p of peers) {
    if (curNext === undefined || p.interface !== curIface) {
      curIface = p.interface;
      curNext = next.get(curIface);
      if (!curNext) next.set(curIface, (curNext = new Map()));
      curPrev = prev?.get(curIface);
    }
    curNext.set(p.publicKey, p);
    if (prev === null) continue;
    const old = curPrev?.get(p.publicKey);
    if (!old) {
      ev("peer_added", p);
      if (p.latestHandshake !== 0) ev("peer_first_handshake", p);
      continue;
    }
    if (old.latestHandshake === p.latestHandshake && old.connected === p.connected && old.endpoint === p.endpoint) continue;
    if (old.latestHandshake === 0 && p.latestHandshake !== 0) ev("peer_first_handshake", p);
    else if (old.connected && !p.connected) ev("peer_stale", p);
    else if (!old.connected && p.connected) ev("peer_reconnected", p);
    if (old.endpoint !== null && p.endpoint !== null && old.endpoint !== p.endpoint) {
      ev("peer_endpoint_changed", p, { previous_endpoint: old.endpoint });
    }
  }
  if (prev !== null) {
    for (const [iface, olds] of prev) {
      const now = next.get(iface);
      for (const [key, old] of olds) if (!now?.has(key)) ev("peer_removed", old);
    }
  }
  return { events, next };
}
