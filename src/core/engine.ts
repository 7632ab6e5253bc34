// The shadow engine: takes events in order, keeps market and LP state, and for each order
// freezes one context, lets production decide and hands that to the order sink before the
// candidate is even queued. The same engine runs in replay and live; only its ports differ.

import type { LifecycleEntry, LifecycleStep, LpExecution } from './model/lifecycle.js';
import type { Decision, LpStatus, Order, OrderRequest, Quote, RejectReason } from './model/types.js';
import type { Clock, LatencyRecorder, LifecycleLog, OrderSink, Stopwatch } from './ports.js';
import type { Router } from './routing/router.js';
import type { CohortSubject } from './rollout/cohort.js';
import type { Executor } from './rollout/metrics.js';
import type { Divergence } from './shadow/divergence.js';
import { validateDecision } from './shadow/validate-decision.js';
import { LpStatusBoard, QuoteBook, type DecisionContext, type LpStatusView, type QuoteView } from './shadow/context.js';
import { OrderTracker } from './shadow/order-tracker.js';
import type { ShadowRunner } from './shadow/shadow-runner.js';

/** Receives every order lifecycle entry (orders.jsonl in a run folder). */
export interface LifecycleJournal {
  append(entry: LifecycleEntry): void;
}

/**
 * Who executes each order during a rollout (the rollout controller), and the candidate that
 * executes for the cohort. Absent: production executes every order, the candidate shadows.
 */
export interface ExecutionPlan {
  executorFor(subject: CohortSubject, nowUs: number): Executor;
  /** Called once per executed order, after it went out (counts the step's orders). */
  executedBy(executor: Executor): void;
  /** The candidate as an executing router: synchronous, trusted (a bundle). */
  readonly candidate: Router;
  /** Platform symbol -> canonical instrument, for symbol segments. */
  instrumentOf(platformSymbol: string): string | null;
}

/** What the rollout's metrics are fed from the order path (all optional, all cheap). */
export interface RolloutObserver {
  decided(nowUs: number, executor: Executor, decision: Decision): void;
  /** Production's decision on an order the candidate executed (the like-for-like baseline). */
  reverseShadow(nowUs: number, production: Decision): void;
  compared(nowUs: number, divergences: readonly Divergence[]): void;
  candidateFault(nowUs: number): void;
  lpExecution(nowUs: number, executor: Executor, rejected: boolean): void;
  statusMismatch(nowUs: number, kind: string): void;
  latency(nowUs: number, router: Executor, ns: number): void;
}

export interface EngineDeps {
  readonly production: Router;
  /**
   * The first candidate (the one a rollout executes); null when there is no candidate: then no
   * context is ever copied or queued.
   */
  readonly shadow: ShadowRunner | null;
  /**
   * Further candidates evaluated side by side, shadow only: each is offered the same frozen
   * context and production's decision on it, after the executing router's order went out.
   */
  readonly moreShadows?: readonly ShadowRunner[];
  readonly orderSink: OrderSink;
  readonly journal: LifecycleJournal;
  readonly log: LifecycleLog;
  readonly clock: Clock;
  readonly stopwatch: Stopwatch;
  readonly productionLatency: LatencyRecorder;
  /** Prefix of correlation ids ("r1-"); ids are the prefix plus the event sequence number. */
  readonly correlationPrefix: string;
  readonly maxTrackedOrders: number;
  /** During a rollout: who executes (null: production always). */
  readonly execution?: ExecutionPlan | null;
  readonly observer?: RolloutObserver | null;
  /** Stage: decision latency fed to the rollout as a constant, so gates do not read wall time. */
  readonly deterministicLatency?: boolean;
}

export interface EngineCounters {
  events: number;
  quotes: number;
  orders: number;
  productionRouted: number;
  /** Routed by production but refused by the order sink before sending (never executed). */
  productionNotSent: number;
  /** Orders the candidate executed (a canary step) and of those, how many it routed/rejected. */
  candidateExecuted: number;
  candidateRouted: number;
  candidateRejected: number;
  candidateNotSent: number;
  /** Candidate decisions that could not execute (threw, invalid): production executed instead. */
  candidateExecutionFaults: number;
  productionRejected: number;
  productionRejectReasons: Partial<Record<RejectReason, number>>;
  lpExecutions: number;
  cancels: number;
}

