import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TradingSession, parseWeekClock } from '../../src/core/routing/sessions.js';
import { TimeZone } from '../../src/core/routing/time-zone.js';
import { productionBundle } from '../support/builders.js';

const us = (iso: string): number => Date.parse(iso) * 1000;

describe('trading sessions', () => {
  const fx = productionBundle().sessions.get('fx') as TradingSession;
  const indices = productionBundle().sessions.get('indices_us') as TradingSession;

  it('opens Sunday 17:05 New York on both sides of the US DST change', () => {
    // 1 Mar 2026: EST (UTC-5), so 17:05 NY = 22:05Z.
    expect(fx.state(us('2026-03-01T22:04:00Z'))).toBe('closed_weekly');
    expect(fx.state(us('2026-03-01T22:06:00Z'))).toBe('open');
    // 8 Mar 2026: EDT (UTC-4) from 02:00 local, so 17:05 NY = 21:05Z.
    expect(fx.state(us('2026-03-08T21:04:00Z'))).toBe('closed_weekly');
    expect(fx.state(us('2026-03-08T21:06:00Z'))).toBe('open');
  });

  it('keeps the rollover break at 16:59-17:02 New York in summer and winter', () => {
    expect(fx.state(us('2026-07-08T20:58:59Z'))).toBe('open');
    expect(fx.state(us('2026-07-08T20:59:00Z'))).toBe('daily_break');
    expect(fx.state(us('2026-07-08T21:01:59Z'))).toBe('daily_break');
    expect(fx.state(us('2026-07-08T21:02:00Z'))).toBe('open');
    expect(fx.state(us('2026-12-09T21:59:30Z'))).toBe('daily_break');
    expect(fx.state(us('2026-12-09T20:59:30Z'))).toBe('open');
  });

  it('closes Friday 16:55 New York and on holidays', () => {
    expect(fx.state(us('2026-07-10T20:54:59Z'))).toBe('open');
    expect(fx.state(us('2026-07-10T20:55:00Z'))).toBe('closed_weekly');
    expect(fx.state(us('2026-12-25T15:00:00Z'))).toBe('holiday');
    expect(indices.state(us('2026-11-26T15:00:00Z'))).toBe('holiday');
    expect(fx.state(us('2026-11-26T15:00:00Z'))).toBe('open');
  });

  it('handles spans that wrap midnight and the week end', () => {
    const s = new TradingSession({
      name: 't',
      timeZone: 'Europe/Athens',
      weekly: [{ start: parseWeekClock('Fri 22:00') as number, end: parseWeekClock('Mon 02:00') as number }],
      dailyBreaks: [{ start: 23 * 60 + 59, end: 2 }],
      holidays: [],
    });
    expect(s.state(us('2026-07-11T09:00:00Z'))).toBe('open'); // Saturday, inside the wrapping window
    expect(s.state(us('2026-07-11T21:00:30Z'))).toBe('daily_break'); // 00:00:30 Athens (UTC+3)
    expect(s.state(us('2026-07-08T09:00:00Z'))).toBe('closed_weekly'); // Wednesday
  });

  it('computes zone offsets exactly at the DST instant', () => {
    const ny = new TimeZone('America/New_York');
    expect(ny.offsetMs(Date.parse('2026-03-08T06:59:59Z'))).toBe(-5 * 3600_000);
    expect(ny.offsetMs(Date.parse('2026-03-08T07:00:00Z'))).toBe(-4 * 3600_000);
    expect(() => new TimeZone('Mars/Olympus')).toThrow(/SB_ERR_TIMEZONE/);
  });
});

describe('local time, reused within a minute', () => {
  it('answers exactly what a fresh zone answers, across DST changes, in any order of queries', () => {
    const zones = ['America/New_York', 'Europe/London', 'Asia/Tokyo', 'Australia/Sydney'];
    // Around the 2026 DST changes of New York, London and Sydney, and a plain day.
    const anchors = [Date.UTC(2026, 2, 8, 6, 59), Date.UTC(2026, 2, 29, 0, 59), Date.UTC(2026, 3, 4, 15, 59), Date.UTC(2026, 10, 1, 5, 59), Date.UTC(2026, 6, 8, 9, 0)];
    fc.assert(
      fc.property(fc.constantFrom(...zones), fc.array(fc.tuple(fc.constantFrom(...anchors), fc.integer({ min: -3_600_000, max: 3_600_000 })), { minLength: 1, maxLength: 40 }), (name, queries) => {
        const reused = new TimeZone(name);
        for (const [anchor, delta] of queries) {
          const at = anchor + delta;
          expect(reused.localTime(at)).toEqual(new TimeZone(name).localTime(at));
        }
      }),
      { numRuns: 300 },
    );
  });
});
