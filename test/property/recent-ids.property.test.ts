// RecentIds remembers exactly the last `capacity` distinct ids, in any sequence of adds.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RecentIds } from '../../src/core/util/recent-ids.js';

describe('RecentIds', () => {
  it('holds exactly the most recent `capacity` distinct ids, like an ordered list would', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 8 }), fc.array(fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 'k', 'l'), { maxLength: 60 }), (capacity, adds) => {
        const ids = new RecentIds(capacity);
        const model: string[] = []; // distinct ids in first-insertion order, oldest first
        for (const id of adds) {
          ids.add(id);
          if (!model.includes(id)) {
            model.push(id);
            if (model.length > capacity) model.shift();
          }
          expect(ids.size).toBe(model.length);
        }
        for (const id of 'abcdefghijkl') expect(ids.has(id)).toBe(model.includes(id));
      }),
    );
  });

  it('refuses a capacity that is not a positive integer', () => {
    expect(() => new RecentIds(0)).toThrow(RangeError);
    expect(() => new RecentIds(1.5)).toThrow(RangeError);
  });
});
