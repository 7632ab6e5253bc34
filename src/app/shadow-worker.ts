// A shadow worker (scale-out): subscribes to a live engine's event tap, rebuilds the same market
// state and frozen contexts from the stream, runs its own candidate, compares, and writes its
// own run folder, the same files as a replay. It is a replay whose events arrive over ZeroMQ: a
// worker that saw the whole session writes exactly what a replay of the session's recording
// would. A gap in the sequence is coverage lost (`tap_gap`), never a divergence: the worker stops
// comparing until the next state snapshot, then starts again from it, and says so.

import { existsSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { randomBytes } from 'node:crypto';
import { XSubscriber } from 'zeromq';
import type { ShadowEngine } from '../core/engine.js';
import { BridgeError } from '../core/errors.js';
import type { LpStatus } from '../core/model/types.js';
import { decodeTapMessage, encodeUpstream } from '../gateways/zmq/tap-codec.js';
import { buildCandidateReport } from './candidate-report.js';
import { defaultCandidateId } from './more-candidates.js';
import { parseEventObject, parseHeaderObject } from '../replay/scenario-reader.js';
import type { ScenarioEvent, ScenarioHeader } from '../replay/scenario-types.js';
import { loadBundle } from '../mappings/load-bundle.js';
import { DEFAULT_PRODUCTION } from './paths.js';
import { runReplay, type EventSource, type ReplayResult, type ShadowView } from './replay.js';

/** How often a worker reports its candidate's figures up the tap (the engine shows them). */
export const REPORT_EVERY_MS = 1_000;

/** Events waiting for the candidate before the worker counts itself behind and resyncs. */
const MAX_BACKLOG = 200_000;

/** What a live engine's tap carries; anything else (a config change naming a path) is refused. */
const LIVE_EVENT_TYPES: ReadonlySet<unknown> = new Set(['quote', 'order', 'cancel', 'lp_status', 'lp_exec']);

export interface ShadowWorkerOptions {
  readonly connect: string;
  readonly candidate: string;
  readonly production?: string;
  readonly outDir: string | ((name: string) => string);
  readonly candidateBudgetUs?: number;
  readonly say?: (line: string) => void;
  /** The candidate's id in the engine's run.candidates (default: its folder or file name). */
  readonly id?: string;
  /** The token the engine expects for this id (null: none is sent). */
  readonly token?: string | null;
  /** How often figures are reported (default REPORT_EVERY_MS; tests shorten it). */
  readonly reportEveryMs?: number;
}

export interface TapStats {
  connect: string;
  /** 'start': the worker saw the session's first message; 'state': it started from a snapshot. */
  joinedFrom: 'start' | 'state' | null;
  joinedAtSeq: number;
  /** Engine time of the first event the worker compared from, µs. */
  comparingFromUs: number | null;
  gaps: number;
  lostMessages: number;
  resyncs: number;
  badMessages: number;
  lastSeq: number;
  reason: 'tap_gap';
  /** Engine stamp -> the worker takes the event up, µs (one clock only when worker and engine share a host). */
  lagUs: { p50: number; p99: number; max: number; count: number };
}

type Item = ScenarioEvent | { readonly setEvents: number };

/** The replay's event source: events pushed from the socket, pulled by the replay loop. */
class TapSource implements EventSource {
  readonly file: string;
  header!: ScenarioHeader;
  engine: ShadowEngine | null = null;
  private items: Item[] = [];
  private head = 0;
  private waiter: ((e: ScenarioEvent | null) => void) | null = null;
  private ended = false;

  /** Engine stamp -> taken up here, µs; a bounded sample (the last 100,000). */
  private readonly lags: number[] = [];
  private lagAt = 0;

  constructor(connect: string) {
    this.file = connect;
  }

  lagSummary(): { p50: number; p99: number; max: number; count: number } {
    if (this.lags.length === 0) return { p50: 0, p99: 0, max: 0, count: 0 };
    const sorted = [...this.lags].sort((a, b) => a - b);
    const at = (q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number;
    return { p50: at(0.5), p99: at(0.99), max: sorted.at(-1) as number, count: sorted.length };
  }

  get backlog(): number {
    return this.items.length - this.head;
  }

  push(item: Item): void {
    this.items.push(item);
    this.wake();
  }

  end(): void {
    this.ended = true;
    this.wake();
  }

  /** Hands the waiting replay loop its next event, if there is one now. */
  private wake(): void {
    if (this.waiter === null) return;
    const e = this.take();
    if (e === undefined) return;
    const w = this.waiter;
    this.waiter = null;
    w(e);
  }

  /** Drops what is queued (the worker fell too far behind; it resyncs from the next state). */
  clear(): number {
    const n = this.backlog;
    this.items = [];
    this.head = 0;
    return n;
  }

  next(): ScenarioEvent | null | Promise<ScenarioEvent | null> {
    const e = this.take();
    if (e !== undefined) return e;
    if (this.ended) return null;
    return new Promise((resolve) => (this.waiter = resolve));
  }

  /** The next event; null at the end; undefined when there is none yet. */
  private take(): ScenarioEvent | null | undefined {
    for (;;) {
      if (this.head >= this.items.length) {
        if (this.head > 0) {
          this.items = [];
          this.head = 0;
        }
        return this.ended ? null : undefined;
      }
      const item = this.items[this.head++] as Item;
      if ('setEvents' in item) {
        // Numbering as the engine's: correlation ids and context positions match a replay of the recording.
        if (this.engine !== null) (this.engine.counters as { events: number }).events = item.setEvents;
        continue;
      }
      if (item.type === 'order' || item.type === 'quote') {
        const lag = Math.floor((performance.timeOrigin + performance.now()) * 1000) - item.tsUs;
        if (this.lags.length < 100_000) this.lags.push(lag);
        else this.lags[this.lagAt++ % 100_000] = lag;
      }
      return item;
    }
  }

  progress(): { readBytes: number; totalBytes: number } {
    return { readBytes: 0, totalBytes: 0 };
  }

  close(): void {}
}

/** The events that rebuild a snapshot's state: LP states, then every quote with its own receive time. */
function stateEvents(state: Readonly<Record<string, unknown>>): { events: ScenarioEvent[]; eventsBefore: number } {
  const ts = state['ts'] as number;
  const events: ScenarioEvent[] = [];
  for (const [lp, status] of (state['lps'] as [string, LpStatus][]) ?? []) events.push({ type: 'lp_status', tsUs: ts, lp, status, reason: 'tap_state' });
  for (const q of (state['quotes'] as [string, string, number, number, number, number, number, number][]) ?? []) {
    events.push({ type: 'quote', tsUs: ts, quote: { lp: q[0], lpSymbol: q[1], bidE8: q[2], askE8: q[3], bidSizeE8: q[4], askSizeE8: q[5], indicative: q[6] === 1, receivedUs: q[7] } });
  }
  return { events, eventsBefore: state['eventsBefore'] as number };
}

export interface ShadowWorker {
  /** Resolves when the worker has started comparing (from the start, or from a state). */
  readonly joined: Promise<TapStats>;
  readonly stats: TapStats;
  /** Ends the stream: the replay finishes and writes its run folder. */
  stop(): Promise<ReplayResult | null>;
}

export function startShadowWorker(o: ShadowWorkerOptions): ShadowWorker {
  const say = o.say ?? (() => {});
  const productionDir = o.production ?? DEFAULT_PRODUCTION;
  const productionHash = loadBundle(productionDir).hash;
  // Said now, not when the first event arrives: a worker that cannot run its candidate is no worker.
  if (!existsSync(o.candidate)) throw new BridgeError('SB_ERR_CANDIDATE_NOT_FOUND', `${o.candidate}: no such bundle folder or module`);
  // A bounded message size: a snapshot of every quote is a few hundred KB; nothing needs more.
  // XSUB, not SUB: the worker also sends its figures up the same connection.
  const sub = new XSubscriber({ receiveHighWaterMark: 100_000, linger: 500, maxMessageSize: 16 * 1024 * 1024, sendHighWaterMark: 100 });
  sub.connect(o.connect);
  // Subscribe to everything (libzmq repeats it on every reconnection).
  void sub.send(Buffer.from([1])).catch(() => {});
  const id = o.id ?? defaultCandidateId(o.candidate);
  const instance = randomBytes(8).toString('hex');
  let reportsSent = 0;
  let view: ShadowView | null = null;
  let reporting: Promise<void> = Promise.resolve();
  /** One report of the figures now; sends never overlap (the socket takes one at a time). */
  const report = (): Promise<void> => {
    const v = view;
    if (v === null) return reporting;
    reporting = reporting.then(async () => {
      const lag = source.lagSummary();
      const message = buildCandidateReport({
        id,
        instance,
        n: ++reportsSent,
        token: o.token ?? null,
        name: v.name,
        hash: v.hash,
        production: productionHash,
        atUs: Math.floor((performance.timeOrigin + performance.now()) * 1000),
        counters: v.counters,
        tally: v.tally,
        latencyUs: v.latencyUs(),
        tap: { gaps: stats.gaps, lostMessages: stats.lostMessages, joinedFrom: stats.joinedFrom, lagUsP99: lag.p99 },
        runFolder: v.outDir,
      });
      await sub.send(encodeUpstream(message)).catch(() => {});
    });
    return reporting;
  };
  const reportTimer = setInterval(() => void report(), o.reportEveryMs ?? REPORT_EVERY_MS);
  reportTimer.unref();
  const stats: TapStats = { connect: o.connect, joinedFrom: null, joinedAtSeq: 0, comparingFromUs: null, gaps: 0, lostMessages: 0, resyncs: 0, badMessages: 0, lastSeq: 0, reason: 'tap_gap', lagUs: { p50: 0, p99: 0, max: 0, count: 0 } };
  const source = new TapSource(o.connect);
  let mode: 'waiting' | 'running' | 'resync' = 'waiting';
  let replay: Promise<ReplayResult> | null = null;
  let failure: BridgeError | null = null;
  let onJoined: (s: TapStats) => void = () => {};
  let onJoinFailed: (e: Error) => void = () => {};
  const joined = new Promise<TapStats>((resolve, reject) => {
    onJoined = resolve;
    onJoinFailed = reject;
  });
  joined.catch(() => {});

  const begin = (header: ScenarioHeader): void => {
    source.header = header;
    replay = runReplay({
      scenario: `tap ${o.connect}`,
      source,
      production: productionDir,
      candidate: o.candidate,
      outDir: o.outDir,
      ...(o.candidateBudgetUs === undefined ? {} : { candidateBudgetUs: o.candidateBudgetUs }),
      onEngine: (engine) => (source.engine = engine),
      onShadow: (v) => (view = v),
      summaryExtra: () => ({ tap: { ...stats, lagUs: source.lagSummary() } }),
    });
    replay.catch(() => {});
  };

  /** Starts (again) from a snapshot: its state as events, numbered as the engine numbered them. */
  const fromState = (record: Readonly<Record<string, unknown>>, seq: number): void => {
    if (record['production'] !== productionHash) {
      failure = new BridgeError('SB_ERR_CONFIG', `the engine's production bundle is ${String(record['production'])}, this worker's ${productionDir} is ${productionHash}: a worker must replay the production the engine runs`);
      onJoinFailed(failure);
      clearInterval(reportTimer);
      sub.linger = 0;
      void sub.close();
      source.end();
      return;
    }
    const { events, eventsBefore } = stateEvents(record);
    if (replay === null) begin(parseHeaderObject(o.connect, record['header'] as Record<string, unknown>));
    source.push({ setEvents: eventsBefore - events.length });
    for (const e of events) source.push(e);
    stats.comparingFromUs ??= record['ts'] as number;
    if (stats.joinedFrom === null) {
      stats.joinedFrom = 'state';
      stats.joinedAtSeq = seq;
      say(`shadow-worker: comparing from a state snapshot at tap message ${seq}`);
      onJoined(stats);
    } else say(`shadow-worker: comparing again from tap message ${seq} after a gap`);
    mode = 'running';
  };

  /** One numbered record from the tap (a message carries one or a batch of consecutive ones). */
  const onRecord = (seq: number, record: Record<string, unknown>): void => {
    const type = record['type'];
    if (mode === 'waiting') {
      if (type === 'header' && seq === 1) {
        begin(parseHeaderObject(o.connect, record));
        stats.joinedFrom = 'start';
        stats.joinedAtSeq = 1;
        mode = 'running';
        say('shadow-worker: comparing from the start of the session');
        onJoined(stats);
      } else if (type === 'tap_state') fromState(record, seq);
      stats.lastSeq = seq;
      return;
    }
    if (seq <= stats.lastSeq) return; // a repeat: nothing new
    if (seq !== stats.lastSeq + 1 && mode === 'running') {
      stats.gaps++;
      stats.lostMessages += seq - stats.lastSeq - 1;
      mode = 'resync';
      say(`shadow-worker: tap gap (${seq - stats.lastSeq - 1} records lost after ${stats.lastSeq}); waiting for the next state`);
    }
    stats.lastSeq = seq;
    if (type === 'tap_state') {
      if (mode === 'resync') {
        stats.resyncs++;
        fromState(record, seq);
      } else if (record['production'] !== productionHash) fromState(record, seq);
      return;
    }
    if (mode !== 'running' || type === 'header') return;
    if (!LIVE_EVENT_TYPES.has(type)) {
      stats.badMessages++;
      return;
    }
    if (source.backlog > MAX_BACKLOG) {
      // Behind by more than it may hold: drop the backlog, count it, resync from the next state.
      stats.gaps++;
      stats.lostMessages += source.clear();
      mode = 'resync';
      return;
    }
    try {
      source.push(parseEventObject(o.connect, seq, record, true));
    } catch {
      stats.badMessages++;
    }
  };

  let stopping = false;
  const receive = async (): Promise<void> => {
    try {
      for await (const [frame] of sub) {
        if (stopping) break;
        const m = frame === undefined ? null : decodeTapMessage(frame);
        if (m === null) {
          stats.badMessages++;
          continue;
        }
        for (let i = 0; i < m.records.length && failure === null; i++) onRecord(m.seq + i, m.records[i] as Record<string, unknown>);
      }
    } catch {
      // the socket was closed
    }
  };
  void receive();

  return {
    joined,
    stats,
    stop: async () => {
      clearInterval(reportTimer);
      stopping = true;
      source.end();
      if (failure !== null) {
        sub.close();
        throw failure;
      }
      try {
        const result = replay === null ? null : await replay;
        // The final figures, then the socket closes (its linger lets the report leave).
        await report();
        return result;
      } finally {
        sub.close();
      }
    },
  };
}
