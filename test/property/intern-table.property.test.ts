// InternTable hands back an equal string, holds each distinct value once while it has room, and
// never holds more than its capacity whatever it is given. (Which string object comes back is
// not observable from JavaScript; the heap snapshot in bench/README.md shows the effect.)

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InternTable } from '../../src/core/util/intern-table.js';

describe('InternTable', () => {
  it('returns an equal string, holds each distinct value once, and stays bounded', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 8 }), fc.array(fc.constantFrom('EURUSD', 'GBPUSD.pro', 'XAUUSD', 'A', 'B', 'C', 'D', 'E', 'F', 'G', ''), { maxLength: 100 }), (capacity, values) => {
        const table = new InternTable(capacity);
        const distinct = new Set<string>();
        for (const v of values) {
          // A fresh string of the same value, as a decoder makes one per message.
          expect(table.intern(Buffer.from(v).toString('latin1'))).toBe(v);
          distinct.add(v);
          expect(table.size).toBe(Math.min(capacity, distinct.size));
        }
      }),
    );
  });
});
