// Builds and runs a replay: scenario reader -> engine (production, then the shadowed candidate)
// -> run folder. This is the live engine with the sockets swapped for a file and the wall clock
// for the replay clock; the routing, comparison and export code is the very same.

import { performance } from 'node:perf_hooks';
import { dirname, relative, resolve } from 'node:path';
import { ShadowEngine } from '../core/engine.js';
import { BridgeError } from '../core/errors.js';
import type { Decision, Order } from '../core/model/types.js';
import type { OrderSink, Stopwatch } from '../core/ports.js';
import { BundleRouter } from '../core/routing/bundle-router.js';
import type { Router } from '../core/routing/router.js';
import { rebuildContext } from '../core/shadow/context.js';
import { DEFAULT_COMPARE_POLICY } from '../core/shadow/divergence.js';
import { ShadowRunner, type ShadowCounters } from '../core/shadow/shadow-runner.js';
import { RunFolder } from '../exporters/run-folder.js';
import { buildSummary, candidateSummaryOf, type CandidateTally, type RunSummary } from '../exporters/summary.js';
import { booksOf, FinanceLedger } from '../exporters/finance.js';
import { writeHtmlReport } from '../exporters/report-html.js';
import type { RoutingBundle } from '../core/routing/bundle.js';
import { loadBundle } from '../mappings/load-bundle.js';
import { loadPlan } from '../mappings/load-plan.js';
import type { Plan } from '../core/rollout/plan.js';
import { buildRollout, type RolloutRig } from './rollout-rig.js';
import { ExpectationTracker, type ExpectationResult } from '../replay/expectations.js';
import { ReplayClock } from '../replay/replay-clock.js';
import { ScenarioReader } from '../replay/scenario-reader.js';
import type { Expectation, ScenarioEvent, ScenarioHeader } from '../replay/scenario-types.js';
import { initLatency, LatencyHistogram, type LatencySummaryUs } from '../telemetry/latency.js';
import { createFileLogger } from '../telemetry/logger.js';
import { loadBundleRouter, loadCandidate, loadExecutingCandidate, type LoadedRouter } from './candidate.js';
import { DEFAULT_PRODUCTION, displayPath } from './paths.js';
import { checkCandidateIds, defaultCandidateId, MoreCandidates, type CandidateSpec } from './more-candidates.js';

/** Where a replay's events come from: a scenario file, or a live stream (a shadow worker's tap). */
export interface EventSource {
  readonly file: string;
  readonly header: ScenarioHeader;
  /** The next event, null at the end; a stream answers with a promise when it has to wait. */
  next(): ScenarioEvent | null | Promise<ScenarioEvent | null>;
  progress(): { readonly readBytes: number; readonly totalBytes: number };
  close(): void;
}

export interface ReplayOptions {
  /** The scenario file; with `source`, only its label in the summary. */
  readonly scenario: string;
  /** Events from here instead of the file (shadow-worker). */
  readonly source?: EventSource;
  /** Given the engine once it is built (shadow-worker aligns its event numbering after a late join). */
  readonly onEngine?: (engine: ShadowEngine) => void;
  /** More sections for summary.json (shadow-worker: what the tap lost). */
  readonly summaryExtra?: () => Record<string, unknown>;
  readonly production?: string;
  /** A bundle folder or a Router module; null = production only, no shadow. */
  readonly candidate: string | null;
  /** The first candidate's id in the summary (default: its folder or file name). */
  readonly candidateId?: string;
  /** More candidates side by side, shadow only (their files in candidates/<id>/). */
  readonly moreCandidates?: readonly CandidateSpec[];
  /** The run folder, or how to name it from the scenario's name (the CLI's default). */
  readonly outDir: string | ((scenarioName: string) => string);
  readonly maxQueue?: number;
  readonly sampleRate?: number;
  readonly candidateBudgetUs?: number;
  /** Decorates the candidate (tests use it to inject throwing or slow candidates). */
  readonly wrapCandidate?: (router: Router) => Router;
  /** Told now and then how far the replay is (bytes of the scenario read); the CLI draws it on a TTY. */
  readonly onProgress?: (readBytes: number, totalBytes: number, events: number) => void;
  /** `stage`: run this rollout plan on the replay clock (the candidate executes for its cohort). */
  readonly rollout?: string;
  /** Given the first candidate's running figures once its shadow exists (a worker reports them). */
  readonly onShadow?: (view: ShadowView) => void;
}

