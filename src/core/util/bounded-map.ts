// A Map that keeps an entry for at most `capacity` insertions after its own (so never more than
// `capacity` entries), forgetting the oldest inserted first, in O(1) per call.
// Evicting with map.keys().next() instead walks past every deleted slot V8 has not compacted yet:
// once full, each insert cost a walk of up to half the table (20-60 ms stalls in the order desk
// at 5,000 orders/s; a flood of new addresses turns it into quadratic work).

export class BoundedMap<V> {
  private readonly map = new Map<string, { value: V; stamp: number }>();
  /** Each live entry's key and insertion stamp, in insertion order around a ring. */
  private readonly keys: (string | undefined)[];
  private readonly stamps: Float64Array;
  private next = 0;
  private stamp = 0;

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`capacity must be a positive integer, got ${capacity}`);
    this.keys = new Array<string | undefined>(capacity).fill(undefined);
    this.stamps = new Float64Array(capacity);
  }

  get size(): number {
    return this.map.size;
  }

  get(key: string): V | undefined {
    return this.map.get(key)?.value;
  }

  has(key: string): boolean {
    return this.map.has(key);
  }

  /** Sets a value; a new key takes the oldest entry's place once the map is full. */
  set(key: string, value: V): void {
    const held = this.map.get(key);
    if (held !== undefined) {
      held.value = value; // keeps its place: insertion order, not access order
      return;
    }
    // The slot's previous key goes, unless it was deleted since (its entry is gone or newer).
    const old = this.keys[this.next];
    if (old !== undefined && this.map.get(old)?.stamp === this.stamps[this.next]) this.map.delete(old);
    const stamp = ++this.stamp;
    this.keys[this.next] = key;
    this.stamps[this.next] = stamp;
    this.next = (this.next + 1) % this.capacity;
    this.map.set(key, { value, stamp });
  }

  delete(key: string): boolean {
    return this.map.delete(key);
  }
}
