// Garbage collections the exporter asks for, when node runs with `--expose-gc` (the generated
// systemd unit passes it). Without the flag these are null and the exporter runs the same.
//
// A young-generation collection runs after each scrape is done (off the scrape's path): Node
// reads `wg`'s stdout into a fresh 64 KB Buffer per read, about 9 MB per scrape at 100k peers,
// and the exporter allocates so little JavaScript otherwise that V8 collects them only after
// tens of MB have piled up. A scavenge (~1 ms) returns them. A large gzip rendering runs some
// of its own, for zlib's output buffers (gzip-fan-out.ts). What that does to RSS is measured
// in exporter/README.md (Benchmark).

/** V8's `gc` (from `--expose-gc`): no argument = a full collection; `{ type: "minor" }` = a
 * scavenge of the young generation (so is any other truthy argument on older V8s). */
type Gc = (options?: { type: "minor" }) => void;

function exposedGc(): Gc | null {
  const gc = (globalThis as { gc?: unknown }).gc;
  return typeof gc === "function" ? (gc as Gc) : null;
}

/** The young-generation collector, or null without `--expose-gc`. */
export function youngGenerationGc(): (() => void) | null {
  const gc = exposedGc();
  return gc ? () => gc({ type: "minor" }) : null;
}

/**
 * A full collection, for after output chunks were cut from slabs for a scraper that lagged
 * (chunk-pool.ts): a slab goes back to the system only once collected, and this process
 * otherwise runs full collections rarely. Null without `--expose-gc`.
 */
export function fullGc(): (() => void) | null {
  const gc = exposedGc();
  return gc ? () => gc() : null;
}
