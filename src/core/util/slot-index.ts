// An index from string keys to the slots of a ring its owner keeps (the order tracker's orders):
// open addressing with linear probing and backward-shift deletion, in typed arrays, off the JS
// heap. The keys themselves stay in the owner's ring, read back through `keyAt` to compare.
//
// Why not a Map: a Map that churns (an order in, the oldest out, for the life of the process)
// leaves a hole per deleted entry and rebuilds its whole table when holes and entries fill it: at
// 100,000 entries a 6.5-8 ms stall every ~130,000 inserts, and the tracker's Maps churned in step
// (19 ms in one go in the live engine's profile). A deletion here moves the few entries of its
// probe run back. Why not the same table in JS arrays: a scavenge visits every old-to-new pointer
// written since the last one, and a hash table writes them at random across megabytes; here the
// index holds only integers, and the owner's ring is written in insertion order, as a Map is.
//
// Hashes are seeded per process (as V8 seeds its own): ClOrdIDs come from platforms, and ids
// crafted to collide in a known hash would make every lookup walk one long run.

import { movesIntoHole } from './linear-probing.js';
import { murmur3Units } from './string-hash.js';

/** Math.random: seeded by V8 from the OS at start-up, different in every process. */
const SEED = (Math.random() * 0x100000000) | 0;

/** The key's hash from the process's seed. */
function hashOf(key: string): number {
  return murmur3Units(key, SEED);
}

export class SlotIndex {
  /** Per table position: the owner's slot + 1 (0: empty). */
  private slots: Int32Array;
  /** Per table position: its key's hash (probing compares it first; a shift needs no rehash). */
  private hashes: Int32Array;
  private mask: number;
  private count = 0;

  /**
   * `expected`: the most keys it will hold (the table is made for twice that, once; more still
   * works, the table doubles). `keyAt(slot)`: the key the owner keeps in that slot.
   */
  constructor(
    expected: number,
    private readonly keyAt: (slot: number) => string | undefined,
  ) {
    if (!Number.isInteger(expected) || expected < 1) throw new RangeError(`expected must be a positive integer, got ${expected}`);
    let size = 8;
    while (size < expected * 2) size *= 2;
    this.slots = new Int32Array(size);
    this.hashes = new Int32Array(size);
    this.mask = size - 1;
  }

  get size(): number {
    return this.count;
  }

  /** The owner's slot for `key`, or -1. */
  get(key: string): number {
    const at = this.find(key, hashOf(key));
    return at < 0 ? -1 : (this.slots[at] as number) - 1;
  }

  /** Points `key` at `slot` (added, or moved from the slot it had). */
  set(key: string, slot: number): void {
    const hash = hashOf(key);
    const at = this.find(key, hash);
    if (at >= 0) {
      this.slots[at] = slot + 1;
      return;
    }
    if ((this.count + 1) * 2 > this.mask + 1) this.grow();
    this.insert(hash, slot);
  }

  /** Removes `key` (call it while the owner's slot still holds the key). */
  delete(key: string): boolean {
    let hole = this.find(key, hashOf(key));
    if (hole < 0) return false;
    const slots = this.slots;
    const hashes = this.hashes;
    const mask = this.mask;
    for (let j = (hole + 1) & mask; slots[j] !== 0; j = (j + 1) & mask) {
      const home = (hashes[j] as number) & mask;
      if (!movesIntoHole(home, hole, j)) continue;
      slots[hole] = slots[j] as number;
      hashes[hole] = hashes[j] as number;
      hole = j;
    }
    slots[hole] = 0;
    this.count--;
    return true;
  }

  private find(key: string, hash: number): number {
    const slots = this.slots;
    const hashes = this.hashes;
    const mask = this.mask;
    for (let i = hash & mask; ; i = (i + 1) & mask) {
      const s = slots[i] as number;
      if (s === 0) return -1;
      if (hashes[i] === hash && this.keyAt(s - 1) === key) return i;
    }
  }

  private insert(hash: number, slot: number): void {
    const slots = this.slots;
    const mask = this.mask;
    let i = hash & mask;
    while (slots[i] !== 0) i = (i + 1) & mask;
    slots[i] = slot + 1;
    this.hashes[i] = hash;
    this.count++;
  }

  private grow(): void {
    const slots = this.slots;
    const hashes = this.hashes;
    const size = slots.length * 2;
    this.slots = new Int32Array(size);
    this.hashes = new Int32Array(size);
    this.mask = size - 1;
    this.count = 0;
    for (let i = 0; i < slots.length; i++) if (slots[i] !== 0) this.insert(hashes[i] as number, (slots[i] as number) - 1);
  }
}
