// The gzip side of one /metrics rendering: the exposition chunks are compressed once, on the
// thread pool (segmented-gzip.ts), and the compressed bytes are written to every scraper that
// asked for gzip, through a FanOut of their own (the same slow-scraper handling as plain ones).
import type { FanOut } from "./fan-out";
import type { Logger } from "./log";
import { SegmentedGzip } from "./segmented-gzip";
import { youngGenerationGc } from "./young-gc";

/** Segments being compressed or waiting to be written: what the renderer may run ahead by. */
const SEGMENTS_IN_FLIGHT = 4;

const nothing = (): void => {};

/**
 * zlib hands out the compressed bytes as slices of fresh 256 KB output buffers, garbage once
 * the scrapers have taken them; V8 frees them only at a collection, and this process allocates
 * so little JavaScript that none runs during a scrape. At 100k peers all ~16 MB of a body
 * were alive at its end, and malloc kept that much resident (RSS ~20 MB above that of plain
 * scrapes only: 121 MB against 101). A young-generation collection (~0.1-1 ms) every MB of
 * compressed output lets the next buffers reuse that memory: 104 MB, scrapes no slower.
 */
const GC_AFTER_BYTES = 1 << 20;

export class GzipFanOut {
  private readonly gzip = new SegmentedGzip();
  /** Resolves when every segment so far has been handed to the fan-out, in order. */
  private tail: Promise<void>;
  private readonly inFlight: Promise<void>[] = [];
  private failed = false;
  private readonly collectYoung = youngGenerationGc();
  private sinceGc = 0;

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
        this.sinceGc += seg.length;
        if (this.collectYoung && this.sinceGc >= GC_AFTER_BYTES) {
          this.sinceGc = 0;
          this.collectYoung();
        }
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