const NO_FIELDS: Readonly<Record<string, never>> = Object.freeze({});

export class ShadowEngine {
  readonly counters: EngineCounters = {
    events: 0,
    quotes: 0,
    orders: 0,
    productionRouted: 0,
    productionNotSent: 0,
    candidateExecuted: 0,
    candidateRouted: 0,
    candidateRejected: 0,
    candidateNotSent: 0,
    candidateExecutionFaults: 0,
    productionRejected: 0,
    productionRejectReasons: {},
    lpExecutions: 0,
    cancels: 0,
  };
  private readonly book = new QuoteBook();
  private readonly lpStatus = new LpStatusBoard();
  private readonly tracker: OrderTracker;
  private production: Router;

  constructor(private readonly deps: EngineDeps) {
    this.production = deps.production;
    this.tracker = new OrderTracker(deps.maxTrackedOrders);
  }

  get productionRouter(): Router {
    return this.production;
  }

  onQuote(quote: Quote): void {
    this.counters.events++;
    this.counters.quotes++;
    this.book.update(quote);
  }

  onLpStatus(lp: string, status: LpStatus): void {
    this.counters.events++;
    this.lpStatus.set(lp, status);
    this.deps.log.event('lp_status', { lp, status, atUs: this.deps.clock.nowUs() });
  }

  /**
   * Decides an order with the router that executes it (production, or the candidate for cohort
   * accounts during a canary), hands that decision to the order sink, and only then has the
   * other router decide on the same frozen context: production shadowed by the candidate (the
   * queue), or, for a candidate-executed order, production right after the send (reverse
   * shadow). Every order is executed exactly once. Returns the executed decision.
   */
  onOrder(request: OrderRequest): Decision {
    const seq = ++this.counters.events;
    this.counters.orders++;
    const nowUs = this.deps.clock.nowUs();
    const order: Order = {
      clientOrderId: request.clientOrderId,
      session: request.session ?? '',
      account: request.account,
      group: request.group,
      platformSymbol: request.platformSymbol,
      side: request.side,
      ordType: request.ordType,
      volumeE8: request.volumeE8,
      priceE8: request.priceE8,
      correlationId: this.deps.correlationPrefix + seq,
      receivedUs: nowUs,
    };
    const context: DecisionContext = {
      seq,
      nowUs,
      order,
      quotes: this.book.snapshot(),
      lpStatus: this.lpStatus.view(),
    };

    const plan = this.deps.execution ?? null;
    const chosen: Executor = plan === null ? 'production' : plan.executorFor({ account: order.account, group: order.group, instrument: plan.instrumentOf(order.platformSymbol) }, nowUs);
    let executor: Executor = 'production';
    let decision: Decision;
    let candidateDecision: Decision | null = null;
    const startNs = this.deps.stopwatch.nowNs();
    if (chosen === 'candidate' && plan !== null) {
      // The candidate executes: its decision is checked like any candidate answer; one that
      // throws or is malformed does not execute, production does (never neither, never both).
      let outcome: unknown;
      try {
        outcome = plan.candidate.decide(context);
      } catch (error) {
        outcome = error;
      }
      const checked = outcome instanceof Error ? outcome.message : validateDecision(outcome);
      if (typeof checked === 'string') {
        this.counters.candidateExecutionFaults++;
        this.deps.observer?.candidateFault(nowUs);
        this.deps.log.event('candidate_execution_fault', { correlationId: order.correlationId, detail: checked.slice(0, 300) });
        decision = this.production.decide(context);
      } else {
        executor = 'candidate';
        decision = checked;
        candidateDecision = checked;
      }
    } else {
      decision = this.production.decide(context);
    }
    const tookNs = this.deps.stopwatch.nowNs() - startNs;
    if (executor === 'production') this.deps.productionLatency.recordNs(tookNs);
    this.deps.observer?.latency(nowUs, executor, this.deps.deterministicLatency === true ? 1_000 : tookNs);
    const notSent = this.deps.orderSink.onProductionDecision(order, decision);
    // The executing router's path ends here; everything below is bookkeeping and shadow work.

    this.journal('received', seq, nowUs, order, null, null, {
      account: order.account,
      group: order.group,
      symbol: order.platformSymbol,
      side: order.side,
      ordType: order.ordType,
      volumeE8: order.volumeE8,
      priceE8: order.priceE8,
    });
    const routed = decision.action === 'route' && decision.lp !== null;
    if (executor === 'candidate') {
      this.counters.candidateExecuted++;
      if (routed) this.counters.candidateRouted++;
      else this.counters.candidateRejected++;
    }
    if (routed && notSent !== null) {
      if (executor === 'production') {
        this.counters.productionRouted++;
        this.counters.productionNotSent++;
      } else {
        this.counters.candidateNotSent++;
      }
      this.journal('not_sent', seq, nowUs, order, decision.lp, null, { rule: decision.ruleId, reason: notSent.reason, detail: notSent.detail, configHash: decision.configHash, executedBy: executor });
    } else if (routed) {
      if (executor === 'production') this.counters.productionRouted++;
      this.tracker.trackRouted(order.correlationId, order.clientOrderId, order.session, decision.lp as string, decision.volumeE8, executor);
      this.journal('routed', seq, nowUs, order, decision.lp, null, {
        rule: decision.ruleId,
        instrument: decision.instrument,
        lpSymbol: decision.lpSymbol,
        clientPriceE8: decision.clientPriceE8,
        markupE8: decision.markupE8,
        failover: decision.failover,
        configHash: decision.configHash,
        executedBy: executor,
      });
    } else {
      if (executor === 'production') {
        this.counters.productionRejected++;
        const reason = decision.rejectReason;
        if (reason !== null) this.counters.productionRejectReasons[reason] = (this.counters.productionRejectReasons[reason] ?? 0) + 1;
      }
      this.journal('rejected', seq, nowUs, order, null, decision.rejectReason, { detail: decision.detail, rule: decision.ruleId, configHash: decision.configHash, executedBy: executor });
    }
    const executed = notSent === null || !routed;
    if (plan !== null && executed) plan.executedBy(executor);
    this.deps.observer?.decided(nowUs, executor, decision);
    if (candidateDecision !== null) {
      // Reverse shadow: production decides on the same frozen context, after the send.
      const shadowStart = this.deps.stopwatch.nowNs();
      const productionDecision = this.production.decide(context);
      const shadowNs = this.deps.stopwatch.nowNs() - shadowStart;
      this.deps.productionLatency.recordNs(shadowNs);
      this.deps.observer?.latency(nowUs, 'production', this.deps.deterministicLatency === true ? 1_000 : shadowNs);
      this.deps.observer?.reverseShadow(nowUs, productionDecision);
      this.deps.shadow?.compareExecuted(context, productionDecision, candidateDecision);
      this.offerMore(context, productionDecision);
    } else {
      this.deps.shadow?.offer(context, decision);
      this.offerMore(context, decision);
    }
    return decision;
  }

