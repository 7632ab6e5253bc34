// The live shadow engine: FIX initiators to the LPs (prices in, orders out, executions in), a
// FIX acceptor for platforms (orders in, executions and marked-up prices out), production routing
// on every order with the candidate shadowing it, and the same run folder as a replay.
// Every inbound event is stamped once; the stamp is what the engine decides with and what the
// recorder writes, so replaying a recording reproduces the live decisions exactly.

import { readFileSync } from 'node:fs';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { ShadowEngine } from '../core/engine.js';
import type { LpExecution } from '../core/model/lifecycle.js';
import { formatTimestampUs } from '../core/model/timestamps.js';
import { REJECT_REASONS, type Decision, type Order, type OrderRequest } from '../core/model/types.js';
import { isRefusal, lpOrderTerms } from '../core/orders/lp-order.js';
import { DEFAULT_DESK_OPTIONS, OrderDesk, type ClientReport, type DeskExecution, type Reconciliation } from '../core/orders/order-desk.js';
import type { Clock, NotSent, OrderSink, Stopwatch } from '../core/ports.js';
import { isAsyncRouter, type Router } from '../core/routing/router.js';
import { BundleRouter } from '../core/routing/bundle-router.js';
import type { RoutingBundle } from '../core/routing/bundle.js';
import { rebuildContext } from '../core/shadow/context.js';
import { DEFAULT_COMPARE_POLICY } from '../core/shadow/divergence.js';
import { ShadowRunner } from '../core/shadow/shadow-runner.js';
import { freeFilePath as freeFileName, RunFolder } from '../exporters/run-folder.js';
import { JsonlWriter } from '../exporters/jsonl-writer.js';
import { buildSummary, type RunSummary } from '../exporters/summary.js';
import { applyMarketData, decodeMarketDataRequest, encodeMarketDataRequest, encodeSnapshot, type TopOfBook } from '../fix/app/market-data.js';
import { decodeExecutionReport, decodeNewOrderSingle, encodeLpOrder, encodeOrderStatusRequest, encodePlatformExecution, isDecodeProblem } from '../fix/app/orders.js';
import { FixMessage } from '../fix/codec/message.js';
import { MsgType, Tag } from '../fix/codec/tags.js';
import { builtinFix44Dictionary } from '../fix/dictionary/fix44-builtin.js';
import { FileSessionStore } from '../fix/session/file-store.js';
import { atTurnEnd } from '../fix/session/turn-batch.js';
import { DEFAULT_SESSION_CONFIG, FixSession, UnsupportedMessageType, type SessionLog, type SessionSchedule } from '../fix/session/session.js';
import { BridgeError } from '../core/errors.js';
import { FixAcceptor } from '../gateways/fix/acceptor.js';
import { FixInitiator } from '../gateways/fix/initiator.js';
import { loadBundle } from '../mappings/load-bundle.js';
import { ScenarioRecorder } from '../replay/recorder.js';
import { initLatency, LatencyHistogram, type LatencySummaryUs } from '../telemetry/latency.js';
import { createFileLogger, PinoLifecycleLog } from '../telemetry/logger.js';
import { RateLimitedLog } from '../telemetry/rate-limited-log.js';
import { loadLiveCandidate } from './candidate.js';
import { liveConfigFrom, type LiveConfigInput } from './live-config.js';
import { FileOrderJournal } from './live/order-journal.js';
import { displayPath } from './paths.js';

/** Price subscriptions one platform session may hold (symbols x requests). */
const MAX_SUBSCRIPTIONS_PER_SESSION = 1_000;

/** Longest a stop waits for the candidate to finish what is queued before counting it dropped. */
const STOP_GRACE_MS = 5_000;

/** Longest the candidate may run in one go while production waits for the event loop. */
const SHADOW_SLICE_NS = 250_000;

export interface LiveEngine {
  readonly runId: string;
  readonly platformPort: number;
  readonly outDir: string;
  summary(): RunSummary;
  lpConnected(lp: string): boolean;
  /** Orders sent to LPs and not finished (the order desk). */
  openOrders(): number;
  /** Orders a previous run left in flight that this run took over from the order journal. */
  readonly recoveredOrders: number;
  /** How far the shadow trails production (null without a candidate); still answers after stop. */
  shadowQueue(): ShadowQueueStats | null;
  /** Logs every session out, drains the shadow, writes the summary and closes every file. */
  stop(): Promise<RunSummary>;
}

/** Wall-clock microseconds, stamped once per inbound event and never going backwards. */
class EventClock implements Clock {
  private current = 0;
  stamp(): number {
    const t = Math.floor((performance.timeOrigin + performance.now()) * 1000);
    if (t > this.current) this.current = t;
    return this.current;
  }
  nowUs(): number {
    return this.current;
  }
}

/** A marked-up two-way price for one client group and symbol. */
type ClientQuote = NonNullable<ReturnType<BundleRouter['clientQuote']>>;

interface PriceSubscription {
  readonly session: FixSession;
  readonly mdReqId: string;
  readonly platformSymbol: string;
  readonly group: string;
  lastSentMs: number;
}

const stopwatch: Stopwatch = { nowNs: () => performance.now() * 1e6 };

/** A FIX session schedule from a trading-session definition in the bundle. */
function scheduleFor(bundle: RoutingBundle, name: string | null, resetAtStart: boolean): SessionSchedule | null {
  if (name === null) return null;
  const session = bundle.sessions.get(name);
  if (session === undefined) throw new BridgeError('SB_ERR_FIX_CONFIG', `schedule "${name}" is not a session in ${bundle.name}/sessions.yaml (${[...bundle.sessions.keys()].join(', ')})`);
  return { isOpen: (ms) => session.isOpen(ms * 1000), resetAtStart };
}

