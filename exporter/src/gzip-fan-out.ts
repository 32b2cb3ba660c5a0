// The gzip side of one /metrics rendering: the exposition chunks are compressed once, on the
// thread pool (segmented-gzip.ts), and the compressed bytes are written to every scraper that
// asked for gzip, through a FanOut of their own (the same slow-scraper handling as plain ones).
import type { FanOut } from "./fan-out";
import type { Logger } from "./log";
import { SegmentedGzip } from "./segmented-gzip";

/** Segments being compressed or waiting to be written: what the renderer may run ahead by. */
const SEGMENTS_IN_FLIGHT = 4;

const nothing = (): void => {};

export class GzipFanOut {
  private readonly gzip = new SegmentedGzip();
  /** Resolves when every segment so far has been handed to the fan-out, in order. */
  private tail: Promise<void>;
  private readonly inFlight: Promise<void>[] = [];
  private failed = false;

  constructor(
    private readonly out: FanOut,
    private readonly log: Logger,
  ) {
    this.tail = out.write(this.gzip.header(), nothing);
  }

  get count(): number {
    return this.out.count;
  }

  /**
   * Compresses buf (taken() once the thread pool has read it) and queues the result after the
   * segments before it. Resolves when the renderer may produce the next chunk.
   */
  async write(buf: Buffer, taken: () => void): Promise<void> {
    if (this.failed || this.out.allGone) {
      taken(); // nobody left to compress for
      return;
    }
    const compressed = this.gzip.segment(buf);
    compressed.then(taken, taken);
    const written = this.tail
      .then(async () => {
        const seg = await compressed;
        if (!this.failed) await this.out.write(seg, nothing);
      })
      .catch((e: unknown) => this.fail(e));
    this.tail = written;
    this.inFlight.push(written);
    while (this.inFlight.length >= SEGMENTS_IN_FLIGHT) await this.inFlight.shift();
  }

  /** Writes the trailer after the last segment and ends the responses (as FanOut.end). */
  async end(): Promise<void> {
    await this.tail;
    this.inFlight.length = 0;
    if (!this.failed) await this.out.write(this.gzip.trailer(), nothing);
    await this.out.end();
  }

  private fail(e: unknown): void {
    if (this.failed) return;
    this.failed = true;
    this.log("error", "gzip compression failed", { error: String(e) });
    this.out.abort("gzip compression failed");
  }
}
