// The session validator checks values on their bytes and tags in typed arrays (issue 13). On any
// message, with the built-in open dictionary and a closed one loaded from XML, it must give the
// same SessionRejectReason and tag as the string-and-Set validator it replaced (the reference).

import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FixMessage } from '../../src/fix/codec/message.js';
import { FixDictionary } from '../../src/fix/dictionary/dictionary.js';
import { builtinFix44Dictionary } from '../../src/fix/dictionary/fix44-builtin.js';
import { validate } from '../../src/fix/dictionary/validator.js';
import { fix } from '../support/fix.js';
import { referenceValidate } from '../support/reference-validator.js';

const dictionaries = [
  ['built-in (open)', builtinFix44Dictionary()],
  ['FIX44.xml (closed)', FixDictionary.load(join(import.meta.dirname, '..', '..', 'node_modules', 'jspurefix', 'data', 'FIX44.xml'))],
] as const;

const TAGS = [-1, 0, 1, 6, 11, 14, 17, 21, 31, 32, 34, 35, 37, 38, 39, 40, 43, 44, 49, 52, 54, 55, 56, 59, 60, 89, 93, 97, 122, 146, 150, 151, 262, 263, 264, 265, 267, 268, 269, 270, 271, 447, 448, 452, 453, 555, 600, 5001, 9999, 10, 12345, 20000, 9998, 10000, 10001, 99999];
const VALUES = ['', '0', '1', '2', '-1', '7', '12', '1.5', '.5', '1.', '.', '-', '-.5', '1.2.3', 'abc', 'Y', 'N', 'YY', '20261203-10:00:00', '20261203-10:00:00.123', '20261203-10:00:00.123456', '20261203-10:00:00.123456789', '20261203-10:00:0', '2026120310:00:00.123', '20261203-10:00:00.1234', '10:00:00', '20261203', '202612', '1 2', 'A B', '\u00e9', 'EURUSD'];
const BASES: readonly (readonly [number, string])[][] = [
  [[35, 'D'], [49, 'PLAT'], [56, 'BRIDGE'], [34, '2'], [52, '20261203-10:00:00.123'], [11, 'C1'], [21, '1'], [55, 'EURUSD'], [54, '1'], [60, '20261203-10:00:00.123'], [38, '100000'], [40, '1']],
  [[35, '8'], [49, 'LP'], [56, 'BRIDGE'], [34, '3'], [52, '20261203-10:00:00.123'], [37, 'O1'], [11, 'C1'], [17, 'X1'], [150, 'F'], [39, '2'], [55, 'EURUSD'], [54, '1'], [38, '100000'], [32, '100000'], [31, '1.08'], [151, '0'], [14, '100000'], [6, '1.08']],
  [[35, 'W'], [49, 'LP'], [56, 'BRIDGE'], [34, '4'], [52, '20261203-10:00:00.123'], [262, 'R1'], [55, 'EURUSD'], [268, '2'], [269, '0'], [270, '1.08'], [271, '1000000'], [269, '1'], [270, '1.09'], [271, '1000000']],
  [[35, 'V'], [49, 'PLAT'], [56, 'BRIDGE'], [34, '5'], [52, '20261203-10:00:00'], [262, 'R2'], [263, '1'], [264, '1'], [267, '2'], [269, '0'], [269, '1'], [146, '1'], [55, 'EURUSD']],
  [[35, '0'], [49, 'PLAT'], [56, 'BRIDGE'], [34, '6'], [52, '20261203-10:00:00.123']],
];

type Edit = { kind: 'insert' | 'set'; at: number; tag: number; value: string } | { kind: 'delete' | 'duplicate'; at: number } | { kind: 'msgType'; value: string };
const edit: fc.Arbitrary<Edit> = fc.oneof(
  fc.record({ kind: fc.constantFrom('insert' as const, 'set' as const), at: fc.nat(), tag: fc.constantFrom(...TAGS), value: fc.constantFrom(...VALUES) }),
  fc.record({ kind: fc.constantFrom('delete' as const, 'duplicate' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('msgType' as const), value: fc.constantFrom('D', '8', 'W', 'V', '0', 'A', 'F', 'ZZ', 'AE', '') }),
);

describe('session validator', () => {
  for (const [name, dict] of dictionaries) {
    it(`rejects exactly as the reference does (${name})`, () => {
      const m = new FixMessage();
      fc.assert(
        fc.property(fc.integer({ min: 0, max: BASES.length - 1 }), fc.array(edit, { maxLength: 6 }), (base, edits) => {
          const fields = BASES[base]!.map(([t, v]) => [t, v] as [number, string]);
          for (const e of edits) {
            if (e.kind === 'msgType') fields[0] = [35, e.value];
            else if (e.kind === 'insert') fields.splice(1 + (e.at % fields.length), 0, [e.tag, e.value]);
            else if (fields.length > 1) {
              const at = 1 + (e.at % (fields.length - 1));
              if (e.kind === 'set') fields[at] = [e.tag, e.value];
              else if (e.kind === 'delete') fields.splice(at, 1);
              else fields.splice(at, 0, [...fields[at]!] as [number, string]);
            }
          }
          const frame = fix(fields.map(([t, v]) => `${t}=${v}`).join('|'));
          fc.pre(m.parse(frame, 0, frame.length));
          expect(validate(dict, m)).toEqual(referenceValidate(dict, m));
        }),
        { numRuns: 3_000 },
      );
    });
  }

  it('accepts the untouched messages and rejects a bad price, an empty value and a repeated tag', () => {
    const m = new FixMessage();
    const [, open] = dictionaries[0];
    const check = (body: string) => {
      const frame = fix(body);
      expect(m.parse(frame, 0, frame.length)).toBe(true);
      return validate(open, m);
    };
    for (const b of BASES) expect(check(b.map(([t, v]) => `${t}=${v}`).join('|'))).toBeNull();
    expect(check('35=D|49=P|56=B|34=2|52=20261203-10:00:00|11=C1|21=1|55=EURUSD|54=1|60=20261203-10:00:00|38=1.2.3|40=1')).toMatchObject({ reason: 6, refTag: 38 });
    expect(check('35=D|49=P|56=B|34=2|52=20261203-10:00:00|11=|21=1|55=EURUSD|54=1|60=20261203-10:00:00|38=1|40=1')).toMatchObject({ reason: 4, refTag: 11 });
    expect(check('35=D|49=P|56=B|34=2|52=20261203-10:00:00|11=C|21=1|55=EURUSD|54=1|54=1|60=20261203-10:00:00|38=1|40=1')).toMatchObject({ reason: 13, refTag: 54 });
  });
});
