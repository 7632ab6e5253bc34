// The order flow of the live engine: an order's walk from the platform side through routing to
// its LP and back. It admits orders (refused before routing when nothing could record them or
// the ClOrdID is used), is the order port the executing router's decision goes to (last checks,
// write-ahead journal, LP send), books LP executions through the order desk and passes client
// reports on, and chases LPs that go silent. "Who executes this order" is decided here.

import type { Logger } from 'pino';
import type { BridgeError } from '../../core/errors.js';
import type { ShadowEngine } from '../../core/engine.js';
import type { LpExecution } from '../../core/model/lifecycle.js';
import type { Instrument } from '../../core/model/instrument.js';
import { REJECT_REASONS, type Decision, type Order, type OrderRequest } from '../../core/model/types.js';
import { isRefusal, lpOrderTerms } from '../../core/orders/lp-order.js';
import type { DeskExecution, OrderDesk } from '../../core/orders/order-desk.js';
import type { NotSent, OrderSink } from '../../core/ports.js';
import type { ScenarioRecorder } from '../../replay/recorder.js';
import type { LpSide } from './lp-side.js';
import type { FileOrderJournal } from './order-journal.js';
import type { CancelAnswer, PlatformReplies, RefusedOrder } from './platform-side.js';
import type { LiveRunFiles } from './run-files.js';

export interface OrderFlowDeps {
  readonly desk: OrderDesk;
  readonly journal: FileOrderJournal;
  readonly lps: LpSide;
  readonly platforms: PlatformReplies;
  readonly files: LiveRunFiles;
  readonly instruments: ReadonlyMap<string, Instrument>;
  /** Stamps an inbound event with the engine's clock (µs). */
  readonly stamp: () => number;
  /** Every persistence failure that must stop new orders (session stores), or null. */
  readonly storeFailure: () => BridgeError | null;
  /** Runs after an order was decided: the shadow queue is worked off after this I/O turn. */
  readonly afterOrder: () => void;
}

const refusedFrom = (o: Order | OrderRequest): RefusedOrder => ({ clOrdId: o.clientOrderId, symbol: o.platformSymbol, side: o.side, qtyE8: o.volumeE8 });

export class OrderFlow implements OrderSink {
  private engine: ShadowEngine | null = null;
  /** The platform session whose order is being decided right now (set around engine.onOrder). */
  private inbound: string | null = null;
  readonly counters = { refusedLogUnavailable: 0, refusedJournalUnavailable: 0, possDupIgnored: 0 };

  constructor(private readonly d: OrderFlowDeps) {}

  private get recorder(): ScenarioRecorder | null {
    return this.d.files.recorder;
  }

  private get logger(): Logger {
    return this.d.files.logger;
  }

  /** The engine whose decisions come here; set once, right after it is built. */
  attach(engine: ShadowEngine): void {
    this.engine = engine;
    // Orders a previous run left in flight: the engine's tracker takes them over, so the fills
    // their LPs send now are booked and recorded under the ids they were sent with.
    for (const o of this.d.desk.openOrders()) engine.adoptOrder({ correlationId: o.order.correlationId, clientOrderId: o.order.clOrdId, session: o.order.session, lp: o.order.lp, volumeE8: o.order.orderQtyE8, cumQtyE8: o.cumQtyE8 });
  }

