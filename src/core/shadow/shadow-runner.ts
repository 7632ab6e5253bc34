// Runs the candidate on contexts production has already decided and sent, then compares.
// The queue is bounded and drains only when the caller says so: production never waits for it.

import type { Decision, RejectReason } from '../model/types.js';
import type { DivergenceSink, LatencyRecorder, ShadowFaultSink, Stopwatch } from '../ports.js';
import { isAsyncRouter, type AsyncRouter, type Router } from '../routing/router.js';
import { CandidateTimedOut } from './candidate-timeout.js';
import { compareDecisions } from './compare.js';
import { validateDecision } from './validate-decision.js';
import type { DecisionContext } from './context.js';
import { DROP_REASONS, type ComparePolicy, type Divergence, type DropReason } from './divergence.js';

export interface ShadowOptions {
  /** Most contexts waiting for the candidate; past it, new ones are dropped as queue_full. */
  readonly maxQueue: number;
  /** Fraction of orders evaluated, 0..1, chosen by a hash of the correlation id (repeatable). */
  readonly sampleRate: number;
  /** A candidate decision that takes longer than this is discarded as candidate_timeout. */
  readonly budgetNs: number;
  readonly policy: ComparePolicy;
  /** LPs production knows; routing anywhere else is critical. */
  readonly knownLps: ReadonlySet<string>;
  /** Rebuild each context from plain data before the candidate sees it (the A/A check). */
  readonly rebuildContext: ((context: DecisionContext) => DecisionContext) | null;
  /** An asynchronous candidate is asked for at most this many decisions at a time (default 64). */
  readonly maxInFlight?: number;
}

export interface ShadowCounters {
  offered: number;
  compared: number;
  matched: number;
  divergent: number;
  divergences: number;
  dropped: Record<DropReason, number>;
  /** What the candidate decided on the contexts it was compared on. */
  candidateRouted: number;
  candidateRejected: number;
  candidateRejectReasons: Partial<Record<RejectReason, number>>;
}

/** Coverage summary: every production decision is either compared or dropped with a reason. */
export function coverageOf(counters: ShadowCounters): number {
  return counters.offered === 0 ? 1 : counters.compared / counters.offered;
}

/** Maps a string to [0, 1), the same on every run and platform (Math.random is neither). */
export function hashUnit(text: string): number {
  // FNV-1a, then murmur3's fmix32: FNV alone leaves the high bits poorly mixed for short,
  // similar ids ("c-1", "c-2"), which skewed a 30% sample to 55%.
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return (h >>> 0) / 0x100000000;
}

export class ShadowRunner {
  readonly counters: ShadowCounters;
  private readonly queueContexts: DecisionContext[] = [];
  private readonly queueDecisions: Decision[] = [];
  /** When each queued context was offered (stopwatch ns); filled only while queueLag is set. */
  private readonly queueOfferedNs: number[] = [];
  private head = 0;
  private highWater = 0;
  /** Decisions an asynchronous candidate has been asked for and not yet answered. */
  private inFlightCount = 0;
  private dispatching = false;
  /** Contexts an asynchronous candidate is deciding on, by request ticket (for abandon()). */
  private readonly inFlightContexts = new Map<number, DecisionContext>();
  private tickets = 0;
  private abandoned = false;
  /** Optional observers for the rollout's metrics: every comparison, every candidate fault. */
  onDivergences: ((context: DecisionContext, divergences: readonly Divergence[]) => void) | null = null;
  onFault: ((context: DecisionContext) => void) | null = null;
  /** Optional observer of every comparison (the expectation checker); not on the hot path. */
  onCompared: ((context: DecisionContext, production: Decision, candidate: Decision) => void) | null = null;
  /**
   * Optional recorder of how long each context waited in the queue before the candidate saw it:
   * how far the shadow trails production. Set it before the first offer.
   */
  queueLag: LatencyRecorder | null = null;

  constructor(
    private candidate: Router | AsyncRouter,
    private readonly options: ShadowOptions,
    private readonly divergenceSink: DivergenceSink,
    private readonly faultSink: ShadowFaultSink,
    private readonly stopwatch: Stopwatch,
    private readonly latency: LatencyRecorder,
  ) {
    const dropped = {} as Record<DropReason, number>;
    for (const reason of DROP_REASONS) dropped[reason] = 0;
    this.counters = {
      offered: 0,
      compared: 0,
      matched: 0,
      divergent: 0,
      divergences: 0,
      dropped,
      candidateRouted: 0,
      candidateRejected: 0,
      candidateRejectReasons: {},
    };
  }

  get candidateName(): string {
    return this.candidate.name;
  }

  get candidateHash(): string {
    return this.candidate.configHash;
  }

  /** Switches to another candidate configuration; contexts already queued are evaluated first. */
  replaceCandidate(candidate: Router | AsyncRouter): void {
    this.drain();
    this.candidate = candidate;
  }

