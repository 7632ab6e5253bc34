// UTC -> local wall time in an IANA zone, using the ECMAScript Intl tz database.
// Offsets are cached per 15-minute UTC bucket: every real zone changes offset on such a boundary.

import { BridgeError } from '../errors.js';

const BUCKET_MS = 15 * 60 * 1000;
const MAX_CACHED_BUCKETS = 8192;

export interface LocalTime {
  /** 0 = Sunday ... 6 = Saturday, in the zone. */
  readonly weekday: number;
  /** Minutes since local midnight. */
  readonly minuteOfDay: number;
  /** Local calendar date as YYYY-MM-DD. */
  readonly date: string;
}

export class TimeZone {
  private readonly format: Intl.DateTimeFormat;
  private readonly offsetByBucket = new Map<number, number>();
  /** The last minute asked for and its local time: every decision asks, mostly in the same minute. */
  private cachedMinute = Number.NaN;
  private cachedLocal: LocalTime | null = null;

  constructor(readonly name: string) {
    try {
      this.format = new Intl.DateTimeFormat('en-US', {
        timeZone: name,
        hourCycle: 'h23',
        year: 'numeric',
        month: '2-digit',
        day: '2-digit',
        hour: '2-digit',
        minute: '2-digit',
        second: '2-digit',
      });
    } catch (cause) {
      throw new BridgeError('SB_ERR_TIMEZONE', `"${name}"`, { cause });
    }
  }

  /** Offset of local time from UTC in ms at the instant `utcMs`. */
  offsetMs(utcMs: number): number {
    const bucket = Math.floor(utcMs / BUCKET_MS);
    let offset = this.offsetByBucket.get(bucket);
    if (offset === undefined) {
      offset = this.computeOffset(bucket * BUCKET_MS);
      if (this.offsetByBucket.size >= MAX_CACHED_BUCKETS) this.offsetByBucket.clear();
      this.offsetByBucket.set(bucket, offset);
    }
    return offset;
  }

  /**
   * Local weekday, minute and date at `utcMs`. The same for a whole UTC minute (offsets change on
   * 15-minute boundaries), so the last minute's answer is reused: no Date, no string per call.
   */
  localTime(utcMs: number): LocalTime {
    const minute = Math.floor(utcMs / 60_000);
    if (minute === this.cachedMinute && this.cachedLocal !== null) return this.cachedLocal;
    const local = new Date(utcMs + this.offsetMs(utcMs));
    const y = local.getUTCFullYear();
    const m = local.getUTCMonth() + 1;
    const d = local.getUTCDate();
    const result: LocalTime = {
      weekday: local.getUTCDay(),
      minuteOfDay: local.getUTCHours() * 60 + local.getUTCMinutes(),
      date: `${y}-${m < 10 ? '0' : ''}${m}-${d < 10 ? '0' : ''}${d}`,
    };
    this.cachedMinute = minute;
    this.cachedLocal = result;
    return result;
  }

  private computeOffset(utcMs: number): number {
    let y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0;
    for (const part of this.format.formatToParts(utcMs)) {
      switch (part.type) {
        case 'year': y = Number(part.value); break;
        case 'month': mo = Number(part.value); break;
        case 'day': d = Number(part.value); break;
        case 'hour': h = Number(part.value); break;
        case 'minute': mi = Number(part.value); break;
        case 'second': s = Number(part.value); break;
        default: break;
      }
    }
    const wall = Date.UTC(y, mo - 1, d, h, mi, s);
    return wall - (utcMs - (utcMs % 1000));
  }
}
