// A bounded set of the most recent ids: remembers the last `capacity` ids added and forgets the
// oldest one at a time. Used where a check must hold for a long window (duplicate ClOrdIDs over a
// trading week) without the memory growing with the number of orders.

export class RecentIds {
  private readonly ids = new Set<string>();
  /** Insertion order as a ring, so evicting the oldest is O(1) however long the engine runs. */
  private readonly ring: (string | undefined)[];
  private next = 0;

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`RecentIds capacity must be a positive integer, got ${capacity}`);
    this.ring = new Array<string | undefined>(capacity).fill(undefined);
  }

  has(id: string): boolean {
    return this.ids.has(id);
  }

  /** Adds an id (no-op when present); past capacity the oldest id is forgotten. */
  add(id: string): void {
    if (this.ids.has(id)) return;
    const oldest = this.ring[this.next];
    if (oldest !== undefined) this.ids.delete(oldest);
    this.ring[this.next] = id;
    this.next = (this.next + 1) % this.capacity;
    this.ids.add(id);
  }

  get size(): number {
    return this.ids.size;
  }
}
