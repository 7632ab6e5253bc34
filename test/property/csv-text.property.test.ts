// The hand-written CSV rows are csv-stringify's, byte for byte, for any text in any field.

import { stringify } from 'csv-stringify/sync';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { csvLine } from '../../src/exporters/csv-text.js';

describe('csvLine', () => {
  it('writes what csv-stringify writes with its defaults, for any fields', () => {
    // Commas, quotes, CR and LF are what quoting is about; the rest is any UTF-16, lone surrogates too.
    const special = fc.constantFrom(',', '"', '\r', '\n', '""', '\r\n', ' ', '');
    const text = fc.oneof(fc.string({ unit: 'binary', maxLength: 12 }), fc.array(fc.oneof(special, fc.string({ maxLength: 3 })), { maxLength: 6 }).map((parts) => parts.join('')));
    fc.assert(
      fc.property(fc.array(fc.array(text, { minLength: 1, maxLength: 8 }), { maxLength: 5 }), (records) => {
        expect(records.map(csvLine).join('')).toBe(stringify(records));
      }),
      { numRuns: 2_000 },
    );
  });
});