  /** Queues a context production has decided on; never throws, never blocks. */
  offer(context: DecisionContext, production: Decision): void {
    this.counters.offered++;
    if (this.abandoned) {
      this.drop(context, 'candidate_timeout', 'the candidate was stopped');
      return;
    }
    if (this.options.sampleRate < 1 && hashUnit(context.order.correlationId) >= this.options.sampleRate) {
      this.drop(context, 'sampled_out', 'outside the sample');
      return;
    }
    if (this.queueContexts.length - this.head >= this.options.maxQueue) {
      this.drop(context, 'queue_full', `queue holds ${this.options.maxQueue}`);
      return;
    }
    this.queueContexts.push(context);
    this.queueDecisions.push(production);
    if (this.queueLag !== null) this.queueOfferedNs.push(this.stopwatch.nowNs());
    const depth = this.queueContexts.length - this.head;
    if (depth > this.highWater) this.highWater = depth;
  }

  /** Contexts waiting in the queue (not yet handed to the candidate). */
  pending(): number {
    return this.queueContexts.length - this.head;
  }

  /** Contexts an asynchronous candidate is deciding on now. */
  inFlight(): number {
    return this.inFlightCount;
  }

  /**
   * Whether a drain() now would do anything. An asynchronous candidate pulls more work itself
   * as it answers, so a full pipeline needs no polling.
   */
  wantsDrain(): boolean {
    if (this.pending() === 0) return false;
    return !isAsyncRouter(this.candidate) || this.inFlightCount < (this.options.maxInFlight ?? 64);
  }

  /** The deepest the queue has been since the runner started (or since resetHighWater()). */
  queueHighWater(): number {
    return this.highWater;
  }

  /** Counts the deepest afresh from now: what is queued now is the starting point. */
  resetHighWater(): void {
    this.highWater = this.pending();
  }

  /**
   * Evaluates queued contexts in arrival order until the queue is empty or `budgetNs` of time
   * has been spent; returns how many were evaluated. A live engine passes a budget so a backlog
   * behind a slow candidate is worked off in slices, with production's I/O in between.
   */
  drain(budgetNs = Number.POSITIVE_INFINITY): number {
    if (isAsyncRouter(this.candidate)) return this.dispatch(this.candidate);
    const sliced = budgetNs !== Number.POSITIVE_INFINITY;
    const startNs = sliced ? this.stopwatch.nowNs() : 0;
    let evaluated = 0;
    while (this.head < this.queueContexts.length) {
      const at = this.takeNext();
      this.evaluate(this.queueContexts[at] as DecisionContext, this.queueDecisions[at] as Decision);
      evaluated++;
      if (sliced && this.stopwatch.nowNs() - startNs >= budgetNs) break;
    }
    this.compact();
    return evaluated;
  }

  /** Takes the oldest queued entry (recording how long it waited); returns its index. */
  private takeNext(): number {
    const at = this.head++;
    const offeredNs = this.queueOfferedNs[at];
    if (this.queueLag !== null && offeredNs !== undefined) this.queueLag.recordNs(this.stopwatch.nowNs() - offeredNs);
    return at;
  }

  /** Drops evaluated entries from the front, so a queue that never empties does not grow. */
  private compact(): void {
    if (this.head === this.queueContexts.length) {
      this.queueContexts.length = 0;
      this.queueDecisions.length = 0;
      this.queueOfferedNs.length = 0;
      this.head = 0;
    } else if (this.head >= 1024 && this.head * 2 >= this.queueContexts.length) {
      this.queueContexts.splice(0, this.head);
      this.queueDecisions.splice(0, this.head);
      this.queueOfferedNs.splice(0, Math.min(this.head, this.queueOfferedNs.length));
      this.head = 0;
    }
  }

  /**
   * Hands queued contexts to an asynchronous candidate, up to maxInFlight at a time, in
   * arrival order; each answer frees a slot and pulls the next. Returns how many were handed.
   */
  private dispatch(candidate: AsyncRouter): number {
    if (this.dispatching) return 0; // an answer given synchronously: the loop below goes on
    this.dispatching = true;
    const maxInFlight = this.options.maxInFlight ?? 64;
    let handed = 0;
    try {
      while (this.head < this.queueContexts.length && this.inFlightCount < maxInFlight) {
        const at = this.takeNext();
        const context = this.queueContexts[at] as DecisionContext;
        const production = this.queueDecisions[at] as Decision;
        this.inFlightCount++;
        handed++;
        const input = this.options.rebuildContext === null ? context : this.options.rebuildContext(context);
        const startNs = this.stopwatch.nowNs();
        const ticket = ++this.tickets;
        this.inFlightContexts.set(ticket, context);
        candidate.decideLater(input, (outcome) => {
          if (!this.inFlightContexts.delete(ticket)) return; // abandoned at stop: already counted
          this.inFlightCount--;
          // The adapter enforces the time budget per decision (it kills a stuck worker); the
          // time recorded here also counts the wait behind earlier requests in the pipeline.
          this.conclude(context, production, outcome, this.stopwatch.nowNs() - startNs, false);
          if (this.candidate === candidate) this.dispatch(candidate);
        });
      }
    } finally {
      this.dispatching = false;
    }
    this.compact();
    return handed;
  }

