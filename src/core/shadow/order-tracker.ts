// Tracks orders production routed, and books LP executions idempotently by (LP, OrderID, ExecID).
// Orders are keyed by correlation id; a platform's ClOrdID is only unique within its session, so
// the (session, ClOrdID) index resolves scenario executions that name the platform's id.

import type { LpExecution } from '../model/lifecycle.js';
import { executionKey, remembersExecution } from '../util/execution-key.js';
import { SlotIndex } from '../util/slot-index.js';

/** What the tracker knows of one order: a snapshot, made when asked for (the tracker holds columns). */
export interface TrackedOrder {
  readonly correlationId: string;
  readonly clientOrderId: string;
  /** The platform session the order came from ('' in scenarios without sessions). */
  readonly session: string;
  readonly lp: string;
  readonly volumeE8: number;
  /** The router whose decision sent the order ('production' unless a canary executed it). */
  readonly executedBy?: 'production' | 'candidate' | undefined;
  readonly cumQtyE8: number;
  readonly status: OrderStatus;
}

export type OrderStatus = 'working' | 'filled' | 'rejected' | 'canceled';

/** The indexes' tables start made for this many orders and double as more are tracked. */
const FIRST_ORDERS = 1024;

/**
 * What book() says. The result and its order are the tracker's own and change with its next
 * book(): read them at once, never keep them (a snapshot per report was garbage per order).
 */
export type BookingResult =
  | { readonly kind: 'booked'; readonly order: TrackedOrder }
  | { readonly kind: 'duplicate'; readonly order: TrackedOrder }
  | { readonly kind: 'unknown_order' };

/** The order book() last looked at, rewritten in place by each call. */
interface OrderView {
  correlationId: string;
  clientOrderId: string;
  session: string;
  lp: string;
  volumeE8: number;
  executedBy: 'production' | 'candidate' | undefined;
  cumQtyE8: number;
  status: OrderStatus;
}

const UNKNOWN_ORDER: BookingResult = Object.freeze({ kind: 'unknown_order' });

const STATUSES: readonly OrderStatus[] = ['working', 'filled', 'rejected', 'canceled'];
const STATUS_CODE: Readonly<Record<OrderStatus, number>> = { working: 0, filled: 1, rejected: 2, canceled: 3 };
/** Flag bits beside the status (bits 0-1): who executed the order, and whether that was said at all. */
const BY_CANDIDATE = 4;
const BY_PRODUCTION = 8;

/**
 * Bounded: the oldest orders are forgotten first once `maxOrders` are tracked. Orders live in a
 * ring of slots, in the order they came, as columns: the ids in arrays of strings the order
 * already holds, the numbers in typed arrays. An object per order, held for the 100,000 orders
 * tracked, was copied by two scavenges each before it settled in the old generation; the
 * scavenges are the engine's latency tail (bench/README.md). Indexes from correlation id and from
 * (session, ClOrdID) to slot are SlotIndexes, off the JS heap: three Maps churning in step
 * rebuilt their tables together, a 19 ms stall every ~130,000 orders (src/core/util/slot-index.ts).
 */
export class OrderTracker {
  /** The ring's columns, one entry per slot. */
  private readonly ids: (string | undefined)[] = [];
  private readonly clientOrderIds: string[] = [];
  private readonly sessions: string[] = [];
  private readonly lps: string[] = [];
  /** Made whole at once: maxOrders x 17 bytes, off the heap (1.7 MB at 100,000 orders). */
  private readonly volumes: Float64Array;
  private readonly cumQtys: Float64Array;
  private readonly flags: Uint8Array;
  /**
   * Executions booked per order: the first one's key alone (most orders get one execution), a
   * Set from the second on. A Set per order was an allocation per order and about 100 bytes each
   * held for every one of the 100,000 orders tracked.
   */
  private readonly booked: (string | Set<string> | undefined)[] = [];
  /** Slots filled so far (the ring is full once it is maxOrders), and the next one to take. */
  private filled = 0;
  private next = 0;
  private readonly byId: SlotIndex;
  /**
   * Session -> ClOrdID -> slot of the latest order with that identity. Nested rather than keyed
   * by "session + ClOrdID": a key built per order was one more string held for each of the
   * orders tracked (the ClOrdID itself is held anyway).
   */
  private readonly byClient = new Map<string, SlotIndex>();
  private readonly clientOrderIdAt = (slot: number): string | undefined => (this.ids[slot] === undefined ? undefined : this.clientOrderIds[slot]);

  constructor(private readonly maxOrders: number) {
    if (!Number.isInteger(maxOrders) || maxOrders < 1) throw new RangeError(`maxOrders must be a positive integer, got ${maxOrders}`);
    this.volumes = new Float64Array(maxOrders);
    this.cumQtys = new Float64Array(maxOrders);
    this.flags = new Uint8Array(maxOrders);
    this.byId = new SlotIndex(Math.min(maxOrders, FIRST_ORDERS), (slot) => this.ids[slot]);
  }

  track(order: TrackedOrder): void {
    this.trackRouted(order.correlationId, order.clientOrderId, order.session, order.lp, order.volumeE8, order.executedBy, order.cumQtyE8, order.status);
  }

