// orders.jsonl lines are written by a hand-joined serializer (no object spread on the hot path);
// it must produce exactly the bytes of the plain export, whatever the step's fields are.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { LifecycleEntry } from '../../src/core/model/lifecycle.js';
import { exportLifecycle, lifecycleJson } from '../../src/exporters/records.js';

const key = fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom('lp', 'seq', 'step', 'at', 'qty', 'text', '__proto__', '0', '1'));
const value = fc.oneof(fc.string({ maxLength: 20 }), fc.integer(), fc.double({ noNaN: true }), fc.boolean(), fc.constant(null));
const entry: fc.Arbitrary<LifecycleEntry> = fc.record({
  seq: fc.nat(),
  atUs: fc.integer({ min: 0, max: 4_000_000_000_000_000 }),
  step: fc.constantFrom('received', 'routed', 'lp_fill', 'exec_duplicate'),
  correlationId: fc.string({ unit: 'binary', maxLength: 20 }), // quotes, backslashes, control characters, lone surrogates
  clientOrderId: fc.string({ unit: 'binary', maxLength: 20 }),
  lp: fc.option(fc.string({ unit: 'binary', maxLength: 8 })),
  rejectReason: fc.option(fc.constantFrom('no_route', 'stale_quote')),
  fields: fc.dictionary(key, value, { maxKeys: 6 }),
}) as fc.Arbitrary<LifecycleEntry>;

describe('lifecycle export', () => {
  it('writes the same line as JSON.stringify of the exported record', () => {
    fc.assert(fc.property(entry, (e) => {
      expect(lifecycleJson(e)).toBe(JSON.stringify(exportLifecycle(e)));
    }), { numRuns: 2_000 });
  });
});
