// FinanceRows (the ledger's rows as columns around a ring) against a plain model, a Map of row
// objects in insertion order: the same rows, in the same order, with the same figures, through
// growth past its first slots, re-opened orders and the oldest taken out.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FinanceRows, type Row, type Side } from '../../src/exporters/finance-rows.js';

type Op =
  | { kind: 'open'; id: number; atUs: number; volumeE8: number }
  | { kind: 'decide'; id: number; who: 'production' | 'candidate'; lp: string | null; price: number; routed: boolean }
  | { kind: 'fill'; id: number; lots: number }
  | { kind: 'reject'; id: number }
  | { kind: 'shift' };

const id = fc.integer({ min: 0, max: 10_000 });
const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ kind: fc.constant('open' as const), id, atUs: fc.integer({ min: 0, max: 2 ** 52 }), volumeE8: fc.integer({ min: 1, max: 10 ** 12 }) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('decide' as const), id, who: fc.constantFrom('production' as const, 'candidate' as const), lp: fc.constantFrom('LP_A', 'LP_B', null), price: fc.integer({ min: 0, max: 10 ** 10 }), routed: fc.boolean() }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('fill' as const), id, lots: fc.integer({ min: 0, max: 10 ** 9 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('reject' as const), id }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('shift' as const) }) },
);

describe('FinanceRows', () => {
  it('holds what a Map of row objects holds, in the same order', () => {
    fc.assert(
      fc.property(fc.array(op, { minLength: 3_000, maxLength: 4_000 }), (ops) => {
        const rows = new FinanceRows();
        const model = new Map<string, Row>();
        for (const o of ops) {
          if (o.kind === 'shift') {
            const first = model.keys().next();
            const got = rows.shift();
            if (first.done === true) expect(got).toBeUndefined();
            else {
              expect(got).toEqual(model.get(first.value));
              model.delete(first.value);
            }
            continue;
          }
          const key = `C${o.id}`;
          const held = model.get(key);
          const s = rows.slotOf(key);
          expect(s >= 0).toBe(held !== undefined);
          if (o.kind === 'open') {
            rows.open(key, `K${o.id}`, o.atUs, 'acct', 'grp', 'EURUSD', 'buy', o.volumeE8);
            const row: Row = { correlationId: key, clientOrderId: `K${o.id}`, atUs: o.atUs, account: 'acct', group: 'grp', symbol: 'EURUSD', side: 'buy', volumeE8: o.volumeE8, executedBy: 'production', production: null, candidate: null, filledE8: 0, lpRejected: false, ratePair: '', rateBidE8: 0, rateAskE8: 0 };
            model.set(key, row); // a Map keeps an existing key's place, as the ring must
            continue;
          }
          if (held === undefined) continue;
          if (o.kind === 'decide') {
            const side: Side = { lp: o.lp, clientPriceE8: o.price, markupE8: o.price % 97, volumeE8: held.volumeE8, instrument: o.lp === null ? null : 'EURUSD', routed: o.routed };
            rows.setDecision(s, o.who, side);
            rows.setExecutedBy(s, o.who);
            rows.setRate(s, 'EURUSD', o.price, o.price + 1);
            model.set(key, { ...held, [o.who]: side, executedBy: o.who, ratePair: 'EURUSD', rateBidE8: o.price, rateAskE8: o.price + 1 });
            expect(rows.executingLp(s)).toBe(o.routed ? o.lp : null);
          } else if (o.kind === 'fill') {
            rows.addFilled(s, o.lots);
            model.set(key, { ...held, filledE8: held.filledE8 + o.lots });
          } else {
            rows.setLpRejected(s);
            model.set(key, { ...held, lpRejected: true });
          }
        }
        expect(rows.size).toBe(model.size);
        expect([...rows.rows()]).toEqual([...model.values()]);
      }),
      { numRuns: 25, endOnFailure: true },
    );
  });
});
