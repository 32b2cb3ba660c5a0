// Per-peer series in the Prometheus text format, hand-serialized from the peer table's columns
// and wg's own bytes: at 10k+ peers a generic registry's serializer costs more than
// `wg show dump` itself. Yields UTF-8 chunks so a huge scrape never sits in memory whole.
import { KEY_LENGTH, type PeerTable } from "./peer-table.js";
import type { PeerMeta } from "./peers-file.js";
import { ChunkPool } from "./chunk-pool.js";

const CHUNK_BYTES = 1 << 18;

/** Chunks handed out by renderPeerSeries; give each back with release() once written. */
export const outputChunks = new ChunkPool(CHUNK_BYTES, 8);

/** One work buffer (label sets and scratch) kept between scrapes; a render that overlaps
 * another's gets its own. */
let spareWork: Buffer | null = null;
function acquireWork(size: number): Buffer {
  const w = spareWork;
  spareWork = null;
  // Keep a buffer that fits unless it is far too big (the peer count dropped a lot).
  if (w !== null && w.length >= size && w.length <= 2 * size + CHUNK_BYTES) return w;
  return Buffer.allocUnsafeSlow(size + (size >> 3));
}
function releaseWork(w: Buffer): void {
  spareWork = w;
}

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
  column: (t: PeerTable) => Float64Array | Uint8Array;
}

