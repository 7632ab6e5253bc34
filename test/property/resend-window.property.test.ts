// The resend window keeps exactly the last `capacity` sent messages and answers ranges in order,
// whatever the gaps between sequence numbers (admin messages are not stored), resets, and numbers
// stored again (the messages from that number on are superseded).

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ResendWindow } from '../../src/fix/session/resend-window.js';
import type { StoredMessage } from '../../src/fix/session/store.js';

const message = (seq: number): StoredMessage => ({ seq, msgType: 'D', sendingTimeMs: seq, body: Buffer.from(String(seq)) });

describe('ResendWindow', () => {
  it('matches a model that keeps the last `capacity` messages', () => {
    const step = fc.oneof(
      { weight: 12, arbitrary: fc.record({ kind: fc.constant('send' as const), gap: fc.integer({ min: 1, max: 4 }) }) },
      { weight: 1, arbitrary: fc.record({ kind: fc.constant('reset' as const) }) },
      // A number stored again without a reset: what was stored from it on is superseded.
      { weight: 1, arbitrary: fc.record({ kind: fc.constant('back' as const), gap: fc.integer({ min: 0, max: 6 }) }) },
    );
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 10 }), fc.array(step, { maxLength: 80 }), fc.integer({ min: 0, max: 200 }), fc.integer({ min: 0, max: 60 }), (capacity, steps, begin, span) => {
        const window = new ResendWindow(capacity);
        let model: number[] = [];
        let seq = 0;
        for (const s of steps) {
          if (s.kind === 'reset') {
            window.clear();
            model = [];
            seq = 0;
            continue;
          }
          if (s.kind === 'back') {
            seq = Math.max(1, seq - s.gap);
            model = model.filter((q) => q < seq);
          } else {
            seq += s.gap;
          }
          window.add(message(seq));
          model.push(seq);
          if (model.length > capacity) model.shift();
          expect(window.size).toBe(model.length);
        }
        const end = begin + span;
        expect(window.range(begin, end).map((m) => m.seq)).toEqual(model.filter((q) => q >= begin && q <= end));
        expect([...window.values()].map((m) => m.seq)).toEqual(model);
      }),
    );
  });

  it('gives back every kept body byte for byte, whatever the sizes, and copies what it is given', () => {
    // Sizes around the 64 KiB chunk: bodies that fill a chunk exactly, cross its end, outgrow it.
    const size = fc.oneof(fc.integer({ min: 0, max: 300 }), fc.integer({ min: 65_000, max: 140_000 }));
    const step = fc.oneof(
      { weight: 10, arbitrary: fc.record({ kind: fc.constant('send' as const), size, fill: fc.integer({ min: 0, max: 255 }) }) },
      { weight: 1, arbitrary: fc.record({ kind: fc.constant('back' as const), gap: fc.integer({ min: 0, max: 5 }), size, fill: fc.integer({ min: 0, max: 255 }) }) },
      { weight: 1, arbitrary: fc.record({ kind: fc.constant('reset' as const) }) },
    );
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 600 }), fc.array(step, { maxLength: 60 }), (capacity, steps) => {
        const window = new ResendWindow(capacity);
        let model: { seq: number; body: Buffer }[] = [];
        let seq = 0;
        const scratch = Buffer.alloc(140_000);
        for (const s of steps) {
          if (s.kind === 'reset') {
            window.clear();
            model = [];
            seq = 0;
            continue;
          }
          if (s.kind === 'back') {
            // A number stored again: what was kept from it on is superseded by this message.
            seq = Math.max(1, seq - s.gap);
            model = model.filter((m) => m.seq < seq);
          } else {
            seq++;
          }
          // Each body is distinct (its number in the first bytes), passed as a view of a scratch
          // buffer that is written over right after, as the session's encoder is.
          const body = Buffer.alloc(s.size, s.fill);
          if (s.size >= 4) body.writeUInt32BE(seq);
          body.copy(scratch);
          window.add({ seq, msgType: s.size % 2 === 0 ? 'D' : '8', sendingTimeMs: 1_700_000_000_000 + seq, body: scratch.subarray(0, s.size) });
          scratch.fill(0xee);
          model.push({ seq, body });
          if (model.length > capacity) model.shift();
        }
        const kept = [...window.values()];
        expect(kept.map((m) => m.seq)).toEqual(model.map((m) => m.seq));
        kept.forEach((m, i) => {
          expect(m.body.equals(model[i]!.body)).toBe(true);
          expect(m.sendingTimeMs).toBe(1_700_000_000_000 + m.seq);
          expect(m.msgType).toBe(m.body.length % 2 === 0 ? 'D' : '8');
        });
      }),
      { numRuns: 200 },
    );
  });
});
