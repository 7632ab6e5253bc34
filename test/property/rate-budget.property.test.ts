// RateBudget against its contract: over any span, no more messages pass than the burst plus the
// rate times the time that passed, a quiet peer gets its burst back, and a wall clock stepped
// back neither refills nor drains the budget.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RateBudget } from '../../src/core/util/rate-budget.js';

describe('RateBudget', () => {
  it('never lets more through than burst + rate x elapsed, and lets the first burst through at once', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 5_000 }), fc.integer({ min: 1, max: 200 }), fc.array(fc.integer({ min: 0, max: 50 }), { maxLength: 500 }), (perSecond, burst, gapsMs) => {
        const budget = new RateBudget(perSecond, burst, 0);
        let nowMs = 0;
        let passed = 0;
        for (let i = 0; i < burst; i++) expect(budget.take(0)).toBe(true);
        expect(budget.take(0)).toBe(false); // spent
        for (const gap of gapsMs) {
          nowMs += gap;
          if (budget.take(nowMs)) passed++;
          // burst already spent at t=0, so what passes later is only what was refilled
          expect(passed).toBeLessThanOrEqual(Math.floor((nowMs * perSecond) / 1000));
        }
      }),
    );
  });

  it('refills to the burst, no further, after a quiet spell', () => {
    const budget = new RateBudget(10, 20, 1_000);
    for (let i = 0; i < 20; i++) expect(budget.take(1_000)).toBe(true);
    expect(budget.take(1_000)).toBe(false);
    let passed = 0;
    for (let i = 0; i < 100; i++) if (budget.take(61_000)) passed++; // a minute later
    expect(passed).toBe(20);
  });

  it('neither refills nor drains when the clock steps back', () => {
    const budget = new RateBudget(100, 5, 10_000);
    for (let i = 0; i < 3; i++) expect(budget.take(10_000)).toBe(true);
    // The clock steps back 5 s: the 2 tokens left are still there, and no more.
    expect(budget.take(5_000)).toBe(true);
    expect(budget.take(5_000)).toBe(true);
    expect(budget.take(5_000)).toBe(false);
    // Refill counts from the earlier reading: 10 ms at 100/s is one token.
    expect(budget.take(5_010)).toBe(true);
    expect(budget.take(5_010)).toBe(false);
  });

  it('lets an overdraft go below empty and makes it be paid back at the rate before anything else passes', () => {
    const budget = new RateBudget(10, 5, 0);
    for (let i = 0; i < 5; i++) expect(budget.take(0)).toBe(true);
    for (let i = 0; i < 20; i++) expect(budget.take(0, 20)).toBe(true); // the overdraft
    expect(budget.take(0, 20)).toBe(false);
    expect(budget.take(1_000)).toBe(false); // 10 back after a second: still 10 in debt
    expect(budget.take(2_000)).toBe(false); // paid back, no token yet (0 < 1)
    expect(budget.take(2_100)).toBe(true);
  });

  it('refuses a budget that could never pass a message', () => {
    expect(() => new RateBudget(0, 10, 0)).toThrow(RangeError);
    expect(() => new RateBudget(10, 0, 0)).toThrow(RangeError);
    expect(() => new RateBudget(Number.NaN, 10, 0)).toThrow(RangeError);
  });
});
