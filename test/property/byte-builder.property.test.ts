// The byte buffer that journal lines, JSON lines and store records are encoded into: whatever is
// appended, in whatever sizes, the bytes are exactly what the string functions would give.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ByteBuilder } from '../../src/core/util/byte-builder.js';

type Piece =
  | { kind: 'utf8'; text: string }
  | { kind: 'json'; text: string }
  | { kind: 'uint'; value: number }
  | { kind: 'padded'; value: number }
  | { kind: 'number'; value: number }
  | { kind: 'num'; value: number }
  | { kind: 'copy'; bytes: Uint8Array }
  | { kind: 'reset' };

const piece: fc.Arbitrary<Piece> = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 200 }).map((text) => ({ kind: 'utf8' as const, text })),
  fc.oneof(fc.string({ unit: 'binary', maxLength: 60 }), fc.string({ maxLength: 60 })).map((text) => ({ kind: 'json' as const, text })),
  fc.oneof(fc.nat(), fc.maxSafeNat(), fc.constantFrom(0, 9, 10, 99, 100, 1e15, Number.MAX_SAFE_INTEGER, -1, 1.5, 2 ** 60, Number.NaN), fc.double()).map((value) => ({ kind: 'uint' as const, value })),
  fc.integer({ min: 0, max: 999_999 }).map((value) => ({ kind: 'padded' as const, value })),
  fc.oneof(fc.integer(), fc.double(), fc.constantFrom(-0, Number.NaN, Number.NEGATIVE_INFINITY, -(2 ** 60), -1e21)).map((value) => ({ kind: 'number' as const, value })),
  fc.oneof(fc.integer(), fc.double(), fc.constantFrom(-0, Number.NaN, Number.NEGATIVE_INFINITY, -(2 ** 60), -1e21, -Number.MAX_SAFE_INTEGER)).map((value) => ({ kind: 'num' as const, value })),
  fc.uint8Array({ maxLength: 3_000 }).map((bytes) => ({ kind: 'copy' as const, bytes })),
  fc.constant({ kind: 'reset' as const }),
);

describe('byte builder', () => {
  it('holds exactly the bytes of the same pieces encoded one by one, through growth and resets', () => {
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 60 }), fc.integer({ min: 1, max: 64 }), (pieces, initial) => {
        const b = new ByteBuilder(initial);
        let expected: Buffer[] = [];
        for (const p of pieces) {
          if (p.kind === 'reset') {
            b.reset();
            expected = [];
          } else if (p.kind === 'utf8') {
            b.utf8(p.text);
            expected.push(Buffer.from(p.text, 'utf8'));
          } else if (p.kind === 'json') {
            b.jsonString(p.text);
            expected.push(Buffer.from(JSON.stringify(p.text), 'utf8'));
          } else if (p.kind === 'uint') {
            b.uint(p.value);
            expected.push(Buffer.from(String(p.value)));
          } else if (p.kind === 'number') {
            b.jsonNumber(p.value);
            expected.push(Buffer.from(JSON.stringify(p.value)));
          } else if (p.kind === 'num') {
            b.num(p.value);
            expected.push(Buffer.from(String(p.value)));
          } else if (p.kind === 'padded') {
            b.uintPadded(p.value, 6);
            expected.push(Buffer.from(String(p.value).padStart(6, '0')));
          } else {
            b.copy(p.bytes);
            expected.push(Buffer.from(p.bytes));
          }
        }
        expect(Buffer.from(b.bytes.subarray(0, b.length)).equals(Buffer.concat(expected))).toBe(true);
      }),
      { numRuns: 1_000 },
    );
  });

  it('gives back what one burst grew past 1 MiB when reset', () => {
    const b = new ByteBuilder(64);
    b.copy(new Uint8Array(3 << 20));
    expect(b.bytes.length).toBeGreaterThanOrEqual(3 << 20);
    b.reset();
    expect(b.bytes.length).toBe(64);
    expect(b.length).toBe(0);
  });
});
