// Tracks orders production routed, and books LP executions idempotently by (LP, OrderID, ExecID).
// Orders are keyed by correlation id; a platform's ClOrdID is only unique within its session, so
// the (session, ClOrdID) index resolves scenario executions that name the platform's id.

import type { LpExecution } from '../model/lifecycle.js';
import { executionKey } from '../util/execution-key.js';
import { EvictionRing } from '../util/recent-ids.js';

export interface TrackedOrder {
  readonly correlationId: string;
  readonly clientOrderId: string;
  /** The platform session the order came from ('' in scenarios without sessions). */
  readonly session: string;
  readonly lp: string;
  readonly volumeE8: number;
  /** The router whose decision sent the order ('production' unless a canary executed it). */
  readonly executedBy?: 'production' | 'candidate';
  cumQtyE8: number;
  status: 'working' | 'filled' | 'rejected' | 'canceled';
}

export type BookingResult =
  | { readonly kind: 'booked'; readonly order: TrackedOrder }
  | { readonly kind: 'duplicate'; readonly order: TrackedOrder }
  | { readonly kind: 'unknown_order' };

/** Bounded: the oldest orders are forgotten first once `maxOrders` are tracked. */
export class OrderTracker {
  private readonly orders = new Map<string, TrackedOrder>();
  /**
   * Executions booked per order: the first one's key alone (most orders get one execution), a
   * Set from the second on. A Set per order was an allocation per order and about 100 bytes each
   * held for every one of the 100,000 orders tracked.
   */
  private readonly bookedExecIds = new Map<string, string | Set<string>>();
  /**
   * Session -> ClOrdID -> correlation id of the latest order with that identity. Nested rather
   * than keyed by "session + ClOrdID": a key built per order was one more string held for each
   * of the orders tracked (the ClOrdID itself is held anyway).
   */
  private readonly byClient = new Map<string, Map<string, string>>();
  /** Insertion order, so the oldest order is forgotten in O(1). */
  private readonly ring: EvictionRing;

  constructor(maxOrders: number) {
    this.ring = new EvictionRing(maxOrders);
  }

  track(order: TrackedOrder): void {
    const id = order.correlationId;
    if (!this.orders.has(id)) {
      const oldest = this.ring.push(id);
      if (oldest !== undefined) {
        const gone = this.orders.get(oldest);
        this.orders.delete(oldest);
        this.bookedExecIds.delete(oldest);
        const ids = gone === undefined ? undefined : this.byClient.get(gone.session);
        if (gone !== undefined && ids !== undefined && ids.get(gone.clientOrderId) === oldest) {
          ids.delete(gone.clientOrderId);
          if (ids.size === 0) this.byClient.delete(gone.session);
        }
      }
    }
    this.orders.set(id, order);
    let ids = this.byClient.get(order.session);
    if (ids === undefined) this.byClient.set(order.session, (ids = new Map()));
    ids.set(order.clientOrderId, id);
  }

  get(correlationId: string): TrackedOrder | undefined {
    return this.orders.get(correlationId);
  }

  /** The latest order a platform session sent with this ClOrdID. */
  findByClient(session: string, clientOrderId: string): TrackedOrder | undefined {
    const id = this.byClient.get(session)?.get(clientOrderId);
    return id === undefined ? undefined : this.orders.get(id);
  }

  /** Books an execution for the order with this correlation id (resolved by the caller). */
  book(correlationId: string, exec: LpExecution): BookingResult {
    const order = this.orders.get(correlationId);
    if (order === undefined || order.lp !== exec.lp) return { kind: 'unknown_order' };
    // The LP is the order's (checked above), so (LP OrderID, ExecID) identifies the execution.
    const key = executionKey(exec.lpOrderId, exec.execId);
    // Keyed by the order's own id: the caller's is a copy decoded from the report, and a key
    // held for every tracked order should not be one more string each.
    const id = order.correlationId;
    const seen = this.bookedExecIds.get(id);
    if (seen === undefined) this.bookedExecIds.set(id, key);
    else if (typeof seen === 'string') {
      if (seen === key) return { kind: 'duplicate', order };
      this.bookedExecIds.set(id, new Set([seen, key]));
    } else {
      if (seen.has(key)) return { kind: 'duplicate', order };
      seen.add(key);
    }
    switch (exec.execType) {
      case 'fill':
        // The LP says the order is done (OrdStatus 2), whatever the quantities add up to.
        order.cumQtyE8 += exec.lastQtyE8;
        order.status = 'filled';
        break;
      case 'partial_fill':
        order.cumQtyE8 += exec.lastQtyE8;
        order.status = order.cumQtyE8 >= order.volumeE8 ? 'filled' : 'working';
        break;
      case 'reject':
        order.status = 'rejected';
        break;
      case 'canceled':
        order.status = 'canceled';
        break;
      case 'new':
      case 'status':
        break;
    }
    return { kind: 'booked', order };
  }
}
