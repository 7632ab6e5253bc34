// The order desk: every order sent to an LP and not yet finished, keyed by the platform session
// and its ClOrdID on the platform side and by the correlation id on the LP side, and the one
// place where LP executions become client executions (quantities capped, prices marked up).
// Everything it must remember goes through its journal *before* it acts, so a restart rebuilds
// the very same state from the journal and finishes the orders a crash left in flight.

import { BoundedMap } from '../util/bounded-map.js';
import { LinkedTable } from '../util/linked-table.js';
import { executionKey, remembersExecution } from '../util/execution-key.js';
import { FingerprintWindow } from '../util/fingerprint-window.js';
import { ceilTo, floorTo } from '../model/scaled.js';
import type { Side } from '../model/types.js';

/** What the desk must know to finish an order: journaled before the order leaves for its LP. */
export interface OpenOrder {
  readonly correlationId: string;
  /** The platform session the order came from (its TargetCompID as we see it). */
  readonly session: string;
  readonly clOrdId: string;
  readonly platformSymbol: string;
  readonly side: Side;
  /** Client quantity in lots (E8). */
  readonly orderQtyE8: number;
  /** Client price precision: the instrument's digits and point. */
  readonly priceDigits: number;
  readonly pointE8: number;
  /** Markup on the order's side, in E8 price units, added to LP prices for the client. */
  readonly markupE8: number;
  /** The LP price the decision was made on: the price of last resort for a fill without one. */
  readonly quotedLpPxE8: number;
  /**
   * The limit price sent to the LP (0: a market order). A fill beyond it is the LP's breach:
   * the client is given the limit (its own limit, once the markup is added back) and the
   * difference is a break for the broker to settle with the LP. Absent in journals written
   * before it existed: read as 0.
   */
  readonly lpLimitPxE8?: number;
  readonly lp: string;
  readonly lpSymbol: string;
  /** Which router decided the order (every record says who executed). */
  readonly executedBy: string;
  readonly sentAtMs: number;
}

/** An LP execution as the desk books it: quantities already in client lots. */
export interface DeskExecution {
  readonly lp: string;
  readonly lpOrderId: string;
  readonly execId: string;
  readonly kind: 'new' | 'fill' | 'partial_fill' | 'reject' | 'canceled' | 'status';
  readonly lastQtyE8: number;
  readonly lastPxE8: number;
  /** For 'status' (an answer to an OrderStatusRequest): the LP's view of the whole order. */
  readonly cumQtyE8: number;
  readonly avgPxE8: number;
  /** For 'status': whether the LP says the order is finished (filled, canceled, rejected...). */
  readonly terminal: boolean;
  readonly text: string;
}

/** One ExecutionReport to send to the platform, in client terms. */
export interface ClientReport {
  readonly order: OpenOrder;
  /** Unique per order: the report's number (ExecID = correlation id + "-" + number). */
  readonly number: number;
  readonly execType: '0' | 'A' | 'F' | '8' | '4';
  readonly ordStatus: '0' | 'A' | '1' | '2' | '8' | '4';
  readonly lastQtyE8: number;
  readonly lastPxE8: number;
  readonly cumQtyE8: number;
  readonly avgPxE8: number;
  readonly ordRejReason: number | null;
  readonly text: string | null;
}

export type ReconciliationKind = 'overfill' | 'lp_unanswered' | 'lp_status_mismatch' | 'lp_price_invalid' | 'lp_limit_breached' | 'lp_price_outlier' | 'unknown_execution' | 'evicted_unfinished' | 'fill_after_final';

/** A break between what the engine believes and what an LP reports: written and alerted on. */
export interface Reconciliation {
  readonly kind: ReconciliationKind;
  readonly correlationId: string;
  readonly session: string | null;
  readonly clOrdId: string | null;
  readonly lp: string;
  readonly detail: string;
  readonly atMs: number;
}

/** Durable memory of the desk. Each call returns only once the record is safely written. */
export interface DeskJournal {
  /** A ClOrdID a platform session used (routed or not): duplicates stay refused after a restart. */
  admitted(session: string, clOrdId: string): void;
  opened(order: OpenOrder): void;
  executed(correlationId: string, exec: DeskExecution, atMs: number): void;
  statusRequested(correlationId: string, atMs: number): void;
  closed(correlationId: string, reason: string): void;
}