  /** The other candidates are compared with production, whoever executed the order. */
  private offerMore(context: DecisionContext, production: Decision): void {
    const more = this.deps.moreShadows;
    if (more === undefined) return;
    for (let i = 0; i < more.length; i++) (more[i] as ShadowRunner).offer(context, production);
  }

  /** A platform's cancel for its order `clientOrderId` (in `session`, where there are sessions). */
  onCancel(clientOrderId: string, cancelId: string, session = ''): void {
    const seq = ++this.counters.events;
    this.counters.cancels++;
    const nowUs = this.deps.clock.nowUs();
    const tracked = this.tracker.findByClient(session, clientOrderId);
    if (tracked === undefined) {
      this.journalRaw('cancel_unknown_order', seq, nowUs, '', clientOrderId, null, null, { cancelId });
      return;
    }
    this.journalRaw('cancel_requested', seq, nowUs, tracked.correlationId, clientOrderId, tracked.lp, null, { cancelId, status: tracked.status });
  }

  /**
   * Books an LP execution; returns whether it was new, a duplicate, or for no order we sent.
   * Live passes the correlation id (the LP-side ClOrdID); scenarios name the platform's order id,
   * resolved within the execution's session.
   */
  onLpExecution(exec: LpExecution, correlationId?: string): 'booked' | 'duplicate' | 'unknown_order' {
    const seq = ++this.counters.events;
    this.counters.lpExecutions++;
    const nowUs = this.deps.clock.nowUs();
    const id = correlationId ?? this.tracker.findByClient(exec.session ?? '', exec.clientOrderId)?.correlationId;
    const result = id === undefined ? ({ kind: 'unknown_order' } as const) : this.tracker.book(id, exec);
    const fields = { lpOrderId: exec.lpOrderId, execId: exec.execId, lastQtyE8: exec.lastQtyE8, lastPxE8: exec.lastPxE8, text: exec.text };
    if (result.kind === 'unknown_order') {
      this.journalRaw('exec_unknown_order', seq, nowUs, correlationId ?? '', exec.clientOrderId, exec.lp, null, fields);
      // An LP reporting on an order the engine never sent it is an order-state mismatch.
      this.deps.observer?.statusMismatch(nowUs, 'exec_unknown_order');
      return 'unknown_order';
    }
    const order = result.order;
    if (result.kind === 'duplicate') {
      this.journalRaw('exec_duplicate', seq, nowUs, order.correlationId, order.clientOrderId, exec.lp, null, fields);
      return 'duplicate';
    }
    this.deps.observer?.lpExecution(nowUs, order.executedBy ?? 'production', exec.execType === 'reject');
    if (order.cumQtyE8 > order.volumeE8) this.deps.observer?.statusMismatch(nowUs, 'overfill');
    const step: LifecycleStep =
      exec.execType === 'fill' ? 'lp_fill'
        : exec.execType === 'partial_fill' ? (order.status === 'filled' ? 'lp_fill' : 'lp_partial_fill')
          : exec.execType === 'reject' ? 'lp_reject'
            : exec.execType === 'canceled' ? 'lp_canceled'
              : exec.execType === 'status' ? 'lp_status_report'
                : 'lp_ack';
    this.journalRaw(step, seq, nowUs, order.correlationId, order.clientOrderId, exec.lp, step === 'lp_reject' ? 'lp_reject' : null, {
      ...fields,
      cumQtyE8: order.cumQtyE8,
    });
    return 'booked';
  }

