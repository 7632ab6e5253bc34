// FingerprintWindow remembers exactly the last `capacity` distinct ids, in any sequence of adds,
// however crowded its hash table gets, and hands its fingerprints back oldest first.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FingerprintWindow } from '../../src/core/util/fingerprint-window.js';

/** The window as an ordered list of distinct keys, oldest first. */
class Model {
  readonly keys: string[] = [];
  constructor(private readonly capacity: number) {}
  add(key: string): void {
    if (this.keys.includes(key)) return;
    this.keys.push(key);
    if (this.keys.length > this.capacity) this.keys.shift();
  }
}

describe('FingerprintWindow', () => {
  it('holds exactly the most recent `capacity` distinct ids, like an ordered list would', () => {
    const id = fc.oneof(fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 'k', 'l'), fc.string({ unit: 'binary', maxLength: 6 }));
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 8 }), fc.array(id, { maxLength: 80 }), (capacity, adds) => {
        const window = new FingerprintWindow(capacity);
        const model = new Model(capacity);
        for (const x of adds) {
          window.add(x);
          model.add(x);
          expect(window.size).toBe(model.keys.length);
        }
        for (const x of [...adds, 'abcdefghijkl', '']) expect(window.has(x)).toBe(model.keys.includes(x));
      }),
      { numRuns: 500 },
    );
  });

  it('stays exact when fingerprints crowd the same slots: probing, eviction and growth (raw fingerprints)', () => {
    // lo values in a small range land in the same few slots: long probe runs, and evictions
    // that must shift later entries back into the hole.
    const fp = fc.tuple(fc.integer({ min: 0, max: 40 }), fc.integer({ min: 0, max: 3 }));
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 3_000 }), fc.array(fp, { maxLength: 3_000 }), (capacity, adds) => {
        const window = new FingerprintWindow(capacity);
        const model = new Model(capacity);
        // (0, 0) is the empty-slot marker: the window keeps it as (1, 0).
        const key = (lo: number, hi: number): string => (lo === 0 && hi === 0 ? '1:0' : `${lo}:${hi}`);
        for (const [lo, hi] of adds) {
          window.addFingerprint(lo, hi);
          model.add(key(lo, hi));
        }
        expect(window.size).toBe(model.keys.length);
        for (let lo = 0; lo <= 40; lo++) for (let hi = 0; hi <= 3; hi++) expect(window.hasFingerprint(lo, hi)).toBe(model.keys.includes(key(lo, hi)));
        const pairs = window.fingerprints();
        const listed: string[] = [];
        for (let i = 0; i < pairs.length; i += 2) listed.push(`${pairs[i]}:${pairs[i + 1]}`);
        expect(listed).toEqual(model.keys);
      }),
      { numRuns: 300 },
    );
  });

  it('rebuilt from its fingerprints, knows the same ids and forgets them in the same order', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 50 }), fc.array(fc.string({ maxLength: 10 }), { maxLength: 200 }), fc.array(fc.string({ maxLength: 10 }), { maxLength: 60 }), (capacity, before, after) => {
        const original = new FingerprintWindow(capacity);
        for (const x of before) original.add(x);
        const pairs = original.fingerprints();
        const rebuilt = new FingerprintWindow(capacity);
        for (let i = 0; i < pairs.length; i += 2) rebuilt.addFingerprint(pairs[i] as number, pairs[i + 1] as number);
        for (const x of after) {
          original.add(x);
          rebuilt.add(x);
        }
        for (const x of [...before, ...after]) expect(rebuilt.has(x)).toBe(original.has(x));
        expect(rebuilt.fingerprints()).toEqual(original.fingerprints());
      }),
      { numRuns: 300 },
    );
  });

  it('tells a million ids apart: no two of a sequential ClOrdID series share a fingerprint', () => {
    // Sequential ids differ in a character or two: what a weak hash would fold together.
    const window = new FingerprintWindow(1_000_000);
    for (let i = 0; i < 1_000_000; i++) window.add(`ORD-${i}`);
    expect(window.size).toBe(1_000_000);
    expect(window.has('ORD-999999')).toBe(true);
    expect(window.has('ORD-1000000')).toBe(false);
    window.add('ORD-1000000');
    expect(window.has('ORD-0')).toBe(false); // the oldest went
    expect(window.has('ORD-1')).toBe(true);
  });

  it('refuses a capacity that is not a positive integer', () => {
    expect(() => new FingerprintWindow(0)).toThrow(RangeError);
    expect(() => new FingerprintWindow(1.5)).toThrow(RangeError);
  });
});
