// Per-peer series in the Prometheus text format, hand-serialized from the peer table's columns
// and wg's own bytes: at 10k+ peers a generic registry's serializer costs more than
// `wg show dump` itself. Yields UTF-8 chunks so a huge scrape never sits in memory whole.
import { KEY_LENGTH, type PeerTable } from "./peer-table.js";
import type { PeerMeta } from "./peers-file.js";

const CHUNK_BYTES = 1 << 18;

/** Buffer's (undocumented, long-standing) utf8Write: buf.write(s, at, "utf8") re-parses its
 * arguments on every call. Returns bytes written. */
const utf8Write = (b: Buffer, s: string, at: number): number =>
  (b as unknown as { utf8Write(s: string, at: number): number }).utf8Write(s, at);

export function escapeLabelValue(v: string): string {
  return /[\\"\n]/.test(v) ? v.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n") : v;
}

interface Family {
  name: string;
  type: "counter" | "gauge";
  help: string;
  value: (t: PeerTable, i: number) => number;
}

export const PEER_FAMILIES: readonly Family[] = [
  { name: "wireguard_sent_bytes_total", type: "counter", help: "Bytes sent to the peer.", value: (t, i) => t.tx[i]! },
  { name: "wireguard_received_bytes_total", type: "counter", help: "Bytes received from the peer.", value: (t, i) => t.rx[i]! },
  {
    name: "wireguard_latest_handshake_seconds",
    type: "gauge",
    help: "UNIX timestamp in seconds of the latest handshake with the peer, 0 if never.",
    value: (t, i) => t.handshake[i]!,
  },
  {
    name: "wireguard_peer_connected",
    type: "gauge",
    help: "1 if the latest handshake is at most the connected threshold (seconds) old, else 0.",
    value: (t, i) => t.connected[i]!,
  },
  {
    name: "wireguard_peer_expected",
    type: "gauge",
    help: "1 if the peers file marks the peer as expected to be connected, else 0.",
    value: (t, i) => (t.meta[i]?.expected ? 1 : 0),
  },
];

export interface ExpositionOptions {
  exportEndpoints: boolean;
}

const ascii = (s: string) => Buffer.from(s, "latin1");
const LABEL_IPS = ascii('",allowed_ips="');
const LABEL_NAME = ascii('",friendly_name="');
const LABEL_OWNER = ascii('",owner="');
const LABEL_ENDPOINT = ascii('",endpoint="');
const LABELS_END = ascii('"} ');
const INFO_END = ascii('"} 1\n');
const LONGEST_VALUE = 24; // digits of any float64 as String() writes it, and the newline

/** The peers file's label values, escaped and encoded once per peers file entry. */
const encodedMeta = new WeakMap<PeerMeta, { name: Buffer; owner: Buffer }>();
const EMPTY_META = { name: Buffer.alloc(0), owner: Buffer.alloc(0) };
function metaBytes(m: PeerMeta | undefined): { name: Buffer; owner: Buffer } {
  if (m === undefined) return EMPTY_META;
  let e = encodedMeta.get(m);
  if (!e) encodedMeta.set(m, (e = { name: Buffer.from(escapeLabelValue(m.friendlyName)), owner: Buffer.from(escapeLabelValue(m.owner)) }));
  return e;
}

/**
 * Writes into one Buffer that holds every peer's label set once, then a scratch area where
 * lines are assembled by copying within it (copyWithin: no view objects, no per-call
 * argument parsing) and handed out in copies of about CHUNK_BYTES.
 */
class LineWriter {
  pos: number;
  private readonly start: number;

  constructor(readonly buf: Buffer, scratchAt: number) {
    this.pos = this.start = scratchAt;
  }

  /** The chunk so far, when fewer than n bytes are left. */
  reserve(n: number): Buffer | undefined {
    return this.pos + n > this.buf.length ? this.take() : undefined;
  }

  take(): Buffer {
    const out = Buffer.allocUnsafe(this.pos - this.start);
    this.buf.copy(out, 0, this.start, this.pos);
    this.pos = this.start;
    return out;
  }

  get empty(): boolean {
    return this.pos === this.start;
  }

  within(from: number, to: number): void {
    this.buf.copyWithin(this.pos, from, to);
    this.pos += to - from;
  }

  bytes(b: Buffer): void {
    this.buf.set(b, this.pos);
    this.pos += b.length;
  }

  text(s: string): void {
    this.pos += utf8Write(this.buf, s, this.pos);
  }

  /** Label value bytes from wg's output, escaped (a quote or backslash never starts a multi-byte character). */
  escaped(src: Buffer, from: number, to: number): void {
    const buf = this.buf;
    let pos = this.pos;
    for (let k = from; k < to; k++) {
      const c = src[k]!;
      if (c === 34 || c === 92) buf[pos++] = 92;
      buf[pos++] = c;
    }
    this.pos = pos;
  }

  copyOf(src: Buffer, from: number, to: number): void {
    const buf = this.buf;
    let pos = this.pos;
    for (let k = from; k < to; k++) buf[pos++] = src[k]!;
    this.pos = pos;
  }

  /** A sample value and the newline. */
  value(v: number): void {
    const buf = this.buf;
    let pos = this.pos;
    if (Number.isSafeInteger(v) && v >= 0) {
      // digits straight into the buffer: no number-to-string per line
      let digits = 1;
      for (let t = v; t >= 10; t = Math.floor(t / 10)) digits++;
      pos += digits;
      for (let at = pos - 1; at >= pos - digits; at--) {
        buf[at] = 48 + (v % 10);
        v = Math.floor(v / 10);
      }
    } else {
      pos += utf8Write(buf, String(v), pos);
    }
    buf[pos++] = 10;
    this.pos = pos;
  }
}