  /** A duplicate the order desk recognised (a resend after a restart): recorded, not booked. */
  onLpExecutionDuplicate(exec: LpExecution, correlationId: string): void {
    const seq = ++this.counters.events;
    this.counters.lpExecutions++;
    this.journalRaw('exec_duplicate', seq, this.deps.clock.nowUs(), correlationId, exec.clientOrderId, exec.lp, null, { lpOrderId: exec.lpOrderId, execId: exec.execId, lastQtyE8: exec.lastQtyE8, lastPxE8: exec.lastPxE8, text: exec.text });
  }

  /** Takes over an order a previous run of the engine sent (restored from the order journal). */
  adoptOrder(order: { correlationId: string; clientOrderId: string; session: string; lp: string; volumeE8: number; cumQtyE8: number }): void {
    this.tracker.track({ ...order, status: 'working' });
  }

  /** The market as it is now (quotes and LP status), for price publication off the order path. */
  marketView(): { quotes: QuoteView; lpStatus: LpStatusView } {
    return { quotes: this.book.snapshot(), lpStatus: this.lpStatus.view() };
  }

  /** Switches production's configuration; orders already decided keep the decision they got. */
  replaceProduction(router: Router): void {
    this.counters.events++;
    this.production = router;
    this.deps.log.event('config_change', { target: 'production', configHash: router.configHash });
  }

  replaceCandidate(router: Router): void {
    this.counters.events++;
    this.deps.shadow?.replaceCandidate(router);
    this.deps.log.event('config_change', { target: 'candidate', configHash: router.configHash });
  }

  /** Counts an event that changes no state (annotations, calendar markers, expectations). */
  onPassiveEvent(): void {
    this.counters.events++;
  }

  private journal(
    step: LifecycleStep,
    seq: number,
    atUs: number,
    order: Order,
    lp: string | null,
    reason: RejectReason | null,
    fields: LifecycleEntry['fields'],
  ): void {
    this.journalRaw(step, seq, atUs, order.correlationId, order.clientOrderId, lp, reason, fields);
  }

  private journalRaw(
    step: LifecycleStep,
    seq: number,
    atUs: number,
    correlationId: string,
    clientOrderId: string,
    lp: string | null,
    reason: RejectReason | null,
    fields: LifecycleEntry['fields'] = NO_FIELDS,
  ): void {
    const entry: LifecycleEntry = { seq, atUs, step, correlationId, clientOrderId, lp, rejectReason: reason, fields };
    this.deps.journal.append(entry);
    this.deps.log.step(entry);
  }
}
