// A string-keyed table kept in insertion order, for entries that come and go all day: the order
// desk's open orders (at 5,000 orders/s usually none to a few at a time, up to 200,000 when LPs
// stop answering). Slots of parallel arrays, linked oldest to newest, reused through a free list;
// the key -> slot index is a SlotIndex (off the JS heap).
//
// Why not a Map: V8 gives a Map's table back when a delete leaves it under a quarter full and
// makes a new one on a later insert, and a table full of deleted entries is rebuilt on insert.
// With one order open at a time, every order made a new table (about 280 bytes of garbage per
// order in the engine's allocation profile, bench/README.md). Here an insert and a delete touch a
// few array elements and nothing is allocated once the arrays have grown to the peak.

import { SlotIndex } from './slot-index.js';

/** Slots made at first; the arrays double as more entries are held at once. */
const FIRST_SLOTS = 64;
const NONE = -1;

export class LinkedTable<V> {
  private readonly keys: (string | undefined)[] = [];
  private readonly slotValues: (V | undefined)[] = [];
  /** Per slot: the next newer and the next older entry's slot (NONE at the ends). */
  private newer = new Int32Array(FIRST_SLOTS);
  private older = new Int32Array(FIRST_SLOTS);
  /** Slots given back by delete, reused first (a stack). */
  private freeSlots = new Int32Array(FIRST_SLOTS);
  private freeCount = 0;
  private oldestSlot = NONE;
  private newestSlot = NONE;
  private readonly index = new SlotIndex(FIRST_SLOTS, (slot) => this.keys[slot]);

  get size(): number {
    return this.index.size;
  }

  get(key: string): V | undefined {
    const slot = this.index.get(key);
    return slot < 0 ? undefined : this.slotValues[slot];
  }

  has(key: string): boolean {
    return this.index.get(key) >= 0;
  }

  /** Sets a value: a key held already keeps its place in the order, a new one is the newest. */
  set(key: string, value: V): void {
    const held = this.index.get(key);
    if (held >= 0) {
      this.slotValues[held] = value;
      return;
    }
    const slot = this.takeSlot();
    this.keys[slot] = key;
    this.slotValues[slot] = value;
    this.newer[slot] = NONE;
    this.older[slot] = this.newestSlot;
    if (this.newestSlot === NONE) this.oldestSlot = slot;
    else this.newer[this.newestSlot] = slot;
    this.newestSlot = slot;
    this.index.set(key, slot);
  }

  delete(key: string): boolean {
    const slot = this.index.get(key);
    if (slot < 0) return false;
    // From the index while the slot still holds the key it compares against.
    this.index.delete(key);
    const newer = this.newer[slot] as number;
    const older = this.older[slot] as number;
    if (older === NONE) this.oldestSlot = newer;
    else this.newer[older] = newer;
    if (newer === NONE) this.newestSlot = older;
    else this.older[newer] = older;
    this.keys[slot] = undefined;
    this.slotValues[slot] = undefined;
    this.freeSlots[this.freeCount++] = slot;
    return true;
  }

  /** The oldest entry's key, or undefined when empty. */
  oldestKey(): string | undefined {
    return this.oldestSlot === NONE ? undefined : this.keys[this.oldestSlot];
  }

  /** The values, oldest first. Deleting the entry just visited is safe; changing others while iterating is not. */
  *valuesOldestFirst(): IterableIterator<V> {
    for (let slot = this.oldestSlot; slot !== NONE; ) {
      const next = this.newer[slot] as number;
      yield this.slotValues[slot] as V;
      slot = next;
    }
  }

  private takeSlot(): number {
    if (this.freeCount > 0) return this.freeSlots[--this.freeCount] as number;
    const slot = this.keys.length;
    this.keys.push(undefined);
    this.slotValues.push(undefined);
    if (slot === this.newer.length) {
      this.newer = grown(this.newer);
      this.older = grown(this.older);
      this.freeSlots = grown(this.freeSlots);
    }
    return slot;
  }
}

function grown(a: Int32Array): Int32Array<ArrayBuffer> {
  const b = new Int32Array(a.length * 2);
  b.set(a);
  return b;
}