  /** track() without an object made for the order: the engine's path, once per routed order. */
  trackRouted(correlationId: string, clientOrderId: string, session: string, lp: string, volumeE8: number, executedBy: 'production' | 'candidate' | undefined, cumQtyE8 = 0, status: OrderStatus = 'working'): void {
    let slot = this.byId.get(correlationId);
    if (slot < 0) {
      slot = this.takeSlot();
      this.ids[slot] = correlationId;
      this.booked[slot] = undefined;
      this.byId.set(correlationId, slot);
    } else {
      // The same order again (a restart adopting it): its old identity goes first, if it pointed here.
      this.forgetClient(slot);
    }
    this.clientOrderIds[slot] = clientOrderId;
    this.sessions[slot] = session;
    this.lps[slot] = lp;
    this.volumes[slot] = volumeE8;
    this.cumQtys[slot] = cumQtyE8;
    this.flags[slot] = STATUS_CODE[status] | (executedBy === 'candidate' ? BY_CANDIDATE : executedBy === 'production' ? BY_PRODUCTION : 0);
    let ids = this.byClient.get(session);
    // Per session, grown as used: most runs have few sessions, some have many small ones.
    if (ids === undefined) this.byClient.set(session, (ids = new SlotIndex(Math.min(this.maxOrders, FIRST_ORDERS), this.clientOrderIdAt)));
    ids.set(clientOrderId, slot);
  }

  /** The next slot of the ring, its old order forgotten first (from the indexes, then the slot). */
  private takeSlot(): number {
    if (this.filled < this.maxOrders) {
      const slot = this.filled++;
      this.ids.push(undefined);
      this.clientOrderIds.push('');
      this.sessions.push('');
      this.lps.push('');
      this.booked.push(undefined);
      return slot;
    }
    const slot = this.next;
    this.next = slot + 1 === this.maxOrders ? 0 : slot + 1;
    this.byId.delete(this.ids[slot] as string);
    this.forgetClient(slot);
    this.ids[slot] = undefined;
    this.booked[slot] = undefined;
    return slot;
  }

  /** Drops (session, ClOrdID) -> slot when it still points at this slot (a later order may have taken the identity). */
  private forgetClient(slot: number): void {
    const session = this.sessions[slot] as string;
    const clientOrderId = this.clientOrderIds[slot] as string;
    const ids = this.byClient.get(session);
    if (ids === undefined || ids.get(clientOrderId) !== slot) return;
    ids.delete(clientOrderId);
    if (ids.size === 0) this.byClient.delete(session);
  }

  /** The order in `slot` as it is now, written into `into` (a new object unless given one). */
  private snapshot(slot: number, into: OrderView = { correlationId: '', clientOrderId: '', session: '', lp: '', volumeE8: 0, executedBy: undefined, cumQtyE8: 0, status: 'working' }): TrackedOrder {
    const flags = this.flags[slot] as number;
    into.correlationId = this.ids[slot] as string;
    into.clientOrderId = this.clientOrderIds[slot] as string;
    into.session = this.sessions[slot] as string;
    into.lp = this.lps[slot] as string;
    into.volumeE8 = this.volumes[slot] as number;
    into.executedBy = (flags & BY_CANDIDATE) !== 0 ? 'candidate' : (flags & BY_PRODUCTION) !== 0 ? 'production' : undefined;
    into.cumQtyE8 = this.cumQtys[slot] as number;
    into.status = STATUSES[flags & 3] as OrderStatus;
    return into;
  }

  /** book()'s answers, reused (see BookingResult). */
  private readonly view: OrderView = { correlationId: '', clientOrderId: '', session: '', lp: '', volumeE8: 0, executedBy: undefined, cumQtyE8: 0, status: 'working' };
  private readonly bookedResult: BookingResult = { kind: 'booked', order: this.view };
  private readonly duplicateResult: BookingResult = { kind: 'duplicate', order: this.view };

  get(correlationId: string): TrackedOrder | undefined {
    const slot = this.byId.get(correlationId);
    return slot < 0 ? undefined : this.snapshot(slot);
  }

  /** The latest order a platform session sent with this ClOrdID. */
  findByClient(session: string, clientOrderId: string): TrackedOrder | undefined {
    const slot = this.byClient.get(session)?.get(clientOrderId) ?? -1;
    return slot < 0 ? undefined : this.snapshot(slot);
  }

  /** Books an execution for the order with this correlation id (resolved by the caller). */
  book(correlationId: string, exec: LpExecution): BookingResult {
    const slot = this.byId.get(correlationId);
    if (slot < 0 || this.lps[slot] !== exec.lp) return UNKNOWN_ORDER;
    // The LP is the order's (checked above), so (LP OrderID, ExecID) identifies the execution.
    const key = executionKey(exec.lpOrderId, exec.execId);
    const seen = this.booked[slot];
    if (seen === undefined) this.booked[slot] = key;
    else if (typeof seen === 'string') {
      if (seen === key) return this.answer(this.duplicateResult, slot);
      this.booked[slot] = new Set([seen, key]);
    } else {
      if (seen.has(key)) return this.answer(this.duplicateResult, slot);
      if (remembersExecution(seen.size, exec.execType === 'fill' || exec.execType === 'partial_fill')) seen.add(key);
    }
    const flags = this.flags[slot] as number;
    let status = flags & 3;
    switch (exec.execType) {
      case 'fill':
        // The LP says the order is done (OrdStatus 2), whatever the quantities add up to.
        this.cumQtys[slot] = (this.cumQtys[slot] as number) + exec.lastQtyE8;
        status = STATUS_CODE.filled;
        break;
      case 'partial_fill': {
        const cum = (this.cumQtys[slot] as number) + exec.lastQtyE8;
        this.cumQtys[slot] = cum;
        status = cum >= (this.volumes[slot] as number) ? STATUS_CODE.filled : STATUS_CODE.working;
        break;
      }
      case 'reject':
        status = STATUS_CODE.rejected;
        break;
      case 'canceled':
        status = STATUS_CODE.canceled;
        break;
      case 'new':
      case 'status':
        break;
    }
    this.flags[slot] = (flags & ~3) | status;
    return this.answer(this.bookedResult, slot);
  }

  private answer(result: BookingResult, slot: number): BookingResult {
    this.snapshot(slot, this.view);
    return result;
  }
}