  private evaluate(context: DecisionContext, production: Decision): void {
    const input = this.options.rebuildContext === null ? context : this.options.rebuildContext(context);
    const startNs = this.stopwatch.nowNs();
    let outcome: Decision | Error;
    try {
      outcome = (this.candidate as Router).decide(input);
    } catch (error) {
      outcome = error instanceof Error ? error : new Error(String(error));
    }
    this.conclude(context, production, outcome, this.stopwatch.nowNs() - startNs, true);
  }

  /** What the candidate answered (or how it failed), checked, timed against the budget, compared. */
  private conclude(context: DecisionContext, production: Decision, outcome: Decision | Error, tookNs: number, enforceBudget: boolean): void {
    if (this.abandoned) return; // counted when the run ended
    if (outcome instanceof Error) {
      const reason = outcome instanceof CandidateTimedOut ? 'candidate_timeout' : 'candidate_error';
      this.drop(context, reason, `${outcome.name}: ${outcome.message}`);
      return;
    }
    this.latency.recordNs(tookNs);
    if (enforceBudget && tookNs > this.options.budgetNs) {
      this.drop(context, 'candidate_timeout', `decision took ${Math.round(tookNs / 1000)} µs, budget ${Math.round(this.options.budgetNs / 1000)} µs`);
      return;
    }
    // Whatever came back is checked field by field before anything reads it as a Decision.
    const candidate = validateDecision(outcome as unknown);
    if (typeof candidate === 'string') {
      this.drop(context, 'candidate_error', `candidate returned an invalid decision: ${candidate}`);
      return;
    }
    this.compare(context, production, candidate);
  }

  /**
   * Ends the run for the candidate: every context still queued or being decided is counted as
   * dropped (candidate_timeout: it did not answer in time), and answers arriving later are
   * ignored. After this no record is written, so the run folder can be closed.
   */
  abandon(detail: string): void {
    if (this.abandoned) return;
    this.abandoned = true;
    while (this.head < this.queueContexts.length) {
      const at = this.head++;
      this.drop(this.queueContexts[at] as DecisionContext, 'candidate_timeout', detail);
    }
    this.compact();
    for (const context of this.inFlightContexts.values()) this.drop(context, 'candidate_timeout', detail);
    this.inFlightContexts.clear();
    this.inFlightCount = 0;
  }

  /**
   * A canary order the candidate executed, and production's decision on the same context made
   * after the send (reverse shadow): compared the same way, counted as offered and compared.
   */
  compareExecuted(context: DecisionContext, production: Decision, candidate: Decision): void {
    this.counters.offered++;
    this.compare(context, production, candidate, 'candidate');
  }

  /** Compares a candidate decision obtained elsewhere (e.g. from a worker) for a queued context. */
  compare(context: DecisionContext, production: Decision, candidate: Decision, executedBy: 'production' | 'candidate' = 'production'): void {
    const divergences = compareDecisions(production, candidate, context.lpStatus, this.options.knownLps, this.options.policy);
    this.counters.compared++;
    this.onDivergences?.(context, divergences);
    this.onCompared?.(context, production, candidate);
    if (candidate.action === 'route') {
      this.counters.candidateRouted++;
    } else {
      this.counters.candidateRejected++;
      const reason = candidate.rejectReason;
      if (reason !== null) this.counters.candidateRejectReasons[reason] = (this.counters.candidateRejectReasons[reason] ?? 0) + 1;
    }
    if (divergences.length === 0) {
      this.counters.matched++;
      return;
    }
    this.counters.divergent++;
    this.counters.divergences += divergences.length;
    const order = context.order;
    for (const divergence of divergences) {
      this.divergenceSink.record(
        {
          seq: context.seq,
          atUs: context.nowUs,
          correlationId: order.correlationId,
          clientOrderId: order.clientOrderId,
          account: order.account,
          group: order.group,
          platformSymbol: order.platformSymbol,
          class: divergence.class,
          severity: divergence.severity,
          detail: divergence.detail,
          production,
          candidate,
          executedBy,
        },
        context,
      );
    }
  }

  private drop(context: DecisionContext, reason: DropReason, detail: string): void {
    this.counters.dropped[reason]++;
    if (reason === 'candidate_timeout' || reason === 'candidate_error') this.onFault?.(context);
    this.faultSink.fault({ seq: context.seq, correlationId: context.order.correlationId, reason, detail });
  }
}
