// Bounded memory of the most recent ids, forgetting the oldest one at a time. Used where a check
// must hold over a long window (duplicate ClOrdIDs over a trading week, tracked orders) without
// memory growing with the number of orders.

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

/** The last `capacity` distinct ids added. */
export class RecentIds {
  private readonly ids = new Set<string>();
  private readonly ring: EvictionRing;

  constructor(readonly capacity: number) {
    this.ring = new EvictionRing(capacity);
  }

  has(id: string): boolean {
    return this.ids.has(id);
  }

  /** Adds an id (no-op when present); past capacity the oldest id is forgotten. */
  add(id: string): void {
    if (this.ids.has(id)) return;
    const evicted = this.ring.push(id);
    if (evicted !== undefined) this.ids.delete(evicted);
    this.ids.add(id);
  }

  /** The ids held, oldest first (a Set iterates in insertion order, the ring's order). */
  values(): string[] {
    return [...this.ids];
  }

  get size(): number {
    return this.ids.size;
  }
}