export interface DeskOptions {
  /** An order the LP has not answered for this long gets an OrderStatusRequest. */
  readonly lpTimeoutMs: number;
  /** After the status request, this much longer without an answer makes it unresolved. */
  readonly unresolvedAfterMs: number;
  /** ClOrdIDs remembered per platform session for duplicate refusal. */
  readonly duplicateWindow: number;
  /** Most orders in flight; past it the oldest is forgotten with a reconciliation record. */
  readonly maxOpenOrders: number;
  /**
   * An LP fill priced this many percent or more away from the quote the order was decided on is
   * an `lp_price_outlier` break: passed on (the trade was done at the LP; a market order has no
   * limit to hold it to), and alerted, so a venue's bad print never reaches a client unseen.
   */
  readonly fillOutlierPercent: number;
}

export const DEFAULT_DESK_OPTIONS: DeskOptions = { lpTimeoutMs: 5_000, unresolvedAfterMs: 30_000, duplicateWindow: 1_000_000, maxOpenOrders: 200_000, fillOutlierPercent: 5 };

interface Working {
  readonly order: OpenOrder;
  cumQtyE8: number;
  /** Sums of price x quantity (E8 x E8) of the fills passed on: LP prices and client prices. */
  lpNotional: bigint;
  clientNotional: bigint;
  reports: number;
  /** (LP OrderID, ExecID) keys booked; most orders get one report, so a Set only from the second. */
  firstBooked: string | null;
  booked: Set<string> | null;
  lastLpActivityMs: number;
  stage: 'sent' | 'status_requested' | 'unresolved';
}

export interface ExecutionOutcome {
  readonly kind: 'booked' | 'duplicate' | 'unknown_order';
  readonly reports: readonly ClientReport[];
  readonly reconciliations: readonly Reconciliation[];
  /** The order is finished and no longer held. */
  readonly finished: boolean;
}

export interface DueAction {
  readonly kind: 'request_status' | 'unresolved';
  readonly order: OpenOrder;
  /** What the platform is told (ExecType A, OrdStatus A: pending at the venue), if anything. */
  readonly report: ClientReport | null;
  readonly reconciliation: Reconciliation | null;
}

const NONE: readonly never[] = Object.freeze([]);

/**
 * What the desk keeps of a finished order: enough to recognise what its LP sends afterwards and
 * to name the order in a break. Not the order itself: this is held for the last 20,000 orders,
 * so it is copied by the scavenges that promote it, and the whole order (144 bytes, with its
 * decision's figures) was two thirds of what the engine held per order (bench/README.md).
 */
interface Finished {
  readonly session: string;
  readonly clOrdId: string;
  readonly lp: string;
  /** What the platform was last told: filled, canceled or rejected. */
  readonly told: 'filled' | 'canceled' | 'rejected';
  readonly cumQtyE8: number;
  readonly firstBooked: string | null;
  readonly booked: Set<string> | null;
}

/** Finished orders remembered, oldest forgotten first: a late LP report this recent is classed. */
const FINISHED_REMEMBERED = 20_000;

export class OrderDesk {
  private readonly byCorrelation = new LinkedTable<Working>();
  private readonly finished = new BoundedMap<Finished>(FINISHED_REMEMBERED);
  /** Per platform session: ClOrdID -> correlation id of its open order (no key string built per order). */
  private readonly byClient = new Map<string, LinkedTable<string>>();
  private readonly seen = new Map<string, FingerprintWindow>();
  private restoring = false;

  constructor(
    private readonly journal: DeskJournal,
    private readonly options: DeskOptions = DEFAULT_DESK_OPTIONS,
  ) {}

  /** Orders sent and not finished. */
  get openCount(): number {
    return this.byCorrelation.size;
  }

  /** Whether this platform session already used this ClOrdID (within the window). */
  isDuplicate(session: string, clOrdId: string): boolean {
    return this.seen.get(session)?.has(clOrdId) ?? false;
  }

  /** Records a ClOrdID as used by its session; journaled first. */
  admit(session: string, clOrdId: string): void {
    if (!this.restoring) this.journal.admitted(session, clOrdId);
    this.remember(session, clOrdId);
  }

