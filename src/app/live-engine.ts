// The live shadow engine: FIX initiators to the LPs (prices in, orders out, executions in), a
// FIX acceptor for platforms (orders in, executions and marked-up prices out), production routing
// on every order with the candidate shadowing it, and the same run folder as a replay.
// Every inbound event is stamped once; the stamp is what the engine decides with and what the
// recorder writes, so replaying a recording reproduces the live decisions exactly.

import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { randomBytes } from 'node:crypto';
import { ShadowEngine } from '../core/engine.js';
import type { LpExecution } from '../core/model/lifecycle.js';
import { ceilTo, floorTo } from '../core/model/scaled.js';
import { REJECT_REASONS, type Decision, type Order, type OrderRequest, type Side } from '../core/model/types.js';
import type { Clock, OrderSink, Stopwatch } from '../core/ports.js';
import { isAsyncRouter, type Router } from '../core/routing/router.js';
import { BundleRouter } from '../core/routing/bundle-router.js';
import type { RoutingBundle } from '../core/routing/bundle.js';
import { rebuildContext } from '../core/shadow/context.js';
import { DEFAULT_COMPARE_POLICY } from '../core/shadow/divergence.js';
import { ShadowRunner } from '../core/shadow/shadow-runner.js';
import { RecentIds } from '../core/util/recent-ids.js';
import { RunFolder } from '../exporters/run-folder.js';
import { JsonlWriter } from '../exporters/jsonl-writer.js';
import { buildSummary, type RunSummary } from '../exporters/summary.js';
import { applyMarketData, decodeMarketDataRequest, encodeMarketDataRequest, encodeSnapshot, type TopOfBook } from '../fix/app/market-data.js';
import { decodeExecutionReport, decodeNewOrderSingle, encodeLpOrder, encodePlatformExecution, isDecodeProblem, type PlatformExecution } from '../fix/app/orders.js';
import { FixMessage } from '../fix/codec/message.js';
import { MsgType, Tag } from '../fix/codec/tags.js';
import { builtinFix44Dictionary } from '../fix/dictionary/fix44-builtin.js';
import { FileSessionStore } from '../fix/session/file-store.js';
import { DEFAULT_SESSION_CONFIG, FixSession, UnsupportedMessageType, type SessionLog, type SessionSchedule } from '../fix/session/session.js';
import { BridgeError } from '../core/errors.js';
import { FixAcceptor } from '../gateways/fix/acceptor.js';
import { FixInitiator } from '../gateways/fix/initiator.js';
import { loadBundle } from '../mappings/load-bundle.js';
import { ScenarioRecorder } from '../replay/recorder.js';
import { initLatency, LatencyHistogram, type LatencySummaryUs } from '../telemetry/latency.js';
import { createFileLogger, PinoLifecycleLog } from '../telemetry/logger.js';
import { loadLiveCandidate } from './candidate.js';
import type { LiveConfig } from './live-config.js';
import { displayPath } from './paths.js';

/** Longest the candidate may run in one go while production waits for the event loop. */
const SHADOW_SLICE_NS = 250_000;

