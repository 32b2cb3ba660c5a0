// Parses `wg show all dump` / `wg show <iface> dump` output into a PeerTable, byte by byte as
// it arrives. Pure. The interface private key and peer preshared keys are read past, never kept.
import { KEY_LENGTH, PeerTable, latin1, type WgInterface, type WgPeer } from "./peer-table";
import { LABEL_IPS, LABEL_NAME, LABELS_END, NO_NAME, copyEscaped, metaBytes } from "./labels";
import type { PeerMeta } from "./peers-file";

/** What the peers file says about a peer on an interface (see lookupPeer). */
export type PeerLookup = (iface: string, publicKey: string) => PeerMeta | undefined;

interface Dump {
  interfaces: WgInterface[];
  peers: WgPeer[];
}

/** failures: interfaces left out of the table, each with its reason (see DumpParser). */
export type DumpResult = { ok: true; dump: Dump; failures?: string[] } | { ok: false; error: string };
export type TableResult = { ok: true; table: PeerTable; failures: string[] } | { ok: false; error: string };

const TAB = 9;
const NEWLINE = 10;

/**
 * Longest line accepted. A peer line grows with its allowed IPs (about 40 bytes per IPv6
 * prefix), so this is some 25,000 prefixes on one peer; a longer line is not `wg` output.
 */
const MAX_LINE_BYTES = 1 << 20;
/** Most output accepted from one `wg` call: ~1.5 million peers at ~170 bytes a line. */
const MAX_OUTPUT_BYTES = 256 << 20;

const utf8Decoder = new TextDecoder("utf-8", { fatal: true });

/** Is b[from, to) valid UTF-8? Only asked of lines with a byte >= 0x80. */
function isUtf8At(b: Buffer, from: number, to: number): boolean {
  try {
    utf8Decoder.decode(b.subarray(from, to));
    return true;
  } catch {
    return false;
  }
}

/** b[from, to) for a message: printable ASCII as it is, other bytes as \xNN. */
function printable(b: Buffer, from: number, to: number): string {
  let out = "";
  for (let i = from; i < to; i++) {
    const c = b[i]!;
    out += c >= 0x20 && c < 0x7f && c !== 92 ? String.fromCharCode(c) : `\\x${c.toString(16).padStart(2, "0")}`;
  }
  return out;
}

/** BASE64[byte] is 1 for A-Z a-z 0-9 + / */
const BASE64 = new Uint8Array(256);
for (const c of "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/") BASE64[c.charCodeAt(0)] = 1;

/** Is b[from, to) a base64 32-byte key: 43 base64 characters and one "="? */
function isKeyAt(b: Buffer, from: number, to: number): boolean {
  if (to - from !== KEY_LENGTH || b[from + 43] !== 61) return false;
  for (let i = from; i < from + 43; i++) if (BASE64[b[i]!] === 0) return false;
  return true;
}

/** The non-negative integer in b[from, to), or -1. Read in place: no string per field. */
function uintAt(b: Buffer, from: number, to: number): number {
  if (to <= from) return -1;
  if (to - from > 15) {
    const s = b.toString("latin1", from, to);
    return /^\d+$/.test(s) ? Number(s) : -1;
  }
  let n = 0;
  for (let i = from; i < to; i++) {
    const d = b[i]! - 48;
    if (d < 0 || d > 9) return -1;
    n = n * 10 + d;
  }
  return n;
}

/** Copies constant bytes to dst at pos; returns the position after them. */
function put(dst: Buffer, pos: number, src: Buffer): number {
  for (let i = 0; i < src.length; i++) dst[pos++] = src[i]!;
  return pos;
}

/** Does b[from, to) hold exactly the ASCII word? */
function isWord(b: Buffer, from: number, to: number, word: string): boolean {
  if (to - from !== word.length) return false;
  for (let i = 0; i < word.length; i++) if (b[from + i] !== word.charCodeAt(i)) return false;
  return true;
}

/** Does b[from, to) hold the same bytes as name? */
function sameBytes(b: Buffer, from: number, to: number, name: Buffer): boolean {
  if (to - from !== name.length) return false;
  for (let i = 0; i < name.length; i++) if (b[from + i] !== name[i]) return false;
  return true;
}

