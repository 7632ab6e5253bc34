// The resend window keeps exactly the last `capacity` sent messages and answers ranges in order,
// whatever the gaps between sequence numbers (admin messages are not stored), resets, and numbers
// stored again (the messages from that number on are superseded).

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ResendWindow, type StoredMessage } from '../../src/fix/session/store.js';

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
});
