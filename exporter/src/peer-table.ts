// The peers of one collection, column by column. Text is kept once, as the bytes the
// exposition needs: each peer's label set from its public key on, ready to copy into every
// line, then its endpoint. At 100k peers an object and strings per peer, or wg's output and
// a rendered copy of the labels beside it, cost more time and memory than all the rest.
import { WIREGUARD_KEY_LENGTH } from "../../src/contract/wireguard-key";
import { grown } from "./columns";
import type { PeerMeta } from "./peers-file";

export interface WgInterface {
  name: string;
  publicKey: string;
  listenPort: number;
  fwmark: string; // "off" or a number as wg prints it
}

/** One peer as an object: for /peers and tests, never on the per-scrape path. */
export interface WgPeer {
  interface: string;
  publicKey: string;
  hasPresharedKey: boolean;
  endpoint: string | null; // "1.2.3.4:51820" or "[2001:db8::1]:51820"; null for (none)
  allowedIps: string; // comma-separated as wg prints it; "" for (none)
  latestHandshake: number; // UNIX seconds, 0 = never
  rxBytes: number;
  txBytes: number;
  persistentKeepalive: number | null; // seconds, null for off
}

export const KEY_LENGTH = WIREGUARD_KEY_LENGTH;

/** Room for this many peers from the start: untouched until used, and no garbage from
 * growing step by step up to it. */
const FIRST_CAPACITY = 1 << 17;
const FIRST_TEXT_BYTES = 1 << 24;

/** b[from, to) as a string, one character per byte: keys are validated base64 (ASCII). */
export const latin1 = (b: Buffer, from: number, to: number): string => b.toString("latin1", from, to);

export class PeerTable {
  count = 0;
  /**
   * Per peer: `KEY",allowed_ips="IPS",friendly_name="NAME"} ` (label values escaped) from
   * keyAt to labelTo, then the endpoint bytes. Text columns are [from, to) ranges in it.
   */
  text: Buffer = Buffer.allocUnsafe(0);
  textLength = 0;
  readonly interfaces: WgInterface[] = [];
  private capacity = 0;
  iface = new Uint16Array(0); // index into interfaces
  keyAt = new Uint32Array(0); // KEY_LENGTH bytes of base64 public key, where the label rest starts
  labelTo = new Uint32Array(0); // also where the endpoint starts
  endpointTo = new Uint32Array(0); // === labelTo: (none)
  ipsFrom = new Uint32Array(0); // escaped as a label value; from === to: (none)
  ipsTo = new Uint32Array(0);
  handshake = new Float64Array(0); // UNIX seconds, 0 = never
  rx = new Float64Array(0);
  tx = new Float64Array(0);
  keepalive = new Int32Array(0); // seconds, -1 = off
  psk = new Uint8Array(0); // 1 if a preshared key is set (the key itself is not kept)
  /** What the peers file says about each peer (undefined: not listed); empty without a peers file. */
  meta: (PeerMeta | undefined)[] = [];
  /** 1 if connected; set by annotatePeers. */
  connected = new Uint8Array(0);
  /** 1 if the peers file marks the peer expected; set by annotatePeers. */
  expected = new Uint8Array(0);

  /** Empties the table for another read; keeps its memory. */
  clear(): void {
    this.count = 0;
    this.textLength = 0;
    this.interfaces.length = 0;
    this.meta = [];
  }

  /** Room for n more text bytes. */
  reserveText(n: number): void {
    const need = this.textLength + n;
    if (need <= this.text.length) return;
    const next = Buffer.allocUnsafeSlow(Math.max(need, this.text.length * 2, FIRST_TEXT_BYTES));
    this.text.copy(next, 0, 0, this.textLength);
    this.text = next;
  }

  addPeer(
    iface: number,
    keyAt: number,
    labelTo: number,
    endpointTo: number,
    ipsFrom: number,
    ipsTo: number,
    handshake: number,
    rx: number,
    tx: number,
    keepalive: number,
    psk: boolean,
  ): void {
    const i = this.count;
    if (i === this.capacity) this.grow(Math.max(FIRST_CAPACITY, i * 2));
    this.iface[i] = iface;
    this.keyAt[i] = keyAt;
    this.labelTo[i] = labelTo;
    this.endpointTo[i] = endpointTo;
    this.ipsFrom[i] = ipsFrom;
    this.ipsTo[i] = ipsTo;
    this.handshake[i] = handshake;
    this.rx[i] = rx;
    this.tx[i] = tx;
    this.keepalive[i] = keepalive;
    this.psk[i] = psk ? 1 : 0;
    this.count = i + 1;
  }

  private grow(capacity: number): void {
    this.iface = grown(this.iface, capacity);
    this.keyAt = grown(this.keyAt, capacity);
    this.labelTo = grown(this.labelTo, capacity);
    this.endpointTo = grown(this.endpointTo, capacity);
    this.ipsFrom = grown(this.ipsFrom, capacity);
    this.ipsTo = grown(this.ipsTo, capacity);
    this.handshake = grown(this.handshake, capacity);
    this.rx = grown(this.rx, capacity);
    this.tx = grown(this.tx, capacity);
    this.keepalive = grown(this.keepalive, capacity);
    this.psk = grown(this.psk, capacity);
    this.connected = grown(this.connected, capacity);
    this.expected = grown(this.expected, capacity);
    this.capacity = capacity;
  }

  interfaceName(i: number): string {
    return this.interfaces[this.iface[i]!]!.name;
  }

  publicKey(i: number): string {
    const at = this.keyAt[i]!;
    return latin1(this.text, at, at + KEY_LENGTH);
  }

  endpoint(i: number): string | null {
    const from = this.labelTo[i]!,
      to = this.endpointTo[i]!;
    return from === to ? null : this.text.toString("utf8", from, to);
  }

  /** Same as endpoint(i) === s, without making a string in the common (ASCII) case. */
  endpointEquals(i: number, s: string | null): boolean {
    const from = this.labelTo[i]!,
      to = this.endpointTo[i]!;
    if (s === null || from === to) return s === null && from === to;
    const raw = this.text;
    if (to - from !== s.length) {
      for (let k = from; k < to; k++) if (raw[k]! >= 128) return this.endpoint(i) === s;
      return false;
    }
    for (let k = from; k < to; k++) {
      const b = raw[k]!;
      if (b >= 128) return this.endpoint(i) === s;
      if (b !== s.charCodeAt(k - from)) return false;
    }
    return true;
  }

  allowedIps(i: number): string {
    const ips = this.text.toString("utf8", this.ipsFrom[i]!, this.ipsTo[i]!);
    return ips.includes("\\") ? ips.replace(/\\(.)/g, "$1") : ips; // stored escaped
  }

  /** Peer i as an object. */
  peer(i: number): WgPeer {
    const ka = this.keepalive[i]!;
    return {
      interface: this.interfaceName(i),
      publicKey: this.publicKey(i),
      hasPresharedKey: this.psk[i] === 1,
      endpoint: this.endpoint(i),
      allowedIps: this.allowedIps(i),
      latestHandshake: this.handshake[i]!,
      rxBytes: this.rx[i]!,
      txBytes: this.tx[i]!,
      persistentKeepalive: ka < 0 ? null : ka,
    };
  }
}
