// The peers file: friendly names and ownership for public keys, written by the host component.
// Validated strictly at the edge; errors are values that name the offending entry, and never
// quote the file's content (it may be any file the path points to).
import { closeSync, constants, fstatSync, openSync, readSync, statSync } from "node:fs";
import { Worker, isMainThread, parentPort, workerData } from "node:worker_threads";
import { load as loadYaml } from "js-yaml";
import {
  MAX_PEERS_FILE_BYTES,
  PEERS_LIST,
  PEER_FIELDS,
  PEER_FIELD_NAMES,
  peerEntryProblems,
} from "../../src/contract/peers-file-fields";

export { MAX_PEERS_FILE_BYTES };
/** Errors reported for one file; the rest are counted. */
const MAX_REPORTED_ERRORS = 20;
/**
 * A changed file is read once it has not changed for this long, unless no good file is in use
 * yet: a writer that does not replace the file by rename would otherwise be read half-written,
 * and a YAML file cut at a line break is valid (with peers missing).
 */
export const SETTLE_MS = 1000;

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

const ENTRY_FIELDS: ReadonlySet<string> = new Set(PEER_FIELD_NAMES);

/** A key that reads like a field name is shown in errors; anything else may be content. */
const FIELD_NAME = /^[A-Za-z_][A-Za-z0-9_-]{0,63}$/;
const fieldName = (key: string): string => (FIELD_NAME.test(key) ? key : "(a key that is not a field name)");

/** The first MAX_REPORTED_ERRORS errors, and how many more there were. */
function capped(errors: string[], where: string): string[] {
  if (errors.length <= MAX_REPORTED_ERRORS) return errors;
  return [
    ...errors.slice(0, MAX_REPORTED_ERRORS),
    `${where}: ${errors.length - MAX_REPORTED_ERRORS} more errors not shown`,
  ];
}

/** Line and column (1-based) of a character offset. */
function lineColumn(text: string, offset: number): string {
  let line = 1;
  let lineStart = 0;
  for (let i = text.indexOf("\n"); i !== -1 && i < offset; i = text.indexOf("\n", i + 1)) {
    line++;
    lineStart = i + 1;
  }
  return `line ${line}, column ${offset - lineStart + 1}`;
}

/**
 * The syntax error without the content: js-yaml's and V8's messages quote the text around it.
 * js-yaml's reason is cut where it would quote (a tag, a character).
 */
function syntaxError(e: unknown, text: string, json: boolean): string {
  if (json) {
    const at = /at position (\d+)/.exec((e as Error).message);
    return `not valid JSON${at ? ` (${lineColumn(text, Number(at[1]))})` : ""}`;
  }
  const y = e as { reason?: string; mark?: { line: number; column: number } };
  const reason = /^[A-Za-z][A-Za-z ,-]*/.exec(y.reason ?? "")?.[0].trim() || "syntax error";
  return `not valid YAML: ${reason}${y.mark ? ` (line ${y.mark.line + 1}, column ${y.mark.column + 1})` : ""}`;
}

/**
 * Keys that occur twice in one object of valid JSON text (JSON.parse keeps the last one
 * silently), as paths like `peers[3].friendly_name`.
 */
function duplicateJsonKeys(text: string): string[] {
  type Frame = { keys: Set<string> | null; at: string; index: number; key: string };
  const found: string[] = [];
  const stack: Frame[] = [];
  let expectKey = false;
  const path = (f: Frame | undefined) =>
    f === undefined ? "" : f.keys === null ? `${f.at}[${f.index}]` : f.at === "" ? f.key : `${f.at}.${f.key}`;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 123 /* { */ || c === 91 /* [ */) {
      const at = path(stack[stack.length - 1]);
      stack.push({ keys: c === 123 ? new Set() : null, at, index: 0, key: "" });
      expectKey = c === 123;
    } else if (c === 125 || c === 93) stack.pop();
    else if (c === 44 /* , */) {
      const top = stack[stack.length - 1]!;
      if (top.keys === null) top.index++;
      else expectKey = true;
    } else if (c === 34 /* " */) {
      let j = i + 1;
      let escaped = false;
      for (; text.charCodeAt(j) !== 34; j++) {
        if (text.charCodeAt(j) === 92) {
          escaped = true;
          j++;
        }
      }
      if (expectKey) {
        const top = stack[stack.length - 1]!;
        const key = escaped ? (JSON.parse(text.slice(i, j + 1)) as string) : text.slice(i + 1, j);
        top.key = fieldName(key);
        if (top.keys!.has(key)) found.push(path(top));
        top.keys!.add(key);
        expectKey = false;
      }
      i = j;
    }
  }
  return found;
}

