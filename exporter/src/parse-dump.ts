// Parses `wg show all dump` / `wg show <iface> dump` text into typed interfaces and peers.
// Pure. The interface private key and peer preshared keys are read past, never kept.

export interface WgInterface {
  name: string;
  publicKey: string;
  listenPort: number;
  fwmark: string; // "off" or a number as wg prints it
}

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

export interface Dump {
  interfaces: WgInterface[];
  peers: WgPeer[];
}

export type DumpResult = { ok: true; dump: Dump } | { ok: false; error: string };

/** Is text[from, from+44) a base64 32-byte key: 43 base64 chars and one "="? */
function isKeyAt(text: string, from: number, to: number): boolean {
  if (to - from !== 44 || text.charCodeAt(from + 43) !== 61) return false;
  for (let i = from; i < from + 43; i++) {
    const c = text.charCodeAt(i);
    // A-Z a-z 0-9 + /
    if (!((c >= 65 && c <= 90) || (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 43 || c === 47)) return false;
  }
  return true;
}

/** The non-negative integer in text[from, to), or -1. Read in place: no substring per field. */
function uintAt(text: string, from: number, to: number): number {
  if (to <= from) return -1;
  if (to - from > 15) return /^\d+$/.test(text.slice(from, to)) ? Number(text.slice(from, to)) : -1;
  let n = 0;
  for (let i = from; i < to; i++) {
    const d = text.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return -1;
    n = n * 10 + d;
  }
  return n;
}

const NONE = "(none)";

/**
 * Incremental parser: push() text as it arrives from `wg` (any split), end() when it exited.
 * Lines are parsed as soon as they are complete, so parsing overlaps the `wg` call and the
 * whole dump never sits in memory as one string. The first error stops it.
 */
export class DumpParser {
  private readonly interfaces: WgInterface[] = [];
  private readonly peers: WgPeer[] = [];
  private readonly off: number; // column offset
  private current: string | null;
  private lineNo = 0;
  private carry = ""; // an incomplete last line
  private error: string | null = null;
  // Field boundaries of the current line: start of field i is s[i], end is e[i]. Fields are
  // located by hand and only the ones we keep are sliced: at 100k peers this matters.
  private readonly s: number[] = new Array(10).fill(0);
  private readonly e: number[] = new Array(10).fill(0);

  /**
   * @param interfaceName null for `wg show all dump` output (first column is the interface),
   *   or the interface name for `wg show <iface> dump` output (no interface column).
   */
  constructor(private readonly interfaceName: string | null) {
    this.off = interfaceName === null ? 1 : 0;
    this.current = interfaceName;
  }

  push(chunk: string): void {
    if (this.error !== null) return;
    const last = chunk.lastIndexOf("\n");
    if (last === -1) {
      this.carry += chunk;
      return;
    }
    const text = this.carry === "" ? chunk : this.carry + chunk;
    const cut = text.length - (chunk.length - last - 1); // just past the last newline
    this.carry = chunk.slice(last + 1);
    this.lines(text, cut);
  }

  end(): DumpResult {
    if (this.error === null && this.carry !== "") this.lines(this.carry, this.carry.length);
    this.carry = "";
    if (this.error !== null) return { ok: false, error: this.error };
    return { ok: true, dump: { interfaces: this.interfaces, peers: this.peers } };
  }

  /** Parses the lines in text[0, limit). */
  private lines(text: string, limit: number): void {
    const { s, e, off, interfaceName } = this;
    let pos = 0;
    const bad = (why: string): void => {
      this.error = `wg dump line ${this.lineNo}: ${why}`;
    };
    const field = (i: number) => text.slice(s[i]!, e[i]!);
    const is = (i: number, word: string) => e[i]! - s[i]! === word.length && text.startsWith(word, s[i]!);
    while (pos < limit) {
      let end = text.indexOf("\n", pos);
      if (end === -1 || end > limit) end = limit;
      this.lineNo++;
      let count = 0;
      let start = pos;
      for (;;) {
        let tab = text.indexOf("\t", start);
        if (tab === -1 || tab > end) tab = end;
        if (count < 10) {
          s[count] = start;
          e[count] = tab;
        }
        count++;
        if (tab === end) break;
        start = tab + 1;
      }
      const lineStart = pos;
      pos = end + 1;
      if (end === lineStart) continue; // empty line
      if (count === 8 + off) {
        // peer: [name] public-key preshared-key endpoint allowed-ips handshake rx tx keepalive
        const current = this.current;
        if (current === null || (off === 1 && !is(0, current))) return bad("peer line before its interface line");
        if (!isKeyAt(text, s[off]!, e[off]!)) return bad("peer public key is not a WireGuard key");
        const hs = uintAt(text, s[off + 4]!, e[off + 4]!);
        const rx = uintAt(text, s[off + 5]!, e[off + 5]!);
        const tx = uintAt(text, s[off + 6]!, e[off + 6]!);
        if (hs < 0 || rx < 0 || tx < 0) return bad("handshake/transfer fields are not numbers");
        const ka = is(off + 7, "off") ? null : uintAt(text, s[off + 7]!, e[off + 7]!);
        if (ka !== null && ka < 0) return bad("persistent keepalive is neither a number nor off");
        this.peers.push({
          interface: current,
          publicKey: field(off),
          hasPresharedKey: !is(off + 1, NONE),
          endpoint: is(off + 2, NONE) ? null : field(off + 2),
          allowedIps: is(off + 3, NONE) ? "" : field(off + 3),
          latestHandshake: hs,
          rxBytes: rx,
          txBytes: tx,
          persistentKeepalive: ka,
        });
      } else if (count === 4 + off) {
        // interface: [name] private-key public-key listen-port fwmark (the private key is skipped)
        if (!isKeyAt(text, s[off + 1]!, e[off + 1]!)) return bad("interface public key is not a WireGuard key");
        const port = uintAt(text, s[off + 2]!, e[off + 2]!);
        if (port < 0) return bad("listen port is not a number");
        const name = off === 1 ? field(0) : interfaceName!;
        this.interfaces.push({ name, publicKey: field(off + 1), listenPort: port, fwmark: field(off + 3) });
        this.current = name;
      } else {
        return bad(`expected ${4 + off} or ${8 + off} tab-separated fields, got ${count}`);
      }
    }
  }
}

/** The whole output at once (see DumpParser). */
export function parseDump(text: string, interfaceName: string | null): DumpResult {
  const p = new DumpParser(interfaceName);
  p.push(text);
  return p.end();
}