const NO_BYTES = Buffer.alloc(0);

const NONE = "(none)";

/**
 * Incremental parser: push() output bytes as they arrive from `wg` (any split), end() when it
 * exited. Complete lines are parsed at once, so parsing overlaps the `wg` call. The first
 * error stops it; so do a line longer than MAX_LINE_BYTES and more than MAX_OUTPUT_BYTES in
 * all, and each byte is looked at a bounded number of times, whatever the output.
 *
 * A label value (interface name, endpoint, allowed IPs) that is not valid UTF-8 fails its
 * interface only: the interface and its peers are left out, the reason is in failures, and
 * the other interfaces are read. The text format has no escape for such a byte, and
 * Prometheus refuses the whole scrape for one; replacing it (U+FFFD) would export a value
 * `wg` never printed.
 */
export class DumpParser {
  private readonly table: PeerTable;
  private readonly off: number; // column offset
  private current = -1; // index of the current interface
  private currentName = NO_BYTES; // its name's bytes in `wg show all dump` output
  private carry = NO_BYTES; // an incomplete last line is carry[0, carryLength)
  private carryLength = 0;
  private total = 0; // output bytes so far
  private lineNo = 0;
  private error: string | null = null;
  private readonly failures: string[] = [];
  private skipping = false; // the current interface failed: its lines are passed over
  private firstPeer = 0; // the current interface's first peer and text position, to drop it
  private firstText = 0;
  // Field boundaries of the current line: field i is line[s[i], e[i]).
  private readonly s = new Int32Array(10);
  private readonly e = new Int32Array(10);

  /**
   * @param interfaceName null for `wg show all dump` output (first column is the interface),
   *   or the interface name for `wg show <iface> dump` output (no interface column).
   * @param table a table to reuse (emptied first; keeps its capacity)
   * @param lookup the peers file, for friendly names in the labels
   */
  constructor(
    private readonly interfaceName: string | null,
    table = new PeerTable(),
    private readonly lookup: PeerLookup | null = null,
  ) {
    this.off = interfaceName === null ? 1 : 0;
    this.table = table;
    table.clear();
  }

  /** Returns false once reading more is pointless (an error, or too much output). */
  push(chunk: Buffer): boolean {
    if (this.error !== null) return false;
    this.total += chunk.length;
    if (this.total > MAX_OUTPUT_BYTES) {
      this.error = `wg output is larger than ${MAX_OUTPUT_BYTES >> 20} MiB`;
      return false;
    }
    let from = 0;
    if (this.carryLength > 0) {
      const nl = chunk.indexOf(NEWLINE);
      const upTo = nl === -1 ? chunk.length : nl + 1;
      if (!this.addCarry(chunk, 0, upTo)) return false;
      if (nl === -1) return true;
      const n = this.carryLength;
      this.carryLength = 0;
      this.lines(this.carry, 0, n);
      from = upTo;
    }
    const last = chunk.lastIndexOf(NEWLINE);
    const end = last >= from ? last + 1 : from;
    if (end > from) this.lines(chunk, from, end);
    if (end < chunk.length) this.addCarry(chunk, end, chunk.length); // copied: the chunk is not kept
    return this.error === null;
  }

  /** Appends to the incomplete line, in a buffer that doubles: linear in the line's length. */
  private addCarry(chunk: Buffer, from: number, to: number): boolean {
    const need = this.carryLength + to - from;
    if (need > MAX_LINE_BYTES) {
      this.lineNo++;
      this.bad(`line is longer than ${MAX_LINE_BYTES >> 20} MiB`);
      return false;
    }
    if (need > this.carry.length) {
      const next = Buffer.allocUnsafe(Math.max(need, 2 * this.carry.length, 256));
      this.carry.copy(next, 0, 0, this.carryLength);
      this.carry = next;
    }
    chunk.copy(this.carry, this.carryLength, from, to);
    this.carryLength = need;
    return true;
  }

