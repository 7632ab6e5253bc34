// Execution keys: one key per (LP OrderID, ExecID), whatever the LP sends. Short ids keep their
// readable form; long ones (a hostile LP's 60 KB ExecIDs) become a fingerprint of bounded size,
// so an order never holds what the LP chose to make it hold.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { executionKey, LONG_KEY_CHARS } from '../../src/core/util/execution-key.js';

/** A fresh copy of a string (not the same object), as a decoder would hand over. */
const copy = (s: string): string => s.split('').join('');

describe('execution key', () => {
  it('is equal exactly when both ids are equal, short or long (property)', () => {
    const id = fc.oneof(fc.string({ maxLength: 8 }), fc.string({ minLength: 30, maxLength: 200 }), fc.constantFrom('', 'a', 'ab', 'b', 'ba'));
    fc.assert(
      fc.property(id, id, id, id, (o1, e1, o2, e2) => {
        const k1 = executionKey(o1, e1);
        const k2 = executionKey(copy(o2), copy(e2));
        expect(k1 === k2).toBe(o1 === o2 && e1 === e2);
      }),
      { numRuns: 2_000 },
    );
  });

  it('keeps ids that only differ where one ends and the other starts apart, in the long form too', () => {
    const long = 'x'.repeat(LONG_KEY_CHARS);
    expect(executionKey(`${long}a`, 'bc')).not.toBe(executionKey(`${long}ab`, 'c'));
    expect(executionKey('a', 'bc')).not.toBe(executionKey('ab', 'c'));
  });

  it('holds a 60,000-character ExecID as a key of a few dozen characters, and the same one again as the same key', () => {
    const huge = 'E'.repeat(60_000);
    const key = executionKey('L1', huge);
    expect(key.length).toBeLessThan(40);
    executionKey('L1', 'other'); // the one-entry cache no longer holds it
    expect(executionKey('L1', copy(huge))).toBe(key);
    expect(executionKey('L1', `${huge.slice(1)}F`)).not.toBe(key);
  });

  it('keeps ids up to the limit readable: the key is the ids themselves', () => {
    const execId = 'E'.repeat(LONG_KEY_CHARS - 2);
    expect(executionKey('L1', execId)).toBe(`L1\u0001${execId}`);
  });
});
