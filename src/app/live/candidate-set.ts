// The live engine's candidates: the first (the one a rollout executes, its records at the run
// folder's top level), more in this process side by side (candidates/<id>/), and remote ones whose
// shadow workers report over the tap. Production never waits for any of them: each candidate's
// queue is drained in slices after the turn's I/O, one slice per candidate per turn.

import type { Logger } from 'pino';
import { BridgeError } from '../../core/errors.js';
import type { LatencyRecorder, Stopwatch } from '../../core/ports.js';
import type { RoutingBundle } from '../../core/routing/bundle.js';
import { BundleRouter } from '../../core/routing/bundle-router.js';
import { isAsyncRouter, type AsyncRouter, type Router } from '../../core/routing/router.js';
import { rebuildContext } from '../../core/shadow/context.js';
import { DEFAULT_COMPARE_POLICY } from '../../core/shadow/divergence.js';
import { ShadowRunner } from '../../core/shadow/shadow-runner.js';
import type { FinanceLedger } from '../../exporters/finance.js';
import type { RunFolder } from '../../exporters/run-folder.js';
import { candidateSummaryOf, type CandidateSummary } from '../../exporters/summary.js';
import { LatencyHistogram, type LatencySummaryUs } from '../../telemetry/latency.js';
import { canExecute, loadExecutingCandidate, loadLiveCandidate, type LoadedRouter } from '../candidate.js';
import { liveCandidates, type LiveCandidate, type LiveConfig } from '../live-config.js';
import { checkCandidateIds, MoreCandidates } from '../more-candidates.js';
import { displayPath } from '../paths.js';
import type { RemoteCandidates } from './remote-candidates.js';
import { settleShadow } from './settle-shadow.js';

/** Longest one candidate may run in one go while production waits for the event loop. */
const SHADOW_SLICE_NS = 250_000;

export interface CandidateWiring {
  readonly folder: RunFolder;
  readonly production: BundleRouter;
  readonly productionBundle: RoutingBundle;
  readonly ledger: FinanceLedger;
  readonly stopwatch: Stopwatch;
  /** The rollout's view of the first candidate's latency (its gates read it), if any. */
  readonly latencyRecorder?: (histogram: LatencyHistogram) => LatencyRecorder;
  readonly wrapCandidate?: (router: Router) => Router;
}

export class LiveCandidateSet {
  /** The first in-process candidate's runner (null without one). */
  shadow: ShadowRunner | null = null;
  readonly latency = new LatencyHistogram();
  readonly queueLag = new LatencyHistogram();
  remote: RemoteCandidates | null = null;
  private drainScheduled = false;
  private runners: ShadowRunner[] = [];
  /** The run folder: the first candidate's divergences are tallied there. */
  private folder: RunFolder | null = null;
  private stopwatch: Stopwatch | null = null;
  /** Which candidate's queue the next slice starts with. */
  private nextFirst = 0;

  private constructor(
    private readonly config: LiveConfig,
    readonly entries: readonly LiveCandidate[],
    /** The first candidate in this process: loaded router, its id and path. */
    readonly first: (LoadedRouter & { close?: () => void; readonly id: string; readonly path: string }) | null,
    readonly firstBundle: RoutingBundle | null,
    readonly more: MoreCandidates,
  ) {}

  /** Loads every in-process candidate; with a rollout, the first must be able to execute. */
  static async load(config: LiveConfig): Promise<LiveCandidateSet> {
    const entries = liveCandidates(config.run);
    checkCandidateIds(entries.map((e) => e.id));
    const local = entries.filter((e): e is LiveCandidate & { path: string } => e.path !== null);
    const head = local[0];
    const budgetUs = config.run.candidateBudgetUs;
    let first: LiveCandidateSet['first'] = null;
    let more: MoreCandidates = MoreCandidates.none();
    try {
      if (head !== undefined) {
        // With a rollout the first candidate executes: a bundle, or a module that declares itself trusted.
        const loaded = config.rollout !== null ? await loadExecutingCandidate(head.path) : await loadLiveCandidate(head.path, Math.max(1, Math.ceil(budgetUs / 1000)));
        first = { ...loaded, id: head.id, path: head.path };
        if (config.rollout !== null && !canExecute(loaded.router)) throw new BridgeError('SB_ERR_ROLLOUT_CANDIDATE', `${head.path}: this candidate cannot execute orders`);
      }
      more = await MoreCandidates.load(local.slice(1).map((e) => ({ id: e.id, path: e.path })), 'live', budgetUs);
    } catch (error) {
      first?.close?.();
      more.close();
      throw error;
    }
    const firstBundle = first !== null && 'bundle' in first ? (first as unknown as { bundle: RoutingBundle }).bundle : null;
    return new LiveCandidateSet(config, entries, first, firstBundle, more);
  }

  /** The first candidate's router (what a rollout executes; what prices are shadowed with). */
  get router(): Router | AsyncRouter | null {
    return this.first?.router ?? null;
  }

  /** Bundles of every in-process candidate (finance books; LP symbol maps). */
  bundles(): RoutingBundle[] {
    return [...(this.firstBundle === null ? [] : [this.firstBundle]), ...this.more.bundles()];
  }

  isAa(productionHash: string): boolean {
    return this.first !== null && this.first.router.configHash === productionHash;
  }

