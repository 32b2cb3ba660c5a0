// The peers file: friendly names and ownership for public keys, written by the host component.
// Validated strictly at the edge; errors are values that name the offending entry.
import { readFileSync, statSync } from "node:fs";
import { load as loadYaml } from "js-yaml";

export interface PeerMeta {
  publicKey: string;
  friendlyName: string;
  owner: string;
  expected: boolean;
  interface: string | null; // null = any interface
}

export interface PeersFile {
  peers: PeerMeta[];
  byKey: Map<string, PeerMeta[]>;
}

export type PeersFileResult = { ok: true; file: PeersFile } | { ok: false; errors: string[] };

const ENTRY_FIELDS = new Set(["public_key", "friendly_name", "owner", "expected", "interface"]);

export function isWireGuardKey(s: string): boolean {
  return /^[A-Za-z0-9+/]{43}=$/.test(s) && Buffer.from(s, "base64").length === 32;
}

/** Pure: text → validated peers file. JSON when the name ends in .json, YAML otherwise. */
export function parsePeersFile(text: string, fileName: string): PeersFileResult {
  const where = `peers file ${fileName}`;
  let doc: unknown;
  try {
    doc = fileName.toLowerCase().endsWith(".json") ? JSON.parse(text) : loadYaml(text);
  } catch (e) {
    return { ok: false, errors: [`${where}: ${(e as Error).message.split("\n")[0]}`] };
  }
  if (doc === null || doc === undefined) doc = { peers: [] };
  if (typeof doc !== "object" || Array.isArray(doc)) return { ok: false, errors: [`${where}: expected a mapping with a "peers" list`] };
  const errors: string[] = [];
  for (const key of Object.keys(doc as object)) {
    if (key !== "peers") errors.push(`${where}: ${key}: unknown field`);
  }
  const list = (doc as { peers?: unknown }).peers ?? [];
  if (!Array.isArray(list)) return { ok: false, errors: [...errors, `${where}: peers: expected a list`] };

  const peers: PeerMeta[] = [];
  const seen = new Map<string, number>();
  list.forEach((entry: unknown, i: number) => {
    const at = `${where}: peers[${i}]`;
    if (typeof entry !== "object" || entry === null || Array.isArray(entry)) {
      errors.push(`${at}: expected a mapping`);
      return;
    }
    const e = entry as Record<string, unknown>;
    let good = true;
    const err = (field: string, why: string) => {
      errors.push(`${at}.${field}: ${why}`);
      good = false;
    };
    for (const key of Object.keys(e)) if (!ENTRY_FIELDS.has(key)) err(key, "unknown field");
    const pk = e.public_key;
    if (typeof pk !== "string") err("public_key", "required, a base64 WireGuard public key");
    else if (!isWireGuardKey(pk)) err("public_key", `"${pk}" is not a base64-encoded 32-byte key`);
    const name = e.friendly_name;
    if (typeof name !== "string" || name.trim() === "") err("friendly_name", "required, a non-empty string");
    if (e.owner !== undefined && typeof e.owner !== "string") err("owner", "must be a string");
    if (e.expected !== undefined && typeof e.expected !== "boolean") err("expected", "must be true or false");
    if (e.interface !== undefined && (typeof e.interface !== "string" || e.interface === "")) err("interface", "must be a non-empty string");
    if (!good) return;
    const meta: PeerMeta = {
      publicKey: pk as string,
      friendlyName: name as string,
      owner: (e.owner as string | undefined) ?? "",
      expected: (e.expected as boolean | undefined) ?? false,
      interface: (e.interface as string | undefined) ?? null,
    };
    const dupKey = `${meta.interface ?? "*"} ${meta.publicKey}`;
    const prev = seen.get(dupKey);
    if (prev !== undefined) {
      errors.push(`${at}.public_key: duplicate of peers[${prev}]`);
      return;
    }
    seen.set(dupKey, i);
    peers.push(meta);
  });
  if (errors.length > 0) return { ok: false, errors };
  const byKey = new Map<string, PeerMeta[]>();
  for (const p of peers) {
    const l = byKey.get(p.publicKey);
    if (l) l.push(p);
    else byKey.set(p.publicKey, [p]);
  }
  return { ok: true, file: { peers, byKey } };
}

/** The entry for a peer: one naming its interface wins over one for any interface. */
export function lookupPeer(file: PeersFile | null, iface: string, publicKey: string): PeerMeta | undefined {
  const l = file?.byKey.get(publicKey);
  if (!l) return undefined;
  if (l.length === 1) return l[0]!.interface === null || l[0]!.interface === iface ? l[0] : undefined;
  return l.find((p) => p.interface === iface) ?? l.find((p) => p.interface === null);
}

export interface PeersFileStatus {
  path: string;
  loaded: boolean; // a good file is in use
  lastReloadOk: boolean;
  lastReloadAt: number | null; // UNIX seconds of the last successful load
  peerCount: number;
  errors: string[];
}

/**
 * Keeps the last good peers file. `refresh()` is called at each collection and re-reads only
 * when the file's identity (inode, size, mtime) changed, so no watcher or timer is needed.
 */
export class PeersFileSource {
  private file: PeersFile | null = null;
  private stamp = "";
  readonly status: PeersFileStatus;

  constructor(
    readonly path: string,
    private readonly onEvent: (ok: boolean, detail: { errors?: string[]; peers?: number; keptPrevious?: boolean }) => void,
  ) {
    this.status = { path, loaded: false, lastReloadOk: false, lastReloadAt: null, peerCount: 0, errors: [] };
  }

  get current(): PeersFile | null {
    return this.file;
  }

  refresh(): void {
    let stamp: string;
    try {
      const st = statSync(this.path);
      stamp = `${st.ino}:${st.size}:${st.mtimeMs}`;
    } catch (e) {
      stamp = `missing:${(e as NodeJS.ErrnoException).code}`;
      if (stamp !== this.stamp) {
        this.stamp = stamp;
        this.fail([`peers file ${this.path}: cannot read: ${(e as NodeJS.ErrnoException).code}`]);
      }
      return;
    }
    if (stamp === this.stamp) return;
    this.stamp = stamp;
    let text: string;
    try {
      text = readFileSync(this.path, "utf8");
    } catch (e) {
      this.fail([`peers file ${this.path}: cannot read: ${(e as Error).message}`]);
      return;
    }
    const r = parsePeersFile(text, this.path);
    if (!r.ok) {
      this.fail(r.errors);
      return;
    }
    this.file = r.file;
    Object.assign(this.status, {
      loaded: true,
      lastReloadOk: true,
      lastReloadAt: Date.now() / 1000,
      peerCount: r.file.peers.length,
      errors: [],
    });
    this.onEvent(true, { peers: r.file.peers.length });
  }

  private fail(errors: string[]): void {
    Object.assign(this.status, { lastReloadOk: false, errors });
    this.onEvent(false, { errors, keptPrevious: this.file !== null });
  }
}