  /**
   * Takes an order about to be sent to its LP: journaled first (a journal that throws leaves
   * the desk unchanged, and the caller must not send). Returns orders forgotten to stay bounded.
   */
  open(order: OpenOrder): Reconciliation | null {
    if (!this.restoring) this.journal.opened(order);
    this.remember(order.session, order.clOrdId);
    this.byCorrelation.set(order.correlationId, {
      order,
      cumQtyE8: 0,
      lpNotional: 0n,
      clientNotional: 0n,
      reports: 0,
      firstBooked: null,
      booked: null,
      lastLpActivityMs: order.sentAtMs,
      stage: 'sent',
    });
    this.clientTable(order.session).set(order.clOrdId, order.correlationId);
    if (this.byCorrelation.size <= this.options.maxOpenOrders) return null;
    const oldestId = this.byCorrelation.oldestKey() as string;
    const oldest = this.byCorrelation.get(oldestId) as Working;
    this.forget(oldestId, 'evicted');
    return this.reconciliation('evicted_unfinished', oldest.order, `more than ${this.options.maxOpenOrders} orders open; the oldest was forgotten with ${oldest.cumQtyE8} E8 lots filled`, order.sentAtMs);
  }

  /** The open order a platform's (session, ClOrdID) names, if any. */
  findByClient(session: string, clOrdId: string): OpenOrder | undefined {
    const id = this.byClient.get(session)?.get(clOrdId);
    return id === undefined ? undefined : this.byCorrelation.get(id)?.order;
  }

  findByCorrelation(correlationId: string): OpenOrder | undefined {
    return this.byCorrelation.get(correlationId)?.order;
  }

  /** Quantity filled so far (client lots, E8) of an open order. */
  filledQty(correlationId: string): number {
    return this.byCorrelation.get(correlationId)?.cumQtyE8 ?? 0;
  }

  /**
   * Books an LP execution for the order with this correlation id, once per (LP, OrderID,
   * ExecID), and says what to tell the platform. A fill beyond the order quantity is never
   * passed on: the client gets at most what it asked for, the excess is a reconciliation break.
   */
  onExecution(correlationId: string, exec: DeskExecution, atMs: number): ExecutionOutcome {
    const w = this.byCorrelation.get(correlationId);
    if (w === undefined && !this.restoring) {
      const late = this.finished.get(correlationId);
      if (late !== undefined && late.lp === exec.lp) return this.afterFinal(correlationId, late, exec, atMs);
    }
    if (w === undefined || w.order.lp !== exec.lp) {
      if (this.restoring) return { kind: 'unknown_order', reports: NONE, reconciliations: NONE, finished: false };
      const r: Reconciliation = { kind: 'unknown_execution', correlationId, session: null, clOrdId: null, lp: exec.lp, detail: `${exec.kind} ExecID ${exec.execId} for an order the desk does not hold${w !== undefined ? ` (it was sent to ${w.order.lp})` : ''}`, atMs };
      return { kind: 'unknown_order', reports: NONE, reconciliations: [r], finished: false };
    }
    const key = executionKey(exec.lpOrderId, exec.execId);
    if (w.firstBooked === key || w.booked?.has(key) === true) return { kind: 'duplicate', reports: NONE, reconciliations: NONE, finished: false };
    if (!this.restoring) this.journal.executed(correlationId, exec, atMs);
    if (w.firstBooked === null) w.firstBooked = key;
    else if (remembersExecution(1 + (w.booked?.size ?? 0), exec.kind === 'fill' || exec.kind === 'partial_fill')) (w.booked ??= new Set()).add(key);
    w.lastLpActivityMs = atMs;
    const reports: ClientReport[] = [];
    const breaks: Reconciliation[] = [];
    const order = w.order;
    let finished = false;
    switch (exec.kind) {
      case 'new':
        break;
      case 'reject':
        reports.push(this.report(w, '8', '8', 0, 0, 99, `LP reject: ${exec.text}`));
        finished = true;
        break;
      case 'canceled':
        reports.push(this.report(w, '4', '4', 0, 0, null, exec.text === '' ? null : exec.text));
        finished = true;
        break;
      case 'fill':
      case 'partial_fill': {
        this.passOnFill(w, exec.lastQtyE8, exec.lastPxE8, exec.execId, atMs, reports, breaks);
        const filled = w.cumQtyE8 >= order.orderQtyE8;
        if (!filled && exec.kind === 'fill') {
          // The LP finished the order short: the rest is canceled, and the platform is told so.
          reports.push(this.report(w, '4', '4', 0, 0, null, 'LP completed the order short; remainder canceled'));
        }
        finished = filled || exec.kind === 'fill';
        break;
      }
      case 'status': {
        // The LP's view of the whole order, after our OrderStatusRequest.
        if (exec.cumQtyE8 > w.cumQtyE8) {
          // Fills we never received: passed on now, at the price that makes the LP's average.
          const missingQty = exec.cumQtyE8 - w.cumQtyE8;
          const lpTotal = BigInt(exec.avgPxE8) * BigInt(exec.cumQtyE8);
          const derived = Number((lpTotal - w.lpNotional) / BigInt(missingQty));
          // An average the fills so far cannot make (it implies a non-positive price) is not
          // trusted: the LP's own average is the best price there is for the rest.
          const missingPx = derived > 0 ? derived : exec.avgPxE8;
          breaks.push(this.reconciliation('lp_status_mismatch', order, `LP reports ${exec.cumQtyE8} E8 lots filled, the desk had ${w.cumQtyE8}: the difference is passed on at ${missingPx} E8`, atMs));
          this.passOnFill(w, missingQty, missingPx, exec.execId, atMs, reports, breaks);
        } else if (exec.cumQtyE8 < w.cumQtyE8) {
          breaks.push(this.reconciliation('lp_status_mismatch', order, `LP reports ${exec.cumQtyE8} E8 lots filled, the desk passed on ${w.cumQtyE8}`, atMs));
        }
        if (w.cumQtyE8 >= order.orderQtyE8) finished = true;
        else if (exec.terminal) {
          reports.push(w.cumQtyE8 === 0 ? this.report(w, '8', '8', 0, 0, 99, `LP reports the order done unfilled: ${exec.text || 'status'}`) : this.report(w, '4', '4', 0, 0, null, 'LP reports the order done; remainder canceled'));
          finished = true;
        } else {
          w.stage = 'sent'; // the LP knows the order and is working it: wait again
        }
        break;
      }
    }
    if (finished) this.finish(correlationId, exec.kind);
    return { kind: 'booked', reports, reconciliations: breaks, finished };
  }