  /** Builds the runners; returns the first's and the others' for the engine. */
  wire(w: CandidateWiring): { shadow: ShadowRunner | null; moreShadows: ShadowRunner[] } {
    const run = this.config.run;
    this.folder = w.folder;
    this.stopwatch = w.stopwatch;
    if (this.first !== null) {
      const router = this.first.router;
      const shadow = new ShadowRunner(
        w.wrapCandidate !== undefined && !isAsyncRouter(router) ? w.wrapCandidate(router) : router,
        {
          maxQueue: run.maxShadowQueue,
          sampleRate: 1,
          budgetNs: run.candidateBudgetUs * 1000,
          policy: DEFAULT_COMPARE_POLICY,
          knownLps: new Set(w.productionBundle.lps.keys()),
          rebuildContext: this.isAa(w.production.configHash) ? rebuildContext : null,
        },
        w.folder,
        w.folder,
        w.stopwatch,
        w.latencyRecorder === undefined ? this.latency : w.latencyRecorder(this.latency),
      );
      shadow.queueLag = this.queueLag;
      shadow.onCompared = (context, productionDecision, candidateDecision) => w.ledger.onCompared(context.order.correlationId, productionDecision, candidateDecision);
      this.shadow = shadow;
    }
    const moreShadows = this.more.wire(
      {
        folder: w.folder,
        production: { configHash: w.production.configHash, bundle: w.productionBundle },
        knownLps: new Set(w.productionBundle.lps.keys()),
        stopwatch: w.stopwatch,
        maxQueue: run.maxShadowQueue,
        sampleRate: 1,
        budgetNs: run.candidateBudgetUs * 1000,
      },
      w.wrapCandidate,
    );
    this.runners = [...(this.shadow === null ? [] : [this.shadow]), ...moreShadows];
    return { shadow: this.shadow, moreShadows };
  }

  /**
   * The candidates run after the current I/O callback returns: production's order is already
   * written to the LP socket by then. A backlog is worked off in slices, one per turn of the
   * event loop, so orders arriving meanwhile are read and routed between slices.
   */
  scheduleDrain(): void {
    if (this.runners.length === 0 || this.drainScheduled) return;
    this.drainScheduled = true;
    setImmediate(this.drainSlice);
  }

  /**
   * One slice of shadow work, SHADOW_SLICE_NS in all however many candidates there are: each
   * candidate gets what the ones before it left, starting with a different one each turn, so a
   * slow candidate neither delays production's next read by more than a slice nor starves the rest.
   */
  private readonly drainSlice = (): void => {
    this.drainScheduled = false;
    const runners = this.runners;
    const stopwatch = this.stopwatch as Stopwatch;
    const startNs = stopwatch.nowNs();
    const n = runners.length;
    for (let k = 0; k < n; k++) {
      const left = SHADOW_SLICE_NS - (stopwatch.nowNs() - startNs);
      if (left <= 0) break;
      const runner = runners[(this.nextFirst + k) % n] as ShadowRunner;
      if (runner.pending() > 0) runner.drain(left);
    }
    this.nextFirst = (this.nextFirst + 1) % n;
    if (runners.some((r) => r.wantsDrain())) this.scheduleDrain();
  };

  /** Every candidate's figures side by side: the first, the others here, the remote ones. */
  summaries(): CandidateSummary[] {
    const out: CandidateSummary[] = [];
    if (this.first !== null && this.shadow !== null) {
      out.push(
        candidateSummaryOf({
          id: this.first.id,
          kind: this.firstBundle !== null || this.first.router instanceof BundleRouter ? 'bundle' : 'module',
          name: displayPath(this.first.path),
          hash: this.first.router.configHash,
          executes: this.config.rollout !== null,
          counters: this.shadow.counters,
          tally: (this.folder as RunFolder).tally,
          latency: this.latency.summaryUs(),
          files: 'divergences.jsonl',
        }),
      );
    }
    out.push(...this.more.summaries(), ...(this.remote?.summaries() ?? []));
    // In the order the config lists them.
    const order = new Map(this.entries.map((e, i) => [e.id, i]));
    return out.sort((a, b) => (order.get(a.id) ?? 0) - (order.get(b.id) ?? 0));
  }

  queueStats(): { depth: number; highWater: number; lagUs: LatencySummaryUs } | null {
    return this.shadow === null ? null : { depth: this.shadow.pending(), highWater: this.shadow.queueHighWater(), lagUs: this.queueLag.summaryUs() };
  }

  /** Starts the queue's lag and depth figures afresh (a measured span after a warm-up). */
  resetQueueStats(): void {
    this.queueLag.reset();
    this.shadow?.resetHighWater();
  }

  /** At stop: a short grace for what is queued, then whatever is left is counted dropped. */
  async settle(logger: Logger): Promise<void> {
    for (const runner of this.runners) await settleShadow(runner, this.config.run.candidateBudgetUs, logger);
  }

  abandon(detail: string): void {
    for (const runner of this.runners) runner.abandon(detail);
  }

  writeFinance(folder: RunFolder): void {
    this.more.writeFinance(folder);
  }

  /** Stops module workers; call once the final summary is taken. */
  close(): void {
    this.first?.close?.();
    this.more.close();
  }

  destroyHistograms(): void {
    this.latency.destroy();
    this.queueLag.destroy();
  }
}
