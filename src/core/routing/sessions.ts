// Trading-session schedules: weekly windows, daily breaks and holidays in one IANA time zone.
// Everything is evaluated on local wall time, so a schedule stays right across DST changes.

import { TimeZone } from './time-zone.js';

const MINUTES_PER_DAY = 1440;
const MINUTES_PER_WEEK = 7 * MINUTES_PER_DAY;

/** A span of minutes; `end` may be below `start` when the span wraps (week end or midnight). */
export interface MinuteSpan {
  readonly start: number;
  readonly end: number;
}

export interface SessionSpec {
  readonly name: string;
  readonly timeZone: string;
  /** Open windows as minute-of-week spans, Sunday 00:00 = 0, end exclusive. */
  readonly weekly: readonly MinuteSpan[];
  /** Daily closed spans as minute-of-day, end exclusive. */
  readonly dailyBreaks: readonly MinuteSpan[];
  /** Local dates (YYYY-MM-DD) closed all day. */
  readonly holidays: readonly string[];
}

export type SessionState = 'open' | 'closed_weekly' | 'daily_break' | 'holiday';

function inSpan(value: number, span: MinuteSpan): boolean {
  return span.start <= span.end ? value >= span.start && value < span.end : value >= span.start || value < span.end;
}

export class TradingSession {
  private readonly zone: TimeZone;
  private readonly holidays: ReadonlySet<string>;

  constructor(readonly spec: SessionSpec) {
    this.zone = new TimeZone(spec.timeZone);
    this.holidays = new Set(spec.holidays);
  }

  state(utcUs: number): SessionState {
    const local = this.zone.localTime(Math.floor(utcUs / 1000));
    if (this.holidays.has(local.date)) return 'holiday';
    const minuteOfWeek = local.weekday * MINUTES_PER_DAY + local.minuteOfDay;
    let inWindow = false;
    for (const window of this.spec.weekly) {
      if (inSpan(minuteOfWeek, window)) {
        inWindow = true;
        break;
      }
    }
    if (!inWindow) return 'closed_weekly';
    for (const brk of this.spec.dailyBreaks) {
      if (inSpan(local.minuteOfDay, brk)) return 'daily_break';
    }
    return 'open';
  }

  isOpen(utcUs: number): boolean {
    return this.state(utcUs) === 'open';
  }
}

const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

/** Parses "HH:MM" into minutes of the day, or returns null. */
export function parseClock(text: string): number | null {
  const m = /^([01]\d|2[0-3]):([0-5]\d)$/.exec(text);
  if (m === null) return null;
  return Number(m[1]) * 60 + Number(m[2]);
}

/** Parses "Sun 17:05" into minutes of the week, or returns null. */
export function parseWeekClock(text: string): number | null {
  const m = /^([A-Za-z]{3})\s+(\d\d:\d\d)$/.exec(text.trim());
  if (m === null) return null;
  const day = WEEKDAYS.indexOf((m[1] as string).toLowerCase());
  const minute = parseClock(m[2] as string);
  if (day < 0 || minute === null) return null;
  return day * MINUTES_PER_DAY + minute;
}

export { MINUTES_PER_WEEK };
