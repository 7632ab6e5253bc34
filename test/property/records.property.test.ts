// orders.jsonl lines are written by a hand-joined serializer (no object spread on the hot path);
// it must produce exactly the bytes of the plain export, whatever the step's fields are.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import type { LifecycleEntry } from '../../src/core/model/lifecycle.js';
import type { Decision, Quote } from '../../src/core/model/types.js';
import { QuoteBook, type DecisionContext } from '../../src/core/shadow/context.js';
import type { DivergenceRecord } from '../../src/core/shadow/divergence.js';
import { ByteBuilder } from '../../src/core/util/byte-builder.js';
import { contextHash, exportDivergence, exportLifecycle, lifecycleJson, writeDivergenceJson } from '../../src/exporters/records.js';

const key = fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom('lp', 'seq', 'step', 'at', 'qty', 'text', '__proto__', '0', '1'));
// Beyond the declared kinds: undefined (left out), objects and arrays (the whole line through JSON.stringify).
const value = fc.oneof(fc.string({ unit: 'binary', maxLength: 20 }), fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.constant(undefined), fc.constant(-0), fc.record({ a: fc.integer() }), fc.array(fc.string({ maxLength: 3 }), { maxLength: 2 }));
const entry: fc.Arbitrary<LifecycleEntry> = fc.record({
  seq: fc.nat(),
  atUs: fc.integer({ min: 0, max: 4_000_000_000_000_000 }),
  step: fc.constantFrom('received', 'routed', 'lp_fill', 'exec_duplicate'),
  correlationId: fc.string({ unit: 'binary', maxLength: 20 }), // quotes, backslashes, control characters, lone surrogates
  clientOrderId: fc.string({ unit: 'binary', maxLength: 20 }),
  lp: fc.option(fc.string({ unit: 'binary', maxLength: 8 })),
  rejectReason: fc.option(fc.constantFrom('no_route', 'stale_quote')),
  fields: fc.dictionary(key, value, { maxKeys: 6 }),
}) as fc.Arbitrary<LifecycleEntry>;

describe('lifecycle export', () => {
  it('writes the same line as JSON.stringify of the exported record', () => {
    fc.assert(fc.property(entry, (e) => {
      expect(lifecycleJson(e)).toBe(JSON.stringify(exportLifecycle(e)));
    }), { numRuns: 2_000 });
  });
});

// divergences.jsonl lines and context hashes are written as bytes, not built as objects and
// strings: same bytes as the plain export, whatever a decision and a context hold.

const text = fc.string({ unit: 'binary', maxLength: 12 }); // quotes, backslashes, control characters, lone surrogates
const e8 = fc.oneof(fc.constant(0), fc.integer({ min: -2_000_000_000_000, max: 2_000_000_000_000 }));
const decision: fc.Arbitrary<Decision> = fc.record({
  router: text,
  configHash: text,
  action: fc.constantFrom('route', 'reject'),
  rejectReason: fc.option(fc.constantFrom('no_route', 'stale_quote', 'max_volume')),
  detail: fc.option(text),
  ruleId: fc.option(text),
  instrument: fc.option(text),
  digits: fc.integer({ min: 0, max: 8 }),
  lp: fc.option(text),
  lpSymbol: fc.option(text),
  selectionMode: fc.option(fc.constantFrom('best_price', 'priority')),
  volumeE8: e8,
  lpPriceE8: e8,
  markupE8: e8,
  clientPriceE8: e8,
  markupProfile: fc.option(text),
  pool: fc.array(text, { maxLength: 3 }),
  skipped: fc.array(fc.oneof(
    fc.record({ lp: text, reason: fc.constantFrom('down', 'stale', 'no_quote') }),
    // not of the declared shape: extra keys, another order, another type
    fc.record({ reason: fc.constantFrom('down'), lp: text }),
    fc.record({ lp: text, reason: fc.constantFrom('down'), note: text }),
    fc.record({ lp: fc.integer(), reason: fc.constantFrom('down') }),
  ), { maxLength: 3 }),
  failover: fc.boolean(),
}) as fc.Arbitrary<Decision>;