/** The first candidate's figures while the replay runs; still readable after it ended. */
export interface ShadowView {
  readonly counters: ShadowCounters;
  readonly tally: CandidateTally;
  latencyUs(): LatencySummaryUs;
  readonly hash: string;
  readonly name: string;
  readonly outDir: string;
}

export interface ReplayResult {
  readonly summary: RunSummary;
  readonly outDir: string;
  readonly expectations: readonly ExpectationResult[];
  /** Up to 5 divergence details per class, for the readable report. */
  readonly examples: readonly { class: string; severity: string; order: string; detail: string }[];
}

const wallStopwatch: Stopwatch = { nowNs: () => performance.now() * 1e6 };

class RecordingOrderSink implements OrderSink {
  executed = 0;
  constructor(private readonly tracker: ExpectationTracker) {}

  onProductionDecision(order: Order, decision: Decision): null {
    // Replay has no LP socket: "executed" means production sent the order to its LP.
    if (decision.action === 'route') this.executed++;
    this.tracker.onProductionDecision(order.clientOrderId, decision);
    return null;
  }
}

export async function runReplay(options: ReplayOptions): Promise<ReplayResult> {
  await initLatency();
  const productionDir = options.production ?? DEFAULT_PRODUCTION;
  const production = loadBundleRouter(productionDir, 'production');
  const budgetUs = options.candidateBudgetUs ?? 50_000;
  const candidate: (LoadedRouter & { readonly router: Router; close?: () => void }) | null =
    options.candidate === null ? null : options.rollout !== undefined ? await loadExecutingCandidate(options.candidate) : await loadCandidate(options.candidate, Math.max(1, Math.ceil(budgetUs / 1000)));
  const candidateId = options.candidateId ?? (options.candidate === null ? 'candidate' : defaultCandidateId(options.candidate));
  const moreSpecs = options.moreCandidates ?? [];
  if (moreSpecs.length > 0 && candidate === null) throw new BridgeError('SB_ERR_CONFIG', 'more candidates need a first one');
  let more: MoreCandidates;
  try {
    checkCandidateIds([candidateId, ...moreSpecs.map((c) => c.id)]);
    more = await MoreCandidates.load(moreSpecs, 'replay', budgetUs);
  } catch (error) {
    candidate?.close?.();
    throw error;
  }
  let reader: EventSource;
  try {
    reader = options.source ?? new ScenarioReader(options.scenario);
  } catch (error) {
    candidate?.close?.();
    more.close();
    throw error;
  }
  const scenarioDir = dirname(resolve(options.scenario));
  const aa = candidate !== null && candidate.router.configHash === production.router.configHash;

  let folder: RunFolder;
  let plan: Plan | null = null;
  try {
    if (options.rollout !== undefined) {
      plan = loadPlan(options.rollout);
      if (candidate === null) throw new BridgeError('SB_ERR_ROLLOUT_CANDIDATE', 'a rollout needs a candidate to execute');
    }
    folder = new RunFolder(typeof options.outDir === 'string' ? options.outDir : options.outDir(reader.header.name));
  } catch (error) {
    reader.close();
    candidate?.close?.();
    more.close();
    throw error;
  }
  const log = createFileLogger(folder.path('engine.log'));
  // Finance: markup revenue of both routers per order, from the lifecycle and the comparisons.
  const ledger = new FinanceLedger(booksOf([production.bundle, ...(candidate !== null && 'bundle' in candidate ? [(candidate as { bundle: RoutingBundle }).bundle] : [])]), { file: folder.path('finance.csv') });
  folder.onLifecycle = (entry) => {
    ledger.onLifecycle(entry);
    more.onLifecycle(entry);
  };
  const productionLatency = new LatencyHistogram();
  const candidateLatency = new LatencyHistogram();
  let finalCandidateLatency: LatencySummaryUs | null = null;
  const tracker = new ExpectationTracker();
  const examples: { class: string; severity: string; order: string; detail: string }[] = [];
  const examplesPerClass = new Map<string, number>();
  const expectations: Expectation[] = [];
  let rig: RolloutRig | null = null;
  try {
    const clock = new ReplayClock(reader.header.startUs);
    const orderSink = new RecordingOrderSink(tracker);
    if (plan !== null && candidate !== null) {
      rig = buildRollout({
        plan,
        production: production.router as BundleRouter,
        candidate: candidate.router,
        auditFile: folder.path('audit.jsonl'),
        durableAudit: false,
        startUs: reader.header.startUs,
        hashes: { production: production.router.configHash, candidate: candidate.router.configHash, plan: plan.hash },
        deterministicLatency: true,
      });
    }
    let shadow: ShadowRunner | null = null;
    if (candidate !== null) {
      const router = options.wrapCandidate ? options.wrapCandidate(candidate.router) : candidate.router;
      shadow = new ShadowRunner(
        router,
        {
          maxQueue: options.maxQueue ?? 10_000,
          sampleRate: options.sampleRate ?? 1,
          budgetNs: budgetUs * 1000,
          policy: DEFAULT_COMPARE_POLICY,
          // Staged, an LP production does not know is unknown even if the scenario streams it:
          // the candidate routing there is what a rollout must catch.
          knownLps: new Set(rig === null ? [...production.lps, ...reader.header.lps] : production.lps),
          rebuildContext: aa ? rebuildContext : null,
        },
        folder,
        folder,
        wallStopwatch,
        rig === null ? candidateLatency : rig.candidateLatency(candidateLatency, () => clock.nowUs()),
      );
      rig?.attachShadow(shadow);
      options.onShadow?.({
        counters: shadow.counters,
        tally: folder.tally,
        latencyUs: () => finalCandidateLatency ?? candidateLatency.summaryUs(),
        hash: shadow.candidateHash,
        name: displayPath(candidate.source),
        outDir: folder.finalDir,
      });
      shadow.onCompared = (context, productionDecision, decision) => {
        tracker.onCompared(context.order.clientOrderId, decision);
        ledger.onCompared(context.order.correlationId, productionDecision, decision);
      };
      folder.onDivergence = (record) => {
        tracker.onDivergence(record);
        const n = examplesPerClass.get(record.class) ?? 0;
        if (n < 5) {
          examplesPerClass.set(record.class, n + 1);
          examples.push({ class: record.class, severity: record.severity, order: record.clientOrderId, detail: record.detail });
        }
      };
    }
    const moreShadows = more.wire(
      {
        folder,
        production: { configHash: production.router.configHash, bundle: production.bundle },
        knownLps: new Set(rig === null ? [...production.lps, ...reader.header.lps] : production.lps),
        stopwatch: wallStopwatch,
        maxQueue: options.maxQueue ?? 10_000,
        sampleRate: options.sampleRate ?? 1,
        budgetNs: budgetUs * 1000,
      },
      options.wrapCandidate,
    );
    const engine = new ShadowEngine({
      production: production.router,
      shadow,
      moreShadows,
      orderSink,
      journal: folder,
      log: log.lifecycle,
      clock,
      stopwatch: wallStopwatch,
      productionLatency,
      correlationPrefix: `${reader.header.name}-`,
      maxTrackedOrders: 100_000,
      execution: rig?.execution ?? null,
      observer: rig?.observer ?? null,
      deterministicLatency: rig !== null,
    });
    options.onEngine?.(engine);
    for (const lp of reader.header.lps) engine.onLpStatus(lp, 'up');
    log.logger.info({ event: 'replay_start', scenario: reader.header.name, production: production.router.configHash, candidate: candidate?.router.configHash ?? null }, 'replay_start');

    const startMs = performance.now();
    let sinceProgress = 0;
    for (;;) {
      const next = reader.next();
      // A file answers at once; a stream may have to wait for its next event.
      const event = next instanceof Promise ? await next : next;
      if (event === null) break;
      if (options.onProgress !== undefined && ++sinceProgress === 20_000) {
        sinceProgress = 0;
        const p = reader.progress();
        options.onProgress(p.readBytes, p.totalBytes, engine.counters.events);
      }
      if (event.tsUs >= 0) clock.advanceTo(event.tsUs);
      // The rollout lives on the replay clock: gates and hold timers see scenario time.
      rig?.controller.tick(clock.nowUs());
      switch (event.type) {
        case 'quote':
          engine.onQuote(event.quote);
          ledger.onQuote(event.quote.lp, event.quote.lpSymbol, event.quote.bidE8, event.quote.askE8);
          if (more.size > 0) more.onQuote(event.quote.lp, event.quote.lpSymbol, event.quote.bidE8, event.quote.askE8);
          break;
        case 'order':
          engine.onOrder(event.order);
          break;
        case 'cancel':
          engine.onCancel(event.origId, event.id);
          break;
        case 'lp_status':
          engine.onLpStatus(event.lp, event.status);
          break;
        case 'lp_exec':
          engine.onLpExecution(event.exec);
          break;
        case 'config_change': {
          const dir = resolve(scenarioDir, event.bundle);
          const bundle = loadBundle(dir);
          const router = new BundleRouter(event.target, bundle);
          if (event.target === 'production') engine.replaceProduction(router);
          else engine.replaceCandidate(router);
          break;
        }
        case 'expect':
          expectations.push(event.expectation);
          engine.onPassiveEvent();
          break;
        case 'lp_behavior':
        case 'calendar':
        case 'annotation':
          log.logger.info({ event: event.type, atUs: event.tsUs, ...('text' in event ? { text: event.text } : {}) }, event.type);
          engine.onPassiveEvent();
          break;
      }
      if (shadow !== null && shadow.pending() > 0) shadow.drain();
      if (more.size > 0) more.drain();
    }
    const wallMs = performance.now() - startMs;

    const results = checkExpectations(tracker, expectations, reader, scenarioDir, production.router, candidate?.router ?? null);
    const summary = buildSummary({
      scenario: { name: reader.header.name, file: relative(process.cwd(), resolve(options.scenario)), description: reader.header.description },
      mode: candidate === null ? 'production-only' : aa ? 'aa' : 'shadow',
      engine: engine.counters,
      shadow: shadow?.counters ?? null,
      tally: folder.tally,
      latency: { production: productionLatency.summaryUs(), candidate: candidateLatency.summaryUs() },
      configs: {
        production: { name: displayPath(production.source), hash: engine.productionRouter.configHash },
        candidate: candidate === null || shadow === null ? null : { name: displayPath(candidate.source), hash: shadow.candidateHash },
      },
      expectations: {
        checked: results.filter((r) => !r.skipped).length,
        met: results.filter((r) => r.ok && !r.skipped).length,
        skipped: results.filter((r) => r.skipped).length,
        failed: results.filter((r) => !r.ok).map((r) => ({ line: r.line, ok: false, text: r.text })),
      },
      wallMs,
      candidates:
        candidate === null || shadow === null
          ? []
          : [
              candidateSummaryOf({
                id: candidateId,
                kind: 'bundle' in candidate ? 'bundle' : 'module',
                name: displayPath(candidate.source),
                hash: shadow.candidateHash,
                executes: rig !== null,
                counters: shadow.counters,
                tally: folder.tally,
                latency: candidateLatency.summaryUs(),
                files: 'divergences.jsonl',
              }),
              ...more.summaries(),
            ],
    });
    if (orderSink.executed !== summary.production.executed + summary.candidate.executed) {
      throw new Error(`invariant: order sink saw ${orderSink.executed} executions, engine counted ${summary.production.executed} + ${summary.candidate.executed}`);
    }
    if (rig !== null) {
      rig.audit.note(clock.nowUs(), 'stage_finished', 'stage', { orders: summary.orders, state: rig.controller.state });
      const rollout = rig.summary();
      (summary as { rollout?: RunSummary['rollout'] }).rollout = { ...rollout, audit: { ...rollout.audit, path: 'audit.jsonl' } };
    }
    log.logger.info({ event: 'replay_end', events: summary.events, divergences: summary.divergences.total }, 'replay_end');
    log.close();
    rig?.close();
    ledger.write(folder.path('finance.csv'), folder.path('finance-summary.csv'));
    more.writeFinance(folder);
    if (options.summaryExtra !== undefined) Object.assign(summary, options.summaryExtra());
    folder.writeJson('summary.json', summary);
    folder.publish(() => writeHtmlReport(folder.stagingDir, summary));
    return { summary, outDir: folder.finalDir, expectations: results, examples };
  } catch (error) {
    log.close();
    rig?.close();
    folder.discard();
    throw error;
  } finally {
    candidate?.close?.();
    more.close();
    reader.close();
    productionLatency.destroy();
    finalCandidateLatency = candidateLatency.summaryUs();
    candidateLatency.destroy();
  }
}

function checkExpectations(
  tracker: ExpectationTracker,
  expectations: readonly Expectation[],
  reader: EventSource,
  scenarioDir: string,
  production: Router,
  candidate: Router | null,
): ExpectationResult[] {
  if (expectations.length === 0) return [];
  const hashOf = (path: string | null): string | null => {
    if (path === null) return null;
    try {
      return loadBundle(resolve(scenarioDir, path)).hash;
    } catch (error) {
      throw new BridgeError('SB_ERR_SCENARIO_HEADER', `${reader.file}:1 bundles: ${(error as Error).message}`);
    }
  };
  const wantProduction = hashOf(reader.header.bundles.production);
  const wantCandidate = hashOf(reader.header.bundles.candidate);
  const productionComparable = wantProduction === null || wantProduction === production.configHash;
  const candidateComparable = candidate !== null && (wantCandidate === null || wantCandidate === candidate.configHash);
  return tracker.check(expectations, productionComparable, candidateComparable);
}

