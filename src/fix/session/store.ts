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
 * Shared by the store implementations. Sequence numbers only go up between resets, so the oldest
 * is found with a cursor: Map.keys().next() looks O(1) but walks past every deleted entry still in
 * the table, and cost 15 µs per saved message once a 20,000-message window was full.
 */
export class ResendWindow {
  private readonly messages = new Map<number, StoredMessage>();
  /** No stored message has a lower sequence number. */
  private oldest = 1;
  private newest = 0;

  constructor(readonly capacity: number) {}

  get size(): number {
    return this.messages.size;
  }

  add(message: StoredMessage): void {
    if (this.messages.size === 0) this.oldest = message.seq;
    this.messages.set(message.seq, message);
    if (message.seq < this.oldest) this.oldest = message.seq;
    if (message.seq > this.newest) this.newest = message.seq;
    while (this.messages.size > this.capacity && this.oldest <= this.newest) this.messages.delete(this.oldest++);
  }

  /** Stored messages with begin <= seq <= end, in order. */
  range(begin: number, end: number): StoredMessage[] {
    const out: StoredMessage[] = [];
    for (let seq = Math.max(begin, this.oldest); seq <= end && seq <= this.newest; seq++) {
      const m = this.messages.get(seq);
      if (m !== undefined) out.push(m);
    }
    return out;
  }

  values(): IterableIterator<StoredMessage> {
    return this.messages.values();
  }

  clear(): void {
    this.messages.clear();
    this.oldest = 1;
    this.newest = 0;
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