/** Pure: text → validated peers file. JSON when the name ends in .json, YAML otherwise. */
export function parsePeersFile(text: string, fileName: string): PeersFileResult {
  const where = `peers file ${fileName}`;
  const json = fileName.toLowerCase().endsWith(".json");
  let doc: unknown;
  try {
    doc = json ? JSON.parse(text) : loadYaml(text);
  } catch (e) {
    return { ok: false, errors: [`${where}: ${syntaxError(e, text, json)}`] };
  }
  if (json) {
    const dups = duplicateJsonKeys(text); // YAML refuses them while parsing
    if (dups.length > 0)
      return {
        ok: false,
        errors: capped(
          dups.map((p) => `${where}: ${p}: duplicate key`),
          where,
        ),
      };
  }
  if (doc === null || doc === undefined) doc = { peers: [] };
  if (typeof doc !== "object" || Array.isArray(doc)) {
    return { ok: false, errors: [`${where}: expected a mapping with a "${PEERS_LIST}" list`] };
  }
  const errors: string[] = [];
  for (const key of Object.keys(doc as object)) {
    if (key !== PEERS_LIST) errors.push(`${where}: ${fieldName(key)}: unknown field`);
  }
  const list = (doc as Record<string, unknown>)[PEERS_LIST] ?? [];
  if (!Array.isArray(list))
    return { ok: false, errors: capped([...errors, `${where}: ${PEERS_LIST}: expected a list`], where) };

  const peers: PeerMeta[] = [];
  const seen = new Map<string, number>();
  list.forEach((entry: unknown, i: number) => {
    const at = `${where}: ${PEERS_LIST}[${i}]`;
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
    for (const key of Object.keys(e)) if (!ENTRY_FIELDS.has(key)) err(fieldName(key), "unknown field");
    for (const [field, why] of peerEntryProblems(e)) err(field, why);
    if (!good) return;
    const meta: PeerMeta = {
      publicKey: e[PEER_FIELDS.publicKey] as string,
      friendlyName: e[PEER_FIELDS.friendlyName] as string,
      owner: (e[PEER_FIELDS.owner] as string | undefined) ?? "",
      expected: (e[PEER_FIELDS.expected] as boolean | undefined) ?? false,
      interface: (e[PEER_FIELDS.interface] as string | undefined) ?? null,
    };
    const dupKey = `${meta.interface ?? "*"} ${meta.publicKey}`;
    const prev = seen.get(dupKey);
    if (prev !== undefined) {
      errors.push(`${at}.${PEER_FIELDS.publicKey}: duplicate of ${PEERS_LIST}[${prev}]`);
      return;
    }
    seen.set(dupKey, i);
    peers.push(meta);
  });
  if (errors.length > 0) return { ok: false, errors: capped(errors, where) };
  return { ok: true, file: indexPeers(peers) };
}

/** The peers with their index by public key. */
function indexPeers(peers: PeerMeta[]): PeersFile {
  const byKey = new Map<string, PeerMeta[]>();
  for (const p of peers) {
    const l = byKey.get(p.publicKey);
    if (l) l.push(p);
    else byKey.set(p.publicKey, [p]);
  }
  return { peers, byKey };
}

/**
 * Reads and validates the file: a regular file (a symlink is followed: config management and
 * Kubernetes ConfigMap volumes install files as symlinks; since nothing of a file's content is
 * ever reported, pointing the path elsewhere discloses nothing) of at most
 * MAX_PEERS_FILE_BYTES. Opened without blocking, so a FIFO cannot hang it. null if the file
 * is larger than `upTo` (left to the worker).
 */
export function readPeersFile(path: string, upTo = MAX_PEERS_FILE_BYTES): PeersFileResult | null {
  const where = `peers file ${path}`;
  const cannot = (e: unknown): PeersFileResult => ({
    ok: false,
    errors: [`${where}: cannot read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`],
  });
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
  } catch (e) {
    return cannot(e);
  }
  try {
    const st = fstatSync(fd);
    const refusal = refuseStat(st, where);
    if (refusal) return { ok: false, errors: [refusal] };
    if (st.size > upTo) return null;
    const buf = Buffer.allocUnsafe(st.size + 1); // one more: a file that grew since is noticed
    let n = 0;
    for (let r; n < buf.length && (r = readSync(fd, buf, n, buf.length - n, n)) > 0;) n += r;
    if (n !== st.size) return { ok: false, errors: [`${where}: changed while it was read, not used`] };
    return parsePeersFile(buf.toString("utf8", 0, n), path);
  } catch (e) {
    return cannot(e);
  } finally {
    closeSync(fd);
  }
}

const tooBig = (where: string) => `${where}: larger than ${MAX_PEERS_FILE_BYTES >> 20} MiB, not read`;

/** Why a file with this stat is not read, or null. */
function refuseStat(st: { isFile(): boolean; size: number }, where: string): string | null {
  if (!st.isFile()) return `${where}: not a regular file, not read`;
  if (st.size > MAX_PEERS_FILE_BYTES) return tooBig(where);
  return null;
}

/**
 * Files up to this size are parsed on the event loop (a few ms, less than starting a
 * worker), bigger ones in a worker.
 */
const IN_THREAD_BYTES = 64 << 10;

/** readPeersFile for the exporter: small files at once, others in a worker running `script`. */
export function readPeersFileOffThread(path: string, script: string): Promise<PeersFileResult> {
  const small = readPeersFile(path, IN_THREAD_BYTES);
  return small !== null ? Promise.resolve(small) : readPeersFileInWorker(path, script);
}

