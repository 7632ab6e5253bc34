// Parsers never crash on bad input: they return or throw a coded BridgeError, nothing else.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BridgeError } from '../../src/core/errors.js';
import { formatE8, parseE8 } from '../../src/core/model/scaled.js';
import { hashUnit } from '../../src/core/shadow/shadow-runner.js';
import { parseEvent } from '../../src/replay/scenario-reader.js';

describe('parser robustness', () => {
  it('decimal text round-trips exactly through E8 integers', () => {
    fc.assert(
      fc.property(fc.integer({ min: -9_000_000_000_000, max: 9_000_000_000_000 }), fc.integer({ min: 0, max: 8 }), (n, digits) => {
        const unit = 10 ** (8 - digits);
        const value = n - (n % unit);
        expect(parseE8(formatE8(value, digits))).toBe(value);
      }),
      { numRuns: 2_000 },
    );
  });

  it('any string either parses as a decimal or fails with a code', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 30 }), (s) => {
        try {
          expect(Number.isSafeInteger(parseE8(s))).toBe(true);
        } catch (e) {
          expect(e).toBeInstanceOf(BridgeError);
        }
      }),
      { numRuns: 2_000 },
    );
  });

  it('any scenario line either parses or fails with a coded error', () => {
    const jsonish = fc.oneof(
      fc.string(),
      fc.json(),
      fc.record({ ts: fc.oneof(fc.constant('2026-07-08T09:00:00Z'), fc.string()), type: fc.constantFrom('quote', 'order', 'cancel', 'lp_status', 'lp_exec', 'expect', 'x'), lp: fc.string(), bid: fc.oneof(fc.string(), fc.double()), ask: fc.string(), volume: fc.string(), side: fc.string() }).map((o) => JSON.stringify(o)),
    );
    fc.assert(
      fc.property(jsonish, (line) => {
        try {
          parseEvent('f.jsonl', 7, line);
        } catch (e) {
          expect(e).toBeInstanceOf(BridgeError);
          expect((e as BridgeError).detail).toContain('f.jsonl:7');
        }
      }),
      { numRuns: 3_000 },
    );
  });

  it('sampling hashes spread evenly', () => {
    const buckets = new Array<number>(10).fill(0);
    for (let i = 0; i < 20_000; i++) buckets[Math.floor(hashUnit(`c-${i}`) * 10)]!++;
    for (const b of buckets) expect(Math.abs(b - 2_000)).toBeLessThan(200);
  });
});
