// BoundedMap against a plain model: an entry is held until `capacity` newer keys have been
// inserted after it (or it is deleted); values update in place; never more than `capacity`.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BoundedMap } from '../../src/core/util/bounded-map.js';

type Op = { kind: 'set'; key: string; value: number } | { kind: 'delete'; key: string } | { kind: 'get'; key: string };

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('set' as const), key: fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f', 'g'), value: fc.integer() }),
  fc.record({ kind: fc.constant('delete' as const), key: fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f', 'g') }),
  fc.record({ kind: fc.constant('get' as const), key: fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f', 'g') }),
);

describe('BoundedMap', () => {
  it('holds exactly the keys a model of "the last capacity insertions" holds', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 5 }), fc.array(op, { maxLength: 200 }), (capacity, ops) => {
        const m = new BoundedMap<number>(capacity);
        // The model: each live key with the insertion count at which it was inserted.
        const model = new Map<string, { value: number; at: number }>();
        let inserts = 0;
        for (const o of ops) {
          if (o.kind === 'set') {
            const held = model.get(o.key);
            if (held !== undefined) held.value = o.value;
            else {
              inserts++;
              model.set(o.key, { value: o.value, at: inserts });
            }
            m.set(o.key, o.value);
          } else if (o.kind === 'delete') {
            expect(m.delete(o.key)).toBe(model.delete(o.key));
          }
          for (const [k, e] of model) if (inserts - e.at >= capacity) model.delete(k);
          for (const k of ['a', 'b', 'c', 'd', 'e', 'f', 'g']) expect(m.get(k), `${k} after ${JSON.stringify(o)}`).toBe(model.get(k)?.value);
          expect(m.size).toBe(model.size);
          expect(m.size).toBeLessThanOrEqual(capacity);
        }
      }),
      { numRuns: 2_000 },
    );
  });

  it('forgets exactly what is older than the last capacity insertions, at scale', () => {
    const m = new BoundedMap<number>(20_000);
    for (let i = 0; i < 200_000; i++) m.set(`k${i}`, i);
    expect(m.size).toBe(20_000);
    expect(m.get('k199999')).toBe(199_999);
    expect(m.has('k179999')).toBe(false);
    expect(m.has('k180000')).toBe(true);
  });
});
