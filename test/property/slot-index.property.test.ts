// SlotIndex maps keys to the slots their owner keeps them in, as a Map would, through any
// sequence of sets and deletes, crowded probe runs and growth; and the order tracker built on it
// behaves as the Map-based tracker it replaced.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { LpExecution } from '../../src/core/model/lifecycle.js';
import { OrderTracker, type TrackedOrder } from '../../src/core/shadow/order-tracker.js';
import { SlotIndex } from '../../src/core/util/slot-index.js';

describe('SlotIndex', () => {
  it('agrees with a Map from key to slot, the keys held by their owner', () => {
    const key = fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 'k', 'l', '', 'ab', 'ba', 'a\u0000');
    const op = fc.oneof(fc.tuple(fc.constant('set' as const), key), fc.tuple(fc.constant('delete' as const), key), fc.tuple(fc.constant('get' as const), key));
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 6 }), fc.array(op, { maxLength: 200 }), (expected, ops) => {
        // The owner: one slot per key it ever saw, holding the key (slots are never reused here).
        const owner: string[] = [];
        const index = new SlotIndex(expected, (slot) => owner[slot]);
        const model = new Map<string, number>();
        for (const [kind, k] of ops) {
          if (kind === 'set') {
            owner.push(k);
            index.set(k, owner.length - 1);
            model.set(k, owner.length - 1);
          } else if (kind === 'delete') {
            expect(index.delete(k)).toBe(model.delete(k));
          } else {
            expect(index.get(k)).toBe(model.get(k) ?? -1);
          }
          expect(index.size).toBe(model.size);
        }
        for (const k of ['a', 'b', 'zz', '', 'ab']) expect(index.get(k)).toBe(model.get(k) ?? -1);
      }),
      { numRuns: 1_000 },
    );
  });
});

/** The tracker as it was, on Maps (and forgetting an order's old identity when it is tracked again under another): the reference. */
class MapTracker {
  private readonly orders = new Map<string, TrackedOrder>();
  private readonly booked = new Map<string, Set<string>>();
  private readonly byClient = new Map<string, Map<string, string>>();
  private readonly ring: string[] = [];
  constructor(private readonly max: number) {}
  track(order: TrackedOrder): void {
    const id = order.correlationId;
    const before = this.orders.get(id);
    // Tracked again under another identity: the old one no longer finds it.
    if (before !== undefined && this.byClient.get(before.session)?.get(before.clientOrderId) === id) this.byClient.get(before.session)?.delete(before.clientOrderId);
    if (!this.orders.has(id)) {
      this.ring.push(id);
      if (this.ring.length > this.max) {
        const oldest = this.ring.shift() as string;
        const gone = this.orders.get(oldest) as TrackedOrder;
        this.orders.delete(oldest);
        this.booked.delete(oldest);
        const ids = this.byClient.get(gone.session);
        if (ids?.get(gone.clientOrderId) === oldest) ids.delete(gone.clientOrderId);
      }
    }
    this.orders.set(id, order);
    if (!this.byClient.has(order.session)) this.byClient.set(order.session, new Map());
    this.byClient.get(order.session)?.set(order.clientOrderId, id);
  }
  get(id: string): TrackedOrder | undefined {
    return this.orders.get(id);
  }
  findByClient(session: string, clOrdId: string): TrackedOrder | undefined {
    const id = this.byClient.get(session)?.get(clOrdId);
    return id === undefined ? undefined : this.orders.get(id);
  }
  book(id: string, exec: LpExecution): string {
    const order = this.orders.get(id);
    if (order === undefined || order.lp !== exec.lp) return 'unknown_order';
    const key = `${exec.lpOrderId}\u0001${exec.execId}`;
    const seen = this.booked.get(id) ?? new Set<string>();
    if (seen.has(key)) return 'duplicate';
    seen.add(key);
    this.booked.set(id, seen);
    return 'booked';
  }
}

describe('OrderTracker on slot indexes', () => {
  it('tracks, finds, books and forgets exactly as the Map-based tracker did', () => {
    const step = fc.oneof(
      fc.record({ t: fc.constant('track' as const), id: fc.integer({ min: 0, max: 9 }), clOrdId: fc.constantFrom('A', 'B', 'C'), session: fc.constantFrom('S1', 'S2'), lp: fc.constantFrom('LP_A', 'LP_B') }),
      fc.record({ t: fc.constant('book' as const), id: fc.integer({ min: 0, max: 9 }), lp: fc.constantFrom('LP_A', 'LP_B'), execId: fc.constantFrom('E1', 'E2') }),
    );
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 5 }), fc.array(step, { maxLength: 60 }), (max, steps) => {
        const tracker = new OrderTracker(max);
        const model = new MapTracker(max);
        for (const s of steps) {
          if (s.t === 'track') {
            const order = (): TrackedOrder => ({ correlationId: `c-${s.id}`, clientOrderId: s.clOrdId, session: s.session, lp: s.lp, volumeE8: 1e12, cumQtyE8: 0, status: 'working' });
            tracker.track(order());
            model.track(order());
          } else {
            const exec: LpExecution = { lp: s.lp, clientOrderId: '', lpOrderId: 'L', execId: s.execId, execType: 'new', lastQtyE8: 0, lastPxE8: 0, text: '' };
            expect(tracker.book(`c-${s.id}`, exec).kind).toBe(model.book(`c-${s.id}`, exec));
          }
          for (let id = 0; id <= 9; id++) expect(tracker.get(`c-${id}`)?.correlationId).toBe(model.get(`c-${id}`)?.correlationId);
          for (const session of ['S1', 'S2']) for (const c of ['A', 'B', 'C']) expect(tracker.findByClient(session, c)?.correlationId).toBe(model.findByClient(session, c)?.correlationId);
        }
      }),
      { numRuns: 1_000 },
    );
  });
});
