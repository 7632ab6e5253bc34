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

  it('never holds a string longer than maxLength, however many a peer sends', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ minLength: 1, maxLength: 200 }), { maxLength: 50 }), (values) => {
        const table = new InternTable(1_000, 16);
        for (const v of values) expect(table.intern(v)).toBe(v);
        expect(table.size).toBe(new Set(values.filter((v) => v.length <= 16)).size);
      }),
    );
    // A FIX peer's symbols of 60 KB each: none held.
    const table = new InternTable(4_096);
    for (let i = 0; i < 100; i++) table.intern(`${i}`.padEnd(60_000, 'x'));
    expect(table.size).toBe(0);
  });
});