/** LP symbol -> canonical instrument, per LP, from a bundle. */
function lpSymbolIndex(bundle: RoutingBundle): Map<string, Map<string, string>> {
  const out = new Map<string, Map<string, string>>();
  for (const lp of bundle.lps.values()) {
    const m = new Map<string, string>();
    for (const [canonical, lpSymbol] of lp.symbols) m.set(lpSymbol, canonical);
    out.set(lp.id, m);
  }
  return out;
}

export interface ShadowQueueStats {
  /** The deepest the candidate's queue has been. */
  readonly highWater: number;
  /** Time each order's context waited before the candidate decided on it. */
  readonly lagUs: LatencySummaryUs;
}

export interface LiveEngineOptions {
  /** Decorates the candidate (benchmarks use it for a deliberately slow candidate). */
  readonly wrapCandidate?: (router: Router) => Router;
}

/** `file` moved from folder `from` into folder `to` when it lies inside `from`; else unchanged. */
function rebase(file: string, from: string, to: string): string {
  const rel = relative(resolve(from), resolve(file));
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel) ? join(to, rel) : file;
}

/** sha256 of a secret, for constant-time comparison whatever its length. */
function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

/** True when `given` equals `expected`, in time that does not depend on where they differ. */
function secretMatches(given: string | undefined, expected: string): boolean {
  return timingSafeEqual(digest(given ?? '\u0000absent'), digest(expected)) && given !== undefined;
}

