import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { LpExecution } from '../../src/core/model/lifecycle.js';
import { OrderTracker } from '../../src/core/shadow/order-tracker.js';
import { MAX_EXECUTION_KEYS_PER_ORDER } from '../../src/core/util/execution-key.js';

const tracked = (id: string, session = 'S1') => ({ correlationId: `c-${id}`, clientOrderId: id, session, lp: 'LP_A', volumeE8: 200, cumQtyE8: 0, status: 'working' as const });
const exec = (id: string, execId: string, fields: Partial<LpExecution> = {}): LpExecution => ({
  lp: 'LP_A', clientOrderId: id, lpOrderId: `L-${id}`, execId, execType: 'partial_fill', lastQtyE8: 100, lastPxE8: 1, text: '', ...fields,
});

describe('order tracker', () => {
  it('books each (LP, OrderID, ExecID) once and accumulates partial fills', () => {
    const t = new OrderTracker(10);
    t.track(tracked('A'));
    expect(t.book('c-A', exec('A', 'E1')).kind).toBe('booked');
    expect(t.book('c-A', exec('A', 'E1')).kind).toBe('duplicate');
    const second = t.book('c-A', exec('A', 'E2'));
    expect(second.kind === 'booked' && second.order.status).toBe('filled');
    expect(t.get('c-A')?.cumQtyE8).toBe(200);
  });

  it('remembers a bounded number of acknowledgements per order, and still counts every fill once past it (a hostile LP)', () => {
    const t = new OrderTracker(10);
    t.track(tracked('A'));
    const ack = (n: number) => exec('A', `A${n}-${'x'.repeat(2_000)}`, { execType: 'new', lastQtyE8: 0 });
    for (let n = 0; n < MAX_EXECUTION_KEYS_PER_ORDER + 50; n++) expect(t.book('c-A', ack(n)).kind).toBe('booked');
    expect(t.book('c-A', ack(3)).kind).toBe('duplicate');
    expect(t.book('c-A', ack(MAX_EXECUTION_KEYS_PER_ORDER + 10)).kind).toBe('booked');
    expect(t.book('c-A', exec('A', 'F1')).kind).toBe('booked');
    expect(t.book('c-A', exec('A', 'F1')).kind).toBe('duplicate');
    expect(t.get('c-A')?.cumQtyE8).toBe(100);
  });

  it('flags executions for unknown orders or from another LP', () => {
    const t = new OrderTracker(10);
    t.track(tracked('A'));
    expect(t.book('c-B', exec('B', 'E1')).kind).toBe('unknown_order');
    expect(t.book('c-A', exec('A', 'E1', { lp: 'LP_Z' })).kind).toBe('unknown_order');
  });

  it('forgets the oldest orders first and stays bounded', () => {
    const t = new OrderTracker(3);
    for (const id of ['A', 'B', 'C', 'D', 'E']) t.track(tracked(id));
    expect(t.get('c-A')).toBeUndefined();
    expect(t.get('c-B')).toBeUndefined();
    expect(t.get('c-C')).toBeDefined();
    t.track(tracked('E')); // re-tracking an id does not evict anything
    expect(t.get('c-C')).toBeDefined();
    expect(t.get('c-E')).toBeDefined();
  });

  it('keeps orders with the same ClOrdID from two sessions apart', () => {
    const t = new OrderTracker(10);
    t.track({ ...tracked('SAME', 'RETAIL'), correlationId: 'c-1' });
    t.track({ ...tracked('SAME', 'PRO'), correlationId: 'c-2' });
    expect(t.findByClient('RETAIL', 'SAME')?.correlationId).toBe('c-1');
    expect(t.findByClient('PRO', 'SAME')?.correlationId).toBe('c-2');
    expect(t.book('c-1', exec('SAME', 'E1')).kind).toBe('booked');
    expect(t.get('c-2')?.cumQtyE8).toBe(0);
  });

  it('treats an LP fill (OrdStatus 2) as final even when it fills less than ordered', () => {
    const t = new OrderTracker(10);
    t.track(tracked('S'));
    const r = t.book('c-S', exec('S', 'E1', { execType: 'fill', lastQtyE8: 150 }));
    expect(r.kind === 'booked' && r.order.status).toBe('filled');
    expect(t.get('c-S')?.cumQtyE8).toBe(150);
  });

  it('books every execution once, in any order and any number of repeats (against a plain Set)', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.constantFrom('A', 'B'), fc.constantFrom('L1', 'L2'), fc.constantFrom('E1', 'E2', 'E3')), { maxLength: 30 }), (execs) => {
        const t = new OrderTracker(10);
        t.track({ ...tracked('A'), volumeE8: 1e12 });
        t.track({ ...tracked('B'), volumeE8: 1e12 });
        const model = new Set<string>();
        for (const [order, lpOrderId, execId] of execs) {
          const key = `${order}|${lpOrderId}|${execId}`;
          const kind = t.book(`c-${order}`, exec(order, execId, { lpOrderId })).kind;
          expect(kind).toBe(model.has(key) ? 'duplicate' : 'booked');
          model.add(key);
        }
      }),
      { numRuns: 500 },
    );
  });
});
