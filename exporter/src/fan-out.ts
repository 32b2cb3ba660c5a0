// One rendering of /metrics written to every scraper waiting for it. The renderer goes at the
// pace of the scrapers that keep up, so memory stays flat; a scraper that stops reading is
// not waited for (it would hold up all the others), may fall a bounded number of bytes behind,
// and is dropped past that bound or when it has taken nothing for the write deadline.
import type { ServerResponse } from "node:http";
import type { Logger } from "./log";

export interface FanOutLimits {
  /** Queued bytes above which the renderer waits for a scraper (until it has taken them all). */
  behindBytes: number;
  /** A scraper that has taken nothing for this long stops holding up the others. */
  keepUpMs: number;
  /** Per-connection cap on bytes queued in the exporter: past it the scraper is dropped. */
  maxQueuedBytes: number;
  /** Write deadline: a scraper with bytes queued that takes nothing for this long is dropped. */
  stallMs: number;
}

export const FAN_OUT_LIMITS: FanOutLimits = {
  behindBytes: 1 << 20,
  // What a scraper that stopped costs the others, once per collection it shares.
  keepUpMs: 20,
  // Room for a scraper that reads in bursts (curl --parallel, a far-away Prometheus) beside a
  // fast one: a 10k-peer body (7.8 MB) always fits. Chunks past the pool's come from slabs
  // that go back to the system after a drop (chunk-pool.ts).
  maxQueuedBytes: 16 << 20,
  stallMs: 10_000,
};

class Receiver {
  /** When it last took bytes (a write completed) or had nothing queued. */
  progressAt: number;
  /** The renderer is waiting for it to take everything queued. */
  waitedFor = false;

  constructor(
    readonly res: ServerResponse,
    now: number,
  ) {
    this.progressAt = now;
  }

  get gone(): boolean {
    return this.res.destroyed || this.res.writableFinished;
  }
}

export class FanOut {
  private readonly receivers: Receiver[];
  private wake: (() => void) | null = null;
  private watchdog: NodeJS.Timeout | null = null;
  private readonly poke = (): void => this.wake?.();

  constructor(
    responses: readonly ServerResponse[],
    private readonly limits: FanOutLimits,
    private readonly log: Logger,
    /** Called after a scraper was dropped. */
    private readonly onDrop: () => void = () => {},
    private readonly now: () => number = () => performance.now(),
  ) {
    const t = now();
    this.receivers = responses.filter((r) => !r.destroyed).map((r) => new Receiver(r, t));
    // One listener of each per response for the whole write, removed when it is over.
    for (const { res } of this.receivers) res.on("close", this.poke).on("finish", this.poke);
  }

  get count(): number {
    return this.receivers.length;
  }

  /** No scraper is left to write to (all finished, dropped or disconnected). */
  get allGone(): boolean {
    return this.receivers.every((r) => r.gone);
  }

  /** Ends every response at once, unfinished (the body cannot be completed). */
  abort(reason: string): void {
    for (const rec of this.receivers)
      if (!rec.gone)
        this.log("error", "metrics response aborted", { reason, remote_address: rec.res.socket?.remoteAddress });
    for (const rec of this.receivers) rec.res.destroy();
    this.poke();
  }

  /**
   * Queues buf for every scraper; taken() once all have taken it (or are gone; then perhaps
   * never). Resolves when the renderer may produce the next chunk.
   */
  async write(buf: Buffer, taken: () => void): Promise<void> {
    let pending = 1;
    const one = () => {
      if (--pending === 0) taken();
    };
    for (const rec of this.receivers) {
      const r = rec.res;
      if (r.destroyed) continue;
      if (r.writableLength === 0) rec.progressAt = this.now(); // idle, not stalled
      pending++;
      r.write(buf, () => {
        rec.progressAt = this.now();
        if (rec.waitedFor && r.writableLength === 0) this.poke();
        one();
      });
      if (r.writableLength > this.limits.maxQueuedBytes) this.drop(rec, "queued bytes over the per-connection cap");
    }
    one();
    await this.paced(false);
  }

  /** Ends every response; resolves when all have taken their last bytes or fell behind. */
  async end(): Promise<void> {
    for (const { res } of this.receivers) if (!res.destroyed) res.end();
    await this.paced(true);
    if (this.receivers.some((r) => !r.gone)) this.watch();
    else this.cleanUp();
  }

  /**
   * Waits for the scrapers that are behind (over behindBytes, or at the end not finished) and
   * keep up; a scraper that does not keep up is waited for only while nobody else could go on.
   */
  private async paced(atEnd: boolean): Promise<void> {
    const { behindBytes, keepUpMs, stallMs } = this.limits;
    for (const rec of this.receivers) {
      rec.waitedFor = !rec.gone && (atEnd || rec.res.writableLength > behindBytes);
    }
    for (;;) {
      const t = this.now();
      let keepingUp = false;
      let someoneFree = false;
      let next = Infinity;
      for (const rec of this.receivers) {
        if (rec.gone) continue;
        if (rec.waitedFor && (atEnd || rec.res.writableLength > 0)) {
          const idle = t - rec.progressAt;
          if (idle < keepUpMs) {
            keepingUp = true;
            next = Math.min(next, rec.progressAt + keepUpMs);
          } else {
            next = Math.min(next, rec.progressAt + stallMs);
          }
        } else {
          rec.waitedFor = false;
          someoneFree = true;
        }
      }
      if (!keepingUp && (someoneFree || atEnd || next === Infinity)) break;
      if (!keepingUp) {
        // Nobody can take more: wait for the first to take some, dropping the stalled.
        for (const rec of this.receivers) {
          if (!rec.gone && t - rec.progressAt >= stallMs) this.drop(rec, "no progress within the write deadline");
        }
        if (this.receivers.every((r) => r.gone)) break;
      }
      await this.sleep(next - t);
    }
    for (const rec of this.receivers) rec.waitedFor = false;
  }

  /** Until poke() (progress, finish, close) or ms have passed. */
  private sleep(ms: number): Promise<void> {
    return new Promise((ok) => {
      const timer = setTimeout(
        () => {
          this.wake = null;
          ok();
        },
        Math.max(1, Math.ceil(ms)),
      );
      this.wake = () => {
        clearTimeout(timer);
        this.wake = null;
        ok();
      };
    });
  }

  /** Scrapers that fell behind finish on their own; this drops those that stall meanwhile. */
  private watch(): void {
    const { stallMs } = this.limits;
    this.watchdog = setInterval(
      () => {
        const t = this.now();
        for (const rec of this.receivers) {
          if (rec.gone) continue;
          if (rec.res.writableLength === 0) rec.progressAt = t;
          else if (t - rec.progressAt >= stallMs) this.drop(rec, "no progress within the write deadline");
        }
        if (this.receivers.every((r) => r.gone)) this.cleanUp();
      },
      Math.max(10, stallMs / 4),
    );
    this.watchdog.unref();
  }

  private cleanUp(): void {
    if (this.watchdog) clearInterval(this.watchdog);
    this.watchdog = null;
    for (const { res } of this.receivers) res.off("close", this.poke).off("finish", this.poke);
  }

  private drop(rec: Receiver, reason: string): void {
    const r = rec.res;
    this.log("warn", "slow scraper dropped", {
      reason,
      remote_address: r.socket?.remoteAddress,
      remote_port: r.socket?.remotePort,
      queued_bytes: r.writableLength,
      idle_ms: Math.round(this.now() - rec.progressAt),
    });
    r.destroy();
    this.onDrop();
  }
}
