// A hash index from (tag, public key bytes) to a dense slot number, looked up straight from
// wg's output bytes: no string per peer per scrape, and at 100k peers a few MB of typed
// arrays instead of a Map of strings and objects.
import { grown, grownZeroed } from "./columns";
import { KEY_LENGTH, latin1 } from "./peer-table";

/** Room for this many keys from the start: untouched until used (see PeerTable). */
const FIRST_CAPACITY = 1 << 17;

/** FNV-1a over the key and tag: all of the key, since vanity keys share long prefixes. */
function hashOf(b: Buffer, at: number, tag: number): number {
  let h = 0x811c9dc5 ^ tag;
  for (let i = at; i < at + KEY_LENGTH - 1; i++) h = Math.imul(h ^ b[i]!, 0x01000193);
  return h >>> 0;
}

export class KeyIndex {
  /** Slots 0..capacity-1; a slot's key is keys[slot * KEY_LENGTH, +KEY_LENGTH). */
  capacity = 0;
  size = 0;
  private keys = Buffer.alloc(0);
  private tags = new Uint16Array(0);
  private used = new Uint8Array(0);
  private free: number[] = [];
  private next = 0; // slots below this have been handed out at least once
  private buckets = new Int32Array(0); // slot + 1 per bucket (0: empty), open addressing
  private mask = -1;

  /** The slot of the key at b[at, at + KEY_LENGTH) with tag, or -1. */
  find(b: Buffer, at: number, tag: number): number {
    if (this.size === 0) return -1;
    const { buckets, keys, tags, mask } = this;
    for (let h = hashOf(b, at, tag) & mask; ; h = (h + 1) & mask) {
      const slot = buckets[h]! - 1;
      if (slot < 0) return -1;
      if (tags[slot] !== tag) continue;
      const k = slot * KEY_LENGTH;
      let i = 0;
      while (i < KEY_LENGTH && keys[k + i] === b[at + i]) i++;
      if (i === KEY_LENGTH) return slot;
    }
  }

  /** Adds a key that is not in the index; returns its slot (capacity may grow). */
  insert(b: Buffer, at: number, tag: number): number {
    if (this.size + 1 > this.capacity) this.grow(Math.max(FIRST_CAPACITY, this.capacity * 2));
    const slot = this.free.length > 0 ? this.free.pop()! : this.next++;
    b.copy(this.keys, slot * KEY_LENGTH, at, at + KEY_LENGTH);
    this.tags[slot] = tag;
    this.used[slot] = 1;
    this.size++;
    this.place(slot);
    return slot;
  }

  /** Removes slots; their numbers are handed out again. */
  remove(slots: readonly number[]): void {
    if (slots.length === 0) return;
    for (const s of slots) {
      this.used[s] = 0;
      this.free.push(s);
    }
    this.size -= slots.length;
    this.rebuild(); // rare (peers removed): simpler than deleting from open addressing
  }

  isUsed(slot: number): boolean {
    return this.used[slot] === 1;
  }

  keyOf(slot: number): string {
    return latin1(this.keys, slot * KEY_LENGTH, (slot + 1) * KEY_LENGTH);
  }

  tagOf(slot: number): number {
    return this.tags[slot]!;
  }

  /** Slots that have been handed out (used or free) are below this. */
  get end(): number {
    return this.next;
  }

  private place(slot: number): void {
    const { buckets, mask } = this;
    let h = hashOf(this.keys, slot * KEY_LENGTH, this.tags[slot]!) & mask;
    while (buckets[h] !== 0) h = (h + 1) & mask;
    buckets[h] = slot + 1;
  }

  private grow(capacity: number): void {
    const keys = Buffer.allocUnsafeSlow(capacity * KEY_LENGTH); // pages are touched only as slots are used
    this.keys.copy(keys);
    this.keys = keys;
    this.tags = grown(this.tags, capacity); // written when a slot is handed out
    this.used = grownZeroed(this.used, capacity);
    this.capacity = capacity;
    this.rebuild();
  }

  private rebuild(): void {
    let n = 1;
    while (n < this.capacity * 2) n *= 2; // load factor at most 1/2
    // zero-filled by the allocator: pages are touched only where keys land
    if (this.buckets.length !== n) this.buckets = new Int32Array(n);
    else this.buckets.fill(0);
    this.mask = n - 1;
    for (let s = 0; s < this.next; s++) if (this.used[s] === 1) this.place(s);
  }
}
