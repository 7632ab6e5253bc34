// The live engine's event tap (scale-out): every event the engine records, in order, numbered,
// on a ZeroMQ socket for shadow workers in other processes and hosts, plus a state snapshot
// every `stateEveryMs` (the book and LP states) from which a worker that joins late or lost
// messages can start comparing again. Production never waits for it: see TapPublisher.

import type { Logger } from 'pino';
import type { LpStatusView, QuoteView } from '../../core/shadow/context.js';
import { encodeTapBatch } from '../../gateways/zmq/tap-codec.js';
import { TapPublisher } from '../../gateways/zmq/tap-publisher.js';
import type { RecordSink } from '../../replay/recorder.js';
import type { LiveConfig } from '../live-config.js';

/** The most records in one tap message. */
const MAX_BATCH = 512;

/** The least time between two states sent because someone subscribed. */
export const IMMEDIATE_STATE_MIN_MS = 250;

export class EventTap implements RecordSink {
  readonly publisher: TapPublisher;
  private seq = 0;
  /** Events given so far (the header and states are not events): a recording's event count. */
  private events = 0;
  private header: unknown = null;
  private timer: NodeJS.Timeout | null = null;
  /** Records waiting to go out as one message, and the first one's number. */
  private batch: unknown[] = [];
  private batchSeq = 0;
  private batchTimer: NodeJS.Timeout | null = null;
  private readonly flushBatch = (): void => this.sendBatch();

  constructor(readonly config: NonNullable<LiveConfig['tap']>) {
    this.publisher = new TapPublisher({ bind: config.bind, highWaterMark: config.highWaterMark, maxQueue: config.maxQueue });
  }

  write(record: unknown): void {
    if ((record as { type?: unknown }).type === 'header') this.header = record;
    else this.events++;
    this.push(record);
  }

  /** A snapshot a worker can start from: what a replay of everything so far would hold. */
  state(nowUs: number, market: { quotes: QuoteView; lpStatus: LpStatusView }, productionHash: string): void {
    const quotes = market.quotes.entries().map((q) => [q.lp, q.lpSymbol, q.bidE8, q.askE8, q.bidSizeE8, q.askSizeE8, q.indicative ? 1 : 0, q.receivedUs]);
    this.push({ type: 'tap_state', ts: nowUs, header: this.header, eventsBefore: this.events, production: productionHash, lps: [...market.lpStatus], quotes });
  }

  /**
   * Numbers the record and adds it to the batch; a batch goes out as one message after batchMs
   * (or at MAX_BATCH records): one encode and one socket send for many events, where a send per
   * event woke libzmq's I/O thread for each (see bench/README.md, "Event tap").
   */
  private push(record: unknown): void {
    if (this.batch.length === 0) this.batchSeq = this.seq + 1;
    this.seq++;
    this.batch.push(record);
    if (this.config.batchMs === 0 || this.batch.length >= MAX_BATCH) this.sendBatch();
    else this.batchTimer ??= setTimeout(this.flushBatch, this.config.batchMs);
  }

  private sendBatch(): void {
    if (this.batchTimer !== null) {
      clearTimeout(this.batchTimer);
      this.batchTimer = null;
    }
    if (this.batch.length === 0) return;
    const records = this.batch;
    this.batch = [];
    this.publisher.send(encodeTapBatch(this.batchSeq, records), records.length);
  }

  /**
   * Binds, waits for the workers the config asks for (so they see the session's first event),
   * then sends: what was held (the header) and everything after, with a state every stateEveryMs
   * and at once for each new subscriber.
   */
  async start(logger: Logger, publishState: () => void): Promise<void> {
    await this.publisher.bind();
    const c = this.config;
    if (c.waitForSubscribers > 0 && !(await this.publisher.waitForSubscribers(c.waitForSubscribers, c.waitForSubscribersMs))) {
      logger.warn({ event: 'tap_workers_missing', wanted: c.waitForSubscribers, subscribed: this.publisher.counters.subscriptions }, 'tap_workers_missing');
    }
    this.publisher.release();
    this.timer = setInterval(publishState, c.stateEveryMs);
    // A new subscriber gets a state at once, but at most one per 250 ms: anyone who can reach the
    // socket can send subscriptions, and a snapshot of the whole book is work on the engine's thread.
    let lastImmediateMs = 0;
    this.publisher.onSubscribe = () => {
      const now = Date.now();
      if (now - lastImmediateMs < IMMEDIATE_STATE_MIN_MS) return;
      lastImmediateMs = now;
      publishState();
    };
  }

  /** The last events reach the socket before it closes (bounded: a stop never hangs on it). */
  async stop(): Promise<void> {
    if (this.timer !== null) clearInterval(this.timer);
    this.sendBatch();
    this.publisher.onSubscribe = null;
    await this.publisher.drain(1_000);
    this.publisher.close();
  }

  flush(): void {}

  close(): void {}
}
