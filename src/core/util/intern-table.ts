// One string object per distinct value of a field that repeats across messages (symbols,
// accounts): the first copy seen is kept and handed back for every equal one after it.
//
// Why: a decoded field is a new string per message, and an order's symbol and account are held
// as long as the order is remembered (the tracker, the desk, the finance rows). Held once per
// order they are objects the scavenger copies twice; interned, the copies of each message die
// young and only one per value is held. Bounded in count and in length, so a peer sending a new
// value in every message fills the table once and then just goes uninterned, and what it can make
// the table hold for good is capacity x maxLength characters, not capacity x its largest message
// (a FIX message may be 64 KiB: 4,096 such symbols held would be 256 MiB).

export class InternTable {
  private readonly seen = new Map<string, string>();

  constructor(
    readonly capacity: number,
    /** Longer strings are never held (symbols and accounts are short; anything else is not one). */
    readonly maxLength = 64,
  ) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`capacity must be a positive integer, got ${capacity}`);
    if (!Number.isInteger(maxLength) || maxLength < 0) throw new RangeError(`maxLength must be a non-negative integer, got ${maxLength}`);
  }

  /** The held string equal to `s`, or `s` itself (held from now on while there is room). */
  intern(s: string): string {
    if (s.length > this.maxLength) return s;
    const held = this.seen.get(s);
    if (held !== undefined) return held;
    if (this.seen.size < this.capacity) this.seen.set(s, s);
    return s;
  }

  get size(): number {
    return this.seen.size;
  }
}
