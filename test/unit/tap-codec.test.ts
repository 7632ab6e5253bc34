// The event tap's wire format: one record or a batch of consecutive numbered records per message;
// whatever arrives is decoded without throwing and anything out of shape is refused.

import fc from 'fast-check';
import { pack } from 'msgpackr';
import { describe, expect, it } from 'vitest';
import { decodeTapMessage, encodeTapBatch, encodeTapMessage, MAX_RECORDS_PER_MESSAGE } from '../../src/gateways/zmq/tap-codec.js';

describe('tap messages', () => {
  it('carries one record, or a batch numbered from its first', () => {
    expect(decodeTapMessage(encodeTapMessage(7, { type: 'quote', ts: 1 }))).toEqual({ seq: 7, records: [{ type: 'quote', ts: 1 }] });
    const batch = [{ type: 'quote', ts: 1 }, { type: 'order', ts: 2 }, { type: 'tap_state', ts: 3 }];
    expect(decodeTapMessage(encodeTapBatch(100, batch))).toEqual({ seq: 100, records: batch });
    // A batch of one is the single form (what a worker of the one-record format reads).
    expect(encodeTapBatch(5, [{ a: 1 }]).equals(encodeTapMessage(5, { a: 1 }))).toBe(true);
  });

  it('refuses what is not a message', () => {
    for (const value of [
      null, 3, 'x', [], { s: 0, r: {} }, { s: 1.5, r: {} }, { s: 1 }, { s: 1, r: [] }, { s: 1, r: null },
      { s: 1, b: [] }, { s: 1, b: [{}, 3] }, { s: 1, b: [{}, []] }, { s: 1, b: {} }, { s: 1, r: {}, b: [{}] },
      { s: Number.MAX_SAFE_INTEGER, b: [{}, {}] },
    ]) expect(decodeTapMessage(pack(value)), JSON.stringify(value)).toBeNull();
    expect(decodeTapMessage(pack({ s: 1, b: Array.from({ length: MAX_RECORDS_PER_MESSAGE + 1 }, () => ({})) }))).toBeNull();
    expect(decodeTapMessage(Buffer.from([0xc1]))).toBeNull();
  });

  it('never throws on any bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        const m = decodeTapMessage(Buffer.from(bytes));
        if (m !== null) expect(m.records.length).toBeGreaterThan(0);
      }),
      { numRuns: 2_000 },
    );
  });
});
