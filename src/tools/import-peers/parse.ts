// Reads the public half of a WireGuard setup — a wg-quick config or `wg show [all|<if>] dump` output —
// into peers for a stack's peers list. Private and preshared keys are never kept, only counted, so
// the caller can say that it skipped them; endpoints (personal data) are not read at all.
import { isWireGuardKey } from "../../contract/wireguard-key";

export interface ImportedPeer {
  publicKey: string;
  /** From a `# Name = …`, `# friendly_name = …` or wg-easy's `# Client: … (id)` comment. */
  friendlyName?: string;
  /** From `wg show all dump`, or the caller's default (a config file `wg0.conf` is interface wg0). */
  interface?: string;
  allowedIPs: string[];
}

export interface ImportResult {
  format: "wg-quick" | "wg-dump";
  peers: ImportedPeer[];
  /** How many secrets were in the input and left out: `PrivateKey` / the interface's private key, `PresharedKey`. */
  skipped: { privateKeys: number; presharedKeys: number };
  /** Problems that name a line, never quoting a secret. */
  errors: string[];
}

const NAME_COMMENT = /^#\s*(?:name|friendly_name)\s*=\s*(.+?)\s*$/i;
const WG_EASY_COMMENT = /^#\s*client:\s*(.+?)(?:\s+\([^()]*\))?\s*$/i;

function nameFrom(comment: string): string | undefined {
  const m = NAME_COMMENT.exec(comment) ?? WG_EASY_COMMENT.exec(comment);
  return m && m[1] !== "" ? m[1] : undefined;
}

const splitList = (v: string): string[] =>
  v
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "");

/**
 * wg-quick's INI format. A name comment belongs to the peer whose `[Peer]` section it is in, or —
 * when only comments and blank lines separate it from the next `[Peer]` header — to that next peer
 * (wg-easy writes `# Client:` above the header, MindFlavor's exporter `# friendly_name` below it).
 */
export function parseWgQuick(text: string): ImportResult {
  const result: ImportResult = {
    format: "wg-quick",
    peers: [],
    skipped: { privateKeys: 0, presharedKeys: 0 },
    errors: [],
  };
  type Section = {
    kind: "interface" | "peer" | "other";
    line: number;
    publicKey?: string;
    name?: string;
    allowedIPs: string[];
  };
  const sections: Section[] = [];
  let current: Section | undefined;
  let pendingNames: string[] = [];
  const lines = text.split(/\r?\n/);
  const flushPendingInto = (s: Section | undefined) => {
    if (s && s.kind === "peer" && pendingNames.length > 0 && s.name === undefined)
      s.name = pendingNames[pendingNames.length - 1];
    pendingNames = [];
  };
  lines.forEach((raw, i) => {
    const line = raw.trim();
    if (line === "") return;
    if (line.startsWith("#") || line.startsWith(";")) {
      const name = nameFrom(line);
      if (name !== undefined) pendingNames.push(name);
      return;
    }
    const header = /^\[(\w+)\]$/.exec(line);
    if (header) {
      const kind =
        header[1].toLowerCase() === "peer" ? "peer" : header[1].toLowerCase() === "interface" ? "interface" : "other";
      current = { kind, line: i + 1, allowedIPs: [] };
      sections.push(current);
      flushPendingInto(current);
      return;
    }
    // A key line: comments above it were inside the current section.
    flushPendingInto(current);
    const eq = line.indexOf("=");
    if (eq === -1) {
      result.errors.push(`line ${i + 1}: expected "Key = value" or a [Section] header`);
      return;
    }
    const key = line.slice(0, eq).trim().toLowerCase();
    const value = line
      .slice(eq + 1)
      .replace(/\s+#.*$/, "")
      .trim();
    if (key === "privatekey") result.skipped.privateKeys++;
    else if (key === "presharedkey") result.skipped.presharedKeys++;
    else if (current?.kind === "peer" && key === "publickey") current.publicKey = value;
    else if (current?.kind === "peer" && key === "allowedips") current.allowedIPs.push(...splitList(value));
  });
  flushPendingInto(current);
  for (const s of sections.filter((x) => x.kind === "peer")) {
    if (s.publicKey === undefined) result.errors.push(`line ${s.line}: [Peer] without a PublicKey`);
    else if (!isWireGuardKey(s.publicKey))
      result.errors.push(`line ${s.line}: [Peer] PublicKey is not a WireGuard key (44 characters of base64)`);
    else
      result.peers.push({
        publicKey: s.publicKey,
        ...(s.name !== undefined ? { friendlyName: s.name } : {}),
        allowedIPs: s.allowedIPs,
      });
  }
  return result;
}

/**
 * `wg show <if> dump` (interface line: 4 fields, peer lines: 8) or `wg show all dump` (each line
 * led by the interface name: 5 and 9). Fields as in wg(8): the interface's private key is the first
 * after its name; a peer's preshared key is its second field, `(none)` when unset.
 */
function parseWgDump(text: string): ImportResult {
  const result: ImportResult = {
    format: "wg-dump",
    peers: [],
    skipped: { privateKeys: 0, presharedKeys: 0 },
    errors: [],
  };
  text.split(/\r?\n/).forEach((raw, i) => {
    if (raw.trim() === "") return;
    const f = raw.split("\t");
    const all = f.length === 5 || f.length === 9;
    const fields = all ? f.slice(1) : f;
    const iface = all ? f[0] : undefined;
    if (fields.length === 4) {
      if (isWireGuardKey(fields[0])) result.skipped.privateKeys++;
      return;
    }
    if (fields.length !== 8) {
      result.errors.push(
        `line ${i + 1}: expected the tab-separated fields of \`wg show dump\` (4, 5, 8 or 9), got ${f.length}`,
      );
      return;
    }
    const [publicKey, presharedKey, , allowedIPs] = fields;
    if (presharedKey !== "(none)") result.skipped.presharedKeys++;
    if (!isWireGuardKey(publicKey)) {
      result.errors.push(`line ${i + 1}: the peer's public key is not a WireGuard key`);
      return;
    }
    result.peers.push({
      publicKey,
      ...(iface !== undefined ? { interface: iface } : {}),
      allowedIPs: allowedIPs === "(none)" ? [] : splitList(allowedIPs),
    });
  });
  return result;
}

/** Which of the two formats a text is: a dump is tab-separated lines, a config has `[Section]` headers. */
export function parsePeersInput(text: string): ImportResult {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== "");
  const looksLikeDump = lines.length > 0 && lines.every((l) => [4, 5, 8, 9].includes(l.split("\t").length));
  return looksLikeDump ? parseWgDump(text) : parseWgQuick(text);
}
