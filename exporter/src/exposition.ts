// Per-peer series in the Prometheus text format, hand-serialized from the peer tables: at 10k+
// peers a generic registry's serializer costs more than `wg show dump` itself. Each line is
// two copies (family name and label start; the peer's stored label set) and the value's
// digits. Yields pooled UTF-8 chunks, so a huge scrape never sits in memory whole.
import { ChunkPool } from "./chunk-pool";
import { INFO_END, LABEL_ENDPOINT, LABEL_NAME, LABEL_OWNER, copyEscaped, escapeLabelValue, metaBytes } from "./labels";
import { KEY_LENGTH, type PeerTable } from "./peer-table";

export { escapeLabelValue } from "./labels";

const CHUNK_BYTES = 1 << 18;

/** Chunks handed out by renderPeerSeries; give each back with release() once written. */
export const outputChunks = new ChunkPool(CHUNK_BYTES, 8);

interface Family {
  name: string;
  type: "counter" | "gauge";
  help: string;
  column: (t: PeerTable) => Float64Array | Uint8Array;
  /** Only peers whose value is not 0 get a series (a flag most peers lack costs no series). */
  onlyNonZero?: true;
}

const PEER_FAMILIES: readonly Family[] = [
  { name: "wireguard_sent_bytes_total", type: "counter", help: "Bytes sent to the peer.", column: (t) => t.tx },
  {
    name: "wireguard_received_bytes_total",
    type: "counter",
    help: "Bytes received from the peer.",
    column: (t) => t.rx,
  },
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
    help: "1 for peers the peers file marks as expected to be connected; other peers have no series.",
    column: (t) => t.expected,
    onlyNonZero: true,
  },
];

export interface ExpositionOptions {
  exportEndpoints: boolean;
}

const LONGEST_VALUE = 24; // digits of any float64 as String() writes it, and the newline

/**
 * The scratch area behind a table's text, where lines are assembled by copying within the
 * buffer (copyWithin: no view objects, no per-call argument parsing) and handed out as pooled
 * chunks.
 */
class LineWriter {
  pos: number;