/**
 * Chunks (UTF-8 Buffers of about CHUNK_BYTES) of exposition for every per-peer family,
 * families contiguous, HELP/TYPE once each. Encoded once, written to every waiting scraper.
 */
export function* renderPeerSeries(t: PeerTable, opts: ExpositionOptions): Generator<Buffer> {
  const n = t.count;
  const { raw, ipsFrom, ipsTo, keyAt, meta } = t;
  const ifaces = t.interfaces.map((i) => escapeLabelValue(i.name));
  const labelStart = ifaces.map((name) => Buffer.from('{interface="' + name + '",public_key="'));

  // Bytes of the constants, then every peer's label set, then the scratch area.
  const names = PEER_FAMILIES.map((f) => ascii(f.name));
  const fixed = names.reduce((s, b) => s + b.length, 0);
  let labelBytes = 0;
  let longestLabel = 0;
  let longestMeta = 0;
  for (let i = 0; i < n; i++) {
    const m = metaBytes(meta[i]);
    const len = labelStart[t.iface[i]!]!.length + KEY_LENGTH + LABEL_IPS.length + 2 * (ipsTo[i]! - ipsFrom[i]!) +
      LABEL_NAME.length + m.name.length + LABELS_END.length;
    labelBytes += len;
    if (len > longestLabel) longestLabel = len;
    if (m.name.length + m.owner.length > longestMeta) longestMeta = m.name.length + m.owner.length;
  }
  // any line: a family name (< 64 bytes) and a label set, or an info line's labels
  const longestLine = 256 + longestLabel + longestMeta + LONGEST_VALUE;
  const w = new LineWriter(Buffer.allocUnsafe(fixed + labelBytes + Math.max(CHUNK_BYTES, 2 * longestLine)), 0);
  const nameAt: number[] = [];
  for (const b of names) {
    nameAt.push(w.pos);
    w.bytes(b);
  }
  const labelEnd = new Uint32Array(n + 1);
  labelEnd[0] = w.pos;
  for (let i = 0; i < n; i++) {
    w.bytes(labelStart[t.iface[i]!]!);
    w.copyOf(raw, keyAt[i]!, keyAt[i]! + KEY_LENGTH);
    w.bytes(LABEL_IPS);
    w.escaped(raw, ipsFrom[i]!, ipsTo[i]!);
    w.bytes(LABEL_NAME);
    w.bytes(metaBytes(meta[i]).name);
    w.bytes(LABELS_END);
    labelEnd[i + 1] = w.pos;
  }
  const scratch = new LineWriter(w.buf, w.pos);

  let chunk: Buffer | undefined;
  for (let f = 0; f < PEER_FAMILIES.length; f++) {
    const fam = PEER_FAMILIES[f]!;
    if ((chunk = scratch.reserve(1024))) yield chunk;
    scratch.text(`# HELP ${fam.name} ${fam.help}\n# TYPE ${fam.name} ${fam.type}\n`);
    const from = nameAt[f]!, to = from + names[f]!.length;
    const value = fam.value;
    for (let i = 0; i < n; i++) {
      if ((chunk = scratch.reserve(longestLine))) yield chunk;
      scratch.within(from, to);
      scratch.within(labelEnd[i]!, labelEnd[i + 1]!);
      scratch.value(value(t, i));
    }
  }

  if ((chunk = scratch.reserve(1024))) yield chunk;
  scratch.text("# HELP wireguard_peer_info Metadata from the peers file (owner), one series per listed peer; always 1.\n# TYPE wireguard_peer_info gauge\n");
  const infoStart = ifaces.map((name) => Buffer.from('wireguard_peer_info{interface="' + name + '",public_key="'));
  for (let i = 0; i < n; i++) {
    if (meta[i] === undefined) continue;
    const m = metaBytes(meta[i]);
    if ((chunk = scratch.reserve(200 + m.name.length + m.owner.length))) yield chunk;
    scratch.bytes(infoStart[t.iface[i]!]!);
    scratch.copyOf(raw, keyAt[i]!, keyAt[i]! + KEY_LENGTH);
    scratch.bytes(LABEL_NAME);
    scratch.bytes(m.name);
    scratch.bytes(LABEL_OWNER);
    scratch.bytes(m.owner);
    scratch.bytes(INFO_END);
  }
  if (opts.exportEndpoints) {
    if ((chunk = scratch.reserve(1024))) yield chunk;
    scratch.text("# HELP wireguard_peer_endpoint_info Current endpoint (IP:port) of the peer; always 1. Opt-in, personal data.\n# TYPE wireguard_peer_endpoint_info gauge\n");
    const endpointStart = ifaces.map((name) => Buffer.from('wireguard_peer_endpoint_info{interface="' + name + '",public_key="'));
    for (let i = 0; i < n; i++) {
      const from = t.endpointFrom[i]!, to = t.endpointTo[i]!;
      if (from === to) continue;
      if ((chunk = scratch.reserve(200 + 2 * (to - from)))) yield chunk;
      scratch.bytes(endpointStart[t.iface[i]!]!);
      scratch.copyOf(raw, keyAt[i]!, keyAt[i]! + KEY_LENGTH);
      scratch.bytes(LABEL_ENDPOINT);
      scratch.escaped(raw, from, to);
      scratch.bytes(INFO_END);
    }
  }
  if (!scratch.empty) yield scratch.take();
}
