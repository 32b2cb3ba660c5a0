// One collection = read and parse wg (injected; parsed while it runs), joined with the peers
// file as it is parsed. Runs synchronously with the request that needs it; concurrent callers
// share the one in flight. Connection events are derived once its users are done with it.
import type { Logger } from "./log";
import type { PeerTable, WgInterface } from "./peer-table";
import type { Reader } from "./reader";
import type { PeersFileSource } from "./peers-file";
import { annotatePeers, peerLookup } from "./peer-view";
import { PeerTracker } from "./events";
import type { SelfMetrics } from "./self-metrics";

export interface CollectionSummary {
  at: number; // UNIX seconds when it finished
  ok: boolean;
  error: string | undefined; // reason when !ok (several sources joined by "; ")
  durationSeconds: number;
  interfaces: WgInterface[];
  peerCount: number;
}

/**
 * The peers of one collection: one table per source that read well. Whoever gets it from
 * collect() calls release() when done with the tables; they are then read into again.
 */
export interface Collection extends CollectionSummary {
  tables: readonly PeerTable[];
  release(): void;
}

export interface CollectorOptions {
  reader: Reader;
  peersFile: PeersFileSource | null;
  connectedThresholdMs: number;
  exportEndpoints: boolean;
  log: Logger;
  metrics: SelfMetrics;
  now?: () => number; // ms
  /** Called each time a collection's tables have been handed back (see young-gc.ts). */
  afterRelease?: () => void;
}

/** Counts who holds a collection's tables; the last release hands them back for reuse. */
class Holders {
  private count = 0;

  constructor(private readonly onFree: () => void) {}

  /** Takes a hold; returns its release (idempotent). */
  hold(): () => void {
    this.count++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      if (--this.count === 0) this.onFree();
    };
  }
}

type Underived = { tables: readonly PeerTable[]; ok: boolean };
type Collected = { data: Omit<Collection, "release">; holders: Holders };

export class Collector {
  private inFlight: Promise<Collected> | null = null;
  private readonly tracker = new PeerTracker();
  private readonly underived: Underived[] = []; // collections whose events are not derived yet, oldest first
  private baselineLogged = false;
  private lastError: string | undefined;
  /** The last collection without its peers (kept for /health). */
  last: CollectionSummary | null = null;

  constructor(private readonly o: CollectorOptions) {}

  /** The collection in flight, or a new one; the caller must release() it. */
  async collect(): Promise<Collection> {
    if (!this.inFlight) {
      this.inFlight = this.run().finally(() => {
        this.inFlight = null;
      });
    }
    const { data, holders } = await this.inFlight;
    // This runs before the collector's own release (a later macrotask): the tables are held.
    return { ...data, release: holders.hold() };
  }

  private async run(): Promise<Collected> {
    const now = this.o.now ?? Date.now;
    const start = performance.now();
    await this.o.peersFile?.refresh(); // bounded wait: a slow read applies to a later collection
    const results = await this.o.reader.read(peerLookup(this.o.peersFile?.current ?? null));
    const tRead = performance.now();
    const errors: string[] = [];
    const tables: PeerTable[] = [];
    const interfaces: WgInterface[] = [];
    let parseMs = 0;
    let peerCount = 0;
    const nowS = now() / 1000;
    for (const { interfaceName, outcome } of results) {
      if (!outcome.ok) {
        errors.push((interfaceName === null ? "" : `interface ${interfaceName}: `) + outcome.error);
        continue;
      }
      for (const f of outcome.failures ?? []) errors.push(f); // the table holds the other interfaces
      parseMs += outcome.parseMs;
      tables.push(outcome.table);
      interfaces.push(...outcome.table.interfaces);
      peerCount += outcome.table.count;
      annotatePeers(outcome.table, nowS, this.o.connectedThresholdMs);
    }
    const ok = errors.length === 0;
    const error = ok ? undefined : errors.join("; ");
    const durationSeconds = (performance.now() - start) / 1000;

    if (!ok && error !== this.lastError) this.o.log("error", "collection failed", { error });
    else if (!ok) this.o.log("debug", "collection still failing", { error });
    if (ok && this.lastError !== undefined)
      this.o.log("info", "collection recovered", { previous_error: this.lastError });
    this.lastError = error;

    this.updateMetrics(ok, durationSeconds, interfaces, tables);
    this.o.log("debug", "collection done", {
      peers: peerCount,
      read_ms: +(tRead - start).toFixed(2), // includes parsing, which overlaps the wg call
      parse_ms: +parseMs.toFixed(2),
      view_ms: +(performance.now() - tRead).toFixed(2),
    });
    this.last = { at: nowS, ok, error, durationSeconds, interfaces, peerCount };
    // Connection events are derived when the last user of the tables lets go: once the scrape
    // waiting for this collection has been answered (they go to the log only), and at the
    // latest when the next collection is done, so they stay in order. Only a collection that
    // saw everything is compared, or a failing interface would read as all its peers removed.
    // Then the tables are read into again.
    const entry = { tables, ok };
    this.deriveEvents(this.underived[this.underived.length - 1]);
    this.underived.push(entry);
    const holders = new Holders(() => {
      this.deriveEvents(entry);
      for (const t of tables) this.o.reader.recycle(t);
      this.o.afterRelease?.();
    });
    // The collector's own hold lasts until callers that were waiting have taken theirs.
    setImmediate(holders.hold());
    return { data: { ...this.last, tables }, holders };
  }

  /** Derives the events of the collections not yet compared, oldest first, up to `last`. */
  private deriveEvents(last: Underived | undefined): void {
    if (last === undefined || !this.underived.includes(last)) return;
    for (let e = this.underived.shift(); e !== undefined; e = this.underived.shift()) {
      if (e.ok) this.logEvents(e.tables);
      if (e === last) return;
    }
  }

  private logEvents(tables: readonly PeerTable[]): void {
    const t0 = performance.now();
    const events = this.tracker.update(tables, this.o.exportEndpoints);
    if (!this.baselineLogged) {
      const peers = tables.reduce((n, t) => n + t.count, 0);
      this.o.log("info", "initial peer state", {
        peers,
        interfaces: tables.reduce((n, t) => n + t.interfaces.length, 0),
      });
    }
    this.baselineLogged = true;
    for (const e of events) this.o.log("info", "connection event", { ...e });
    this.o.log("debug", "events derived", { events: events.length, events_ms: +(performance.now() - t0).toFixed(2) });
  }

  private updateMetrics(ok: boolean, duration: number, interfaces: WgInterface[], tables: readonly PeerTable[]): void {
    const m = this.o.metrics;
    m.scrapeSuccess.set(ok ? 1 : 0);
    m.scrapeDuration.set(duration);
    m.peers.reset();
    m.interfaceInfo.reset();
    for (const t of tables) {
      const counts = new Array<number>(t.interfaces.length).fill(0);
      for (let i = 0; i < t.count; i++) counts[t.iface[i]!]!++;
      t.interfaces.forEach((iface, k) => m.peers.set({ interface: iface.name }, counts[k]!));
    }
    for (const i of interfaces)
      m.interfaceInfo.set({ interface: i.name, public_key: i.publicKey, listen_port: String(i.listenPort) }, 1);
    const pf = this.o.peersFile;
    if (pf) {
      m.peersFileReloadSuccess.set(pf.status.lastReloadOk ? 1 : 0);
      m.peersFileLastReload.set(pf.status.lastReloadAt ?? 0);
    }
  }
}
