// Tracks orders production routed, and books LP executions idempotently by (LP, OrderID, ExecID).
// Orders are keyed by correlation id; a platform's ClOrdID is only unique within its session, so
// the (session, ClOrdID) index resolves scenario executions that name the platform's id.

import type { LpExecution } from '../model/lifecycle.js';
import { executionKey, remembersExecution } from '../util/execution-key.js';
import { SlotIndex } from '../util/slot-index.js';

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

/** The indexes' tables start made for this many orders and double as more are tracked. */
const FIRST_ORDERS = 1024;

export type BookingResult =
  | { readonly kind: 'booked'; readonly order: TrackedOrder }
  | { readonly kind: 'duplicate'; readonly order: TrackedOrder }
  | { readonly kind: 'unknown_order' };

/**
 * Bounded: the oldest orders are forgotten first once `maxOrders` are tracked. Orders live in a
 * ring of slots, in the order they came; indexes from correlation id and from (session, ClOrdID)
 * to slot are SlotIndexes, off the JS heap: three Maps churning in step rebuilt their tables
 * together, a 19 ms stall every ~130,000 orders (src/core/util/slot-index.ts).
 */
export class OrderTracker {
  /** The ring: each slot's correlation id, order and executions booked. */
  private readonly ids: (string | undefined)[];
  private readonly orders: (TrackedOrder | undefined)[];
  /**
   * Executions booked per order: the first one's key alone (most orders get one execution), a
   * Set from the second on. A Set per order was an allocation per order and about 100 bytes each
   * held for every one of the 100,000 orders tracked.
   */
  private readonly booked: (string | Set<string> | undefined)[];
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
  private readonly clientOrderIdAt = (slot: number): string | undefined => this.orders[slot]?.clientOrderId;

  constructor(private readonly maxOrders: number) {
    if (!Number.isInteger(maxOrders) || maxOrders < 1) throw new RangeError(`maxOrders must be a positive integer, got ${maxOrders}`);
    // Grown as used, like the indexes' tables: a small run never makes 100,000 slots.
    this.ids = [];
    this.orders = [];
    this.booked = [];
    this.byId = new SlotIndex(Math.min(maxOrders, FIRST_ORDERS), (slot) => this.ids[slot]);
  }

  track(order: TrackedOrder): void {
    const id = order.correlationId;
    let slot = this.byId.get(id);
    if (slot < 0) {
      slot = this.takeSlot();
      this.ids[slot] = id;
      this.booked[slot] = undefined;
      this.byId.set(id, slot);
    } else {
      // The same order again (a restart adopting it): its old identity goes first, if it pointed here.
      const before = this.orders[slot] as TrackedOrder;
      this.forgetClient(before, slot);
    }
    this.orders[slot] = order;
    let ids = this.byClient.get(order.session);
    // Per session, grown as used: most runs have few sessions, some have many small ones.
    if (ids === undefined) this.byClient.set(order.session, (ids = new SlotIndex(Math.min(this.maxOrders, FIRST_ORDERS), this.clientOrderIdAt)));
    ids.set(order.clientOrderId, slot);
  }

  /** The next slot of the ring, its old order forgotten first (from the indexes, then the slot). */
  private takeSlot(): number {
    if (this.filled < this.maxOrders) {
      const slot = this.filled++;
      this.ids.push(undefined);
      this.orders.push(undefined);
      this.booked.push(undefined);
      return slot;
    }
    const slot = this.next;
    this.next = slot + 1 === this.maxOrders ? 0 : slot + 1;
    const gone = this.orders[slot];
    this.byId.delete(this.ids[slot] as string);
    if (gone !== undefined) this.forgetClient(gone, slot);
    this.ids[slot] = undefined;
    this.orders[slot] = undefined;
    this.booked[slot] = undefined;
    return slot;
  }

  /** Drops (session, ClOrdID) -> slot when it still points at this slot (a later order may have taken the identity). */
  private forgetClient(order: TrackedOrder, slot: number): void {
    const ids = this.byClient.get(order.session);
    if (ids === undefined || ids.get(order.clientOrderId) !== slot) return;
    ids.delete(order.clientOrderId);
    if (ids.size === 0) this.byClient.delete(order.session);
  }

  get(correlationId: string): TrackedOrder | undefined {
    const slot = this.byId.get(correlationId);
    return slot < 0 ? undefined : this.orders[slot];
  }

  /** The latest order a platform session sent with this ClOrdID. */
  findByClient(session: string, clientOrderId: string): TrackedOrder | undefined {
    const slot = this.byClient.get(session)?.get(clientOrderId) ?? -1;
    return slot < 0 ? undefined : this.orders[slot];
  }

  /** Books an execution for the order with this correlation id (resolved by the caller). */
  book(correlationId: string, exec: LpExecution): BookingResult {
    const slot = this.byId.get(correlationId);
    const order = slot < 0 ? undefined : this.orders[slot];
    if (order === undefined || order.lp !== exec.lp) return { kind: 'unknown_order' };
    // The LP is the order's (checked above), so (LP OrderID, ExecID) identifies the execution.
    const key = executionKey(exec.lpOrderId, exec.execId);
    const seen = this.booked[slot];
    if (seen === undefined) this.booked[slot] = key;
    else if (typeof seen === 'string') {
      if (seen === key) return { kind: 'duplicate', order };
      this.booked[slot] = new Set([seen, key]);
    } else {
      if (seen.has(key)) return { kind: 'duplicate', order };
      if (remembersExecution(seen.size, exec.execType === 'fill' || exec.execType === 'partial_fill')) seen.add(key);
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