export async function startLiveEngine(input: LiveConfigInput, runId = `live-${randomBytes(3).toString('hex')}`, options: LiveEngineOptions = {}): Promise<LiveEngine> {
  const config = liveConfigFrom(input);
  await initLatency();
  const productionBundle = loadBundle(config.run.production);
  const production = new BundleRouter('production', productionBundle);
  const candidateLoaded = config.run.candidate === null ? null : await loadLiveCandidate(config.run.candidate, Math.max(1, Math.ceil(config.run.candidateBudgetUs / 1000)));
  const candidateBundle = config.run.candidate !== null && candidateLoaded?.router instanceof BundleRouter ? loadBundle(config.run.candidate) : null;
  const aa = candidateLoaded !== null && candidateLoaded.router.configHash === production.configHash;

  // The order desk first: a journal that cannot be read (corrupt, unreadable) stops start-up
  // before anything listens or connects.
  const journal = new FileOrderJournal(config.platform.storeDir, config.run.orderJournalFsync);
  // Fills, closes and used ids are written once per turn, before the turn's socket writes.
  journal.scheduleFlush = (flush) => atTurnEnd('journal', flush);
  const desk = new OrderDesk(journal, { ...DEFAULT_DESK_OPTIONS, lpTimeoutMs: config.run.lpOrderTimeoutMs, unresolvedAfterMs: config.run.lpUnresolvedAfterMs });
  let recovery;
  try {
    recovery = journal.load(desk, config.run.recoverJournal);
  } catch (error) {
    journal.close();
    throw error;
  }

  const folder = new RunFolder(config.run.out, false);
  // Background: log batches are written on the thread pool, never on the routing thread.
  const logFile = createFileLogger(folder.path('engine.log'), 'info', true);
  const logger = logFile.logger;
  // What peers send us is logged with a bound: a flood of garbage is counted, not written.
  const peerLog = new RateLimitedLog(
    { event: (name, fields) => logger.info({ event: name, ...fields }, name) },
    { burst: 20, windowMs: 10_000, unlimited: new Set(['fix_logon', 'fix_logout_received', 'fix_logout_confirmed', 'fix_sequence_reset_by_logon', 'fix_schedule_reset']) },
  );
  const sessionLog: SessionLog = peerLog;
  // Every run-folder record of this turn is in the files before any socket write of the turn:
  // what a platform or LP has been told is never missing from the folder after a kill -9.
  const flushFolder = (): void => folder.flushSync();
  folder.onWrite = () => atTurnEnd('journal', flushFolder);
  const clock = new EventClock();
  const startUs = clock.stamp();
  if (folder.previousRun !== null) logger.warn({ event: 'run_folder_continued', previousRun: folder.previousRun, runFolder: folder.finalDir }, 'run_folder_continued');
  if (recovery.openOrders > 0 || recovery.tornTail || recovery.skipped > 0) logger.warn({ event: 'order_journal_recovered', ...recovery, file: journal.file }, 'order_journal_recovered');
  // A recording inside the run folder follows the folder (a restart's folder gets its own).
  const recordPath = config.run.record === null ? null : freeFileName(rebase(config.run.record, config.run.out, folder.finalDir));
  const recorder =
    recordPath === null
      ? null
      : // No LP is up at the start of a live run: each one's Logon is recorded as an lp_status event.
        new ScenarioRecorder(new JsonlWriter(recordPath, true, 'count'), runId, `live run ${runId}, LPs ${config.lps.map((l) => l.id).join(', ')}${folder.previousRun === null ? '' : `; continues ${folder.previousRun}`}`, startUs, []);

  const productionLatency = new LatencyHistogram();
  const candidateLatency = new LatencyHistogram();
  const shadowQueueLag = new LatencyHistogram();
  let shadow: ShadowRunner | null = null;
  if (candidateLoaded !== null) {
    shadow = new ShadowRunner(
      options.wrapCandidate !== undefined && !isAsyncRouter(candidateLoaded.router) ? options.wrapCandidate(candidateLoaded.router) : candidateLoaded.router,
      {
        maxQueue: config.run.maxShadowQueue,
        sampleRate: 1,
        budgetNs: config.run.candidateBudgetUs * 1000,
        policy: DEFAULT_COMPARE_POLICY,
        knownLps: new Set(productionBundle.lps.keys()),
        rebuildContext: aa ? rebuildContext : null,
      },
      folder,
      folder,
      stopwatch,
      candidateLatency,
    );
    shadow.queueLag = shadowQueueLag;
  }
  let drainScheduled = false;
  const scheduleDrain = (): void => {
    if (shadow === null || drainScheduled) return;
    drainScheduled = true;
    // The candidate runs after the current I/O callback returns: production's order is already
    // written to the LP socket by then. A backlog is worked off in slices, one per turn of the
    // event loop, so orders arriving meanwhile are read and routed between slices.
    setImmediate(() => {
      drainScheduled = false;
      if (shadow === null) return;
      shadow.drain(SHADOW_SLICE_NS);
      if (shadow.wantsDrain()) scheduleDrain();
    });
  };

  // ---- LP side ------------------------------------------------------------------------------
  const lpSessions = new Map<string, FixSession>();
  const lpIndex = lpSymbolIndex(productionBundle);
  const contractSizeOf = (lp: string, lpSymbol: string): number => {
    const canonical = lpIndex.get(lp)?.get(lpSymbol);
    return canonical === undefined ? 0 : (productionBundle.instruments.get(canonical)?.contractSize ?? 0);
  };
  const lpConfigs = new Map(config.lps.map((l) => [l.id, l]));

  // ---- Platform side: the order port production uses --------------------------------------
  const platformSessions = new Map<string, FixSession>();
  let inbound: { session: FixSession; key: string } | null = null;
  const reconciliationCounts: Record<string, number> = {};
  /** A break between the engine's view and an LP's: written, counted, and alerted in the log. */
  const reconcile = (r: Reconciliation): void => {
    reconciliationCounts[r.kind] = (reconciliationCounts[r.kind] ?? 0) + 1;
    folder.reconciliation({ at: formatTimestampUs(r.atMs * 1000), kind: r.kind, correlationId: r.correlationId, session: r.session, clientOrderId: r.clOrdId, lp: r.lp, detail: r.detail });
    logger.error({ event: 'reconciliation_break', kind: r.kind, correlationId: r.correlationId, lp: r.lp, detail: r.detail }, 'reconciliation_break');
  };
  /** An ExecutionReport to the platform that sent the order; stored for resend if it is offline. */
  const sendReport = (r: ClientReport): void => {
    const session = platformSessions.get(r.order.session);
    if (session === undefined) return;
    const o = r.order;
    session.sendAppDurable(MsgType.ExecutionReport, (e) =>
      encodePlatformExecution(e, {
        orderId: o.correlationId,
        execId: `${o.correlationId}-${r.number}`,
        clOrdId: o.clOrdId,
        symbol: o.platformSymbol,
        side: o.side,
        execType: r.execType,
        ordStatus: r.ordStatus,
        orderQtyE8: o.orderQtyE8,
        lastQtyE8: r.lastQtyE8,
        lastPxE8: r.lastPxE8,
        cumQtyE8: r.cumQtyE8,
        avgPxE8: r.avgPxE8,
        priceDigits: o.priceDigits,
        ordRejReason: r.ordRejReason,
        text: r.text,
        nowMs: Date.now(),
      }),
    );
  };
  let refusals = 0;
  /** Rejects an order the engine will not send (ER 8, OrdRejReason), with an ExecID of its own. */
  const refuseOrder = (session: FixSession, o: { clOrdId: string; symbol: string; side: 'buy' | 'sell'; qtyE8: number }, ordRejReason: number, text: string, orderId = 'NONE'): void => {
    refusals++;
    session.sendAppDurable(MsgType.ExecutionReport, (e) =>
      encodePlatformExecution(e, { orderId, execId: `${runId}-R${refusals}`, clOrdId: o.clOrdId, symbol: o.symbol, side: o.side, execType: '8', ordStatus: '8', orderQtyE8: o.qtyE8, lastQtyE8: 0, lastPxE8: 0, cumQtyE8: 0, avgPxE8: 0, priceDigits: 5, ordRejReason, text, nowMs: Date.now() }),
    );
  };
  const refusedFrom = (order: Order) => ({ clOrdId: order.clientOrderId, symbol: order.platformSymbol, side: order.side, qtyE8: order.volumeE8 });
  let journalRefusals = 0;
  /** A routed order that will not be sent: the platform is told, the ClOrdID stays used. */
  const notSent = (origin: { session: FixSession; key: string }, order: Order, reason: string, ordRejReason: number, detail: string): NotSent => {
    desk.admit(origin.key, order.clientOrderId);
    refuseOrder(origin.session, refusedFrom(order), ordRejReason, detail, order.correlationId);
    return { reason, detail };
  };
  const orderSink: OrderSink = {
    onProductionDecision(order: Order, decision: Decision): NotSent | null {
      const origin = inbound;
      if (origin === null) return null;
      if (decision.action !== 'route' || decision.lp === null) {
        desk.admit(origin.key, order.clientOrderId);
        const reason = decision.rejectReason ?? 'no_route';
        refuseOrder(origin.session, refusedFrom(order), REJECT_REASONS[reason].ordRejReason, decision.detail ?? REJECT_REASONS[reason].text, order.correlationId);
        return null;
      }
      const instrument = decision.instrument === null ? undefined : productionBundle.instruments.get(decision.instrument);
      const lpSession = lpSessions.get(decision.lp);
      const lpConfig = lpConfigs.get(decision.lp);
      if (instrument === undefined || lpSession === undefined || lpConfig === undefined || decision.lpSymbol === null) return notSent(origin, order, 'unknown_route', 99, `LP ${decision.lp} or instrument ${decision.instrument} is not configured`);
      if (!lpSession.isLoggedOn) return notSent(origin, order, 'lp_unavailable', 99, `LP ${decision.lp} unavailable`);
      // The last line of defence: a price or quantity an LP must never see is refused here.
      const terms = lpOrderTerms(order, decision, instrument);
      if (isRefusal(terms)) return notSent(origin, order, terms.refused, REJECT_REASONS[terms.refused].ordRejReason, terms.detail);
      try {
        // Write-ahead: the desk journals the order before a byte of it leaves for the LP.
        const evicted = desk.open({
          correlationId: order.correlationId,
          session: origin.key,
          clOrdId: order.clientOrderId,
          platformSymbol: order.platformSymbol,
          side: order.side,
          orderQtyE8: order.volumeE8,
          priceDigits: instrument.digits,
          pointE8: instrument.pointE8,
          markupE8: decision.markupE8,
          quotedLpPxE8: decision.lpPriceE8,
          lp: decision.lp,
          lpSymbol: decision.lpSymbol,
          executedBy: decision.router,
          sentAtMs: Date.now(),
        });
        if (evicted !== null) reconcile(evicted);
      } catch (error) {
        if (journalRefusals++ === 0) logger.error({ event: 'orders_refused_journal_failed', detail: (error as Error).message }, 'orders_refused_journal_failed');
        refuseOrder(origin.session, refusedFrom(order), 99, `Order journal unavailable (${(error as { code?: string }).code ?? 'SB_ERR_JOURNAL_IO'})`, order.correlationId);
        return { reason: 'journal_unavailable', detail: (error as Error).message };
      }
      lpSession.sendApp(MsgType.NewOrderSingle, (e) =>
        encodeLpOrder(e, {
          lpClOrdId: order.correlationId,
          lpSymbol: decision.lpSymbol as string,
          side: order.side,
          unitsE8: terms.unitsE8,
          ordType: order.ordType,
          priceE8: terms.limitPxE8,
          priceDigits: terms.priceDigits,
          account: lpConfig.account,
          nowMs: Date.now(),
        }),
      );
      return null;
    },
  };

  const engine = new ShadowEngine({
    production,
    shadow,
    orderSink,
    journal: folder,
    log: new PinoLifecycleLog(logger),
    clock,
    stopwatch,
    productionLatency,
    correlationPrefix: `${runId}-`,
    maxTrackedOrders: 100_000,
  });

  // Orders a previous run left in flight: the engine's tracker takes them over, so the fills
  // their LPs send now are booked and recorded under the ids they were sent with.
  for (const o of desk.openOrders()) engine.adoptOrder({ correlationId: o.order.correlationId, clientOrderId: o.order.clOrdId, session: o.order.session, lp: o.order.lp, volumeE8: o.order.orderQtyE8, cumQtyE8: o.cumQtyE8 });

  /** An LP execution: booked once by the desk (journaled first), recorded, and passed on. */
  const onLpExecution = (exec: LpExecution): void => {
    const ts = clock.stamp();
    const correlationId = exec.clientOrderId; // LPs know the order by our LP-side ClOrdID
    const held = desk.findByCorrelation(correlationId);
    const deskExec: DeskExecution = {
      lp: exec.lp,
      lpOrderId: exec.lpOrderId,
      execId: exec.execId,
      kind: exec.execType,
      lastQtyE8: exec.lastQtyE8,
      lastPxE8: exec.lastPxE8,
      cumQtyE8: exec.cumQtyE8 ?? 0,
      avgPxE8: exec.avgPxE8 ?? 0,
      terminal: exec.terminal ?? false,
      text: exec.text,
    };
    const outcome = desk.onExecution(correlationId, deskExec, Math.floor(ts / 1000));
    // The engine and the recording know the order by the platform's session and ClOrdID.
    // Spelled out, not spread: a spread is a generic copy, measured at microseconds per report.
    const booked: LpExecution =
      held === undefined
        ? exec
        : { lp: exec.lp, clientOrderId: held.clOrdId, session: held.session, lpOrderId: exec.lpOrderId, execId: exec.execId, execType: exec.execType, lastQtyE8: exec.lastQtyE8, lastPxE8: exec.lastPxE8, text: exec.text, ...(exec.execType === 'status' ? { cumQtyE8: exec.cumQtyE8 ?? 0, avgPxE8: exec.avgPxE8 ?? 0, terminal: exec.terminal ?? false } : {}) };
    if (outcome.kind === 'booked') {
      recorder?.lpExec(ts, booked);
      engine.onLpExecution(booked, correlationId);
    } else if (outcome.kind === 'duplicate') {
      engine.onLpExecutionDuplicate(booked, correlationId);
    } else {
      engine.onLpExecution(booked, correlationId);
    }
    for (const r of outcome.reconciliations) reconcile(r);
    for (const r of outcome.reports) sendReport(r);
  };

  /** LP silence: status requests, platforms told the order is pending, unresolved orders flagged. */
  const checkLpTimeouts = (): void => {
    for (const action of desk.due(Date.now())) {
      const o = action.order;
      if (action.kind === 'request_status') {
        const lpSession = lpSessions.get(o.lp);
        const sent = lpSession?.sendApp(MsgType.OrderStatusRequest, (e) => encodeOrderStatusRequest(e, { lpClOrdId: o.correlationId, lpOrderId: null, lpSymbol: o.lpSymbol, side: o.side })) ?? -1;
        logger.warn({ event: 'lp_order_timeout', correlationId: o.correlationId, lp: o.lp, statusRequestSent: sent > 0 }, 'lp_order_timeout');
      }
      if (action.report !== null) sendReport(action.report);
      if (action.reconciliation !== null) reconcile(action.reconciliation);
    }
  };

  // ---- Prices to platforms --------------------------------------------------------------
  const subscriptions = new Map<string, PriceSubscription[]>(); // canonical -> subscriptions
  const quoteShadow = { compared: 0, diverged: 0 };
  const publish = (lp: string, lpSymbol: string): void => {
    const canonical = lpIndex.get(lp)?.get(lpSymbol);
    const subs = canonical === undefined ? undefined : subscriptions.get(canonical);
    if (subs === undefined || subs.length === 0) return;
    const now = Date.now();
    const market = engine.marketView();
    const view = { quotes: market.quotes, lpStatus: market.lpStatus, nowUs: clock.nowUs() };
    // Subscribers in the same group on the same symbol get the same price: priced once each.
    const priced = new Map<string, { production: ClientQuote | null; diverged: boolean }>();
    for (const sub of subs) {
      if (now - sub.lastSentMs < config.platform.priceThrottleMs || !sub.session.isLoggedOn) continue;
      const key = `${sub.group}\u0000${sub.platformSymbol}`;
      let price = priced.get(key);
      if (price === undefined) {
        const q = production.clientQuote(view, sub.group, '', sub.platformSymbol);
        // The candidate's price for the same client is computed and compared, never sent.
        const c = q === null || !(candidateLoaded?.router instanceof BundleRouter) ? undefined : candidateLoaded.router.clientQuote(view, sub.group, '', sub.platformSymbol);
        price = { production: q, diverged: c !== undefined && (c === null || q === null || c.bidE8 !== q.bidE8 || c.askE8 !== q.askE8) };
        priced.set(key, price);
      }
      const q = price.production;
      if (q === null) continue;
      sub.lastSentMs = now;
      sub.session.sendApp(MsgType.MarketDataSnapshotFullRefresh, (e) => encodeSnapshot(e, sub.mdReqId, sub.platformSymbol, q.bidE8, q.askE8, 1_000_000 * 100_000_000, q.digits));
      if (candidateLoaded?.router instanceof BundleRouter) {
        // Counted per published price, as before: each subscriber's price is one comparison.
        quoteShadow.compared++;
        if (price.diverged) quoteShadow.diverged++;
      }
    }
  };

  // ---- LP initiators --------------------------------------------------------------------
  const initiators: FixInitiator[] = [];
  const lpSymbolsToSubscribe = (lp: string): string[] => {
    const set = new Set<string>(productionBundle.lps.get(lp)?.symbols.values() ?? []);
    if (candidateBundle !== null) for (const s of candidateBundle.lps.get(lp)?.symbols.values() ?? []) set.add(s);
    return [...set].sort();
  };
  for (const lpc of config.lps) {
    const books = new Map<string, TopOfBook>();
    const subscribedSymbols: ReadonlySet<string> = new Set(lpSymbolsToSubscribe(lpc.id));
    const session = new FixSession(
      {
        ...DEFAULT_SESSION_CONFIG,
        senderCompId: lpc.senderCompId,
        targetCompId: lpc.targetCompId,
        role: 'initiator',
        heartBtIntSec: lpc.heartBtIntSec,
        resendMaxAgeMs: lpc.resendMaxAgeMs,
        maxLatencySec: 0,
        schedule: scheduleFor(productionBundle, lpc.schedule, lpc.resetAtScheduleStart),
        ...(lpc.username === undefined ? {} : { username: lpc.username }),
        ...(lpc.password === undefined ? {} : { password: lpc.password }),
      },
      // Inbound LP numbers are coalesced: after a crash the LP resends a few messages, which are
      // quotes (replaced by the next) and executions (booked once per LP/OrderID/ExecID).
      // Orders older than resendMaxAgeMs are gap-filled, never resent, so only a short window is kept.
      new FileSessionStore(config.platform.storeDir, `${lpc.senderCompId}-${lpc.targetCompId}`, (process.env['SB_FSYNC'] as 'never' | undefined) ?? 'interval', 100, true, 2_000, config.run.recoverJournal),
      {
        onLogon(s) {
          const ts = clock.stamp();
          recorder?.lpStatus(ts, lpc.id, 'up', 'logon');
          engine.onLpStatus(lpc.id, 'up');
          const symbols = lpSymbolsToSubscribe(lpc.id);
          if (symbols.length > 0) s.sendApp(MsgType.MarketDataRequest, (e) => encodeMarketDataRequest(e, `${runId}-${lpc.id}`, symbols));
        },
        onLogout(_s, reason) {
          const ts = clock.stamp();
          recorder?.lpStatus(ts, lpc.id, 'down', reason);
          engine.onLpStatus(lpc.id, 'down');
          books.clear();
        },
        fromApp(_s, m) {
          switch (m.msgType) {
            case MsgType.MarketDataSnapshotFullRefresh:
            case MsgType.MarketDataIncrementalRefresh: {
              const changed = applyMarketData(m, books, subscribedSymbols);
              for (const lpSymbol of changed) {
                const b = books.get(lpSymbol) as TopOfBook;
                const ts = clock.stamp();
                const quote = { lp: lpc.id, lpSymbol, bidE8: b.bidE8, askE8: b.askE8, bidSizeE8: b.bidSizeE8, askSizeE8: b.askSizeE8, indicative: b.indicative, receivedUs: ts };
                recorder?.quote(ts, quote);
                engine.onQuote(quote);
                publish(lpc.id, lpSymbol);
              }
              return;
            }
            case MsgType.ExecutionReport: {
              const exec = decodeExecutionReport(m, lpc.id, (s) => contractSizeOf(lpc.id, s));
              if (isDecodeProblem(exec)) {
                sessionLog.event('lp_exec_invalid', { lp: lpc.id, problem: exec.text });
                return;
              }
              onLpExecution(exec);
              return;
            }
            case MsgType.MarketDataRequestReject:
            case MsgType.OrderCancelReject:
            case MsgType.BusinessMessageReject:
              logger.warn({ event: 'lp_reject_message', lp: lpc.id, msgType: m.msgType, text: m.str(Tag.Text) }, 'lp_reject_message');
              return;
            default:
              throw new UnsupportedMessageType(m.msgType);
          }
        },
      },
      { nowMs: () => Date.now() },
      sessionLog,
      () => new FixMessage(),
    );
    lpSessions.set(lpc.id, session);
    const tls = lpc.tls === null ? undefined : { rejectUnauthorized: lpc.tls.rejectUnauthorized, ...(lpc.tls.caFile === undefined ? {} : { ca: readFileSync(lpc.tls.caFile) }), ...(lpc.tls.servername === undefined ? {} : { servername: lpc.tls.servername }) };
    const initiator = new FixInitiator({ host: lpc.host, port: lpc.port, session, log: sessionLog, reconnectMinMs: 250, reconnectMaxMs: 5_000, ...(tls === undefined ? {} : { tls }) });
    initiators.push(initiator);
  }

  // ---- Platform acceptor ----------------------------------------------------------------
  const platformDictionary = builtinFix44Dictionary();
  for (const pc of config.platform.sessions) {
    const groups = { groupTag: pc.groupTag, accountGroups: new Map(Object.entries(pc.accountGroups)), defaultGroup: pc.defaultGroup };
    const session: FixSession = new FixSession(
      {
        ...DEFAULT_SESSION_CONFIG,
        senderCompId: config.platform.senderCompId,
        targetCompId: pc.targetCompId,
        role: 'acceptor',
        persistBeforeProcessing: true,
        // Every platform message is validated as FIX 4.4 defines it (required fields, formats,
        // enumerations, repeats) before the order path sees it; failures get a session Reject.
        dictionary: platformDictionary,
        // Prices are gap-filled on a resend, never replayed stale; execution reports are resent.
        neverResendMsgTypes: new Set([MsgType.MarketDataSnapshotFullRefresh, MsgType.MarketDataIncrementalRefresh]),
      },
      new FileSessionStore(config.platform.storeDir, `${config.platform.senderCompId}-${pc.targetCompId}`, (process.env['SB_FSYNC'] as 'never' | undefined) ?? 'interval', 100, false, undefined, config.run.recoverJournal),
      {
        // Whatever credential is configured is checked, each in constant time; a session with
        // a password and no username still needs the password.
        authenticate: (_s, username, password) =>
          (pc.username === undefined || secretMatches(username, pc.username)) && (pc.password === undefined || secretMatches(password, pc.password)) ? null : 'Invalid username or password',
        fromApp(s, m) {
          switch (m.msgType) {
            case MsgType.NewOrderSingle: {
              const decoded = decodeNewOrderSingle(m, groups, pc.targetCompId);
              if (isDecodeProblem(decoded)) {
                const clOrdId = m.str(Tag.ClOrdID) ?? '';
                refuseOrder(s, { clOrdId, symbol: m.str(Tag.Symbol) ?? '?', side: m.str(Tag.Side) === '2' ? 'sell' : 'buy', qtyE8: 0 }, 99, decoded.text);
                return;
              }
              const request: OrderRequest = decoded;
              // No order is taken that could not be recorded: with the order log or the order
              // journal failing (a full disk), orders are refused here, before routing.
              const logFailure = folder.writeFailure() ?? journal.failure() ?? storeFailure();
              if (logFailure !== null) {
                if (refusedForLog++ === 0) logger.error({ event: 'orders_refused_log_failed', code: logFailure.code, detail: logFailure.message }, 'orders_refused_log_failed');
                refuseOrder(s, refused(request), 99, `Order log unavailable (${logFailure.code})`);
                return;
              }
              // Identity is (platform session, ClOrdID): another platform may use the same id.
              if (desk.isDuplicate(pc.targetCompId, request.clientOrderId)) {
                // A possible duplicate (a resend after a crash on either side) of an order we
                // took is the same order: it was answered, or will be. Only a fresh order with
                // a used ClOrdID is refused.
                if (m.flag(Tag.PossDupFlag) || m.flag(Tag.PossResend)) {
                  sessionLog.event('order_possdup_ignored', { session: pc.targetCompId, clOrdId: request.clientOrderId, seq: m.seqNum });
                  return;
                }
                refuseOrder(s, refused(request), 6, 'Duplicate ClOrdID');
                return;
              }
              submitOrder(s, pc.targetCompId, request);
              return;
            }
            case MsgType.OrderCancelRequest: {
              const orig = m.str(Tag.OrigClOrdID) ?? '';
              const cancelId = m.str(Tag.ClOrdID) ?? '';
              const ts = clock.stamp();
              recorder?.cancel(ts, cancelId, orig);
              engine.onCancel(orig, cancelId, pc.targetCompId);
              // Orders go to LPs as IOC: they finish on their own. An order still at its LP is
              // refused as broker option (2) with its status; a finished one is too late (0).
              const open = desk.findByClient(pc.targetCompId, orig);
              const known = open !== undefined || desk.isDuplicate(pc.targetCompId, orig);
              const status = open === undefined ? '8' : desk.filledQty(open.correlationId) > 0 ? '1' : '0';
              s.sendApp(MsgType.OrderCancelReject, (e) => {
                e.str(Tag.ClOrdID, cancelId).str(Tag.OrderID, open?.correlationId ?? 'NONE').str(Tag.OrdStatus, status).str(Tag.OrigClOrdID, orig);
                if (open !== undefined) e.str(Tag.Text, `IOC order at ${open.lp}: it completes on its own`);
                e.int(Tag.CxlRejReason, open !== undefined ? 2 : known ? 0 : 1).str(Tag.CxlRejResponseTo, '1');
              });
              return;
            }
            case MsgType.MarketDataRequest: {
              const req = decodeMarketDataRequest(m);
              if (req === null) throw new UnsupportedMessageType('MarketDataRequest without MDReqID');
              // Bounded: a platform cannot make the engine price an unlimited list for it.
              const held = [...subscriptions.values()].reduce((n, list) => n + list.filter((x) => x.session === s).length, 0);
              if (req.subscriptionType !== '2' && held + req.symbols.length > MAX_SUBSCRIPTIONS_PER_SESSION) {
                s.sendApp(MsgType.MarketDataRequestReject, (e) => e.str(Tag.MDReqID, req.mdReqId).str(Tag.MDReqRejReason, '2').str(Tag.Text, `At most ${MAX_SUBSCRIPTIONS_PER_SESSION} subscriptions per session (${held} held, ${req.symbols.length} asked)`));
                return;
              }
              for (const platformSymbol of req.symbols) {
                const instrument = production.instrumentOf(platformSymbol);
                if (instrument === null) {
                  s.sendApp(MsgType.MarketDataRequestReject, (e) => e.str(Tag.MDReqID, req.mdReqId).str(Tag.MDReqRejReason, '0').str(Tag.Text, `Unknown symbol ${platformSymbol}`));
                  continue;
                }
                const list = subscriptions.get(instrument.symbol) ?? [];
                const rest = list.filter((x) => !(x.session === s && x.platformSymbol === platformSymbol));
                if (req.subscriptionType !== '2') rest.push({ session: s, mdReqId: req.mdReqId, platformSymbol, group: groups.defaultGroup, lastSentMs: 0 });
                subscriptions.set(instrument.symbol, rest);
              }
              return;
            }
            default:
              throw new UnsupportedMessageType(m.msgType);
          }
        },
        onLogout(s) {
          for (const [k, list] of subscriptions) subscriptions.set(k, list.filter((x) => x.session !== s));
        },
      },
      { nowMs: () => Date.now() },
      sessionLog,
      () => new FixMessage(),
    );
    platformSessions.set(pc.targetCompId, session);
  }
  let refusedForLog = 0;
  /** The first session store that cannot persist (a full disk under the store), if any. */
  const storeFailure = (): BridgeError | null => {
    for (const s of platformSessions.values()) if (s.store.failure() !== null) return s.store.failure() as BridgeError;
    for (const s of lpSessions.values()) if (s.store.failure() !== null) return s.store.failure() as BridgeError;
    return null;
  };
  /** Every persistence problem now, for the summary: what cannot be written, and why. */
  const storageFailures = (): string[] =>
    [folder.writeFailure(), journal.failure(), ...[...platformSessions.values(), ...lpSessions.values()].map((s) => s.store.failure())]
      .filter((f): f is BridgeError => f !== null)
      .map((f) => f.message);
  const refused = (r: OrderRequest) => ({ clOrdId: r.clientOrderId, symbol: r.platformSymbol, side: r.side, qtyE8: r.volumeE8 });
  const submitOrder = (session: FixSession, key: string, request: OrderRequest): void => {
    const ts = clock.stamp();
    recorder?.order(ts, request);
    inbound = { session, key };
    try {
      engine.onOrder(request);
    } finally {
      inbound = null;
    }
    scheduleDrain();
  };

  const acceptor = new FixAcceptor({
    host: config.platform.host,
    port: config.platform.port,
    findSession: (sender, target) => (sender === config.platform.senderCompId ? platformSessions.get(target) ?? null : null),
    allSessions: () => platformSessions.values(),
    log: sessionLog,
    maxConnections: config.platform.maxConnections,
    logonTimeoutMs: config.platform.logonTimeoutMs,
    maxFailedLogonsPerMinute: config.platform.maxFailedLogonsPerMinute,
    ...(config.platform.tls === null ? {} : { tls: { key: readFileSync(config.platform.tls.keyFile), cert: readFileSync(config.platform.tls.certFile) } }),
  });
  let platformPort: number;
  try {
    platformPort = await acceptor.listen();
  } catch (error) {
    // Nothing was started yet but files: close them, so the caller can report and exit cleanly.
    folder.publish();
    recorder?.close();
    logFile.close();
    for (const s of [...platformSessions.values(), ...lpSessions.values()]) s.store.close();
    journal.close();
    (candidateLoaded as { close?: () => void } | null)?.close?.();
    throw error;
  }
  for (const i of initiators) i.start();
  logger.info({ event: 'live_start', runId, platformPort, production: production.configHash, candidate: candidateLoaded?.router.configHash ?? null, recoveredOrders: recovery.openOrders, runFolder: folder.finalDir }, 'live_start');

  const summary = (): RunSummary => {
    const s = buildSummary({
      scenario: { name: runId, file: 'live', description: `live run ${runId}` },
      mode: candidateLoaded === null ? 'production-only' : aa ? 'aa' : 'shadow',
      engine: engine.counters,
      shadow: shadow?.counters ?? null,
      tally: folder.tally,
      latency: { production: productionLatency.summaryUs(), candidate: candidateLatency.summaryUs() },
      configs: {
        production: { name: displayPath(config.run.production), hash: production.configHash },
        candidate: candidateLoaded === null ? null : { name: displayPath(config.run.candidate ?? ''), hash: candidateLoaded.router.configHash },
      },
      expectations: { checked: 0, met: 0, skipped: 0, failed: [] },
      wallMs: (clock.stamp() - startUs) / 1000,
    });
    return {
      ...s,
      quoteShadow: { ...quoteShadow },
      orderDesk: { open: desk.openCount, recoveredFromJournal: recovery.openOrders, refusedJournalUnavailable: journalRefusals, refusedLogUnavailable: refusedForLog },
      reconciliation: { ...reconciliationCounts },
      admission: { ...acceptor.admission, logLinesSuppressed: Object.fromEntries(peerLog.suppressed) },
      storage: { failures: storageFailures() },
      previousRun: folder.previousRun,
      recording: recordPath,
    } as RunSummary;
  };
  let summaryFailures = 0;
  /** summary.json, atomically; a disk that refuses it is logged once and never stops the engine. */
  const writeSummary = (value: RunSummary): void => {
    const failure = folder.tryWriteJson('summary.json', value);
    if (failure !== null && summaryFailures++ === 0) logger.error({ event: 'summary_write_failed', code: failure.code, detail: failure.message }, 'summary_write_failed');
  };
  const flushTimer = setInterval(() => {
    folder.flush();
    recorder?.flush();
    logFile.flush();
    writeSummary(summary());
  }, config.run.flushMs);
  const timeoutTimer = setInterval(checkLpTimeouts, Math.min(250, Math.max(50, Math.floor(config.run.lpOrderTimeoutMs / 4))));

  /**
   * At stop: the candidate gets a short grace to decide what is queued (a module candidate
   * answers asynchronously, a stuck worker is replaced after its budget). A stop never waits
   * longer than STOP_GRACE_MS for it: what is left is counted as dropped by abandon().
   */
  const settleShadow = async (): Promise<void> => {
    if (shadow === null) return;
    const deadline = Date.now() + Math.min(STOP_GRACE_MS, 2 * config.run.candidateBudgetUs / 1000 + 1_000);
    for (;;) {
      shadow.drain();
      if ((shadow.pending() === 0 && shadow.inFlight() === 0) || Date.now() > deadline) break;
      await new Promise((r) => setTimeout(r, 2));
    }
    if (shadow.pending() + shadow.inFlight() > 0) logger.warn({ event: 'shadow_unsettled', pending: shadow.pending(), inFlight: shadow.inFlight() }, 'shadow_unsettled');
  };

  let stopped: Promise<RunSummary> | null = null;
  let finalQueueStats: ShadowQueueStats | null = null;
  const shadowQueue = (): ShadowQueueStats | null =>
    finalQueueStats ?? (shadow === null ? null : { highWater: shadow.queueHighWater(), lagUs: shadowQueueLag.summaryUs() });
  return {
    runId,
    platformPort,
    outDir: folder.finalDir,
    summary,
    lpConnected: (lp) => lpSessions.get(lp)?.isLoggedOn ?? false,
    openOrders: () => desk.openCount,
    recoveredOrders: recovery.openOrders,
    shadowQueue,
    stop: () =>
      (stopped ??= (async () => {
        clearInterval(flushTimer);
        clearInterval(timeoutTimer);
        for (const s of platformSessions.values()) s.logout('engine stopping');
        await new Promise((r) => setTimeout(r, 100));
        await acceptor.close();
        await Promise.all(initiators.map((i) => i.stop(500)));
        await settleShadow();
        // Whatever the candidate has not answered by now never will be: counted as dropped, and
        // any answer after this is ignored, so nothing is written once the files are closed.
        shadow?.abandon('the engine stopped before the candidate answered');
        (candidateLoaded as { close?: () => void } | null)?.close?.();
        const final = summary();
        writeSummary(final);
        folder.publish();
        recorder?.close();
        peerLog.flush();
        logger.info({ event: 'live_stop', runId, orders: final.orders, divergences: final.divergences.total, ordersRefusedForLog: refusedForLog, lostRecords: folder.lostRecords(), openOrders: desk.openCount }, 'live_stop');
        logFile.close();
        for (const s of [...platformSessions.values(), ...lpSessions.values()]) s.store.close();
        journal.close();
        finalQueueStats = shadowQueue();
        productionLatency.destroy();
        candidateLatency.destroy();
        shadowQueueLag.destroy();
        return final;
      })()),
  };
}
