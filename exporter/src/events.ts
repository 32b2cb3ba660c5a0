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

export interface PeerState {
  iface: string;
  publicKey: string;
  friendlyName: string;
  handshake: number;
  endpoint: string | null;
  connected: boolean;
}
export type PeerStates = Map<string, PeerState>;

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
  const ev = (event: EventKind, s: PeerState, extra?: Partial<PeerEvent>) =>
    events.push({
      event,
      interface: s.iface,
      public_key: s.publicKey,
      friendly_name: s.friendlyName,
      latest_handshake: s.handshake,
      ...(withEndpoints ? { endpoint: s.endpoint, ...extra } : {}),
    });
  for (const p of peers) {
    const key = p.interface + "\t" + p.publicKey;
    const s: PeerState = {
      iface: p.interface,
      publicKey: p.publicKey,
      friendlyName: p.friendlyName,
      handshake: p.latestHandshake,
      endpoint: p.endpoint,
      connected: p.connected,
    };
    next.set(key, s);
    if (prev === null) continue;
    const old = prev.get(key);
    if (!old) {
      ev("peer_added", s);
      if (s.handshake !== 0) ev("peer_first_handshake", s);
      continue;
    }
    if (old.handshake === 0 && s.handshake !== 0) ev("peer_first_handshake", s);
    else if (old.connected && !s.connected) ev("peer_stale", s);
    else if (!old.connected && s.connected) ev("peer_reconnected", s);
    if (old.endpoint !== null && s.endpoint !== null && old.endpoint !== s.endpoint) {
      ev("peer_endpoint_changed", s, { previous_endpoint: old.endpoint });
    }
  }
  if (prev !== null) {
    for (const [key, old] of prev) if (!next.has(key)) ev("peer_removed", old);
  }
  return { events, next };
}
