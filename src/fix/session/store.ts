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
  /** When the session was last seen active (epoch ms); 0 if never. Drives schedule resets. */
  lastActiveMs(): number;
  setLastActiveMs(ms: number): void;
  close(): void;
}

/** Stored messages with begin <= seq <= end, in order (shared by the store implementations). */
export function messagesInRange(messages: ReadonlyMap<number, StoredMessage>, begin: number, end: number): StoredMessage[] {
  const out: StoredMessage[] = [];
  for (let seq = begin; seq <= end; seq++) {
    const m = messages.get(seq);
    if (m !== undefined) out.push(m);
  }
  return out;
}

/** In-memory store: tests and sessions that need no persistence. Keeps at most `maxMessages`. */
export class MemorySessionStore implements SessionStore {
  private sender = 1;
  private target = 1;
  private active = 0;
  private readonly messages = new Map<number, StoredMessage>();

  constructor(private readonly maxMessages = 100_000) {}

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
    if (this.messages.size >= this.maxMessages) {
      const oldest = this.messages.keys().next().value;
      if (oldest !== undefined) this.messages.delete(oldest);
    }
    this.messages.set(message.seq, message);
  }
  getOutbound(begin: number, end: number): StoredMessage[] {
    return messagesInRange(this.messages, begin, end);
  }
  reset(): void {
    this.sender = 1;
    this.target = 1;
    this.messages.clear();
  }
  close(): void {}
}
