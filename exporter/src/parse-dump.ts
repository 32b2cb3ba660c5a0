// Parses `wg show all dump` / `wg show <iface> dump` output into a PeerTable, byte by byte as
// it arrives. Pure. The interface private key and peer preshared keys are read past, never kept.
import { KEY_LENGTH, PeerTable, type WgInterface, type WgPeer } from "./peer-table.js";

export type { WgInterface, WgPeer } from "./peer-table.js";

export interface Dump {
  interfaces: WgInterface[];
  peers: WgPeer[];
}

export type DumpResult = { ok: true; dump: Dump } | { ok: false; error: string };
export type TableResult = { ok: true; table: PeerTable } | { ok: false; error: string };

const TAB = 9;
const NEWLINE = 10;

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

/** Does b[from, to) hold exactly the ASCII word? */
function isWord(b: Buffer, from: number, to: number, word: string): boolean {
  if (to - from !== word.length) return false;
  for (let i = 0; i < word.length; i++) if (b[from + i] !== word.charCodeAt(i)) return false;
  return true;
}

/** Are b[a, aEnd) and b[c, c + (aEnd - a)) the same bytes? */
function sameBytes(b: Buffer, a: number, aEnd: number, c: number, cEnd: number): boolean {
  if (aEnd - a !== cEnd - c) return false;
  for (let i = 0; i < aEnd - a; i++) if (b[a + i] !== b[c + i]) return false;
  return true;
}

const NONE = "(none)";

/**
 * Incremental parser: push() output bytes as they arrive from `wg` (any split), end() when it
 * exited. Complete lines are parsed at once, so parsing overlaps the `wg` call. The first
 * error stops it.
 */
export class DumpParser {
  private readonly table: PeerTable;
  private readonly off: number; // column offset
  private current = -1; // index of the current interface
  private currentFrom = 0; // its name's bytes in `wg show all dump` output
  private currentTo = 0;
  private parsed = 0; // raw bytes parsed so far
  private lineNo = 0;
  private error: string | null = null;
  // Field boundaries of the current line: field i is raw[s[i], e[i]).
  private readonly s = new Int32Array(10);
  private readonly e = new Int32Array(10);

  /**
   * @param interfaceName null for `wg show all dump` output (first column is the interface),
   *   or the interface name for `wg show <iface> dump` output (no interface column).
   * @param table a table to reuse (emptied first; keeps its capacity)
   */
  constructor(private readonly interfaceName: string | null, table = new PeerTable()) {
    this.off = interfaceName === null ? 1 : 0;
    this.table = table;
    table.clear();
  }

  push(chunk: Buffer): void {
    if (this.error !== null) return;
    const at = this.table.rawLength;
    this.table.appendRaw(chunk);
    const last = chunk.lastIndexOf(NEWLINE);
    if (last !== -1) this.lines(at + last + 1);
  }

  end(): TableResult {
    if (this.error === null && this.parsed < this.table.rawLength) this.lines(this.table.rawLength);
    if (this.error !== null) return { ok: false, error: this.error };
    return { ok: true, table: this.table };
  }

  private bad(why: string): void {
    this.error = `wg dump line ${this.lineNo}: ${why}`;
  }

  /** Parses the lines in raw[parsed, limit); limit is just past a newline or the end of output. */
  private lines(limit: number): void {
    const { s, e, off, table } = this;
    const raw = table.raw;
    let pos = this.parsed;
    while (pos < limit) {
      this.lineNo++;
      let count = 0;
      let start = pos;
      let i = pos;
      for (; i < limit; i++) {
        const c = raw[i]!;
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
        // peer: [name] public-key preshared-key endpoint allowed-ips handshake rx tx keepalive
        if (this.current < 0 || (off === 1 && !sameBytes(raw, s[0]!, e[0]!, this.currentFrom, this.currentTo))) {
          return this.bad("peer line before its interface line");
        }
        if (!isKeyAt(raw, s[off]!, e[off]!)) return this.bad("peer public key is not a WireGuard key");
        const hs = uintAt(raw, s[off + 4]!, e[off + 4]!);
        const rx = uintAt(raw, s[off + 5]!, e[off + 5]!);
        const tx = uintAt(raw, s[off + 6]!, e[off + 6]!);
        if (hs < 0 || rx < 0 || tx < 0) return this.bad("handshake/transfer fields are not numbers");
        const ka = isWord(raw, s[off + 7]!, e[off + 7]!, "off") ? -1 : uintAt(raw, s[off + 7]!, e[off + 7]!);
        if (ka < 0 && !isWord(raw, s[off + 7]!, e[off + 7]!, "off")) return this.bad("persistent keepalive is neither a number nor off");
        const noEndpoint = isWord(raw, s[off + 2]!, e[off + 2]!, NONE);
        const noIps = isWord(raw, s[off + 3]!, e[off + 3]!, NONE);
        table.addPeer(
          this.current, s[off]!,
          noEndpoint ? 0 : s[off + 2]!, noEndpoint ? 0 : e[off + 2]!,
          noIps ? 0 : s[off + 3]!, noIps ? 0 : e[off + 3]!,
          hs, rx, tx, ka, !isWord(raw, s[off + 1]!, e[off + 1]!, NONE),
        );
      } else if (count === 4 + off) {
        // interface: [name] private-key public-key listen-port fwmark (the private key is skipped)
        if (!isKeyAt(raw, s[off + 1]!, e[off + 1]!)) return this.bad("interface public key is not a WireGuard key");
        const port = uintAt(raw, s[off + 2]!, e[off + 2]!);
        if (port < 0) return this.bad("listen port is not a number");
        const name = off === 1 ? raw.toString("utf8", s[0]!, e[0]!) : this.interfaceName!;
        table.interfaces.push({
          name,
          publicKey: raw.toString("latin1", s[off + 1]!, e[off + 1]!),
          listenPort: port,
          fwmark: raw.toString("utf8", s[off + 3]!, e[off + 3]!),
        });
        this.current = table.interfaces.length - 1;
        this.currentFrom = s[0]!;
        this.currentTo = e[0]!;
      } else {
        return this.bad(`expected ${4 + off} or ${8 + off} tab-separated fields, got ${count}`);
      }
    }
    this.parsed = Math.min(pos, limit);
  }
}

/** The whole output at once, as objects (see DumpParser). */
export function parseDump(text: string | Buffer, interfaceName: string | null): DumpResult {
  const p = new DumpParser(interfaceName);
  p.push(typeof text === "string" ? Buffer.from(text, "utf8") : text);
  const r = p.end();
  if (!r.ok) return r;
  const t = r.table;
  return { ok: true, dump: { interfaces: t.interfaces, peers: Array.from({ length: t.count }, (_, i) => t.peer(i)) } };
}