  constructor(
    readonly buf: Buffer,
    private readonly start: number,
    readonly end: number,
  ) {
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

  /** Bytes from elsewhere in the same buffer. */
  within(from: number, to: number): void {
    this.buf.copyWithin(this.pos, from, to);
    this.pos += to - from;
  }

  /** Label value bytes from elsewhere in the same buffer, escaped. */
  escaped(from: number, to: number): void {
    this.pos = copyEscaped(this.buf, from, to, this.buf, this.pos);
  }
}

/** Writes a sample value at pos; returns the position after it. */
function writeValue(buf: Buffer, pos: number, v: number): number {
  if (v < 10 && v >= 0 && v === Math.floor(v)) {
    buf[pos] = 48 + v;
    return pos + 1;
  }
  // rare: fractions, negatives, above 2^53
  if (!Number.isSafeInteger(v) || v < 0) return pos + buf.write(String(v), pos, "utf8");
  // digits straight into the buffer: no number-to-string per line
  let digits = 1;
  for (let t = v; t >= 10; t = Math.floor(t / 10)) digits++;
  for (let at = pos + digits - 1; at >= pos; at--) {
    buf[at] = 48 + (v % 10);
    v = Math.floor(v / 10);
  }
  return pos + digits;
}

/** Where a table's render constants and scratch area are, behind its text. */
interface Layout {
  /** [family][interface]: `name{interface="X",public_key="` */
  lineStart: { at: number; length: number }[][];
  out: LineWriter;
  longestLine: number;
  /** Whether a peer has an owner, i.e. a wireguard_peer_info series. */
  hasOwners: boolean;
}

function layOut(t: PeerTable, ifaceNames: readonly string[]): Layout {
  let longestLabel = 0;
  let longestMeta = 0;
  let hasOwners = false;
  for (let i = 0; i < t.count; i++) longestLabel = Math.max(longestLabel, t.labelTo[i]! - t.keyAt[i]!);
  for (const m of t.meta) {
    if (m === undefined) continue;
    const { name, owner } = metaBytes(m);
    longestMeta = Math.max(longestMeta, name.length + owner.length);
    hasOwners ||= owner.length > 0;
  }
  const starts = PEER_FAMILIES.map((f) =>
    ifaceNames.map((name) => Buffer.from(`${f.name}{interface="${name}",public_key="`)),
  );
  const constBytes = starts.flat().reduce((n, b) => n + b.length, 0);
  const longestPrefix = Math.max(0, ...starts.flat().map((b) => b.length));
  // any line: a line start and a label set, or an info line's labels
  const longestLine = 256 + longestPrefix + longestLabel + longestMeta + LONGEST_VALUE;
  const scratch = Math.max(CHUNK_BYTES, 2 * longestLine);
  t.reserveText(constBytes + scratch);
  let pos = t.textLength;
  const lineStart = starts.map((byIface) =>
    byIface.map((b) => {
      t.text.set(b, pos);
      pos += b.length;
      return { at: pos - b.length, length: b.length };
    }),
  );
  return { lineStart, out: new LineWriter(t.text, pos, pos + scratch), longestLine, hasOwners };
}

/**
 * Chunks (UTF-8 Buffers of at most about CHUNK_BYTES, from outputChunks) of exposition for
 * every per-peer family over all tables, families contiguous, HELP/TYPE once each. Encoded
 * once, written to every waiting scraper. Uses the space behind each table's text.
 */
export function* renderPeerSeries(tables: readonly PeerTable[], opts: ExpositionOptions): Generator<Buffer> {
  const ifaces = tables.map((t) => t.interfaces.map((i) => escapeLabelValue(i.name)));
  const layouts = tables.map((t, ti) => layOut(t, ifaces[ti]!));
  const header = (s: string): Buffer => Buffer.from(s);
  let chunk: Buffer | undefined;

  for (let f = 0; f < PEER_FAMILIES.length; f++) {
    const fam = PEER_FAMILIES[f]!;
    if (
      fam.onlyNonZero &&
      !tables.some((t) =>
        fam
          .column(t)
          .subarray(0, t.count)
          .some((v) => v !== 0),
      )
    )
      continue;
    yield header(`# HELP ${fam.name} ${fam.help}\n# TYPE ${fam.name} ${fam.type}\n`);
    for (let ti = 0; ti < tables.length; ti++) {
      const t = tables[ti]!;
      const { lineStart, out, longestLine } = layouts[ti]!;
      const starts = lineStart[f]!;
      const { text, iface, keyAt, labelTo } = t;
      const column = fam.column(t);
      const limit = out.end - longestLine;
      const skipZero = fam.onlyNonZero === true;
      let pos = out.pos;
      for (let i = 0; i < t.count; i++) {
        if (skipZero && column[i] === 0) continue;
        if (pos > limit) {
          out.pos = pos;
          yield out.take();
          pos = out.pos;
        }
        const start = starts[iface[i]!]!;
        text.copyWithin(pos, start.at, start.at + start.length);
        pos += start.length;
        const a = keyAt[i]!,
          b = labelTo[i]!;
        text.copyWithin(pos, a, b);
        pos = writeValue(text, pos + b - a, column[i]!);
        text[pos++] = 10;
      }
      out.pos = pos;
      if (!out.empty) yield out.take();
    }
  }

  // Only a peer with an owner gets an info series: its friendly name is on every series already,
  // so listing a peer in the peers file costs no fifth series.
  if (layouts.some((l) => l.hasOwners)) {
    yield header(
      "# HELP wireguard_peer_info The peer's owner from the peers file, for peers that have one; always 1.\n" +
        "# TYPE wireguard_peer_info gauge\n",
    );
  }
  for (let ti = 0; ti < tables.length; ti++) {
    const t = tables[ti]!;
    const { out } = layouts[ti]!;
    const infoStart = ifaces[ti]!.map((name) =>
      Buffer.from('wireguard_peer_info{interface="' + name + '",public_key="'),
    );
    for (let i = 0; i < t.meta.length; i++) {
      const meta = t.meta[i];
      if (meta === undefined || meta.owner === "") continue;
      const m = metaBytes(meta);
      if ((chunk = out.reserve(200 + m.name.length + m.owner.length))) yield chunk;
      out.bytes(infoStart[t.iface[i]!]!);
      out.within(t.keyAt[i]!, t.keyAt[i]! + KEY_LENGTH);
      out.bytes(LABEL_NAME);
      out.bytes(m.name);
      out.bytes(LABEL_OWNER);
      out.bytes(m.owner);
      out.bytes(INFO_END);
    }
    if (!out.empty) yield out.take();
  }
  if (opts.exportEndpoints) {
    yield header(
      "# HELP wireguard_peer_endpoint_info Current endpoint (IP:port) of the peer; " +
        "always 1. Opt-in, personal data.\n# TYPE wireguard_peer_endpoint_info gauge\n",
    );
    for (let ti = 0; ti < tables.length; ti++) {
      const t = tables[ti]!;
      const { out } = layouts[ti]!;
      const endpointStart = ifaces[ti]!.map((name) =>
        Buffer.from('wireguard_peer_endpoint_info{interface="' + name + '",public_key="'),
      );
      for (let i = 0; i < t.count; i++) {
        const from = t.labelTo[i]!,
          to = t.endpointTo[i]!;
        if (from === to) continue;
        if ((chunk = out.reserve(200 + 2 * (to - from)))) yield chunk;
        out.bytes(endpointStart[t.iface[i]!]!);
        out.within(t.keyAt[i]!, t.keyAt[i]! + KEY_LENGTH);
        out.bytes(LABEL_ENDPOINT);
        out.escaped(from, to);
        out.bytes(INFO_END);
      }
      if (!out.empty) yield out.take();
    }
  }
}
