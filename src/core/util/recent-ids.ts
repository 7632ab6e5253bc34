// Bounded memory of the most recent ids, forgetting the oldest one at a time: the order tracker's
// window. (The desk's duplicate-ClOrdID window keeps fingerprints instead: fingerprint-window.ts.)

/**
 * Insertion order as a fixed ring: `push` returns the id that falls out. Evicting through
 * Map.keys().next() instead walks past every deleted slot V8 has not compacted yet; it cost 9% of
 * a 1M-event replay in the order tracker.
 */
export class EvictionRing {
  /**
   * Grows with use up to `capacity`, then wraps. (Allocated whole up front, a 1,000,000-id window
   * was an 8 MB array filled at a session's first order, a stall there, and 8 MB more for every
   * full GC to mark from the first order on.)
   */
  private readonly slots: string[] = [];
  /** Once full: the slot of the oldest id, the next to be replaced. */
  private next = 0;

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`capacity must be a positive integer, got ${capacity}`);
  }

  /** Records a new id; returns the oldest one once the ring is full, else undefined. */
  push(id: string): string | undefined {
    if (this.slots.length < this.capacity) {
      this.slots.push(id);
      return undefined;
    }
    const evicted = this.slots[this.next];
    this.slots[this.next] = id;
    this.next = (this.next + 1) % this.capacity;
    return evicted;
  }
}
