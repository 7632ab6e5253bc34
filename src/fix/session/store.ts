// What a FIX session must remember across restarts: the next sequence numbers both ways and the
// application messages it sent (for resends). Implementations must never let a number go back.

import { ResendWindow, type StoredMessage } from './resend-window.js';

export type { StoredMessage } from './resend-window.js';

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
