// A Map that keeps an entry for at most `capacity` insertions after its own (so never more than
// `capacity` entries), forgetting the oldest inserted first, in O(1) per call.
// Evicting with map.keys().next() instead walks past every deleted slot V8 has not compacted yet:
// once full, each insert cost a walk of up to half the table (20-60 ms stalls in the order desk
// at 5,000 orders/s; a flood of new addresses turns it into quadratic work).

export class BoundedMap<V> {
  private readonly values = new Map<string, V>();
  /**
   * Each live key's slot in the ring. A slot whose key maps to another slot is stale: that key
   * was deleted and set again since. (An entry used to be { value, stamp }: one more object per
   * entry, held as long as the entry is, for the scavenger to copy twice.)
   */
  private readonly slotOf = new Map<string, number>();
  /** The key each slot was last given, in insertion order around the ring. */
  private readonly keys: (string | undefined)[];
  private next = 0;

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`capacity must be a positive integer, got ${capacity}`);
    this.keys = new Array<string | undefined>(capacity).fill(undefined);
  }

  get size(): number {
    return this.values.size;
  }

  get(key: string): V | undefined {
    return this.values.get(key);
  }

  has(key: string): boolean {
    return this.values.has(key);
  }

  /** Sets a value; a new key takes the oldest entry's place once the map is full. */
  set(key: string, value: V): void {
    if (this.values.has(key)) {
      this.values.set(key, value); // keeps its place: insertion order, not access order
      return;
    }
    // The slot's previous key goes, unless it was deleted since (and maybe set again elsewhere).
    const slot = this.next;
    const old = this.keys[slot];
    if (old !== undefined && this.slotOf.get(old) === slot) {
      this.values.delete(old);
      this.slotOf.delete(old);
    }
    this.keys[slot] = key;
    this.next = (slot + 1) % this.capacity;
    this.values.set(key, value);
    this.slotOf.set(key, slot);
  }

  delete(key: string): boolean {
    this.slotOf.delete(key);
    return this.values.delete(key);
  }
}
