// A young-generation garbage collection, run after each scrape is done (off the scrape's path).
// Node reads `wg`'s stdout into a fresh 64 KB Buffer per read, about 9 MB per scrape at 100k
// peers. The exporter allocates so little JavaScript otherwise that V8 collects them only after
// tens of MB have piled up, and RSS swings by that much. A scavenge (~1 ms) returns them.
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";

type Gc = (options?: { type: "minor" | "major" }) => void;

/** The collector, or null where the runtime does not offer one (then memory just swings more). */
export function youngGenerationGc(): (() => void) | null {
  const gc = exposedGc();
  return gc ? () => gc({ type: "minor" }) : null;
}

/**
 * A full collection, for after output chunks were cut from slabs for a scraper that lagged
 * (chunk-pool.ts): a slab goes back to the system only once collected, and this process
 * otherwise runs full collections rarely.
 */
export function fullGc(): (() => void) | null {
  const gc = exposedGc();
  return gc ? () => gc() : null; // no options: a full collection
}

function exposedGc(): Gc | null {
  try {
    // `--expose-gc` set at runtime applies to contexts created afterwards, such as this one.
    setFlagsFromString("--expose-gc");
    const gc = runInNewContext("gc") as Gc | undefined;
    return typeof gc === "function" ? gc : null;
  } catch {
    return null;
  }
}