  /**
   * An LP report for an order the platform already has a final answer for. A resend of what was
   * booked is a duplicate; a fill, or a status that disagrees, is a break: the platform's view
   * (rejected, canceled, or filled at that quantity) and the LP's differ, and only a person can
   * settle it. Nothing is passed on: the platform's final answer stands.
   */
  private afterFinal(correlationId: string, f: Finished, exec: DeskExecution, atMs: number): ExecutionOutcome {
    const key = executionKey(exec.lpOrderId, exec.execId);
    const quiet: ExecutionOutcome = { kind: 'duplicate', reports: NONE, reconciliations: NONE, finished: false };
    if (f.firstBooked === key || f.booked?.has(key) === true) return quiet;
    if (exec.kind === 'fill' || exec.kind === 'partial_fill') {
      const detail = `ExecID ${exec.execId}: LP fill of ${exec.lastQtyE8} E8 lots for an order the platform was told was ${f.told}${f.told === 'filled' ? ` at ${f.cumQtyE8} E8` : ''}; not passed on`;
      return { kind: 'unknown_order', reports: NONE, reconciliations: [{ kind: 'fill_after_final', correlationId, session: f.session, clOrdId: f.clOrdId, lp: f.lp, detail, atMs }], finished: false };
    }
    if (exec.kind === 'status' && exec.cumQtyE8 !== f.cumQtyE8) {
      const detail = `LP reports ${exec.cumQtyE8} E8 lots filled for an order the platform was told was ${f.told} with ${f.cumQtyE8}`;
      return { kind: 'unknown_order', reports: NONE, reconciliations: [{ kind: 'lp_status_mismatch', correlationId, session: f.session, clOrdId: f.clOrdId, lp: f.lp, detail, atMs }], finished: false };
    }
    return quiet;
  }

