import { describe, expect, it } from 'vitest';
import { FixEncoder } from '../../src/fix/codec/encoder.js';
import { FixFramer, type GarbledReason } from '../../src/fix/codec/framer.js';
import { FixMessage } from '../../src/fix/codec/message.js';
import { formatUtcTimestamp, parseUtcTimestamp } from '../../src/fix/codec/timestamps.js';
import { fix, show, wire } from '../support/fix.js';

function frames(chunks: Uint8Array[], max?: number): { frames: string[]; garbled: GarbledReason[] } {
  const out: string[] = [];
  const garbled: GarbledReason[] = [];
  const f = new FixFramer({ onFrame: (b, s, e) => out.push(show(b.subarray(s, e))), onGarbled: (r) => garbled.push(r) }, max);
  for (const c of chunks) f.push(c);
  return { frames: out, garbled };
}

describe('FIX encoder', () => {
  it('writes BodyLength and CheckSum exactly as the standard defines them', () => {
    const m = new FixEncoder().begin().str(35, 'A').int(34, 1).str(49, 'ISLD').str(52, '20260708-09:00:00.000').str(56, 'TW44').int(98, 0).int(108, 30).finish();
    // The body of the QuickFIX acceptance logon (9=63) with our CompIDs.
    expect(show(m)).toMatch(/^8=FIX\.4\.4\|9=63\|35=A\|34=1\|49=ISLD\|52=20260708-09:00:00\.000\|56=TW44\|98=0\|108=30\|10=\d{3}\|$/);
    const sum = [...m.subarray(0, m.length - 7)].reduce((a, b) => a + b, 0) & 0xff;
    expect(show(m).slice(-4, -1)).toBe(String(sum).padStart(3, '0'));
  });

  it('grows past its first buffer and refuses what exceeds its limit', () => {
    const big = 'x'.repeat(10_000);
    const m = new FixEncoder('FIX.4.4', 64).begin().str(35, 'C').str(58, big).finish();
    expect(m.length).toBeGreaterThan(10_000);
    expect(() => new FixEncoder('FIX.4.4', 64, 1024).begin().str(58, big).finish()).toThrow(/SB_ERR_FIX_TOO_LARGE/);
  });
});

describe('FIX framer', () => {
  const a = fix('35=0|34=2|49=TW44|52=20260708-09:00:00|56=ISLD|');
  const b = fix('35=1|34=3|49=TW44|52=20260708-09:00:00|56=ISLD|112=HELLO|');

  it('reassembles frames split at every byte and separates frames sharing a read', () => {
    const both = Buffer.concat([a, b]);
    for (let cut = 1; cut < both.length; cut++) {
      const r = frames([both.subarray(0, cut), both.subarray(cut)]);
      expect(r.frames).toEqual([show(a), show(b)]);
      expect(r.garbled).toEqual([]);
    }
    expect(frames([...both].map((x) => Uint8Array.of(x))).frames).toHaveLength(2);
  });

  it('skips garbage between frames and still delivers what follows', () => {
    const r = frames([Buffer.concat([wire('junk|35=0|'), a, wire('\x00\xff garbage 8=FOO'), b])]);
    expect(r.frames).toEqual([show(a), show(b)]);
    expect(r.garbled).toContain('garbage');
  });

  it('drops a frame with a wrong checksum or body length and resynchronises', () => {
    const badSum = Buffer.from(a);
    badSum[badSum.length - 2] = badSum[badSum.length - 2] === 0x30 ? 0x31 : 0x30;
    expect(frames([badSum, b])).toEqual({ frames: [show(b)], garbled: ['bad_checksum'] });
    const badLen = wire(show(a).replace(/9=\d+/, '9=29'));
    const r = frames([badLen, b]);
    expect(r.frames).toEqual([show(b)]);
    expect(r.garbled[0]).toBe('bad_body_length');
  });

  it('frames a message whose BodyLength is wrong up to the next CheckSum and drops it whole (QuickFIX framing)', () => {
    // Too short: the frame ends at the message's own CheckSum; the message after it is intact.
    const short = wire(show(a).replace(/9=\d+/, '9=12'));
    expect(frames([short, b])).toEqual({ frames: [show(b)], garbled: ['bad_body_length'] });
    // Too long: the length runs into the next message, so both are dropped (never re-read from
    // inside the first one, which would turn a bad length into a gap); the one after is intact.
    const c = fix('35=0|34=4|49=TW44|52=20260708-09:00:00|56=ISLD|');
    const long = wire(show(a).replace(/9=\d+/, `9=${Number(/9=(\d+)/.exec(show(a))?.[1]) + 20}`));
    expect(frames([long, b, c])).toEqual({ frames: [show(c)], garbled: ['bad_body_length'] });
    // Split at every byte, the verdict is the same.
    const all = Buffer.concat([long, b, c]);
    for (let cut = 1; cut < all.length; cut++) expect(frames([all.subarray(0, cut), all.subarray(cut)]).frames).toEqual([show(c)]);
  });

  it('refuses a frame larger than its limit without buffering it', () => {
    const huge = fix(`35=C|58=${'y'.repeat(5_000)}|`);
    const r = frames([huge, a], 1_024);
    expect(r.frames).toEqual([show(a)]);
    expect(r.garbled[0]).toBe('too_large');
  });
});