  /** A decoded order from a platform session: admitted, then decided by the engine. */
  onOrder(key: string, request: OrderRequest, possDup: boolean): void {
    const { desk, platforms } = this.d;
    // No order is taken that could not be recorded: with the order log, the order journal or a
    // session store failing (a full disk), orders are refused here, before routing.
    const logFailure = this.d.files.writeFailure() ?? this.d.journal.failure() ?? this.d.storeFailure();
    if (logFailure !== null) {
      if (this.counters.refusedLogUnavailable++ === 0) this.logger.error({ event: 'orders_refused_log_failed', code: logFailure.code, detail: logFailure.message }, 'orders_refused_log_failed');
      platforms.refuse(key, refusedFrom(request), 99, `Order log unavailable (${logFailure.code})`);
      return;
    }
    // Identity is (platform session, ClOrdID): another platform may use the same id.
    if (desk.isDuplicate(key, request.clientOrderId)) {
      // A possible duplicate (a resend after a crash on either side) of an order we took is
      // the same order: it was answered, or will be. Only a fresh order with a used ClOrdID is
      // refused.
      if (possDup) {
        this.counters.possDupIgnored++;
        this.d.files.peerLog.event('order_possdup_ignored', { session: key, clOrdId: request.clientOrderId });
        return;
      }
      platforms.refuse(key, refusedFrom(request), 6, 'Duplicate ClOrdID');
      return;
    }
    const engine = this.engine as ShadowEngine;
    const ts = this.d.stamp();
    this.recorder?.order(ts, request);
    this.inbound = key;
    try {
      engine.onOrder(request);
    } finally {
      this.inbound = null;
    }
    this.d.afterOrder();
  }

  /** A platform's cancel: recorded, and answered from what the desk knows of the order. */
  onCancel(key: string, orig: string, cancelId: string): CancelAnswer {
    const { desk } = this.d;
    this.recorder?.cancel(this.d.stamp(), cancelId, orig);
    (this.engine as ShadowEngine).onCancel(orig, cancelId, key);
    // Orders go to LPs as IOC: they finish on their own. An order still at its LP is refused as
    // broker option (2) with its status; a finished one is too late (0); an unknown one is 1.
    const open = desk.findByClient(key, orig);
    if (open !== undefined) return { orderId: open.correlationId, ordStatus: desk.filledQty(open.correlationId) > 0 ? '1' : '0', cxlRejReason: 2, text: `IOC order at ${open.lp}: it completes on its own` };
    return { orderId: 'NONE', ordStatus: '8', cxlRejReason: desk.isDuplicate(key, orig) ? 0 : 1, text: null };
  }

  /**
   * The executing router's decision for the order being decided: a reject is answered; a route
   * passes the last checks, is journaled (write-ahead) and goes to its LP. Returns why a routed
   * order was not sent, or null.
   */
  onProductionDecision(order: Order, decision: Decision): NotSent | null {
    const key = this.inbound;
    if (key === null) return null;
    const { desk, platforms, lps } = this.d;
    if (decision.action !== 'route' || decision.lp === null) {
      desk.admit(key, order.clientOrderId);
      const reason = decision.rejectReason ?? 'no_route';
      platforms.refuse(key, refusedFrom(order), REJECT_REASONS[reason].ordRejReason, decision.detail ?? REJECT_REASONS[reason].text, order.correlationId);
      return null;
    }
    const instrument = decision.instrument === null ? undefined : this.d.instruments.get(decision.instrument);
    if (instrument === undefined || !lps.has(decision.lp) || decision.lpSymbol === null) return this.notSent(key, order, 'unknown_route', 99, `LP ${decision.lp} or instrument ${decision.instrument} is not configured`);
    if (!lps.isLoggedOn(decision.lp)) return this.notSent(key, order, 'lp_unavailable', 99, `LP ${decision.lp} unavailable`);
    // The last line of defence: a price or quantity an LP must never see is refused here.
    const terms = lpOrderTerms(order, decision, instrument);
    if (isRefusal(terms)) return this.notSent(key, order, terms.refused, REJECT_REASONS[terms.refused].ordRejReason, terms.detail);
    try {
      // Write-ahead: the desk journals the order before a byte of it leaves for the LP.
      const evicted = desk.open({
        correlationId: order.correlationId,
        session: key,
        clOrdId: order.clientOrderId,
        platformSymbol: order.platformSymbol,
        side: order.side,
        orderQtyE8: order.volumeE8,
        priceDigits: instrument.digits,
        pointE8: instrument.pointE8,
        markupE8: decision.markupE8,
        quotedLpPxE8: decision.lpPriceE8,
        lpLimitPxE8: terms.limitPxE8,
        lp: decision.lp,
        lpSymbol: decision.lpSymbol,
        executedBy: decision.router,
        sentAtMs: Date.now(),
      });
      if (evicted !== null) this.d.files.reconcile(evicted);
    } catch (error) {
      if (this.counters.refusedJournalUnavailable++ === 0) this.logger.error({ event: 'orders_refused_journal_failed', detail: (error as Error).message }, 'orders_refused_journal_failed');
      platforms.refuse(key, refusedFrom(order), 99, `Order journal unavailable (${(error as { code?: string }).code ?? 'SB_ERR_JOURNAL_IO'})`, order.correlationId);
      return { reason: 'journal_unavailable', detail: (error as Error).message };
    }
    lps.sendOrder(decision.lp, { lpClOrdId: order.correlationId, lpSymbol: decision.lpSymbol, side: order.side, unitsE8: terms.unitsE8, ordType: order.ordType, priceE8: terms.limitPxE8, priceDigits: terms.priceDigits });
    return null;
  }