  /**
   * Orders whose LP has been silent too long: the first time, an OrderStatusRequest goes to the
   * LP and the platform hears the order is pending at the venue; past `unresolvedAfterMs` more,
   * the order is unresolved (a reconciliation break, an alert) and stays held for a late fill.
   */
  due(nowMs: number): DueAction[] {
    const out: DueAction[] = [];
    for (const w of this.byCorrelation.valuesOldestFirst()) {
      const silentMs = nowMs - w.lastLpActivityMs;
      if (w.stage === 'sent' && silentMs >= this.options.lpTimeoutMs) {
        if (!this.restoring) this.journal.statusRequested(w.order.correlationId, nowMs);
        w.stage = 'status_requested';
        w.lastLpActivityMs = nowMs;
        const report = w.reports === 0 ? this.report(w, 'A', 'A', 0, 0, null, `LP ${w.order.lp} has not answered in ${silentMs} ms; order status requested`) : null;
        out.push({ kind: 'request_status', order: w.order, report, reconciliation: null });
      } else if (w.stage === 'status_requested' && silentMs >= this.options.unresolvedAfterMs) {
        w.stage = 'unresolved';
        out.push({ kind: 'unresolved', order: w.order, report: null, reconciliation: this.reconciliation('lp_unanswered', w.order, `no answer from ${w.order.lp} ${nowMs - w.order.sentAtMs} ms after the order was sent, status request included; held for a late report`, nowMs) });
      }
    }
    return out;
  }

  /** Rebuilds state from journal records without journaling them again. */
  restore(replay: (desk: OrderDesk) => void): void {
    this.restoring = true;
    try {
      replay(this);
    } finally {
      this.restoring = false;
    }
  }

  /** During restore: an order the journal says is finished. */
  restoreClosed(correlationId: string): void {
    this.forget(correlationId, 'closed');
  }

  /** During restore: a status request already sent. */
  restoreStatusRequested(correlationId: string, atMs: number): void {
    const w = this.byCorrelation.get(correlationId);
    if (w === undefined) return;
    w.stage = 'status_requested';
    w.lastLpActivityMs = atMs;
  }

  /** Open orders, oldest first (for the journal's compaction and for tests). */
  openOrders(): { order: OpenOrder; cumQtyE8: number; reports: number }[] {
    return [...this.byCorrelation.valuesOldestFirst()].map((w) => ({ order: w.order, cumQtyE8: w.cumQtyE8, reports: w.reports }));
  }

  /** Fingerprints of the ClOrdIDs remembered per session, oldest first, as [lo, hi] pairs (for the journal's compaction). */
  rememberedFingerprints(): Map<string, Uint32Array> {
    const out = new Map<string, Uint32Array>();
    for (const [session, ids] of this.seen) out.set(session, ids.fingerprints());
    return out;
  }

  /** During restore: a ClOrdID the journal holds as a fingerprint (a compacted journal). */
  restoreFingerprint(session: string, lo: number, hi: number): void {
    this.windowOf(session).addFingerprint(lo, hi);
  }

  private passOnFill(w: Working, qtyE8: number, lpPxE8: number, execId: string, atMs: number, reports: ClientReport[], breaks: Reconciliation[]): void {
    const order = w.order;
    const room = order.orderQtyE8 - w.cumQtyE8;
    let qty = qtyE8;
    if (qty > room) {
      breaks.push(this.reconciliation('overfill', order, `ExecID ${execId}: LP filled ${qtyE8} E8 lots with ${room} left of ${order.orderQtyE8}; the client gets ${Math.max(room, 0)}, the excess is not passed on`, atMs));
      qty = Math.max(room, 0);
    }
    if (qty <= 0) return;
    let px = lpPxE8;
    if (!(px > 0)) {
      // A fill without a usable price still moved money: it is passed on at the price the order
      // was decided on, and the LP's report is a break to settle by hand.
      breaks.push(this.reconciliation('lp_price_invalid', order, `ExecID ${execId}: LP price ${lpPxE8} E8 is not positive; passed on at the quoted ${order.quotedLpPxE8} E8`, atMs));
      px = order.quotedLpPxE8;
    }
    // A limit order filled beyond its limit (a buy above, a sell below): the LP broke the order's
    // terms. The broker owes the LP what it booked (lpNotional keeps the LP's price), but the client
    // never pays beyond its own limit: its price is worked out from the limit sent.
    const quoted = order.quotedLpPxE8;
    // Percent in integers (E8 prices): |px - quoted| * 100 >= percent * quoted.
    if (quoted > 0 && Math.abs(px - quoted) * 100 >= this.options.fillOutlierPercent * quoted) {
      breaks.push(this.reconciliation('lp_price_outlier', order, `ExecID ${execId}: LP price ${px} E8 is ${((Math.abs(px - quoted) * 100) / quoted).toFixed(2)}% from the ${quoted} E8 quote the order was decided on (alert at ${this.options.fillOutlierPercent}%); passed on`, atMs));
    }
    let basis = px;
    const limit = order.lpLimitPxE8 ?? 0;
    if (limit > 0 && (order.side === 'buy' ? px > limit : px < limit)) {
      breaks.push(this.reconciliation('lp_limit_breached', order, `ExecID ${execId}: LP ${order.side === 'buy' ? 'bought' : 'sold'} at ${px} E8, beyond the order's limit ${limit} E8; the client gets its limit, the difference is the LP's to settle`, atMs));
      basis = limit;
    }
    // The client's price is the LP's plus the markup production quoted, rounded away from the client.
    const marked = order.side === 'buy' ? ceilTo(basis + order.markupE8, order.pointE8) : floorTo(basis - order.markupE8, order.pointE8);
    // A markup larger than the price itself (a sell at a tiny price) never gives the client a
    // non-positive price: the smallest price the instrument can show is the floor.
    const clientPx = marked > 0 ? marked : order.pointE8;
    w.cumQtyE8 += qty;
    w.lpNotional += BigInt(px) * BigInt(qty);
    w.clientNotional += BigInt(clientPx) * BigInt(qty);
    const filled = w.cumQtyE8 >= order.orderQtyE8;
    reports.push(this.report(w, 'F', filled ? '2' : '1', qty, clientPx, null, null));
  }