export const PEER_FAMILIES: readonly Family[] = [
  { name: "wireguard_sent_bytes_total", type: "counter", help: "Bytes sent to the peer.", column: (t) => t.tx },
  { name: "wireguard_received_bytes_total", type: "counter", help: "Bytes received from the peer.", column: (t) => t.rx },
  {
    name: "wireguard_latest_handshake_seconds",
    type: "gauge",
    help: "UNIX timestamp in seconds of the latest handshake with the peer, 0 if never.",
    column: (t) => t.handshake,
  },
  {
    name: "wireguard_peer_connected",
    type: "gauge",
    help: "1 if the latest handshake is at most the connected threshold (seconds) old, else 0.",
    column: (t) => t.connected,
  },
  {
    name: "wireguard_peer_expected",
    type: "gauge",
    help: "1 if the peers file marks the peer as expected to be connected, else 0.",
    column: (t) => t.expected,
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
const NO_NAME = ascii('",friendly_name=""} ');
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
 * The scratch area of the work buffer, where lines are assembled by copying within the buffer
 * (copyWithin: no view objects, no per-call argument parsing) and handed out as pooled chunks.
 */
class LineWriter {
  pos: number;

  constructor(readonly buf: Buffer, private readonly start: number, readonly end: number) {
    this.pos = start;
  }

  /** The chunk so far, when fewer than n bytes are left. */
  reserve(n: number): Buffer | undefined {
    return this.pos + n > this.end ? this.take() : undefined;
  }

  take(): Buffer {
    const n = this.pos - this.start;
    const out = outputChunks.acquire(n);
    this.buf.copy(out, 0, this.start, this.pos);
    this.pos = this.start;
    return out.subarray(0, n);
  }

  get empty(): boolean {
    return this.pos === this.start;
  }

  bytes(b: Buffer): void {
    this.buf.set(b, this.pos);
    this.pos += b.length;
  }

  text(s: string): void {
    this.pos += utf8Write(this.buf, s, this.pos);
  }

  /** Label value bytes from wg's output, escaped (" and \ never start a multi-byte character). */
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
}

/** Writes a sample value at pos; returns the position after it. */
function writeValue(buf: Buffer, pos: number, v: number): number {
  if (v < 10 && v >= 0 && v === Math.floor(v)) {
    buf[pos] = 48 + v;
    return pos + 1;
  }
  if (!Number.isSafeInteger(v) || v < 0) return pos + utf8Write(buf, String(v), pos);
  // digits straight into the buffer: no number-to-string per line
  let digits = 1;
  for (let t = v; t >= 10; t = Math.floor(t / 10)) digits++;
  for (let at = pos + digits - 1; at >= pos; at--) {
    buf[at] = 48 + (v % 10);
    v = Math.floor(v / 10);
  }
  return pos + digits;
}

/**
 * Chunks (UTF-8 Buffers of at most about CHUNK_BYTES, from outputChunks) of exposition for
 * every per-peer family over all tables, families contiguous, HELP/TYPE once each. Encoded
 * once, written to every waiting scraper.
 */
export function* renderPeerSeries(tables: readonly PeerTable[], opts: ExpositionOptions): Generator<Buffer> {
  const ifaces = tables.map((t) => t.interfaces.map((i) => escapeLabelValue(i.name)));
  const labelStart = ifaces.map((names) => names.map((name) => Buffer.from('{interface="' + name + '",public_key="')));
  const names = PEER_FAMILIES.map((f) => ascii(f.name));
  const constants = [...names, ...labelStart.flat(), LABEL_IPS, LABEL_NAME, LABELS_END, NO_NAME];

  // The work buffer: the constants, then every peer's label set, then the scratch area.
  let peers = 0;
  let labelBytes = 0;
  let longestLabel = 0;
  let longestMeta = 0;
  tables.forEach((t, ti) => {
    const { ipsFrom, ipsTo, meta } = t;
    const withMeta = meta.length > 0;
    for (let i = 0; i < t.count; i++) {
      const m = withMeta ? metaBytes(meta[i]) : EMPTY_META;
      const len = labelStart[ti]![t.iface[i]!]!.length + KEY_LENGTH + LABEL_IPS.length + 2 * (ipsTo[i]! - ipsFrom[i]!) +
        LABEL_NAME.length + m.name.length + LABELS_END.length;
      labelBytes += len;
      if (len > longestLabel) longestLabel = len;
      if (m.name.length + m.owner.length > longestMeta) longestMeta = m.name.length + m.owner.length;
    }
    peers += t.count;
  });
  // any line: a family name (< 64 bytes) and a label set, or an info line's labels
  const longestLine = 256 + longestLabel + longestMeta + LONGEST_VALUE;
  const fixed = constants.reduce((sum, b) => sum + b.length, 0);
  const scratchBytes = Math.max(CHUNK_BYTES, 2 * longestLine);
  const work = acquireWork(fixed + labelBytes + scratchBytes);
  try {
    const at = new Map<Buffer, number>();
    let pos = 0;
    for (const b of constants) {
      at.set(b, pos);
      work.set(b, pos);
      pos += b.length;
    }
    const ipsAt = at.get(LABEL_IPS)!, nameLabelAt = at.get(LABEL_NAME)!, endAt = at.get(LABELS_END)!, noNameAt = at.get(NO_NAME)!;

    // Each peer's label set, once: copies within the buffer for the constant parts, byte
    // loops for the short runs from wg's output.
    const labelEnd = new Uint32Array(peers + 1);
    labelEnd[0] = pos;
    let g = 0; // peer index over all tables
    tables.forEach((t, ti) => {
      const { raw, keyAt, ipsFrom, ipsTo, meta } = t;
      const starts = labelStart[ti]!;
      const startAt = starts.map((b) => at.get(b)!);
      const withMeta = meta.length > 0;
      for (let i = 0; i < t.count; i++) {
        const k = t.iface[i]!;
        work.copyWithin(pos, startAt[k]!, startAt[k]! + starts[k]!.length);
        pos += starts[k]!.length;
        for (let a = keyAt[i]!, e = a + KEY_LENGTH; a < e; a++) work[pos++] = raw[a]!;
        work.copyWithin(pos, ipsAt, ipsAt + LABEL_IPS.length);
        pos += LABEL_IPS.length;
        for (let a = ipsFrom[i]!, e = ipsTo[i]!; a < e; a++) {
          const c = raw[a]!;
          if (c === 34 || c === 92) work[pos++] = 92;
          work[pos++] = c;
        }
        const m = withMeta ? meta[i] : undefined;
        if (m === undefined) {
          work.copyWithin(pos, noNameAt, noNameAt + NO_NAME.length);
          pos += NO_NAME.length;
        } else {
          work.copyWithin(pos, nameLabelAt, nameLabelAt + LABEL_NAME.length);
          pos += LABEL_NAME.length;
          const name = metaBytes(m).name;
          work.set(name, pos);
          pos += name.length;
          work.copyWithin(pos, endAt, endAt + LABELS_END.length);
          pos += LABELS_END.length;
        }
        labelEnd[++g] = pos;
      }
    });

    const out = new LineWriter(work, pos, pos + scratchBytes);
    const limit = out.end - longestLine;
    let chunk: Buffer | undefined;
    for (let f = 0; f < PEER_FAMILIES.length; f++) {
      const fam = PEER_FAMILIES[f]!;
      if ((chunk = out.reserve(1024))) yield chunk;
      out.text(`# HELP ${fam.name} ${fam.help}\n# TYPE ${fam.name} ${fam.type}\n`);
      const from = at.get(names[f]!)!, nameLength = names[f]!.length, to = from + nameLength;
      g = 0;
      for (const t of tables) {
        const column = fam.column(t);
        pos = out.pos;
        for (let i = 0; i < t.count; i++, g++) {
          if (pos > limit) {
            out.pos = pos;
            yield out.take();
            pos = out.pos;
          }
          work.copyWithin(pos, from, to);
          pos += nameLength;
          const a = labelEnd[g]!, b = labelEnd[g + 1]!;
          work.copyWithin(pos, a, b);
          pos = writeValue(work, pos + b - a, column[i]!);
          work[pos++] = 10;
        }
        out.pos = pos;
      }
    }

    if ((chunk = out.reserve(1024))) yield chunk;
    out.text("# HELP wireguard_peer_info Metadata from the peers file (owner), one series per listed peer; always 1.\n# TYPE wireguard_peer_info gauge\n");
    for (let ti = 0; ti < tables.length; ti++) {
      const t = tables[ti]!;
      const infoStart = ifaces[ti]!.map((name) => Buffer.from('wireguard_peer_info{interface="' + name + '",public_key="'));
      for (let i = 0; i < t.count; i++) {
        if (t.meta[i] === undefined) continue;
        const m = metaBytes(t.meta[i]);
        if ((chunk = out.reserve(200 + m.name.length + m.owner.length))) yield chunk;
        out.bytes(infoStart[t.iface[i]!]!);
        out.copyOf(t.raw, t.keyAt[i]!, t.keyAt[i]! + KEY_LENGTH);
        out.bytes(LABEL_NAME);
        out.bytes(m.name);
        out.bytes(LABEL_OWNER);
        out.bytes(m.owner);
        out.bytes(INFO_END);
      }
    }
    if (opts.exportEndpoints) {
      if ((chunk = out.reserve(1024))) yield chunk;
      out.text("# HELP wireguard_peer_endpoint_info Current endpoint (IP:port) of the peer; always 1. Opt-in, personal data.\n# TYPE wireguard_peer_endpoint_info gauge\n");
      for (let ti = 0; ti < tables.length; ti++) {
        const t = tables[ti]!;
        const endpointStart = ifaces[ti]!.map((name) => Buffer.from('wireguard_peer_endpoint_info{interface="' + name + '",public_key="'));
        for (let i = 0; i < t.count; i++) {
          const from = t.endpointFrom[i]!, to = t.endpointTo[i]!;
          if (from === to) continue;
          if ((chunk = out.reserve(200 + 2 * (to - from)))) yield chunk;
          out.bytes(endpointStart[t.iface[i]!]!);
          out.copyOf(t.raw, t.keyAt[i]!, t.keyAt[i]! + KEY_LENGTH);
          out.bytes(LABEL_ENDPOINT);
          out.escaped(t.raw, from, to);
          out.bytes(INFO_END);
        }
      }
    }
    if (!out.empty) yield out.take();
  } finally {
    releaseWork(work);
  }
}
