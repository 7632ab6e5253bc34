// Fuzzing the framer and parser: random bytes, truncation, wrong checksums and lengths, huge
// tags, SOH floods, valid messages after garbage. No crash, bounded memory, valid frames kept.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FixEncoder } from '../../src/fix/codec/encoder.js';
import { FixFramer } from '../../src/fix/codec/framer.js';
import { FixMessage } from '../../src/fix/codec/message.js';
import { formatUtcTimestamp, parseUtcTimestamp } from '../../src/fix/codec/timestamps.js';
import { fix, show } from '../support/fix.js';

const field = fc.tuple(fc.integer({ min: 1, max: 9999 }), fc.stringMatching(/^[A-Za-z0-9 .:-]{1,20}$/));
const validMessage = fc.array(field, { minLength: 1, maxLength: 12 }).map((fields) =>
  fix(`35=D|34=5|49=A|56=B|52=20260708-09:00:00|${fields.filter(([t]) => ![8, 9, 10, 35].includes(t)).map(([t, v]) => `${t}=${v}`).join('|')}|`),
);
/** A header whose BodyLength is wrong: framed, as QuickFIX frames it, up to the next CheckSum. */
const TRUNCATED = Buffer.from('8=FIX.4.4\x019=12\x0135=0\x0110=');
const noise = fc.oneof(
  fc.uint8Array({ maxLength: 300 }),
  fc.constant(new Uint8Array(200).fill(1)), // SOH flood
  fc.constant(Buffer.from('8=FIX.4.4\x019=99999999\x01')), // absurd length
  fc.constant(TRUNCATED), // truncated: a BodyLength that runs into the next message
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
        // A header with a wrong BodyLength swallows the message after it, whole, exactly as
        // QuickFIX's framer does (FIX test case 2m): the session sees the gap and asks for it
        // again. Every other message must come through.
        const want = pairs.filter(([n]) => !Buffer.from(n).equals(TRUNCATED)).map(([, m]) => show(m));
        // Noise may itself contain a valid frame by chance; every real message must be there, in order.
        let k = 0;
        for (const f of got) if (f === want[k]) k++;
        expect(k).toBe(want.length);
      }),
      { numRuns: 500 },
    );
  });

  it('frames the same from one reused read buffer as from a fresh buffer per read', () => {
    // An LP connection reads into one buffer of its own (net.connect's onread): each read
    // overwrites the last, so whatever the framer keeps between reads must be its own copy.
    fc.assert(
      fc.property(fc.array(fc.tuple(noise, validMessage), { minLength: 1, maxLength: 5 }), fc.integer({ min: 1, max: 97 }), (pairs, step) => {
        const all = Buffer.concat(pairs.flatMap(([n, m]) => [Buffer.from(n), Buffer.from([0x01]), m]));
        const fresh: string[] = [];
        const reused: string[] = [];
        const framerOf = (into: string[]) => new FixFramer({ onFrame: (b, s, e) => into.push(show(b.subarray(s, e))), onGarbled: () => {} }, 8192);
        const a = framerOf(fresh);
        const b = framerOf(reused);
        const readBuffer = Buffer.alloc(128);
        for (let i = 0; i < all.length; i += step) {
          const chunk = all.subarray(i, i + step);
          a.push(Buffer.from(chunk));
          chunk.copy(readBuffer);
          b.push(readBuffer, chunk.length);
          readBuffer.fill(0x38); // the next read's bytes: "8" everywhere, a framer that kept a view would see them
        }
        expect(reused).toEqual(fresh);
        expect(b.pending()).toBe(a.pending());
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

  it('encodes text fields as Latin-1 bytes whatever their length, with a correct frame', () => {
    // Short values go through a JS loop and long ones through Buffer.write: both must agree.
    fc.assert(fc.property(fc.array(fc.tuple(fc.integer({ min: 1, max: 99_999 }), fc.string({ unit: 'binary', maxLength: 120 }).map((v) => v.replaceAll('\x01', ''))), { maxLength: 8 }), (fields) => {
      const encoder = new FixEncoder('FIX.4.4', 64);
      encoder.begin().str(35, 'D');
      for (const [tag, value] of fields) encoder.str(tag, value);
      const frame = Buffer.from(encoder.finish());
      const body = Buffer.from(`35=D\x01${fields.map(([t, v]) => `${t}=${v}\x01`).join('')}`, 'latin1');
      const head = Buffer.from(`8=FIX.4.4\x019=${body.length}\x01`, 'latin1');
      let sum = 0;
      for (const b of [...head, ...body]) sum += b;
      const want = Buffer.concat([head, body, Buffer.from(`10=${String(sum & 0xff).padStart(3, '0')}\x01`, 'latin1')]);
      expect(frame.equals(want)).toBe(true);
    }), { numRuns: 1_000 });
  });

  it('tokenizes any field-like bytes exactly as a plain reference tokenizer does', () => {
    // parse() has a fast loop for the common shape and a careful walk for everything else;
    // both must agree with this obvious version on fields, problems and the CheckSum verdict.
    const tagText = fc.oneof(fc.integer({ min: 0, max: 9999 }).map(String), fc.stringMatching(/^-?[0-9]{0,12}$/), fc.stringMatching(/^[0-9A-Z=-]{0,4}$/));
    const rawField = fc.tuple(tagText, fc.stringMatching(/^[A-Za-z0-9=.-]{0,6}$/), fc.boolean()).map(([t, v, eq]) => (eq ? `${t}=${v}` : `${t}${v}`));
    const header = fc.constantFrom('8=FIX.4.4|9=5|35=D|', '8=FIX.4.4|9=5|', '');
    const trailer = fc.oneof(fc.constant(''), fc.integer({ min: 0, max: 255 }).map((n) => `10=${String(n).padStart(3, '0')}|`));
    fc.assert(fc.property(header, fc.array(rawField, { maxLength: 12 }), trailer, fc.boolean(), fc.integer({ min: 3, max: 40 }), (head, fields, tail, verify, maxFields) => {
      const text = `${head}${fields.map((f) => `${f}|`).join('')}${tail}`.replaceAll('|', '\x01');
      const bytes = Buffer.from(`xx${text}yy`, 'latin1'); // parse a slice: offsets must be absolute
      const m = new FixMessage(maxFields);
      const ok = m.parse(bytes, 2, bytes.length - 2, verify);
      const want = referenceParse(bytes, 2, bytes.length - 2, verify, maxFields);
      expect(m.problem).toBe(want.problem);
      expect(ok).toBe(want.problem === null);
      if (ok) {
        expect(m.count).toBe(want.fields.length);
        want.fields.forEach(([tag, s, e], i) => expect([m.tags[i], m.starts[i], m.ends[i]]).toEqual([tag, s, e]));
      }
    }), { numRuns: 3_000 });
  });
});

/** The tokenizer spelled out plainly, as the spec for FixMessage.parse. */
function referenceParse(buf: Buffer, start: number, end: number, verify: boolean, maxFields: number): { problem: string | null; fields: Array<[number, number, number]> } {
  const fields: Array<[number, number, number]> = [];
  let i = start;
  let sumBeforeLast = 0;
  while (i < end) {
    sumBeforeLast = 0;
    for (let k = start; k < i; k++) sumBeforeLast += buf[k]!;
    let j = buf[i] === 0x2d ? i + 1 : i;
    const digitsStart = j;
    while (j < end && buf[j]! >= 0x30 && buf[j]! <= 0x39) j++;
    const digits = j - digitsStart;
    if (digits > 9 || digits === 0) return { problem: 'bad_tag', fields };
    if (j === end) return { problem: 'no_equals', fields };
    if (buf[j] !== 0x3d) return { problem: 'bad_tag', fields };
    const tagText = buf.toString('latin1', i, j);
    const tagEnd = j;
    let valueEnd = buf.indexOf(0x01, tagEnd + 1);
    if (valueEnd === -1 || valueEnd > end) valueEnd = end;
    if (fields.length === maxFields) return { problem: 'too_many_fields', fields };
    fields.push([Number(tagText) | 0, tagEnd + 1, valueEnd]); // | 0: "-0" is tag 0 in an Int32Array
    i = valueEnd + 1;
  }
  if (fields.length < 4 || fields[0]![0] !== 8 || fields[1]![0] !== 9 || fields[2]![0] !== 35) return { problem: 'first_fields', fields };
  if (verify) {
    const [tag, s, e] = fields[fields.length - 1]!;
    const text = buf.toString('latin1', s, e);
    const declared = /^[0-9]{1,15}$/.test(text) ? Number(text) : Number.NaN;
    if (tag !== 10 || declared !== (sumBeforeLast & 0xff)) return { problem: 'bad_checksum', fields };
  }
  return { problem: null, fields };
}

describe('FIX UTCTimestamp', () => {
  /** The format spelled out as a regular expression, as the spec for parseUtcTimestamp. */
  function referenceParse(text: string): number {
    const m = /^(\d{4})(\d{2})(\d{2})-(\d{2}):(\d{2}):(\d{2})(?:\.(\d{3}|\d{6}|\d{9}))?$/.exec(text);
    if (m === null) return Number.NaN;
    const [y, mo, d, h, mi, s] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
    if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60) return Number.NaN;
    return Date.UTC(y, mo - 1, d, h, mi, s) + (m[7] === undefined ? 0 : Number(m[7].slice(0, 3)));
  }

  it('parses what it formats, and agrees with the spelled-out format on mangled text', () => {
    // Edges the random edits rarely reach: a leap second, out-of-range fields, fraction lengths.
    for (const text of ['20261231-23:59:60', '20261231-24:00:00', '20261232-00:00:00', '20260008-00:00:00', '20260708-09:60:00', '20260708-09:00:00.1234', '20260708-09:00:00.123456789', '20260708-09:00:00.'])
      expect(parseUtcTimestamp(text)).toBe(referenceParse(text));
    fc.assert(fc.property(fc.integer({ min: 0, max: 4_102_444_800_000 }), (ms) => {
      expect(parseUtcTimestamp(formatUtcTimestamp(ms))).toBe(ms);
    }), { numRuns: 1_000 });
    const mangled = fc.tuple(fc.integer({ min: 0, max: 4_102_444_800_000 }), fc.array(fc.tuple(fc.nat(), fc.constantFrom('0', '9', '3', '-', ':', '.', 'x', '')), { maxLength: 3 }), fc.constantFrom('', '123', '123456', '12', '1234567'))
      .map(([ms, edits, tail]) => {
        let text = formatUtcTimestamp(ms).slice(0, 17) + (tail === '' ? '' : `.${tail}`);
        for (const [at, ch] of edits) text = text.slice(0, at % (text.length + 1)) + ch + text.slice((at % (text.length + 1)) + 1);
        return text;
      });
    fc.assert(fc.property(mangled, (text) => {
      expect(parseUtcTimestamp(text)).toBe(referenceParse(text));
    }), { numRuns: 3_000 });
  });
});