  end(): TableResult {
    if (this.error === null && this.carryLength > 0) this.lines(this.carry, 0, this.carryLength);
    this.carry = NO_BYTES;
    this.carryLength = 0;
    if (this.error !== null) return { ok: false, error: this.error };
    return { ok: true, table: this.table, failures: this.failures };
  }

  private bad(why: string): void {
    this.error = `wg dump line ${this.lineNo}: ${why}`;
  }

  /** Parses the lines in b[pos, limit); limit is just past a newline or the end of output. */
  private lines(b: Buffer, pos: number, limit: number): void {
    const { s, e, off } = this;
    while (pos < limit && this.error === null) {
      this.lineNo++;
      let count = 0;
      let start = pos;
      let i = pos;
      let high = 0; // any byte >= 0x80 on the line
      for (; i < limit; i++) {
        const c = b[i]!;
        high |= c;
        if (c === TAB) {
          if (count < 9) {
            s[count] = start;
            e[count] = i;
          }
          count++;
          start = i + 1;
        } else if (c === NEWLINE) break;
      }
      if (count < 10) {
        s[count] = start;
        e[count] = i;
      }
      count++;
      const lineStart = pos;
      pos = i + 1;
      if (i === lineStart) continue; // empty line
      if (count === 8 + off) {
        if (high >= 0x80 && !this.labelsAreUtf8(b, [off + 2, off + 3], ["endpoint", "allowed_ips"])) continue;
        this.peer(b);
      } else if (count === 4 + off) {
        this.skipping = false;
        if (high >= 0x80 && !this.labelsAreUtf8(b, [], [])) continue;
        this.interfaceLine(b);
      } else this.bad(`expected ${4 + off} or ${8 + off} tab-separated fields, got ${count}`);
    }
  }

  /**
   * Are the line's interface name and the given label fields valid UTF-8? If not, the
   * interface is dropped with what was read of it, and its further lines are passed over.
   */
  private labelsAreUtf8(b: Buffer, fields: number[], names: string[]): boolean {
    const { s, e, off, table } = this;
    if (this.skipping && (off === 0 || sameBytes(b, s[0]!, e[0]!, this.currentName))) return false; // failed already
    let bad = off === 1 && !isUtf8At(b, s[0]!, e[0]!) ? "interface name" : null;
    for (let k = 0; bad === null && k < fields.length; k++)
      if (!isUtf8At(b, s[fields[k]!]!, e[fields[k]!]!)) bad = names[k]!;
    if (bad === null) return true;
    const name = off === 1 ? printable(b, s[0]!, e[0]!) : this.interfaceName!;
    this.failures.push(`interface ${name}: wg dump line ${this.lineNo}: ${bad} is not valid UTF-8`);
    const isCurrent = this.current >= 0 && (off === 0 || sameBytes(b, s[0]!, e[0]!, this.currentName));
    if (isCurrent && fields.length > 0) {
      table.count = this.firstPeer; // its peers so far
      table.textLength = this.firstText;
      if (this.lookup !== null) table.meta.length = this.firstPeer;
      table.interfaces.pop();
    }
    if (off === 1) this.currentName = Buffer.from(b.subarray(s[0]!, e[0]!));
    this.current = -1;
    this.skipping = true;
    return false;
  }

