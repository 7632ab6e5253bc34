// The live shadow engine, composed: the LP side (sessions to LPs), the platform side (sessions
// from platforms), the order flow (admission, the executing router's orders out, fills back, the
// order desk), the price publisher, and the run's files; this module only builds and wires them.
// Every inbound event is stamped once; the stamp is what the engine decides with and what the
// recorder writes, so replaying a recording reproduces the live decisions exactly.

import { randomBytes } from 'node:crypto';
import { ShadowEngine } from '../core/engine.js';
import { BridgeError } from '../core/errors.js';
import { DEFAULT_DESK_OPTIONS, OrderDesk } from '../core/orders/order-desk.js';
import type { Router } from '../core/routing/router.js';
import { BundleRouter } from '../core/routing/bundle-router.js';
import { buildSummary, type RunSummary } from '../exporters/summary.js';
import { booksOf } from '../exporters/finance.js';
import { atTurnEnd } from '../fix/session/turn-batch.js';
import { loadBundle } from '../mappings/load-bundle.js';
import { initLatency, LatencyHistogram, type LatencySummaryUs } from '../telemetry/latency.js';
import { LiveCandidateSet } from './live/candidate-set.js';
import { RemoteCandidates } from './live/remote-candidates.js';
import type { EventLog } from '../telemetry/rate-limited-log.js';
import { liveConfigFrom, type LiveConfigInput } from './live-config.js';
import { LpSide } from './live/lp-side.js';
import { OrderFlow } from './live/order-flow.js';
import { FileOrderJournal, type JournalRecovery } from './live/order-journal.js';
import { Platforms } from './live/platforms.js';
import { PricePublisher } from './live/price-publisher.js';
import { LiveRunFiles } from './live/run-files.js';
import { EventClock, stopwatch } from './live/event-clock.js';
import { EventTap } from './live/event-tap.js';
import { gcMode, type GcMode } from './live/gc-advice.js';
import { displayPath } from './paths.js';
import { loadPlan } from '../mappings/load-plan.js';
import { adminToken, buildAdminApi } from './live/admin-api.js';
import { RolloutControl } from './live/rollout-control.js';
import type { AdminServer } from '../gateways/http/admin-server.js';
import type { DashboardFeed } from './live/dashboard.js';


