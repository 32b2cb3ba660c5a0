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

interface PeerState {
  handshake: number;
  endpoint: string | null;
  connected: boolean;
  friendlyName: string;
  seen: number; // generation of the last collection that listed the peer
}

/** A copy that does not point into the dump text (a substring would keep all of it alive). */
const own = (s: string): string => (" " + s).slice(1);

/**
 * Remembers what the previous collection saw, per interface and public key, and turns each
 * new collection into events. The state is updated in place and holds no reference to the
 * dump text or the peer objects, so a collection's memory is freed after its scrape.
 */
export class PeerTracker {
  private readonly byIface = new Map<string, Map<string, PeerState>>();
  private gen = 0;

  /** Events since the previous call; the first call only records a baseline. */
  update(peers: readonly PeerView[], withEndpoints: boolean): PeerEvent[] {
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
    let curIface = "";
    let states: Map<string, PeerState> | undefined;
    for (const p of peers) {
      if (states === undefined || p.interface !== curIface) {
        curIface = p.interface;
        states = this.byIface.get(curIface);
        if (!states) this.byIface.set(own(curIface), (states = new Map()));
      }
      const old = states.get(p.publicKey);
      if (!old) {
        const s: PeerState = {
          handshake: p.latestHandshake,
          endpoint: p.endpoint === null ? null : own(p.endpoint),
          connected: p.connected,
          friendlyName: p.friendlyName,
          seen: gen,
        };
        states.set(own(p.publicKey), s);
        if (!first) {
          ev("peer_added", curIface, p.publicKey, s);
          if (s.handshake !== 0) ev("peer_first_handshake", curIface, p.publicKey, s);
        }
        continue;
      }
      old.seen = gen;
      old.friendlyName = p.friendlyName;
      if (old.handshake === p.latestHandshake && old.connected === p.connected && old.endpoint === p.endpoint) continue;
      const wasConnected = old.connected;
      const hadHandshake = old.handshake !== 0;
      const previousEndpoint = old.endpoint;
      old.handshake = p.latestHandshake;
      old.connected = p.connected;
      if (p.endpoint !== previousEndpoint) old.endpoint = p.endpoint === null ? null : own(p.endpoint);
      if (!hadHandshake && p.latestHandshake !== 0) ev("peer_first_handshake", curIface, p.publicKey, old);
      else if (wasConnected && !p.connected) ev("peer_stale", curIface, p.publicKey, old);
      else if (!wasConnected && p.connected) ev("peer_reconnected", curIface, p.publicKey, old);
      if (previousEndpoint !== null && p.endpoint !== null && previousEndpoint !== p.endpoint) {
        ev("peer_endpoint_changed", curIface, p.publicKey, old, { previous_endpoint: previousEndpoint });
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