export interface LiveEngine {
  readonly runId: string;
  readonly platformPort: number;
  readonly outDir: string;
  summary(): RunSummary;
  lpConnected(lp: string): boolean;
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

interface PendingOrder {
  readonly session: FixSession;
  readonly clOrdId: string;
  readonly platformSymbol: string;
  readonly side: Side;
  readonly orderQtyE8: number;
  readonly digits: number;
  readonly pointE8: number;
  readonly markupE8: number;
  cumQtyE8: number;
  notional: bigint;
  execs: number;
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

export async function startLiveEngine(config: LiveConfig, runId = `live-${randomBytes(3).toString('hex')}`, options: LiveEngineOptions = {}): Promise<LiveEngine> {
  await initLatency();
  const productionBundle = loadBundle(config.run.production);
  const production = new BundleRouter('production', productionBundle);
  const candidateLoaded = config.run.candidate === null ? null : await loadLiveCandidate(config.run.candidate, Math.max(1, Math.ceil(config.run.candidateBudgetUs / 1000)));
  const candidateBundle = config.run.candidate !== null && candidateLoaded?.router instanceof BundleRouter ? loadBundle(config.run.candidate) : null;
  const aa = candidateLoaded !== null && candidateLoaded.router.configHash === production.configHash;

  const folder = new RunFolder(config.run.out, false);
  // Background: log batches are written on the thread pool, never on the routing thread.
  const logFile = createFileLogger(folder.path('engine.log'), 'info', true);
  const logger = logFile.logger;
  const sessionLog: SessionLog = { event: (name, fields) => logger.info({ event: name, ...fields }, name) };
  const clock = new EventClock();
  const startUs = clock.stamp();
  const recorder =
    config.run.record === null
      ? null
      : // No LP is up at the start of a live run: each one's Logon is recorded as an lp_status event.
        new ScenarioRecorder(new JsonlWriter(config.run.record, true), runId, `live run ${runId}, LPs ${config.lps.map((l) => l.id).join(', ')}`, startUs, []);

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
  const pending = new Map<string, PendingOrder>();

  // ---- Platform side: the order port production uses --------------------------------------
  let inbound: { session: FixSession } | null = null;
  const platformExec = (p: PendingOrder, orderId: string, x: Omit<PlatformExecution, 'orderId' | 'execId' | 'clOrdId' | 'symbol' | 'side' | 'orderQtyE8' | 'priceDigits' | 'nowMs'>): void => {
    p.execs++;
    // Spelled out, not `{ ...x, ... }`: the spread took ~11 µs per report in a CPU profile
    // (a generic copy), more than the rest of the ExecutionReport's encoding.
    const report: PlatformExecution = {
      orderId,
      execId: `${orderId}-${p.execs}`,
      clOrdId: p.clOrdId,
      symbol: p.platformSymbol,
      side: p.side,
      execType: x.execType,
      ordStatus: x.ordStatus,
      orderQtyE8: p.orderQtyE8,
      lastQtyE8: x.lastQtyE8,
      lastPxE8: x.lastPxE8,
      cumQtyE8: x.cumQtyE8,
      avgPxE8: x.avgPxE8,
      priceDigits: p.digits,
      ordRejReason: x.ordRejReason,
      text: x.text,
      nowMs: Date.now(),
    };
    p.session.sendApp(MsgType.ExecutionReport, (e) => encodePlatformExecution(e, report));
  };
  const orderSink: OrderSink = {
    onProductionDecision(order: Order, decision: Decision): void {
      const origin = inbound;
      if (origin === null) return;
      const instrument = decision.instrument === null ? null : productionBundle.instruments.get(decision.instrument) ?? null;
      const p: PendingOrder = {
        session: origin.session,
        clOrdId: order.clientOrderId,
        platformSymbol: order.platformSymbol,
        side: order.side,
        orderQtyE8: order.volumeE8,
        digits: instrument?.digits ?? 5,
        pointE8: instrument?.pointE8 ?? 1000,
        markupE8: decision.markupE8,
        cumQtyE8: 0,
        notional: 0n,
        execs: 0,
      };
      if (decision.action === 'route' && decision.lp !== null && instrument !== null) {
        const lpSession = lpSessions.get(decision.lp);
        const lpConfig = config.lps.find((l) => l.id === decision.lp);
        const seq =
          lpSession === undefined || lpConfig === undefined
            ? -1
            : lpSession.sendApp(MsgType.NewOrderSingle, (e) =>
                encodeLpOrder(e, {
                  lpClOrdId: order.correlationId,
                  lpSymbol: decision.lpSymbol as string,
                  side: order.side,
                  unitsE8: Math.round(order.volumeE8 * instrument.contractSize),
                  ordType: order.ordType,
                  priceE8: order.ordType === 'limit' ? (order.side === 'buy' ? order.priceE8 - decision.markupE8 : order.priceE8 + decision.markupE8) : 0,
                  priceDigits: Math.min(instrument.digits + 1, 8),
                  account: lpConfig.account,
                  nowMs: Date.now(),
                }),
              );
        if (seq > 0) {
          pending.set(order.correlationId, p);
          return;
        }
        // The LP session dropped between the status the router saw and the send.
        platformExec(p, order.correlationId, { execType: '8', ordStatus: '8', lastQtyE8: 0, lastPxE8: 0, cumQtyE8: 0, avgPxE8: 0, ordRejReason: 99, text: `LP ${decision.lp} unavailable` });
        return;
      }
      const reason = decision.rejectReason ?? 'no_route';
      platformExec(p, order.correlationId, { execType: '8', ordStatus: '8', lastQtyE8: 0, lastPxE8: 0, cumQtyE8: 0, avgPxE8: 0, ordRejReason: REJECT_REASONS[reason].ordRejReason, text: decision.detail ?? REJECT_REASONS[reason].text });
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

  /** Forwards a newly booked LP execution to the platform, in client terms. */
  const forwardExecution = (exec: LpExecution): void => {
    const p = pending.get(exec.clientOrderId);
    if (p === undefined) return;
    if (exec.execType === 'reject' || exec.execType === 'canceled') {
      pending.delete(exec.clientOrderId);
      const cum = p.cumQtyE8;
      const avg = cum === 0 ? 0 : Number(p.notional / BigInt(cum));
      if (exec.execType === 'reject') platformExec(p, exec.clientOrderId, { execType: '8', ordStatus: '8', lastQtyE8: 0, lastPxE8: 0, cumQtyE8: cum, avgPxE8: avg, ordRejReason: REJECT_REASONS.lp_reject.ordRejReason, text: `LP reject: ${exec.text}` });
      else platformExec(p, exec.clientOrderId, { execType: '4', ordStatus: '4', lastQtyE8: 0, lastPxE8: 0, cumQtyE8: cum, avgPxE8: avg, ordRejReason: null, text: exec.text || null });
      return;
    }
    if (exec.execType === 'new') return;
    // The client's price is the LP's plus the markup production quoted, rounded away from the client.
    const clientPx = p.side === 'buy' ? ceilTo(exec.lastPxE8 + p.markupE8, p.pointE8) : floorTo(exec.lastPxE8 - p.markupE8, p.pointE8);
    p.cumQtyE8 += exec.lastQtyE8;
    p.notional += BigInt(clientPx) * BigInt(exec.lastQtyE8);
    const filled = p.cumQtyE8 >= p.orderQtyE8;
    const avg = p.cumQtyE8 === 0 ? 0 : Number(p.notional / BigInt(p.cumQtyE8));
    platformExec(p, exec.clientOrderId, { execType: 'F', ordStatus: filled ? '2' : '1', lastQtyE8: exec.lastQtyE8, lastPxE8: clientPx, cumQtyE8: p.cumQtyE8, avgPxE8: avg, ordRejReason: null, text: null });
    if (!filled && exec.execType === 'fill') {
      // The LP finished the order short: the rest is canceled, and the platform is told so.
      platformExec(p, exec.clientOrderId, { execType: '4', ordStatus: '4', lastQtyE8: 0, lastPxE8: 0, cumQtyE8: p.cumQtyE8, avgPxE8: avg, ordRejReason: null, text: 'LP completed the order short; remainder canceled' });
    }
    if (filled || exec.execType === 'fill') pending.delete(exec.clientOrderId);
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
      },
      // Inbound LP numbers are coalesced: after a crash the LP resends a few messages, which are
      // quotes (replaced by the next) and executions (booked once per LP/OrderID/ExecID).
      // Orders older than resendMaxAgeMs are gap-filled, never resent, so only a short window is kept.
      new FileSessionStore(config.platform.storeDir, `${lpc.senderCompId}-${lpc.targetCompId}`, (process.env['SB_FSYNC'] as 'never' | undefined) ?? 'interval', 100, true, 2_000),
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
              const changed = applyMarketData(m, books);
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
                logger.warn({ event: 'lp_exec_invalid', lp: lpc.id, problem: exec.text }, 'lp_exec_invalid');
                return;
              }
              const ts = clock.stamp();
              // LPs know the order by our LP-side ClOrdID (the correlation id); the engine and the
              // recording know it by the platform's ClOrdID.
              const owner = pending.get(exec.clientOrderId);
              const booked = owner === undefined ? exec : { ...exec, clientOrderId: owner.clOrdId };
              recorder?.lpExec(ts, booked);
              if (engine.onLpExecution(booked) === 'booked') forwardExecution(exec);
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
  const platformSessions = new Map<string, FixSession>();
  const platformDictionary = builtinFix44Dictionary();
  // Duplicate ClOrdIDs are refused over the last million orders per platform session (a busy
  // retail week), in bounded memory: the ring is allocated whole (8 MB) at a session's first order,
  // a growing one measured up to 10% slower in the replay decision stage, inside the noise.
  const seenClOrdIds = new Map<FixSession, RecentIds>();
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
      new FileSessionStore(config.platform.storeDir, `${config.platform.senderCompId}-${pc.targetCompId}`, (process.env['SB_FSYNC'] as 'never' | undefined) ?? 'interval'),
      {
        authenticate: (_s, username, password) =>
          pc.username === undefined || (username === pc.username && password === pc.password) ? null : 'Invalid username or password',
        fromApp(s, m) {
          switch (m.msgType) {
            case MsgType.NewOrderSingle: {
              const request = decodeNewOrderSingle(m, groups);
              if (isDecodeProblem(request)) {
                const clOrdId = m.str(Tag.ClOrdID);
                if (clOrdId === undefined) throw new UnsupportedMessageType(`NewOrderSingle without ClOrdID: ${request.text}`);
                refuseOrder(s, { clOrdId, symbol: m.str(Tag.Symbol) ?? '?', side: m.str(Tag.Side) === '2' ? 'sell' : 'buy', qtyE8: 0 }, 'invalid', 99, request.text);
                return;
              }
              // No order is taken that could not be recorded: with the order log failing (a full
              // disk), orders are refused here, before routing, with the reason.
              const logFailure = folder.writeFailure();
              if (logFailure !== null) {
                if (refusedForLog++ === 0) logger.error({ event: 'orders_refused_log_failed', code: logFailure.code, detail: logFailure.message }, 'orders_refused_log_failed');
                refuseOrder(s, refused(request), 'nolog', 99, `Order log unavailable (${logFailure.code})`);
                return;
              }
              let seen = seenClOrdIds.get(s);
              if (seen === undefined) seenClOrdIds.set(s, (seen = new RecentIds(1_000_000)));
              if (seen.has(request.clientOrderId)) {
                refuseOrder(s, refused(request), 'dup', 6, 'Duplicate ClOrdID');
                return;
              }
              seen.add(request.clientOrderId);
              submitOrder(s, request);
              return;
            }
            case MsgType.OrderCancelRequest: {
              const orig = m.str(Tag.OrigClOrdID) ?? '';
              const ts = clock.stamp();
              recorder?.cancel(ts, m.str(Tag.ClOrdID) ?? '', orig);
              engine.onCancel(orig, m.str(Tag.ClOrdID) ?? '');
              // Orders go to LPs as IOC: by the time a cancel arrives they are done or unknown.
              s.sendApp(MsgType.OrderCancelReject, (e) =>
                e.str(Tag.ClOrdID, m.str(Tag.ClOrdID) ?? '').str(Tag.OrderID, 'NONE').str(Tag.OrdStatus, '8').str(Tag.OrigClOrdID, orig).int(Tag.CxlRejReason, seenClOrdIds.get(s)?.has(orig) ? 0 : 1).str(Tag.CxlRejResponseTo, '1'),
              );
              return;
            }
            case MsgType.MarketDataRequest: {
              const req = decodeMarketDataRequest(m);
              if (req === null) throw new UnsupportedMessageType('MarketDataRequest without MDReqID');
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
  /** Rejects an order the engine will not take (ER 8, OrdRejReason), before any routing. */
  const refuseOrder = (session: FixSession, o: { clOrdId: string; symbol: string; side: 'buy' | 'sell'; qtyE8: number }, why: string, ordRejReason: number, text: string): void => {
    session.sendApp(MsgType.ExecutionReport, (e) =>
      encodePlatformExecution(e, { orderId: 'NONE', execId: `${o.clOrdId}-${why}`, clOrdId: o.clOrdId, symbol: o.symbol, side: o.side, execType: '8', ordStatus: '8', orderQtyE8: o.qtyE8, lastQtyE8: 0, lastPxE8: 0, cumQtyE8: 0, avgPxE8: 0, priceDigits: 5, ordRejReason, text, nowMs: Date.now() }),
    );
  };
  const refused = (r: OrderRequest) => ({ clOrdId: r.clientOrderId, symbol: r.platformSymbol, side: r.side, qtyE8: r.volumeE8 });
  const submitOrder = (session: FixSession, request: OrderRequest): void => {
    const ts = clock.stamp();
    recorder?.order(ts, request);
    inbound = { session };
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
    ...(config.platform.tls === null ? {} : { tls: { key: readFileSync(config.platform.tls.keyFile), cert: readFileSync(config.platform.tls.certFile) } }),
  });
  const platformPort = await acceptor.listen();
  for (const i of initiators) i.start();
  logger.info({ event: 'live_start', runId, platformPort, production: production.configHash, candidate: candidateLoaded?.router.configHash ?? null }, 'live_start');

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
    return { ...s, quoteShadow: { ...quoteShadow } } as RunSummary;
  };
  const flushTimer = setInterval(() => {
    folder.flush();
    recorder?.flush();
    logFile.flush();
    folder.writeJson('summary.json', summary());
  }, config.run.flushMs);

  /**
   * At stop: every queued context is decided. A module candidate answers asynchronously, each
   * decision within its budget (a stuck worker is replaced), so this ends; the deadline only
   * guards against a worker that cannot even restart.
   */
  const settleShadow = async (): Promise<void> => {
    if (shadow === null) return;
    const deadline = Date.now() + 10_000 + 2 * config.run.candidateBudgetUs / 1000;
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
    shadowQueue,
    stop: () =>
      (stopped ??= (async () => {
        clearInterval(flushTimer);
        for (const s of platformSessions.values()) s.logout('engine stopping');
        await new Promise((r) => setTimeout(r, 100));
        await acceptor.close();
        await Promise.all(initiators.map((i) => i.stop(500)));
        await settleShadow();
        const final = summary();
        folder.writeJson('summary.json', final);
        folder.publish();
        recorder?.close();
        logger.info({ event: 'live_stop', runId, orders: final.orders, divergences: final.divergences.total, ordersRefusedForLog: refusedForLog, lostRecords: folder.lostRecords() }, 'live_stop');
        logFile.close();
        for (const s of [...platformSessions.values(), ...lpSessions.values()]) s.store.close();
        (candidateLoaded as { close?: () => void } | null)?.close?.();
        finalQueueStats = shadowQueue();
        productionLatency.destroy();
        candidateLatency.destroy();
        shadowQueueLag.destroy();
        return final;
      })()),
  };
}