export interface LiveEngine {
  readonly runId: string;
  readonly platformPort: number;
  /** Whether GC helper threads share this process's one core (the CLI warns; gc-advice.ts). */
  readonly gc: GcMode;
  /** The WebSocket platform port (null without `platform.websocket`). */
  readonly wsPort: number | null;
  /** The event tap's endpoint (null without `tap`). */
  readonly tapEndpoint: string | null;
  /** The admin API's port (null without an `admin` section). */
  readonly adminPort: number | null;
  /** Break-glass rollback without the admin API (null without a rollout); says what happened. */
  rollbackBySignal(signal: string): string | null;
  readonly outDir: string;
  summary(): RunSummary;
  lpConnected(lp: string): boolean;
  /** Orders sent to LPs and not finished (the order desk). */
  openOrders(): number;
  /** Orders a previous run left in flight that this run took over from the order journal. */
  readonly recoveredOrders: number;
  /** How far the shadow trails production (null without a candidate); still answers after stop. */
  shadowQueue(): ShadowQueueStats | null;
  /**
   * Starts shadowQueue()'s lag and depth afresh from now. A process starting cold runs its first
   * orders interpreted, and the shadow falls behind by a few hundred milliseconds until the code
   * is compiled; a benchmark measuring after a warm-up (or an operator after a known backlog)
   * wants the figures of what came after.
   */
  resetShadowQueueStats(): void;
  /** Logs every session out, drains the shadow, writes the summary and closes every file. */
  stop(): Promise<RunSummary>;
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


export async function startLiveEngine(input: LiveConfigInput, runId = `live-${randomBytes(3).toString('hex')}`, options: LiveEngineOptions = {}): Promise<LiveEngine> {
  const config = liveConfigFrom(input);
  await initLatency();
  const productionBundle = loadBundle(config.run.production);
  const production = new BundleRouter('production', productionBundle);
  // The first candidate executes with a rollout (a bundle, or a module that declares itself trusted).
  const candidates = await LiveCandidateSet.load(config);
  const closeCandidate = (): void => candidates.close();
  const candidateRouter = candidates.router;
  const candidateBundle = candidates.firstBundle;
  const aa = candidates.isAa(production.configHash);
  // Go: the plan and the admin token are checked before anything opens, so a bad one costs nothing.
  let plan: ReturnType<typeof loadPlan> | null = null;
  // Remote candidates' reports are logged through the run's bounded peer log once it is open.
  let peerLog: EventLog | null = null;
  try {
    if (candidates.entries.some((c) => c.path === null)) candidates.remote = new RemoteCandidates(candidates.entries, production.configHash, { event: (name, fields) => peerLog?.event(name, fields) });
    if (config.admin !== null) adminToken(config.admin);
    if (config.rollout !== null) plan = loadPlan(config.rollout.plan);
  } catch (error) {
    closeCandidate();
    throw error;
  }

  // The order desk first: a journal that cannot be read (corrupt, unreadable) stops start-up
  // before anything listens or connects.
  const journal = new FileOrderJournal(config.platform.storeDir, config.run.orderJournalFsync);
  // Fills, closes and used ids are written once per turn, before the turn's socket writes.
  journal.scheduleFlush = (flush) => atTurnEnd('journal', flush);
  const desk = new OrderDesk(journal, { ...DEFAULT_DESK_OPTIONS, lpTimeoutMs: config.run.lpOrderTimeoutMs, unresolvedAfterMs: config.run.lpUnresolvedAfterMs, fillOutlierPercent: config.run.lpFillOutlierPercent });
  let recovery: JournalRecovery;
  try {
    recovery = journal.load(desk, config.run.recoverJournal);
  } catch (error) {
    journal.close();
    closeCandidate();
    throw error;
  }

  const clock = new EventClock();
  const startUs = clock.stamp();
  const stamp = (): number => clock.stamp();
  // The tap holds what it is given (the header first) until the session starts.
  const tap = config.tap === null ? null : new EventTap(config.tap);
  const files = new LiveRunFiles({ tap, out: config.run.out, record: config.run.record, runId, description: `live run ${runId}, LPs ${config.lps.map((l) => l.id).join(', ')}`, startUs, books: booksOf([productionBundle, ...candidates.bundles()]) });
  const { folder, logger, recorder } = files;
  peerLog = files.peerLog;
  const remote = candidates.remote;
  if (tap !== null && remote !== null) tap.publisher.onUpstream = (frame) => remote.onFrame(frame, Date.now(), clock.nowUs());
  const ledger = files.finance;
  if (recovery.openOrders > 0 || recovery.tornTail || recovery.skipped > 0) logger.warn({ event: 'order_journal_recovered', ...recovery, file: journal.file }, 'order_journal_recovered');
  const closeAllFiles = (): void => {
    files.close();
    files.closeLog();
    journal.close();
    closeCandidate();
  };
  let rollout: RolloutControl | null = null;
  if (plan !== null) {
    try {
      rollout = new RolloutControl({ plan, production, candidate: candidateRouter as Router, storeDir: config.platform.storeDir, runId, stamp, logger });
    } catch (error) {
      closeAllFiles();
      throw error;
    }
    // Live, the order desk is the record of order-state mismatches (overfills, late fills, LPs
    // that never answer): its reconciliation breaks feed the gate, the engine's own count does not.
    const rig = rollout.rig;
    files.onReconcile = (kind) => rig.observer.statusMismatch(clock.nowUs(), kind);
  }

  const productionLatency = new LatencyHistogram();
  const rig = rollout?.rig ?? null;
  const { shadow, moreShadows } = candidates.wire({
    folder,
    production,
    productionBundle,
    ledger,
    stopwatch,
    ...(rig === null ? {} : { latencyRecorder: (h: LatencyHistogram) => rig.candidateLatency(h, () => clock.nowUs()) }),
    ...(options.wrapCandidate === undefined ? {} : { wrapCandidate: options.wrapCandidate }),
  });
  if (shadow !== null) rig?.attachShadow(shadow);
  if (candidates.more.size > 0) {
    const own = folder.onLifecycle;
    folder.onLifecycle = (entry) => {
      own?.(entry);
      candidates.more.onLifecycle(entry);
    };
  }
  const scheduleDrain = (): void => candidates.scheduleDrain();

  // The parts, wired: LP events and platform events go to the engine through the order flow;
  // quotes also go to the price publisher. The engine is built last: its order port is the flow.
  let engine: ShadowEngine | null = null;
  const prices = new PricePublisher(production, candidateRouter instanceof BundleRouter ? candidateRouter : null, config.platform.priceThrottleMs);
  let lps: LpSide;
  try {
    lps = new LpSide(
      { lps: config.lps, production: productionBundle, candidate: candidateBundle, storeDir: config.platform.storeDir, recoverStores: config.run.recoverJournal, runId, stamp, log: files.peerLog, logger },
      {
        onStatus: (lp, status, reason) => {
          recorder?.lpStatus(stamp(), lp, status, reason);
          engine?.onLpStatus(lp, status);
        },
        onQuote: (quote) => {
          recorder?.quote(quote.receivedUs, quote);
          const e = engine as ShadowEngine;
          e.onQuote(quote);
          ledger.onQuote(quote.lp, quote.lpSymbol, quote.bidE8, quote.askE8);
          if (candidates.more.size > 0) candidates.more.onQuote(quote.lp, quote.lpSymbol, quote.bidE8, quote.askE8);
          const canonical = lps.canonicalOf(quote.lp, quote.lpSymbol);
          if (canonical !== undefined) {
            const market = e.marketView();
            prices.publish(canonical, { quotes: market.quotes, lpStatus: market.lpStatus, nowUs: clock.nowUs() });
          }
        },
        onExecution: (exec) => flow.onLpExecution(exec),
      },
    );
  } catch (error) {
    // A WebSocket LP without its token, an unreadable CA file: nothing has connected yet.
    rollout?.rig.close();
    closeAllFiles();
    throw error;
  }
  let platforms: Platforms;
  try {
    platforms = new Platforms(config.platform, { runId, recoverStores: config.run.recoverJournal, log: files.peerLog }, {
      onOrder: (key, request, possDup) => flow.onOrder(key, request, possDup),
      onUndecodable: () => {},
      onCancel: (key, orig, cancelId) => flow.onCancel(key, orig, cancelId),
      onPriceRequest: (sink, request, group) => prices.onRequest(sink, request, group),
      onLogout: (sink) => prices.drop(sink),
      subscriptionsHeld: (sink) => prices.heldBy(sink),
    });
  } catch (error) {
    rollout?.rig.close();
    lps.closeStores();
    closeAllFiles();
    throw error;
  }
  const storeFailure = (): BridgeError | null => platforms.storeFailure() ?? lps.storeFailure();
  const flow: OrderFlow = new OrderFlow({ desk, journal, lps, platforms, files, instruments: productionBundle.instruments, stamp, storeFailure, afterOrder: scheduleDrain });
  engine = new ShadowEngine({
    production,
    shadow,
    moreShadows,
    orderSink: flow,
    journal: folder,
    log: files.logFile.lifecycle,
    clock,
    stopwatch,
    productionLatency,
    correlationPrefix: `${runId}-`,
    maxTrackedOrders: 100_000,
    execution: rollout?.rig.execution ?? null,
    observer: rollout === null ? null : { ...rollout.rig.observer, statusMismatch: () => {} },
  });
  flow.attach(engine);
  const running = engine;

  let platformPort: number;
  let wsPort: number | null;
  let admin: AdminServer | null = null;
  let dashboard: DashboardFeed | null = null;
  let adminPort: number | null = null;
  try {
    ({ fix: platformPort, ws: wsPort } = await platforms.listen());
    if (config.admin !== null) {
      const api = buildAdminApi(config.admin, {
        runId,
        logger,
        summary: () => summary(),
        rollout,
        metrics: () => ({
          runId,
          summary: summary(),
          sessions: [...platforms.sessionStates(), ...lps.sessionStates()],
          shadowQueue: candidates.queueStats(),
          rollout: rollout?.metricsView() ?? null,
        }),
      });
      admin = api.server;
      dashboard = api.dashboard;
      folder.onDivergence = (record) => api.dashboard.divergence(record);
      adminPort = await admin.listen().catch(async (error: NodeJS.ErrnoException) => {
        await platforms.close();
        throw error.code === 'EADDRINUSE' ? new BridgeError('SB_ERR_PORT_IN_USE', `admin ${config.admin?.host}:${config.admin?.port} is already in use`) : new BridgeError('SB_ERR_LISTEN', `admin ${config.admin?.host}:${config.admin?.port}: ${error.message}`);
      });
    }
  } catch (error) {
    // Nothing was started yet but files: close them, so the caller can report and exit cleanly.
    rollout?.rig.close();
    platforms.closeStores();
    lps.closeStores();
    closeAllFiles();
    throw error;
  }
  try {
    await tap?.start(logger, () => tap.state(clock.nowUs(), running.marketView(), production.configHash));
  } catch (error) {
    await platforms.close();
    await admin?.close();
    rollout?.rig.close();
    platforms.closeStores();
    lps.closeStores();
    closeAllFiles();
    throw error;
  }
  lps.start();
  rollout?.start();
  const gc = gcMode();
  if (gc.advice !== null) logger.warn({ event: 'gc_threads_share_core', cores: gc.cores, advice: gc.advice }, 'gc_threads_share_core');
  logger.info({ event: 'live_start', runId, gc: { cores: gc.cores, singleThreadedGc: gc.singleThreadedGc }, platformPort, wsPort, adminPort, tap: tap?.publisher.endpoint ?? null, rollout: rollout === null ? null : { plan: rollout.controller.plan.name, state: rollout.controller.state, auditFile: rollout.auditFile }, production: production.configHash, candidate: candidateRouter?.configHash ?? null, candidates: candidates.entries.map((c) => c.id), recoveredOrders: recovery.openOrders, runFolder: folder.finalDir }, 'live_start');

  /** Every persistence problem now, for the summary: what cannot be written, and why. */
  const storageFailures = (): string[] =>
    [folder.writeFailure(), journal.failure(), ...platforms.storeFailures(), ...lps.storeFailures()].filter((f): f is BridgeError => f !== null).map((f) => f.message);
  const summary = (): RunSummary => {
    const s = buildSummary({
      scenario: { name: runId, file: 'live', description: `live run ${runId}` },
      mode: candidateRouter === null ? 'production-only' : aa ? 'aa' : 'shadow',
      engine: running.counters,
      shadow: shadow?.counters ?? null,
      tally: folder.tally,
      latency: { production: productionLatency.summaryUs(), candidate: candidates.latency.summaryUs() },
      configs: {
        production: { name: displayPath(config.run.production), hash: production.configHash },
        candidate: candidates.first === null ? null : { name: displayPath(candidates.first.path), hash: candidates.first.router.configHash },
      },
      candidates: candidates.summaries(),
      expectations: { checked: 0, met: 0, skipped: 0, failed: [] },
      wallMs: (clock.stamp() - startUs) / 1000,
    });
    return {
      ...s,
      quoteShadow: { ...prices.quoteShadow },
      orderDesk: { open: desk.openCount, recoveredFromJournal: recovery.openOrders, refusedJournalUnavailable: flow.counters.refusedJournalUnavailable, refusedLogUnavailable: flow.counters.refusedLogUnavailable, possDupIgnored: flow.counters.possDupIgnored },
      reconciliation: { ...files.reconciliationCounts },
      admission: { ...platforms.admission, logLinesSuppressed: Object.fromEntries(files.peerLog.suppressed) },
      storage: { failures: storageFailures() },
      previousRun: folder.previousRun,
      recording: files.recordPath,
      ...(tap === null ? {} : { tap: { endpoint: tap.publisher.endpoint, ...tap.publisher.counters, ...(remote === null ? {} : { reportsRefused: { ...remote.refused } }) } }),
      ...(rollout === null ? {} : { rollout: rollout.summary() }),
    } as RunSummary;
  };
  const flushTimer = setInterval(() => {
    files.flush();
    files.writeSummary(summary());
  }, config.run.flushMs);
  const timeoutTimer = setInterval(() => flow.checkLpTimeouts(Date.now()), Math.min(250, Math.max(50, Math.floor(config.run.lpOrderTimeoutMs / 4))));

  let stopped: Promise<RunSummary> | null = null;
  let finalQueueStats: ShadowQueueStats | null = null;
  const shadowQueue = (): ShadowQueueStats | null => finalQueueStats ?? candidates.queueStats();
  return {
    runId,
    platformPort,
    gc,
    wsPort,
    tapEndpoint: tap?.publisher.endpoint ?? null,
    adminPort,
    rollbackBySignal: (signal) => rollout?.rollbackBySignal(signal) ?? null,
    outDir: folder.finalDir,
    summary,
    lpConnected: (lp) => lps.isLoggedOn(lp),
    openOrders: () => desk.openCount,
    recoveredOrders: recovery.openOrders,
    shadowQueue,
    resetShadowQueueStats: () => candidates.resetQueueStats(),
    stop: () =>
      (stopped ??= (async () => {
        clearInterval(flushTimer);
        clearInterval(timeoutTimer);
        platforms.logoutAll('engine stopping');
        await new Promise((r) => setTimeout(r, 100));
        await platforms.close();
        await lps.stop(500);
        await candidates.settle(logger);
        dashboard?.stop();
        await admin?.close();
        // Whatever the candidate has not answered by now never will be: counted as dropped, and
        // any answer after this is ignored, so nothing is written once the files are closed.
        candidates.abandon('the engine stopped before the candidate answered');
        rollout?.stop(folder.finalDir);
        const final = summary();
        files.writeSummary(final);
        files.close();
        files.writeFinalReports(final);
        candidates.writeFinance(folder);
        closeCandidate();
        await tap?.stop();
        logger.info({ event: 'live_stop', runId, orders: final.orders, divergences: final.divergences.total, ordersRefusedForLog: flow.counters.refusedLogUnavailable, lostRecords: folder.lostRecords(), openOrders: desk.openCount }, 'live_stop');
        files.closeLog();
        platforms.closeStores();
        lps.closeStores();
        journal.close();
        finalQueueStats = shadowQueue();
        productionLatency.destroy();
        candidates.destroyHistograms();
        return final;
      })()),
  };
}
