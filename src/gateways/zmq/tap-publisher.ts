// The event tap's socket: a ZeroMQ XPUB that publishes every message it is given, in order,
// each with its source sequence number, and never blocks the caller. Messages wait in a bounded
// queue for the socket; past the bound (or past the socket's high-water mark, where libzmq
// drops for a slow subscriber) they are dropped and counted, and the sequence numbers show the
// gap to every subscriber. XPUB, not PUB: it hears subscriptions, so a start can wait for its
// shadow workers and a late joiner can be sent a fresh state at once.

import { XPublisher } from 'zeromq';
import { BridgeError } from '../../core/errors.js';

export interface TapPublisherOptions {
  readonly bind: string;
  /** Messages libzmq queues per subscriber before it drops for that subscriber. */
  readonly highWaterMark: number;
  /** Messages waiting for the socket here before new ones are dropped. */
  readonly maxQueue: number;
}

export interface TapCounters {
  /** Records sent to the socket, and records dropped (a message may carry several). */
  published: number;
  dropped: number;
  /** Messages sent to the socket. */
  messages: number;
  subscriptions: number;
  /** Messages received from workers (not subscriptions). */
  upstream: number;
}

/** The largest message a worker may send up; a larger one closes its connection (libzmq). */
export const MAX_UPSTREAM_BYTES = 64 * 1024;

export class TapPublisher {
  private readonly socket: XPublisher;
  private queue: Buffer[] = [];
  /** Records in each queued message. */
  private queueRecords: number[] = [];
  private head = 0;
  private pumping = false;
  private closed = false;
  private subscribed: (() => void)[] = [];
  /** Until release(), messages are queued and not sent (a start waiting for its workers). */
  private held = true;
  /** Called when a subscriber joins (a late joiner wants a state now). */
  onSubscribe: (() => void) | null = null;
  /** Called with each message a worker sends up its connection (a candidate's figures). */
  onUpstream: ((frame: Buffer) => void) | null = null;
  readonly counters: TapCounters = { published: 0, dropped: 0, messages: 0, subscriptions: 0, upstream: 0 };
  endpoint = '';

  constructor(private readonly o: TapPublisherOptions) {
    this.socket = new XPublisher({ sendHighWaterMark: o.highWaterMark, linger: 0, maxMessageSize: MAX_UPSTREAM_BYTES, receiveHighWaterMark: 1_000 });
    // Every subscription is passed up, not only the first per topic: each worker counts.
    this.socket.verbosity = 'allSubs';
  }

  async bind(): Promise<string> {
    try {
      await this.socket.bind(this.o.bind);
    } catch (cause) {
      throw new BridgeError('SB_ERR_LISTEN', `tap ${this.o.bind}: ${(cause as Error).message}`, { cause });
    }
    this.endpoint = this.socket.lastEndpoint ?? this.o.bind;
    void this.listenForSubscriptions();
    return this.endpoint;
  }

  /** Resolves when `n` subscriptions have arrived or `ms` have passed; says which. */
  async waitForSubscribers(n: number, ms: number): Promise<boolean> {
    const deadline = Date.now() + ms;
    while (this.counters.subscriptions < n && Date.now() < deadline) {
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, Math.max(1, deadline - Date.now()));
        this.subscribed.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
    return this.counters.subscriptions >= n;
  }

  /** Queues one message of `records` records; never waits. Dropped (and counted) when the queue is full. */
  send(message: Buffer, records = 1): void {
    if (this.closed) return;
    if (this.queue.length - this.head >= this.o.maxQueue) {
      this.counters.dropped += records;
      return;
    }
    this.queue.push(message);
    this.queueRecords.push(records);
    if (!this.pumping && !this.held) void this.pump();
  }

  /** Starts sending what is queued and everything after it. */
  release(): void {
    this.held = false;
    if (!this.pumping) void this.pump();
  }

  /** Waits (at most `ms`) for the queue to reach the socket, at a stop. */
  async drain(ms: number): Promise<void> {
    const deadline = Date.now() + ms;
    while ((this.pumping || this.head < this.queue.length) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
  }

  private async pump(): Promise<void> {
    this.pumping = true;
    try {
      while (this.head < this.queue.length && !this.closed) {
        const m = this.queue[this.head] as Buffer;
        const records = this.queueRecords[this.head] as number;
        this.queue[this.head++] = undefined as unknown as Buffer;
        if (this.head > 4_096 && this.head * 2 > this.queue.length) {
          this.queue = this.queue.slice(this.head);
          this.queueRecords = this.queueRecords.slice(this.head);
          this.head = 0;
        }
        try {
          await this.socket.send(m);
          this.counters.published += records;
          this.counters.messages++;
        } catch {
          this.counters.dropped += records;
        }
      }
    } finally {
      this.pumping = false;
    }
  }

  private async listenForSubscriptions(): Promise<void> {
    try {
      for await (const [frame] of this.socket) {
        // An XPUB frame is 1 (subscribe) or 0 (unsubscribe) followed by the topic; anything
        // else is a message a worker sent up (XSUB).
        if (frame === undefined || frame.length === 0) continue;
        if (frame[0] === 1) {
          this.counters.subscriptions++;
          for (const wake of this.subscribed.splice(0)) wake();
          this.onSubscribe?.();
        } else if (frame[0] !== 0) {
          this.counters.upstream++;
          this.onUpstream?.(frame);
        }
      }
    } catch {
      // the socket was closed
    }
  }

  close(): void {
    this.closed = true;
    this.socket.close();
  }
}