describe('FIX message', () => {
  it('reads typed values in place', () => {
    const m = new FixMessage();
    const f = fix('35=D|34=7|49=TW44|52=20260708-09:00:00|56=ISLD|11=ORD-1|38=1000000|44=1.08512|54=1|55=EUR/USD|43=Y|');
    expect(m.parse(f, 0, f.length)).toBe(true);
    expect(m.msgType).toBe('D');
    expect(m.seqNum).toBe(7);
    expect(m.str(11)).toBe('ORD-1');
    expect(m.e8(44)).toBe(108_512_000);
    expect(m.e8(38)).toBe(100_000_000_000_000);
    expect(m.flag(43)).toBe(true);
    expect(m.str(9999)).toBeUndefined();
    expect(Number.isNaN(m.int(55))).toBe(true);
  });

  it('accepts negative and zero tags for the validator, but not non-numeric ones or wrong first fields', () => {
    const m = new FixMessage();
    const neg = wire('8=FIX.4.4|9=5|35=0|-1=HI|0=X|10=000|');
    expect(m.parse(neg, 0, neg.length)).toBe(true);
    expect(m.indexOf(-1)).toBe(3);
    const bad = wire('8=FIX.4.4|9=5|35=0|4garbled9=TW|10=000|');
    expect(m.parse(bad, 0, bad.length)).toBe(false);
    expect(m.problem).toBe('bad_tag');
    const order = wire('8=FIX.4.4|9=5|34=3|35=0|10=000|');
    expect(m.parse(order, 0, order.length)).toBe(false);
    expect(m.problem).toBe('first_fields');
  });
});

describe('UTC timestamps', () => {
  it('formats with milliseconds and parses with or without them', () => {
    const ms = Date.UTC(2026, 6, 8, 9, 0, 5, 7);
    expect(formatUtcTimestamp(ms)).toBe('20260708-09:00:05.007');
    expect(parseUtcTimestamp('20260708-09:00:05.007')).toBe(ms);
    expect(parseUtcTimestamp('20260708-09:00:05')).toBe(ms - 7);
    expect(Number.isNaN(parseUtcTimestamp('2026-07-08 09:00:05'))).toBe(true);
    expect(Number.isNaN(parseUtcTimestamp('20261308-09:00:05'))).toBe(true);
  });
});

describe('single-pass CheckSum', () => {
  it('verifies the CheckSum while tokenizing when the framer defers it', () => {
    const good = fix('35=0|34=2|49=TW44|52=20260708-09:00:00|56=ISLD|');
    const m = new FixMessage();
    expect(m.parse(good, 0, good.length, true)).toBe(true);
    const bad = Buffer.from(good);
    bad[bad.length - 2] = bad[bad.length - 2] === 0x30 ? 0x31 : 0x30;
    expect(m.parse(bad, 0, bad.length, true)).toBe(false);
    expect(m.problem).toBe('bad_checksum');
    expect(m.parse(bad, 0, bad.length)).toBe(true); // without verification the fields still parse
    const frames: string[] = [];
    const framer = new FixFramer({ onFrame: (b, s, e) => { if (m.parse(b, s, e, true)) frames.push(m.msgType); }, onGarbled: () => {} }, undefined, true);
    framer.push(Buffer.concat([bad, good]));
    expect(frames).toEqual(['0']);
  });
});
