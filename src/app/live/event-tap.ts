// The live engine's event tap (scale-out): every event the engine records, in order, numbered,
// on a ZeroMQ socket for shadow workers in other processes and hosts, plus a state snapshot
// every `stateEveryMs` (the book and LP states) from which a worker that joins late or lost
// messages can start comparing again. Production never waits for it: see TapPublisher.

import type { Logger } from 'pino';
import type { LpStatusView, QuoteView } from '../../core/shadow/context.js';
import { encodeTapMessage } from '../../gateways/zmq/tap-codec.js';
import { TapPublisher } from '../../gateways/zmq/tap-publisher.js';
import type { RecordSink } from '../../replay/recorder.js';
import type { LiveConfig } from '../live-config.js';

/** The least time between two states sent because someone subscribed. */
export const IMMEDIATE_STATE_MIN_MS = 250;

export class EventTap implements RecordSink {
  readonly publisher: TapPublisher;
  private seq = 0;
  /** Events given so far (the header and states are not events): a recording's event count. */
  private events = 0;
  private header: unknown = null;
  private timer: NodeJS.Timeout | null = null;

  constructor(readonly config: NonNullable<LiveConfig['tap']>) {
    this.publisher = new TapPublisher({ bind: config.bind, highWaterMark: config.highWaterMark, maxQueue: config.maxQueue });
  }

  write(record: unknown): void {
    if ((record as { type?: unknown }).type === 'header') this.header = record;
    else this.events++;
    this.publisher.send(encodeTapMessage(++this.seq, record));
  }

  /** A snapshot a worker can start from: what a replay of everything so far would hold. */
  state(nowUs: number, market: { quotes: QuoteView; lpStatus: LpStatusView }, productionHash: string): void {
    const quotes = market.quotes.entries().map((q) => [q.lp, q.lpSymbol, q.bidE8, q.askE8, q.bidSizeE8, q.askSizeE8, q.indicative ? 1 : 0, q.receivedUs]);
    this.publisher.send(encodeTapMessage(++this.seq, { type: 'tap_state', ts: nowUs, header: this.header, eventsBefore: this.events, production: productionHash, lps: [...market.lpStatus], quotes }));
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
    this.publisher.onSubscribe = null;
    await this.publisher.drain(1_000);
    this.publisher.close();
  }

  flush(): void {}

  close(): void {}
}