  /** [name] public-key preshared-key endpoint allowed-ips handshake rx tx keepalive */
  private peer(b: Buffer): void {
    const { s, e, off, table } = this;
    if (this.skipping && (off === 0 || sameBytes(b, s[0]!, e[0]!, this.currentName))) return;
    if (this.current < 0 || (off === 1 && !sameBytes(b, s[0]!, e[0]!, this.currentName)))
      return this.bad("peer line before its interface line");
    const keyFrom = s[off]!;
    if (e[off]! - keyFrom !== KEY_LENGTH || b[keyFrom + 43] !== 61)
      return this.bad("peer public key is not a WireGuard key");
    const hs = uintAt(b, s[off + 4]!, e[off + 4]!);
    const rx = uintAt(b, s[off + 5]!, e[off + 5]!);
    const tx = uintAt(b, s[off + 6]!, e[off + 6]!);
    if (hs < 0 || rx < 0 || tx < 0) return this.bad("handshake/transfer fields are not numbers");
    const kaOff = isWord(b, s[off + 7]!, e[off + 7]!, "off");
    const ka = kaOff ? -1 : uintAt(b, s[off + 7]!, e[off + 7]!);
    if (ka < 0 && !kaOff) return this.bad("persistent keepalive is neither a number nor off");
    const epFrom = s[off + 2]!,
      epTo = isWord(b, epFrom, e[off + 2]!, NONE) ? epFrom : e[off + 2]!;
    const ipsFrom = s[off + 3]!,
      ipsTo = isWord(b, ipsFrom, e[off + 3]!, NONE) ? ipsFrom : e[off + 3]!;
    const meta = this.lookup?.(table.interfaces[this.current]!.name, latin1(b, keyFrom, keyFrom + KEY_LENGTH));
    const name = meta === undefined ? null : metaBytes(meta).name;

    // The label set from the key on, then the endpoint.
    table.reserveText(
      KEY_LENGTH + LABEL_IPS.length + 2 * (ipsTo - ipsFrom) + NO_NAME.length + (name?.length ?? 0) + (epTo - epFrom),
    );
    const t = table.text;
    const keyAt = table.textLength;
    let pos = keyAt;
    let notBase64 = 0; // the key is checked as it is copied: one pass
    for (let k = keyFrom; k < keyFrom + KEY_LENGTH - 1; k++) notBase64 |= 1 - BASE64[(t[pos++] = b[k]!)]!;
    if (notBase64 !== 0) return this.bad("peer public key is not a WireGuard key");
    t[pos++] = 61; // "="
    pos = put(t, pos, LABEL_IPS);
    const ipsAt = pos;
    pos = copyEscaped(b, ipsFrom, ipsTo, t, pos);
    const ipsEnd = pos;
    if (name === null) pos = put(t, pos, NO_NAME);
    else pos = put(t, put(t, put(t, pos, LABEL_NAME), name), LABELS_END);
    const labelTo = pos;
    for (let k = epFrom; k < epTo; k++) t[pos++] = b[k]!;
    table.textLength = pos;
    table.addPeer(
      this.current,
      keyAt,
      labelTo,
      pos,
      ipsAt,
      ipsEnd,
      hs,
      rx,
      tx,
      ka,
      !isWord(b, s[off + 1]!, e[off + 1]!, NONE),
    );
    if (this.lookup !== null) table.meta.push(meta);
  }

  /** [name] private-key public-key listen-port fwmark (the private key is skipped) */
  private interfaceLine(b: Buffer): void {
    const { s, e, off, table } = this;
    if (!isKeyAt(b, s[off + 1]!, e[off + 1]!)) return this.bad("interface public key is not a WireGuard key");
    const port = uintAt(b, s[off + 2]!, e[off + 2]!);
    if (port < 0) return this.bad("listen port is not a number");
    const name = off === 1 ? b.toString("utf8", s[0]!, e[0]!) : this.interfaceName!;
    table.interfaces.push({
      name,
      publicKey: b.toString("latin1", s[off + 1]!, e[off + 1]!),
      listenPort: port,
      fwmark: b.toString("utf8", s[off + 3]!, e[off + 3]!),
    });
    this.current = table.interfaces.length - 1;
    this.firstPeer = table.count;
    this.firstText = table.textLength;
    if (off === 1) this.currentName = Buffer.from(b.subarray(s[0]!, e[0]!));
  }
}

/** The whole output at once, as objects (see DumpParser). */
export function parseDump(text: string | Buffer, interfaceName: string | null): DumpResult {
  const p = new DumpParser(interfaceName);
  p.push(typeof text === "string" ? Buffer.from(text, "utf8") : text);
  const r = p.end();
  if (!r.ok) return r;
  const t = r.table;
  const dump = { interfaces: t.interfaces, peers: Array.from({ length: t.count }, (_, i) => t.peer(i)) };
  return r.failures.length === 0 ? { ok: true, dump } : { ok: true, dump, failures: r.failures };
}
