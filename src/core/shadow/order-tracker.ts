// Tracks orders production routed, and books LP executions idempotently by (LP, OrderID, ExecID).
// A duplicate report (a resend, PossDup) is recognised and booked once; an unknown one is flagged.

import type { LpExecution } from '../model/lifecycle.js';
import { EvictionRing } from '../util/recent-ids.js';

export interface TrackedOrder {
  readonly correlationId: string;
  readonly clientOrderId: string;
  readonly lp: string;
  readonly volumeE8: number;
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
  private readonly bookedExecIds = new Map<string, Set<string>>();
  /** Insertion order, so the oldest order is forgotten in O(1). */
  private readonly ring: EvictionRing;

  constructor(maxOrders: number) {
    this.ring = new EvictionRing(maxOrders);
  }

  track(order: TrackedOrder): void {
    const id = order.clientOrderId;
    if (!this.orders.has(id)) {
      const oldest = this.ring.push(id);
      if (oldest !== undefined) {
        this.orders.delete(oldest);
        this.bookedExecIds.delete(oldest);
      }
    }
    this.orders.set(id, order);
  }

  get(clientOrderId: string): TrackedOrder | undefined {
    return this.orders.get(clientOrderId);
  }

  book(exec: LpExecution): BookingResult {
    const order = this.orders.get(exec.clientOrderId);
    if (order === undefined || order.lp !== exec.lp) return { kind: 'unknown_order' };
    let seen = this.bookedExecIds.get(exec.clientOrderId);
    if (seen === undefined) {
      seen = new Set();
      this.bookedExecIds.set(exec.clientOrderId, seen);
    }
    const key = `${exec.lp}\u0001${exec.lpOrderId}\u0001${exec.execId}`;
    if (seen.has(key)) return { kind: 'duplicate', order };
    seen.add(key);
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
        break;
    }
    return { kind: 'booked', order };
  }
}
