// LinkedTable against a Map (which keeps insertion order too): the same values, size, oldest key
// and order, whatever is set and deleted, across growth of its arrays and reuse of freed slots.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LinkedTable } from '../../src/core/util/linked-table.js';

type Op = { kind: 'set'; key: string; value: number } | { kind: 'delete'; key: string };

/** Few keys (so sets hit held keys and deletes hit live ones) or many (so the arrays grow past 64). */
const ops = (keys: number): fc.Arbitrary<Op[]> => {
  const key = fc.integer({ min: 0, max: keys - 1 }).map((k) => `k${k}`);
  return fc.array(fc.oneof(fc.record({ kind: fc.constant('set' as const), key, value: fc.integer() }), fc.record({ kind: fc.constant('delete' as const), key })), { maxLength: 400 });
};

describe('LinkedTable', () => {
  it('holds what a Map holds, in the same order (property)', () => {
    fc.assert(
      fc.property(fc.oneof(ops(6), ops(150)), (list) => {
        const table = new LinkedTable<number>();
        const model = new Map<string, number>();
        for (const o of list) {
          if (o.kind === 'set') {
            table.set(o.key, o.value);
            model.set(o.key, o.value);
          } else {
            expect(table.delete(o.key)).toBe(model.delete(o.key));
          }
          expect(table.size).toBe(model.size);
          expect(table.oldestKey()).toBe(model.keys().next().value);
          expect(table.get(o.key)).toBe(model.get(o.key));
          expect(table.has(o.key)).toBe(model.has(o.key));
        }
        expect([...table.valuesOldestFirst()]).toEqual([...model.values()]);
      }),
      { numRuns: 1_000 },
    );
  });

  it('lets the entry just visited be deleted while iterating', () => {
    const table = new LinkedTable<number>();
    for (let i = 0; i < 10; i++) table.set(`k${i}`, i);
    const seen: number[] = [];
    for (const v of table.valuesOldestFirst()) {
      seen.push(v);
      if (v % 2 === 0) table.delete(`k${v}`);
    }
    expect(seen).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect([...table.valuesOldestFirst()]).toEqual([1, 3, 5, 7, 9]);
  });

  it('churns a million entries through one open at a time, and stays in step with its index', () => {
    const table = new LinkedTable<number>();
    table.set('resident', -1);
    for (let i = 0; i < 1_000_000; i++) {
      table.set(`o${i}`, i);
      expect(table.delete(`o${i}`)).toBe(true);
    }
    expect(table.size).toBe(1);
    expect(table.oldestKey()).toBe('resident');
    expect([...table.valuesOldestFirst()]).toEqual([-1]);
  });
});