const quote: fc.Arbitrary<Quote> = fc.record({
  lp: fc.constantFrom('LP_A', 'LP_B', 'LP_\u00e9'),
  lpSymbol: fc.constantFrom('EURUSD', 'GOLD', 'X\ud800'),
  bidE8: e8,
  askE8: e8,
  bidSizeE8: e8,
  askSizeE8: e8,
  indicative: fc.boolean(),
  receivedUs: fc.oneof(fc.nat(), fc.double({ noNaN: false })),
}) as fc.Arbitrary<Quote>;

const context: fc.Arbitrary<DecisionContext> = fc.record({
  seq: fc.nat(),
  nowUs: fc.oneof(fc.integer({ min: -1e15, max: 4e15 }), fc.double()),
  order: fc.record({ correlationId: text, clientOrderId: text, account: text, group: text, platformSymbol: text, side: fc.constantFrom('buy', 'sell'), ordType: fc.constantFrom('market', 'limit'), volumeE8: e8, priceE8: e8, session: text }),
  quotes: fc.uniqueArray(quote, { selector: (q) => `${q.lp}|${q.lpSymbol}`, maxLength: 6 }),
  lpStatus: fc.uniqueArray(fc.tuple(fc.constantFrom('LP_A', 'LP_B', 'LP_C', 'LP_\u00e9'), fc.constantFrom('up', 'down')), { selector: (x) => x[0], maxLength: 4 }),
}).map(({ quotes, lpStatus, ...rest }) => {
  const book = new QuoteBook();
  for (const q of quotes) book.update(q);
  return { ...rest, quotes: book.snapshot(), lpStatus: new Map(lpStatus) } as unknown as DecisionContext;
});

/** The context hash as it was written before it was built as bytes: the reference. */
function referenceContextHash(c: DecisionContext): string {
  const o = c.order;
  let t = `${c.seq}|${c.nowUs}|${o.correlationId}|${o.clientOrderId}|${o.account}|${o.group}|${o.platformSymbol}|${o.side}|${o.ordType}|${o.volumeE8}|${o.priceE8}\n`;
  for (const [lp, status] of [...c.lpStatus].sort((a, b) => (a[0] < b[0] ? -1 : 1))) t += `${lp}=${status}\n`;
  const quotes = c.quotes.entries().sort((a, b) => (a.lp === b.lp ? (a.lpSymbol < b.lpSymbol ? -1 : 1) : a.lp < b.lp ? -1 : 1));
  for (const q of quotes) t += `${q.lp}|${q.lpSymbol}|${q.bidE8}|${q.askE8}|${q.bidSizeE8}|${q.askSizeE8}|${q.indicative}|${q.receivedUs}\n`;
  return `sha256:${createHash('sha256').update(t, 'utf8').digest('hex').slice(0, 16)}`;
}

describe('divergence export', () => {
  it('hashes a context exactly as the string form did', () => {
    fc.assert(fc.property(context, (c) => {
      expect(contextHash(c)).toBe(referenceContextHash(c));
    }), { numRuns: 2_000 });
  });

  it('writes the same line as JSON.stringify of the exported record, and falls back to it for a decision of another shape', () => {
    const record = fc.record({
      seq: fc.nat(),
      atUs: fc.integer({ min: 0, max: 4_000_000_000_000_000 }),
      correlationId: text,
      clientOrderId: text,
      account: text,
      group: text,
      platformSymbol: text,
      class: fc.constantFrom('lp', 'price', 'markup'),
      severity: fc.constantFrom('info', 'major', 'critical'),
      detail: text,
      production: decision,
      candidate: decision,
      executedBy: fc.constantFrom('production', 'candidate'),
    }) as fc.Arbitrary<DivergenceRecord>;
    fc.assert(fc.property(record, context, (r, c) => {
      const out = new ByteBuilder(64);
      let written: string;
      try {
        writeDivergenceJson(out, r, c);
        written = out.text();
      } catch {
        written = JSON.stringify(exportDivergence(r, c)); // what RunFolder.record falls back to
      }
      expect(written).toBe(JSON.stringify(exportDivergence(r, c)));
    }), { numRuns: 3_000 });
  });
});
