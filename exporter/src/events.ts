// Connection events (the audit trail): pure comparison of two successive collections.
import type { PeerTable } from "./peer-table.js";

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

interface PeerState {
  handshake: number;
  endpoint: string | null;
  connected: boolean;
  friendlyName: string;
  seen: number; // generation of the last collection that listed the peer
}

/**
 * Remembers what the previous collection saw, per interface and public key, and turns each
 * new collection into events. The state is updated in place and holds no reference to a
 * collection, so its memory is freed after its scrape.
 */
export class PeerTracker {
  private readonly byIface = new Map<string, Map<string, PeerState>>();
  private gen = 0;

  /** Events since the previous call; the first call only records a baseline. */
  update(t: PeerTable, withEndpoints: boolean): PeerEvent[] {
    const first = this.gen === 0;
    const gen = ++this.gen;
    const events: PeerEvent[] = [];
    const ev = (event: EventKind, iface: string, key: string, s: PeerState, extra?: Partial<PeerEvent>) =>
      events.push({
        event,
        interface: iface,
        public_key: key,
        friendly_name: s.friendlyName,
        latest_handshake: s.handshake,
        ...(withEndpoints ? { endpoint: s.endpoint, ...extra } : {}),
      });
    const { count, handshake, connected, meta } = t;
    let curIfIndex = -1;
    let curIface = "";
    let states: Map<string, PeerState> | undefined;
    for (let i = 0; i < count; i++) {
      if (states === undefined || t.iface[i] !== curIfIndex) {
        curIfIndex = t.iface[i]!;
        curIface = t.interfaces[curIfIndex]!.name;
        states = this.byIface.get(curIface);
        if (!states) this.byIface.set(curIface, (states = new Map()));
      }
      const key = t.publicKey(i);
      const hs = handshake[i]!;
      const isConnected = connected[i] === 1;
      const friendlyName = meta[i]?.friendlyName ?? "";
      const old = states.get(key);
      if (!old) {
        const s: PeerState = { handshake: hs, endpoint: t.endpoint(i), connected: isConnected, friendlyName, seen: gen };
        states.set(key, s);
        if (!first) {
          ev("peer_added", curIface, key, s);
          if (s.handshake !== 0) ev("peer_first_handshake", curIface, key, s);
        }
        continue;
      }
      old.seen = gen;
      old.friendlyName = friendlyName;
      const sameEndpoint = t.endpointEquals(i, old.endpoint);
      if (old.handshake === hs && old.connected === isConnected && sameEndpoint) continue;
      const wasConnected = old.connected;
      const hadHandshake = old.handshake !== 0;
      const previousEndpoint = old.endpoint;
      old.handshake = hs;
      old.connected = isConnected;
      if (!sameEndpoint) old.endpoint = t.endpoint(i);
      if (!hadHandshake && hs !== 0) ev("peer_first_handshake", curIface, key, old);
      else if (wasConnected && !isConnected) ev("peer_stale", curIface, key, old);
      else if (!wasConnected && isConnected) ev("peer_reconnected", curIface, key, old);
      if (previousEndpoint !== null && old.endpoint !== null && !sameEndpoint) {
        ev("peer_endpoint_changed", curIface, key, old, { previous_endpoint: previousEndpoint });
      }
    }
    for (const [iface, states] of this.byIface) {
      for (const [key, s] of states) {
        if (s.seen === gen) continue;
        ev("peer_removed", iface, key, s);
        states.delete(key);
      }
      if (states.size === 0) this.byIface.delete(iface);
    }
    return events;
  }
}
