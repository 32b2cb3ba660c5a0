// Output chunks are reused once every socket has taken them: at 10k+ peers a scrape is
// megabytes, and fresh buffers per scrape leave the allocator holding that much per scrape
// (RSS grows) and fault in new pages on every scrape.
//
// More chunks than the pool keeps are needed when many scrapers share a rendering or one lags
// behind the others (fan-out.ts lets it fall some megabytes behind). Those are cut from slabs
// big enough that glibc always maps them on their own (above its largest mmap threshold,
// 32 MB) and are reused like the others. After a scraper was dropped they are let go once no
// chunk is out, and the slab is unmapped at the next full collection, so RSS returns to what
// it was; 256 KB buffers would land in the malloc heap and keep RSS up after they are freed.

const SLAB_BYTES = 33 << 20;

export class ChunkPool {
  private readonly free: Buffer[] = [];
  private readonly overflowFree: Buffer[] = [];
  private made = 0;
  /** Chunks handed out and not given back yet. */
  private out = 0;
  /** The slab overflow chunks are cut from; only its chunks keep it alive. */
  private slab: WeakRef<ArrayBuffer> | null = null;
  private slabAt = 0;
  private readonly slabs = new WeakSet<ArrayBuffer>();
  private trimPending = false;
  /** Called after trimWhenIdle() has let the slab chunks go (to collect the slabs). */
  afterTrim: (() => void) | null = null;

  /** @param size bytes per chunk; @param keep how many chunks to make and hold at most */
  constructor(
    readonly size: number,
    private readonly keep: number,
  ) {}

  /** A chunk of `size` bytes, or at least `min` bytes when that is more (not pooled). */
  acquire(min = 0): Buffer {
    if (min > this.size) return Buffer.allocUnsafeSlow(min);
    this.out++;
    const pooled = this.free.pop() ?? this.overflowFree.pop();
    if (pooled) return pooled;
    if (this.made < this.keep) {
      this.made++;
      return Buffer.allocUnsafeSlow(this.size);
    }
    return this.cut();
  }

  /** Gives back a chunk (or a view at its start) nothing will read any more; others are ignored. */
  release(chunk: Buffer): void {
    const buf = chunk.buffer as ArrayBuffer;
    if (this.slabs.has(buf)) {
      this.overflowFree.push(Buffer.from(buf, chunk.byteOffset, this.size));
    } else if (chunk.byteOffset === 0 && buf.byteLength === this.size) {
      this.free.push(chunk.length === this.size ? chunk : Buffer.from(buf, 0, this.size));
    } else {
      return;
    }
    if (--this.out === 0 && this.trimPending) this.trim();
  }

  /** Lets the slab chunks go once no chunk is out (after a scraper that held many was dropped). */
  trimWhenIdle(): void {
    this.trimPending = true;
    if (this.out === 0) this.trim();
  }

  private trim(): void {
    this.trimPending = false;
    this.overflowFree.length = 0;
    this.afterTrim?.();
  }

  private cut(): Buffer {
    let slab = this.slab?.deref();
    if (!slab || this.slabAt + this.size > slab.byteLength) {
      slab = Buffer.allocUnsafeSlow(SLAB_BYTES).buffer as ArrayBuffer;
      this.slabs.add(slab);
      this.slab = new WeakRef(slab);
      this.slabAt = 0;
    }
    const chunk = Buffer.from(slab, this.slabAt, this.size);
    this.slabAt += this.size;
    return chunk;
  }
}
