// The last `capacity` distinct ids of a long window (ClOrdIDs a platform session used over a
// trading week), held as 64-bit fingerprints in typed arrays instead of as strings in a Set.
//
// Why: at a 1,000,000-id window the Set held a million strings and its hash table, about 80 MB
// of old-generation objects per session that every full GC marked, and every order's ClOrdID
// was promoted to get there. Here a window is two typed arrays off the JS heap (16 bytes per id
// at a load of one half, 8 bytes per id of insertion ring), nothing per id for the GC to visit.
//
// The cost is a false positive when two ids share a fingerprint: the later one is taken for a
// duplicate. With two independent 32-bit hashes that is about window / 2^64 per new id (5e-14 at
// a full window: once in tens of thousands of years at 5,000 orders/s). The window is per
// session, so ids crafted to collide can only get that session's own orders refused.

import { movesIntoHole } from './linear-probing.js';
import { avalanche32, murmur3Units } from './string-hash.js';

/** The fingerprint of the last id hashed: two 32-bit lanes, set by fingerprint() (no object per call). */
let fpLo = 0;
let fpHi = 0;

/**
 * Two independent 32-bit hashes of the UTF-16 code units: MurmurHash3's mixing in one lane,
 * FNV-1a in the other, each finished with MurmurHash3's avalanche. Stable across processes and
 * versions (fixed seeds): fingerprints are written to the order journal and read back at start-up.
 */
function fingerprint(id: string): void {
  let b = 0x811c9dc5;
  const n = id.length;
  for (let i = 0; i < n; i++) b = Math.imul(b ^ id.charCodeAt(i), 0x01000193);
  fpLo = murmur3Units(id, 0x9747b28c) >>> 0;
  fpHi = avalanche32(b ^ n) >>> 0;
  // (0, 0) marks an empty slot: the one id that hashes to it is moved off it.
  if (fpLo === 0 && fpHi === 0) fpLo = 1;
}

/** Fingerprints, like the ids, are grown into: a window is sized for a week and most see less. */
const INITIAL_IDS = 1024;

export class FingerprintWindow {
  /** Open addressing, linear probing, at most half full; (0, 0) is an empty slot. */
  private tableLo: Uint32Array;
  private tableHi: Uint32Array;
  private mask: number;
  private held = 0;
  /** Insertion order: grows to `capacity`, then each new id replaces the oldest at `next`. */
  private ringLo: Uint32Array;
  private ringHi: Uint32Array;
  private ringFilled = 0;
  private next = 0;

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`capacity must be a positive integer, got ${capacity}`);
    const ids = Math.min(capacity, INITIAL_IDS);
    this.ringLo = new Uint32Array(ids);
    this.ringHi = new Uint32Array(ids);
    const slots = tableSlotsFor(ids);
    this.tableLo = new Uint32Array(slots);
    this.tableHi = new Uint32Array(slots);
    this.mask = slots - 1;
  }

  /** Ids held (distinct fingerprints). */
  get size(): number {
    return this.held;
  }

  has(id: string): boolean {
    fingerprint(id);
    return this.slotOf(fpLo, fpHi) >= 0;
  }

  /** Adds an id (no-op when present); past capacity the oldest id is forgotten. */
  add(id: string): void {
    fingerprint(id);
    this.addFingerprint(fpLo, fpHi);
  }

  hasFingerprint(lo: number, hi: number): boolean {
    lo >>>= 0;
    hi >>>= 0;
    return this.slotOf(lo === 0 && hi === 0 ? 1 : lo, hi) >= 0;
  }

  /** Adds a fingerprint read back from the journal (or computed by add()). */
  addFingerprint(lo: number, hi: number): void {
    lo >>>= 0;
    hi >>>= 0;
    if (lo === 0 && hi === 0) lo = 1;
    if (this.slotOf(lo, hi) >= 0) return;
    if (this.ringFilled === this.capacity) {
      this.remove(this.ringLo[this.next] as number, this.ringHi[this.next] as number);
      this.ringLo[this.next] = lo;
      this.ringHi[this.next] = hi;
      this.next = this.next + 1 === this.capacity ? 0 : this.next + 1;
    } else {
      if (this.ringFilled === this.ringLo.length) this.growRing();
      this.ringLo[this.ringFilled] = lo;
      this.ringHi[this.ringFilled] = hi;
      this.ringFilled++;
    }
    if ((this.held + 1) * 2 > this.mask + 1) this.growTable();
    this.insert(lo, hi);
  }

  /** The fingerprints held, oldest first, as [lo, hi] pairs in one array (the journal's compaction). */
  fingerprints(): Uint32Array {
    const out = new Uint32Array(this.ringFilled * 2);
    const first = this.ringFilled === this.capacity ? this.next : 0;
    for (let i = 0; i < this.ringFilled; i++) {
      const at = (first + i) % this.ringFilled;
      out[2 * i] = this.ringLo[at] as number;
      out[2 * i + 1] = this.ringHi[at] as number;
    }
    return out;
  }

  private slotOf(lo: number, hi: number): number {
    const tableLo = this.tableLo;
    const tableHi = this.tableHi;
    const mask = this.mask;
    for (let i = lo & mask; ; i = (i + 1) & mask) {
      const l = tableLo[i] as number;
      const h = tableHi[i] as number;
      if (l === lo && h === hi) return i;
      if (l === 0 && h === 0) return -1;
    }
  }

  private insert(lo: number, hi: number): void {
    const mask = this.mask;
    let i = lo & mask;
    while (this.tableLo[i] !== 0 || this.tableHi[i] !== 0) i = (i + 1) & mask;
    this.tableLo[i] = lo;
    this.tableHi[i] = hi;
    this.held++;
  }

  /** Linear probing's deletion without tombstones: later entries of the run shift back into the hole. */
  private remove(lo: number, hi: number): void {
    let hole = this.slotOf(lo, hi);
    if (hole < 0) return;
    const tableLo = this.tableLo;
    const tableHi = this.tableHi;
    const mask = this.mask;
    for (let j = (hole + 1) & mask; tableLo[j] !== 0 || tableHi[j] !== 0; j = (j + 1) & mask) {
      const home = (tableLo[j] as number) & mask;
      if (!movesIntoHole(home, hole, j)) continue;
      tableLo[hole] = tableLo[j] as number;
      tableHi[hole] = tableHi[j] as number;
      hole = j;
    }
    tableLo[hole] = 0;
    tableHi[hole] = 0;
    this.held--;
  }

  private growTable(): void {
    const oldLo = this.tableLo;
    const oldHi = this.tableHi;
    const slots = oldLo.length * 2;
    this.tableLo = new Uint32Array(slots);
    this.tableHi = new Uint32Array(slots);
    this.mask = slots - 1;
    this.held = 0;
    for (let i = 0; i < oldLo.length; i++) {
      const lo = oldLo[i] as number;
      const hi = oldHi[i] as number;
      if (lo !== 0 || hi !== 0) this.insert(lo, hi);
    }
  }

  private growRing(): void {
    const size = Math.min(this.capacity, this.ringLo.length * 2);
    const lo = new Uint32Array(size);
    const hi = new Uint32Array(size);
    lo.set(this.ringLo);
    hi.set(this.ringHi);
    this.ringLo = lo;
    this.ringHi = hi;
  }
}

/** A power of two at least twice `ids`: the table stays at most half full. */
function tableSlotsFor(ids: number): number {
  let slots = 16;
  while (slots < ids * 2) slots *= 2;
  return slots;
}
