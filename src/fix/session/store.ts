// What a FIX session must remember across restarts: the next sequence numbers both ways and the
// application messages it sent (for resends). Implementations must never let a number go back.

export interface StoredMessage {
  readonly seq: number;
  readonly msgType: string;
  readonly sendingTimeMs: number;
  /** Body fields after the standard header, as sent. */
  readonly body: Buffer;
}

export interface SessionStore {
  nextSenderSeq(): number;
  nextTargetSeq(): number;
  setNextSenderSeq(seq: number): void;
  setNextTargetSeq(seq: number): void;
  /** Records an outbound application message before it is written to the socket. */
  saveOutbound(message: StoredMessage): void;
  /** Stored application messages with begin <= seq <= end, in order. */
  getOutbound(begin: number, end: number): StoredMessage[];
  /** Both numbers back to 1 and no stored messages (a daily/weekly or ResetSeqNumFlag reset). */
  reset(): void;
  /**
   * Why the store can no longer persist (a full or failing disk), or null. A failed store never
   * throws into the session: it keeps the numbers in memory and the owner decides (the engine
   * refuses new orders while any store is failing).
   */
  failure(): Error | null;
  /** When the session was last seen active (epoch ms); 0 if never. Drives schedule resets. */
  lastActiveMs(): number;
  setLastActiveMs(ms: number): void;
  close(): void;
}

/**
 * The sent application messages kept for resends, at most `capacity`, the oldest dropped first.
 * Shared by the store implementations. A ring in sending order: sequence numbers only go up
 * between resets, so the ring is sorted and a range is found by binary search. (A Map keyed by
 * number cost a hash insert and a delete per message; before that, evicting with
 * Map.keys().next() walked every deleted entry still in the table, 15 µs per message once full.)
 * Should a number ever be stored again without a reset (a store replayed from a journal whose
 * numbers were set back), the messages from that number on are forgotten: they were superseded.
 */
export class ResendWindow {
  /** Grows up to `capacity`, then wraps: slot `head` holds the oldest message. */
  private slots: StoredMessage[] = [];
  private head = 0;
  private count = 0;

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`capacity must be a positive integer, got ${capacity}`);
  }

  get size(): number {
    return this.count;
  }

  private at(i: number): StoredMessage {
    return this.slots[(this.head + i) % this.slots.length] as StoredMessage;
  }

  add(message: StoredMessage): void {
    while (this.count > 0 && this.at(this.count - 1).seq >= message.seq) this.count--;
    const length = this.slots.length;
    if (this.count < length) {
      this.slots[(this.head + this.count) % length] = message;
      this.count++;
    } else if (length < this.capacity) {
      if (this.head !== 0) this.linearize();
      this.slots.push(message);
      this.count++;
    } else {
      // Full: the newest takes the oldest's slot.
      this.slots[this.head] = message;
      this.head = (this.head + 1) % length;
    }
  }

  /** Stored messages with begin <= seq <= end, in order. */
  range(begin: number, end: number): StoredMessage[] {
    const out: StoredMessage[] = [];
    let lo = 0;
    let hi = this.count;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.at(mid).seq < begin) lo = mid + 1;
      else hi = mid;
    }
    for (let i = lo; i < this.count; i++) {
      const m = this.at(i);
      if (m.seq > end) break;
      out.push(m);
    }
    return out;
  }

  *values(): IterableIterator<StoredMessage> {
    for (let i = 0; i < this.count; i++) yield this.at(i);
  }

  clear(): void {
    this.slots = [];
    this.head = 0;
    this.count = 0;
  }

  /** Puts the ring back in array order (slot 0 the oldest) so it can grow by pushing. */
  private linearize(): void {
    const ordered: StoredMessage[] = [];
    for (let i = 0; i < this.count; i++) ordered.push(this.at(i));
    this.slots = ordered;
    this.head = 0;
  }
}

/** In-memory store: tests and sessions that need no persistence. Keeps at most `maxMessages`. */
export class MemorySessionStore implements SessionStore {
  private sender = 1;
  private target = 1;
  private active = 0;
  private readonly messages: ResendWindow;

  constructor(maxMessages = 100_000) {
    this.messages = new ResendWindow(maxMessages);
  }

  lastActiveMs(): number {
    return this.active;
  }
  setLastActiveMs(ms: number): void {
    this.active = ms;
  }

  nextSenderSeq(): number {
    return this.sender;
  }
  nextTargetSeq(): number {
    return this.target;
  }
  setNextSenderSeq(seq: number): void {
    this.sender = seq;
  }
  setNextTargetSeq(seq: number): void {
    this.target = seq;
  }
  saveOutbound(message: StoredMessage): void {
    this.messages.add(message);
  }
  getOutbound(begin: number, end: number): StoredMessage[] {
    return this.messages.range(begin, end);
  }
  reset(): void {
    this.sender = 1;
    this.target = 1;
    this.messages.clear();
  }
  failure(): Error | null {
    return null;
  }
  close(): void {}
}