type WorkerReply = { ok: true; peers: PeerMeta[] } | { ok: false; errors: string[] };
const WORKER_ROLE = "wireguard-exporter peers-file";
/** A file that needs more than this to parse fails instead of growing the exporter. */
const WORKER_HEAP_MB = 256;

/**
 * readPeersFile in a worker thread, so a big file never holds up the event loop (a 16 MB YAML
 * file takes seconds). The worker runs this same bundle (`script`), started with the role in
 * workerData; main.ts hands over to runPeersFileWorker() then.
 */
function readPeersFileInWorker(path: string, script: string): Promise<PeersFileResult> {
  return new Promise((resolve) => {
    let settled = false;
    const done = (r: PeersFileResult) => {
      if (settled) return;
      settled = true;
      void worker.terminate();
      resolve(r);
    };
    const worker = new Worker(script, {
      workerData: { role: WORKER_ROLE, path },
      resourceLimits: { maxOldGenerationSizeMb: WORKER_HEAP_MB },
      stdout: true,
      stderr: true,
    });
    worker.on("message", (m: WorkerReply) => done(m.ok ? { ok: true, file: indexPeers(m.peers) } : m));
    worker.on("error", (e: Error & { code?: string }) =>
      done({
        ok: false,
        errors: [
          `peers file ${path}: ` +
            (e.code === "ERR_WORKER_OUT_OF_MEMORY"
              ? `needs more than ${WORKER_HEAP_MB} MB to parse, not used`
              : `cannot be read: ${e.message}`),
        ],
      }),
    );
    worker.on("exit", () => done({ ok: false, errors: [`peers file ${path}: the reader stopped without an answer`] }));
  });
}

/** In a worker started by readPeersFileInWorker: reads the file, answers, returns true. */
export function runPeersFileWorker(): boolean {
  if (isMainThread || (workerData as { role?: string } | null)?.role !== WORKER_ROLE) return false;
  const r = readPeersFile((workerData as { path: string }).path)!;
  const reply: WorkerReply = r.ok ? { ok: true, peers: r.file.peers } : r;
  parentPort!.postMessage(reply);
  return true;
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
 * Reading and parsing happen in `read` (a worker thread in the exporter); a collection waits
 * for them at most `waitMs` and otherwise goes on with the file in use, so a big file never
 * holds up a scrape. One read at a time.
 */
export class PeersFileSource {
  private file: PeersFile | null = null;
  private stamp = ""; // of the file last read (or refused)
  private seen = ""; // a changed stamp not read yet, waiting to settle
  private seenAt = 0;
  private reading: Promise<void> | null = null;
  readonly status: PeersFileStatus;

  constructor(
    readonly path: string,
    private readonly onEvent: (
      ok: boolean,
      detail: { errors?: string[]; peers?: number; keptPrevious?: boolean },
    ) => void,
    private readonly read: (path: string) => Promise<PeersFileResult> = async (p) => readPeersFile(p)!,
    private readonly now: () => number = Date.now,
  ) {
    this.status = { path, loaded: false, lastReloadOk: false, lastReloadAt: null, peerCount: 0, errors: [] };
  }

  get current(): PeersFile | null {
    return this.file;
  }

  /**
   * Starts a read if the file changed (and settled), then waits for the read in flight: up to
   * waitMs while a good file is in use, to its end while none is (at start, names are worth
   * a slower first scrape).
   */
  async refresh(waitMs = 250): Promise<void> {
    if (this.reading === null) this.check();
    const reading = this.reading;
    if (reading === null || waitMs <= 0) return;
    if (this.file === null) return reading;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([reading, new Promise<void>((r) => (timer = setTimeout(r, waitMs)))]);
    clearTimeout(timer);
  }

  /** Whether a read is in flight: for tests and shutdown. */
  get busy(): Promise<void> | null {
    return this.reading;
  }

  private check(): void {
    let stamp: string;
    let st;
    try {
      st = statSync(this.path);
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
    const now = this.now();
    if (stamp !== this.seen) {
      this.seen = stamp;
      this.seenAt = now;
    }
    if (this.file !== null && now - st.mtimeMs < SETTLE_MS && now - this.seenAt < SETTLE_MS) return;
    this.stamp = stamp;
    const refusal = refuseStat(st, `peers file ${this.path}`);
    if (refusal) {
      this.fail([refusal]);
      return;
    }
    this.reading = this.read(this.path)
      .catch((e: Error): PeersFileResult => ({
        ok: false,
        errors: [`peers file ${this.path}: cannot read: ${e.message}`],
      }))
      .then((r) => {
        this.reading = null;
        if (!r.ok) return this.fail(r.errors);
        this.file = r.file;
        Object.assign(this.status, {
          loaded: true,
          lastReloadOk: true,
          lastReloadAt: this.now() / 1000,
          peerCount: r.file.peers.length,
          errors: [],
        });
        this.onEvent(true, { peers: r.file.peers.length });
      });
  }

  private fail(errors: string[]): void {
    Object.assign(this.status, { lastReloadOk: false, errors });
    this.onEvent(false, { errors, keptPrevious: this.file !== null });
  }
}
