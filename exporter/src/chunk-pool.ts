// Output chunks are reused once every socket has taken them: at 10k+ peers a scrape is
// megabytes, and fresh buffers per scrape leave the allocator holding that much per scrape
// (RSS grows) and fault in new pages on every scrape.

export class ChunkPool {
  private readonly free: Buffer[] = [];

  /** @param size bytes per chunk; @param keep how many free chunks to hold at most */
  constructor(readonly size: number, private readonly keep: number) {}

  /** A chunk of `size` bytes, or at least `min` bytes when that is more (not pooled). */
  acquire(min = 0): Buffer {
    if (min > this.size) return Buffer.allocUnsafeSlow(min);
    return this.free.pop() ?? Buffer.allocUnsafeSlow(this.size);
  }

  /** Gives back a chunk (or a view at its start) nothing will read any more. */
  release(chunk: Buffer): void {
    if (chunk.byteOffset !== 0 || chunk.buffer.byteLength !== this.size || this.free.length >= this.keep) return;
    this.free.push(chunk.length === this.size ? chunk : Buffer.from(chunk.buffer, 0, this.size));
  }
}
