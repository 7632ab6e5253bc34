// Fuzzing the framer and parser: random bytes, truncation, wrong checksums and lengths, huge
// tags, SOH floods, valid messages after garbage. No crash, bounded memory, valid frames kept.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FixFramer } from '../../src/fix/codec/framer.js';
import { FixMessage } from '../../src/fix/codec/message.js';
import { fix, show } from '../support/fix.js';

const field = fc.tuple(fc.integer({ min: 1, max: 9999 }), fc.stringMatching(/^[A-Za-z0-9 .:-]{1,20}$/));
const validMessage = fc.array(field, { minLength: 1, maxLength: 12 }).map((fields) =>
  fix(`35=D|34=5|49=A|56=B|52=20260708-09:00:00|${fields.filter(([t]) => ![8, 9, 10, 35].includes(t)).map(([t, v]) => `${t}=${v}`).join('|')}|`),
);
const noise = fc.oneof(
  fc.uint8Array({ maxLength: 300 }),
  fc.constant(new Uint8Array(200).fill(1)), // SOH flood
  fc.constant(Buffer.from('8=FIX.4.4\x019=99999999\x01')), // absurd length
  fc.constant(Buffer.from('8=FIX.4.4\x019=12\x0135=0\x0110=')), // truncated
  fc.constant(Buffer.from(`8=FIX.4.4\x019=20\x01${'9'.repeat(40)}=1\x0110=000\x01`)), // huge tag
);

function feed(chunks: Uint8Array[], max = 4096) {
  const frames: string[] = [];
  const framer = new FixFramer({ onFrame: (b, s, e) => frames.push(show(b.subarray(s, e))), onGarbled: () => {} }, max);
  const message = new FixMessage(64);
  for (const c of chunks) {
    framer.push(c);
    expect(framer.pending()).toBeLessThanOrEqual(2 * max + c.length);
  }
  for (const f of frames) {
    const buf = Buffer.from(f.replaceAll('|', '\x01'), 'latin1');
    message.parse(buf, 0, buf.length); // may refuse, must not throw
  }
  return frames;
}

/** Splits a byte string at random points. */
const chunked = (bytes: Uint8Array) => fc.array(fc.integer({ min: 1, max: Math.max(1, bytes.length) }), { maxLength: 8 }).map((cuts) => {
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((x, y) => x - y);
  const out: Uint8Array[] = [];
  let prev = 0;
  for (const p of points) {
    out.push(bytes.subarray(prev, p));
    prev = p;
  }
  out.push(bytes.subarray(prev));
  return out;
});

describe('FIX codec under hostile input', () => {
  it('never throws on arbitrary bytes, in any chunking', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 2_000 }).chain((b) => chunked(b)), (chunks) => {
      feed(chunks);
    }), { numRuns: 1_000 });
  });

  it('delivers every valid message that follows noise, however it is split', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(noise, validMessage), { minLength: 1, maxLength: 5 }), fc.integer({ min: 1, max: 97 }), (pairs, step) => {
        const all = Buffer.concat(pairs.flatMap(([n, m]) => [Buffer.from(n), Buffer.from([0x01]), m]));
        const chunks: Uint8Array[] = [];
        for (let i = 0; i < all.length; i += step) chunks.push(all.subarray(i, i + step));
        const got = feed(chunks, 8192);
        const want = pairs.map(([, m]) => show(m));
        // Noise may itself contain a valid frame by chance; every real message must be there, in order.
        let k = 0;
        for (const f of got) if (f === want[k]) k++;
        expect(k).toBe(want.length);
      }),
      { numRuns: 500 },
    );
  });

  it('round-trips encoded fields through the parser', () => {
    fc.assert(fc.property(fc.array(field, { minLength: 1, maxLength: 30 }), (fields) => {
      const clean = fields.filter(([t]) => ![8, 9, 10, 35].includes(t));
      const frame = fix(`35=D|${clean.map(([t, v]) => `${t}=${v}`).join('|')}|`);
      const m = new FixMessage();
      expect(m.parse(frame, 0, frame.length)).toBe(true);
      expect(m.count).toBe(clean.length + 4);
      clean.forEach(([t, v], i) => {
        expect(m.tags[i + 3]).toBe(t);
        expect(m.valueAt(i + 3)).toBe(v);
      });
    }), { numRuns: 1_000 });
  });
});
