// One collection = read and parse wg (injected; parsed while it runs), join with the peers file; connection
// events are derived right after. Runs synchronously with the request that needs it; concurrent callers share the
// one in flight.
import type { Logger } from "./log.js";
import { PeerTable, type WgInterface } from "./peer-table.js";
import type { Reader } from "./reader.js";
import type { PeersFileSource } from "./peers-file.js";
import { annotatePeers } from "./peer-view.js";
import { PeerTracker } from "./events.js";
import type { SelfMetrics } from "./self-metrics.js";

export interface Collection {
  at: number; // UNIX seconds when it finished
  ok: boolean;
  error: string | undefined; // reason when !ok (several sources joined by "; ")
  durationSeconds: number;
  interfaces: WgInterface[];
  peers: PeerTable;
}

export interface CollectorOptions {
  reader: Reader;
  peersFile: PeersFileSource | null;
  connectedThresholdMs: number;
  exportEndpoints: boolean;
  log: Logger;
  metrics: SelfMetrics;
  now?: () => number; // ms
}

export class Collector {
  private inFlight: Promise<Collection> | null = null;
  private readonly tracker = new PeerTracker();
  private baselineLogged = false;
  private lastError: string | undefined;
  /** The last collection without its peers (kept for /health; peers are not retained). */
  last: Omit<Collection, "peers"> & { peerCount: number } | null = null;

  constructor(private readonly o: CollectorOptions) {}

  collect(): Promise<Collection> {
    if (!this.inFlight) {
      this.inFlight = this.run().finally(() => {
        this.inFlight = null;
      });
    }
    return this.inFlight;
  }

  private async run(): Promise<Collection> {
    const now = this.o.now ?? Date.now;
    const start = performance.now();
    this.o.peersFile?.refresh();
    const results = await this.o.reader();
    const tRead = performance.now();
    const errors: string[] = [];
    const tables: PeerTable[] = [];
    let parseMs = 0;
    for (const { interfaceName, outcome } of results) {
      if (!outcome.ok) {
        errors.push((interfaceName === null ? "" : `interface ${interfaceName}: `) + outcome.error);
        continue;
      }
      parseMs += outcome.parseMs;
      tables.push(outcome.table);
    }
    const tParse = performance.now();
    const nowS = now() / 1000;
    const peers = tables.length === 0 ? new PeerTable() : PeerTable.concat(tables);
    const interfaces = peers.interfaces;
    annotatePeers(peers, this.o.peersFile?.current ?? null, nowS, this.o.connectedThresholdMs);
    const ok = errors.length === 0;
    const error = ok ? undefined : errors.join("; ");
    const durationSeconds = (performance.now() - start) / 1000;

    // Only compare against a previous state when this collection saw everything, or a
    // failing interface would read as all its peers being removed. Events are derived once
    // the scrape that waits for this collection has been answered: they go to the log only.
    if (ok) setImmediate(() => this.logEvents(peers));
    if (!ok && error !== this.lastError) this.o.log("error", "collection failed", { error });
    else if (!ok) this.o.log("debug", "collection still failing", { error });
    if (ok && this.lastError !== undefined) this.o.log("info", "collection recovered", { previous_error: this.lastError });
    this.lastError = error;

    this.updateMetrics(ok, durationSeconds, interfaces, peers);
    this.o.log("debug", "collection done", {
      peers: peers.count,
      read_ms: +(tRead - start).toFixed(2), // includes parsing, which overlaps the wg call
      parse_ms: +parseMs.toFixed(2),
      view_ms: +(performance.now() - tParse).toFixed(2),
    });
    const c: Collection = { at: nowS, ok, error, durationSeconds, interfaces, peers };
    this.last = { at: nowS, ok, error, durationSeconds, interfaces, peerCount: peers.count };
    return c;
  }

  private logEvents(peers: PeerTable): void {
    const t0 = performance.now();
    const events = this.tracker.update(peers, this.o.exportEndpoints);
    if (!this.baselineLogged) this.o.log("info", "initial peer state", { peers: peers.count, interfaces: peers.interfaces.length });
    this.baselineLogged = true;
    for (const e of events) this.o.log("info", "connection event", { ...e });
    this.o.log("debug", "events derived", { events: events.length, events_ms: +(performance.now() - t0).toFixed(2) });
  }

  private updateMetrics(ok: boolean, duration: number, interfaces: WgInterface[], peers: PeerTable): void {
    const m = this.o.metrics;
    m.scrapeSuccess.set(ok ? 1 : 0);
    m.scrapeDuration.set(duration);
    m.peers.reset();
    m.interfaceInfo.reset();
    const counts = new Map<string, number>();
    for (const i of interfaces) counts.set(i.name, 0);
    for (let i = 0; i < peers.count; i++) counts.set(peers.interfaceName(i), (counts.get(peers.interfaceName(i)) ?? 0) + 1);
    for (const [name, n] of counts) m.peers.set({ interface: name }, n);
    for (const i of interfaces) m.interfaceInfo.set({ interface: i.name, public_key: i.publicKey, listen_port: String(i.listenPort) }, 1);
    const pf = this.o.peersFile;
    if (pf) {
      m.peersFileReloadSuccess.set(pf.status.lastReloadOk ? 1 : 0);
      m.peersFileLastReload.set(pf.status.lastReloadAt ?? 0);
    }
  }
}
