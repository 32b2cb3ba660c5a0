// Per-peer series in the Prometheus text format, hand-serialized: at 10k+ peers a generic
// registry's serializer costs more than `wg show dump` itself. Yields UTF-8 chunks so a huge
// scrape never sits in memory as one string or one Buffer.
import type { PeerView } from "./peer-view.js";

const CHUNK_BYTES = 1 << 18;

/** Buffer's (undocumented, long-standing) utf8Write: buf.write(s, at, "utf8") re-parses its
 * arguments on every call, which shows at 50k+ lines per scrape. Returns bytes written. */
const utf8Write = (b: Buffer, s: string, at: number): number =>
  (b as unknown as { utf8Write(s: string, at: number): number }).utf8Write(s, at);

export function escapeLabelValue(v: string): string {
  return /[\\"\n]/.test(v) ? v.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n") : v;
}

interface Family {
  name: string;
  type: "counter" | "gauge";
  help: string;
  value: (p: PeerView) => number;
}

export const PEER_FAMILIES: readonly Family[] = [
  { name: "wireguard_sent_bytes_total", type: "counter", help: "Bytes sent to the peer.", value: (p) => p.txBytes },
  { name: "wireguard_received_bytes_total", type: "counter", help: "Bytes received from the peer.", value: (p) => p.rxBytes },
  {
    name: "wireguard_latest_handshake_seconds",
    type: "gauge",
    help: "UNIX timestamp in seconds of the latest handshake with the peer, 0 if never.",
    value: (p) => p.latestHandshake,
  },
  {
    name: "wireguard_peer_connected",
    type: "gauge",
    help: "1 if the latest handshake is at most the connected threshold (seconds) old, else 0.",
    value: (p) => (p.connected ? 1 : 0),
  },
  {
    name: "wireguard_peer_expected",
    type: "gauge",
    help: "1 if the peers file marks the peer as expected to be connected, else 0.",
    value: (p) => (p.expected ? 1 : 0),
  },
];

export interface ExpositionOptions {
  exportEndpoints: boolean;
}

/**
 * Appends text to fixed-size Buffers and hands out each one when full: lines are encoded
 * straight into the bytes that go to the sockets, with no joined string and no second copy.
 */
class ChunkWriter {
  private buf = Buffer.allocUnsafe(CHUNK_BYTES);
  private pos = 0;

  /** Appends s; returns the full chunk when s did not fit in the current one. */
  add(s: string): Buffer | undefined {
    let out: Buffer | undefined;
    const need = s.length * 3; // utf8 needs at most 3 bytes per UTF-16 unit
    if (this.pos + need > this.buf.length) {
      if (this.pos > 0) out = this.take();
      if (need > this.buf.length) this.buf = Buffer.allocUnsafe(need);
    }
    this.pos += utf8Write(this.buf, s, this.pos);
    return out;
  }

  /** Appends name, labels[from, to) and the value and a newline; like add(). */
  line(name: Buffer, labels: Buffer, from: number, to: number, value: number): Buffer | undefined {
    let out: Buffer | undefined;
    const need = name.length + (to - from) + 32;
    if (this.pos + need > this.buf.length) {
      if (this.pos > 0) out = this.take();
      if (need > this.buf.length) this.buf = Buffer.allocUnsafe(need);
    }
    const buf = this.buf;
    let pos = this.pos + name.copy(buf, this.pos);
    pos += labels.copy(buf, pos, from, to);
    if (Number.isSafeInteger(value) && value >= 0) {
      // digits straight into the buffer: no number-to-string per line
      let digits = 1;
      for (let t = value; t >= 10; t = Math.floor(t / 10)) digits++;
      pos += digits;
      for (let at = pos - 1; at >= pos - digits; at--) {
        buf[at] = 48 + (value % 10);
        value = Math.floor(value / 10);
      }
    } else {
      pos += utf8Write(buf, String(value), pos);
    }
    buf[pos++] = 10;
    this.pos = pos;
    return out;
  }

  /** The bytes written so far (a view, not a copy); later writes go to a fresh Buffer. */
  take(): Buffer {
    const out = this.buf.subarray(0, this.pos);
    this.buf = Buffer.allocUnsafe(CHUNK_BYTES);
    this.pos = 0;
    return out;
  }

  get empty(): boolean {
    return this.pos === 0;
  }
}

/**
 * Chunks (UTF-8 Buffers of about CHUNK_BYTES) of exposition for every per-peer family,
 * families contiguous, HELP/TYPE once each. Encoded once, written to every waiting scraper.
 */
export function* renderPeerSeries(peers: readonly PeerView[], opts: ExpositionOptions): Generator<Buffer> {
  // The label set is the same for all five families: build it once per peer.
  const labels = new Array<string>(peers.length);
  for (let i = 0; i < peers.length; i++) {
    const p = peers[i]!;
    labels[i] =
      '{interface="' + escapeLabelValue(p.interface) +
      '",public_key="' + p.publicKey +
      '",allowed_ips="' + escapeLabelValue(p.allowedIps) +
      '",friendly_name="' + escapeLabelValue(p.friendlyName) + '"} ';
  }
  // Labels encoded once into one Buffer; each line copies bytes instead of concatenating
  // and re-encoding strings (at 10k peers that is 50k lines of ~150 bytes).
  const ends = new Uint32Array(peers.length);
  for (let i = 0, at = 0; i < peers.length; i++) ends[i] = at += Buffer.byteLength(labels[i]!, "utf8");
  const enc = Buffer.allocUnsafe(peers.length === 0 ? 0 : ends[peers.length - 1]!);
  for (let i = 0; i < peers.length; i++) utf8Write(enc, labels[i]!, i === 0 ? 0 : ends[i - 1]!); // no joined copy
  labels.length = 0;
  const w = new ChunkWriter();
  for (const f of PEER_FAMILIES) {
    w.add(`# HELP ${f.name} ${f.help}\n# TYPE ${f.name} ${f.type}\n`);
    const name = Buffer.from(f.name, "latin1");
    const value = f.value;
    for (let i = 0; i < peers.length; i++) {
      const chunk = w.line(name, enc, i === 0 ? 0 : ends[i - 1]!, ends[i]!, value(peers[i]!));
      if (chunk !== undefined) yield chunk;
    }
  }
  w.add("# HELP wireguard_peer_info Metadata from the peers file (owner), one series per listed peer; always 1.\n# TYPE wireguard_peer_info gauge\n");
  for (const p of peers) {
    if (!p.known) continue;
    const chunk = w.add(
      'wireguard_peer_info{interface="' + escapeLabelValue(p.interface) + '",public_key="' + p.publicKey +
      '",friendly_name="' + escapeLabelValue(p.friendlyName) + '",owner="' + escapeLabelValue(p.owner) + '"} 1\n');
    if (chunk !== undefined) yield chunk;
  }
  if (opts.exportEndpoints) {
    w.add("# HELP wireguard_peer_endpoint_info Current endpoint (IP:port) of the peer; always 1. Opt-in, personal data.\n# TYPE wireguard_peer_endpoint_info gauge\n");
    for (const p of peers) {
      if (p.endpoint === null) continue;
      const chunk = w.add('wireguard_peer_endpoint_info{interface="' + escapeLabelValue(p.interface) + '",public_key="' + p.publicKey + '",endpoint="' + escapeLabelValue(p.endpoint) + '"} 1\n');
      if (chunk !== undefined) yield chunk;
    }
  }
  if (!w.empty) yield w.take();
}
