// Connection events (the audit trail): pure comparison of two successive collections.
import { grown } from "./columns";
import { KeyIndex } from "./key-index";
import type { PeerTable } from "./peer-table";

type EventKind =
  "peer_added" | "peer_removed" | "peer_first_handshake" | "peer_stale" | "peer_reconnected" | "peer_endpoint_changed";

export interface PeerEvent {
  event: EventKind;
  interface: string;
  public_key: string;
  friendly_name: string;
  latest_handshake: number;
  endpoint?: string | null;
  previous_endpoint?: string | null;
}

/**
 * Remembers what the previous collection saw, per interface and public key, and turns each
 * new collection into events. The state lives in columns indexed by the key index's slots and
 * holds no reference to a collection, so a collection's memory is reused after its scrape.
 */
export class PeerTracker {
  private readonly index = new KeyIndex();
  private readonly tagOf = new Map<string, number>(); // interface name → tag in the index
  private readonly interfaceNames: string[] = [];
  private handshake = new Float64Array(0);
  private connected = new Uint8Array(0);
  private seen = new Uint32Array(0); // generation of the last collection that listed the peer
  private endpoint: (string | null)[] = [];
  private friendlyName: string[] = [];
  private gen = 0;

  /** Events since the previous call; the first call only records a baseline. */
  update(tables: readonly PeerTable[], withEndpoints: boolean): PeerEvent[] {
    const first = this.gen === 0;
    const gen = ++this.gen;
    const events: PeerEvent[] = [];
    const ev = (event: EventKind, slot: number, key: string, extra?: Partial<PeerEvent>) =>
      events.push({
        event,
        interface: this.interfaceNames[this.index.tagOf(slot)]!,
        public_key: key,
        friendly_name: this.friendlyName[slot]!,
        latest_handshake: this.handshake[slot]!,
        ...(withEndpoints ? { endpoint: this.endpoint[slot]!, ...extra } : {}),
      });
    const index = this.index;
    for (const t of tables) {
      const { count, handshake, connected, meta, text, keyAt } = t;
      const tags = t.interfaces.map((i) => this.tag(i.name));
      for (let i = 0; i < count; i++) {
        const tag = tags[t.iface[i]!]!;
        const hs = handshake[i]!;
        const isConnected = connected[i]!;
        const friendlyName = meta[i]?.friendlyName ?? "";
        let slot = index.find(text, keyAt[i]!, tag);
        if (slot < 0) {
          slot = index.insert(text, keyAt[i]!, tag);
          if (index.capacity > this.seen.length) this.grow(index.capacity);
          this.handshake[slot] = hs;
          this.connected[slot] = isConnected;
          this.seen[slot] = gen;
          this.endpoint[slot] = t.endpoint(i);
          this.friendlyName[slot] = friendlyName;
          if (!first) {
            const key = t.publicKey(i);
            ev("peer_added", slot, key);
            if (hs !== 0) ev("peer_first_handshake", slot, key);
          }
          continue;
        }
        this.seen[slot] = gen;
        this.friendlyName[slot] = friendlyName;
        const previousEndpoint = this.endpoint[slot]!;
        const sameEndpoint = t.endpointEquals(i, previousEndpoint);
        const wasConnected = this.connected[slot] === 1;
        const hadHandshake = this.handshake[slot] !== 0;
        if (this.handshake[slot] === hs && wasConnected === (isConnected === 1) && sameEndpoint) continue;
        this.handshake[slot] = hs;
        this.connected[slot] = isConnected;
        if (!sameEndpoint) this.endpoint[slot] = t.endpoint(i);
        const key = t.publicKey(i);
        if (!hadHandshake && hs !== 0) ev("peer_first_handshake", slot, key);
        else if (wasConnected && isConnected === 0) ev("peer_stale", slot, key);
        else if (!wasConnected && isConnected === 1) ev("peer_reconnected", slot, key);
        if (previousEndpoint !== null && this.endpoint[slot] !== null && !sameEndpoint) {
          ev("peer_endpoint_changed", slot, key, { previous_endpoint: previousEndpoint });
        }
      }
    }
    const removed: number[] = [];
    for (let slot = 0; slot < index.end; slot++) {
      if (!index.isUsed(slot) || this.seen[slot] === gen) continue;
      ev("peer_removed", slot, index.keyOf(slot));
      removed.push(slot);
      this.endpoint[slot] = null;
      this.friendlyName[slot] = "";
    }
    index.remove(removed);
    return events;
  }

  private tag(name: string): number {
    let tag = this.tagOf.get(name);
    if (tag === undefined) {
      tag = this.interfaceNames.push(name) - 1;
      this.tagOf.set(name, tag);
    }
    return tag;
  }

  private grow(capacity: number): void {
    // every slot's row is written when the slot is handed out
    this.handshake = grown(this.handshake, capacity);
    this.connected = grown(this.connected, capacity);
    this.seen = grown(this.seen, capacity);
  }
}
