// A Map that keeps an entry for at most `capacity` insertions after its own (so never more than
// `capacity` entries), forgetting the oldest inserted first, in O(1) per call.
// Evicting with map.keys().next() instead walks past every deleted slot V8 has not compacted yet:
// once full, each insert cost a walk of up to half the table (20-60 ms stalls in the order desk
// at 5,000 orders/s; a flood of new addresses turns it into quadratic work).

import { SlotIndex } from './slot-index.js';

export class BoundedMap<V> {
  /** The key and value each slot was last given, in insertion order around the ring. */
  private readonly keys: (string | undefined)[];
  private readonly values: (V | undefined)[];
  /**
   * Each live key's slot, off the JS heap (slot-index.ts): a deleted or forgotten key leaves no
   * hole for a table rebuild, which a churning Map does now and then (1-3 ms at 20,000 entries,
   * the desk's finished orders). A slot whose key the index maps elsewhere is stale: that key was
   * deleted and set again since. (An entry used to be { value, stamp }, then two Maps.)
   */
  private readonly index: SlotIndex;
  private next = 0;

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`capacity must be a positive integer, got ${capacity}`);
    this.keys = new Array<string | undefined>(capacity).fill(undefined);
    this.values = new Array<V | undefined>(capacity).fill(undefined);
    this.index = new SlotIndex(Math.min(capacity, FIRST_KEYS), (slot) => this.keys[slot]);
  }

  get size(): number {
    return this.index.size;
  }

  get(key: string): V | undefined {
    const slot = this.index.get(key);
    return slot < 0 ? undefined : this.values[slot];
  }

  has(key: string): boolean {
    return this.index.get(key) >= 0;
  }

  /** Sets a value; a new key takes the oldest entry's place once the map is full. */
  set(key: string, value: V): void {
    const held = this.index.get(key);
    if (held >= 0) {
      this.values[held] = value; // keeps its place: insertion order, not access order
      return;
    }
    // The slot's previous key goes, unless it was deleted since (and maybe set again elsewhere);
    // from the index first, while the slot still holds the key it compares against.
    const slot = this.next;
    const old = this.keys[slot];
    if (old !== undefined && this.index.get(old) === slot) this.index.delete(old);
    this.keys[slot] = key;
    this.values[slot] = value;
    this.next = (slot + 1) % this.capacity;
    this.index.set(key, slot);
  }

  delete(key: string): boolean {
    const slot = this.index.get(key);
    if (slot < 0) return false;
    this.index.delete(key);
    this.values[slot] = undefined; // the value goes now; the key stays in its slot, stale
    return true;
  }
}

/** The index's table starts made for this many keys and doubles as more are held. */
const FIRST_KEYS = 1024;