  private report(w: Working, execType: ClientReport['execType'], ordStatus: ClientReport['ordStatus'], lastQtyE8: number, lastPxE8: number, ordRejReason: number | null, text: string | null): ClientReport {
    w.reports++;
    const avg = w.cumQtyE8 === 0 ? 0 : Number(w.clientNotional / BigInt(w.cumQtyE8));
    return { order: w.order, number: w.reports, execType, ordStatus, lastQtyE8, lastPxE8, cumQtyE8: w.cumQtyE8, avgPxE8: avg, ordRejReason, text };
  }

  private finish(correlationId: string, reason: string): void {
    if (!this.restoring) this.journal.closed(correlationId, reason);
    const w = this.byCorrelation.get(correlationId);
    if (w !== undefined) {
      const told = w.cumQtyE8 >= w.order.orderQtyE8 ? 'filled' : w.cumQtyE8 > 0 || reason === 'canceled' || reason === 'fill' ? 'canceled' : 'rejected';
      // Keyed by the order's own id: the caller's may be a copy decoded from an LP report, and
      // the key is held for as long as the order is remembered.
      this.finished.set(w.order.correlationId, { session: w.order.session, clOrdId: w.order.clOrdId, lp: w.order.lp, told, cumQtyE8: w.cumQtyE8, firstBooked: w.firstBooked, booked: w.booked });
    }
    this.forget(correlationId, reason);
  }

  private forget(correlationId: string, _reason: string): void {
    const w = this.byCorrelation.get(correlationId);
    if (w === undefined) return;
    this.byCorrelation.delete(correlationId);
    // Only if it still names this order: a later order may have taken the ClOrdID.
    const ids = this.byClient.get(w.order.session);
    if (ids !== undefined && ids.get(w.order.clOrdId) === correlationId) ids.delete(w.order.clOrdId);
  }

  /** A session's ClOrdID table, made at its first order and kept (sessions come from configuration). */
  private clientTable(session: string): LinkedTable<string> {
    let ids = this.byClient.get(session);
    if (ids === undefined) this.byClient.set(session, (ids = new LinkedTable<string>()));
    return ids;
  }

  private remember(session: string, clOrdId: string): void {
    this.windowOf(session).add(clOrdId);
  }

  private windowOf(session: string): FingerprintWindow {
    let ids = this.seen.get(session);
    if (ids === undefined) this.seen.set(session, (ids = new FingerprintWindow(this.options.duplicateWindow)));
    return ids;
  }

  private reconciliation(kind: ReconciliationKind, order: OpenOrder, detail: string, atMs: number): Reconciliation {
    return { kind, correlationId: order.correlationId, session: order.session, clOrdId: order.clOrdId, lp: order.lp, detail, atMs };
  }
}