  /** An LP execution: booked once by the desk (journaled first), recorded, and passed on. */
  onLpExecution(exec: LpExecution): void {
    const engine = this.engine as ShadowEngine;
    const ts = this.d.stamp();
    const correlationId = exec.clientOrderId; // LPs know the order by our LP-side ClOrdID
    const held = this.d.desk.findByCorrelation(correlationId);
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
    const outcome = this.d.desk.onExecution(correlationId, deskExec, Math.floor(ts / 1000));
    // The engine and the recording know the order by the platform's session and ClOrdID.
    // Spelled out, not spread: a spread is a generic copy, measured at microseconds per report.
    const booked: LpExecution =
      held === undefined
        ? exec
        : { lp: exec.lp, clientOrderId: held.clOrdId, session: held.session, lpOrderId: exec.lpOrderId, execId: exec.execId, execType: exec.execType, lastQtyE8: exec.lastQtyE8, lastPxE8: exec.lastPxE8, text: exec.text, ...(exec.execType === 'status' ? { cumQtyE8: exec.cumQtyE8 ?? 0, avgPxE8: exec.avgPxE8 ?? 0, terminal: exec.terminal ?? false } : {}) };
    if (outcome.kind === 'booked') {
      this.recorder?.lpExec(ts, booked);
      engine.onLpExecution(booked, correlationId);
    } else if (outcome.kind === 'duplicate') {
      engine.onLpExecutionDuplicate(booked, correlationId);
    } else {
      engine.onLpExecution(booked, correlationId);
    }
    for (const r of outcome.reconciliations) this.d.files.reconcile(r);
    for (const r of outcome.reports) this.d.platforms.sendReport(r);
  }

  /** LP silence: status requests, platforms told the order is pending, unresolved orders flagged. */
  checkLpTimeouts(nowMs: number): void {
    for (const action of this.d.desk.due(nowMs)) {
      const o = action.order;
      if (action.kind === 'request_status') {
        const sent = this.d.lps.requestStatus(o);
        this.logger.warn({ event: 'lp_order_timeout', correlationId: o.correlationId, lp: o.lp, statusRequestSent: sent }, 'lp_order_timeout');
      }
      if (action.report !== null) this.d.platforms.sendReport(action.report);
      if (action.reconciliation !== null) this.d.files.reconcile(action.reconciliation);
    }
  }

  /** A routed order that will not be sent: the platform is told, the ClOrdID stays used. */
  private notSent(key: string, order: Order, reason: string, ordRejReason: number, detail: string): NotSent {
    this.d.desk.admit(key, order.clientOrderId);
    this.d.platforms.refuse(key, refusedFrom(order), ordRejReason, detail, order.correlationId);
    return { reason, detail };
  }
}
