// Who is in the canary: segments first (group globs, account lists, symbol sets, time windows in
// an IANA zone, calendar blackouts), then a sticky, salted bucket of the account in basis points.
// bucket = murmur3_x86_32("salt:account") mod 10000; an account is in at p bp iff bucket < p, so
// raising the percentage only ever adds accounts (the Unleash/flagd convention, finer steps).

import { TimeZone } from '../routing/time-zone.js';
import { murmur3String } from './murmur3.js';

export const BUCKETS = 10_000;

/** The account's bucket in [0, 10000): the same for a salt and account on every run and host. */
export function bucketOf(salt: string, account: string): number {
  return murmur3String(`${salt}:${account}`) % BUCKETS;
}

/** A local-time window: these weekdays (0 = Sunday), from..to minutes of the local day. */
export interface TimeWindow {
  readonly zone: string;
  readonly days: readonly number[];
  readonly fromMinute: number;
  /** Exclusive; below fromMinute means the window runs past midnight. */
  readonly toMinute: number;
}

/** A period when the candidate never executes (a news release, a rollover), in epoch µs. */
export interface Blackout {
  readonly name: string;
  readonly fromUs: number;
  readonly toUs: number;
}

export interface SegmentSpec {
  /** Group globs ("real\pro\*"); empty = every group. */
  readonly groups: readonly string[];
  /** Only these accounts are eligible; empty = every account. */
  readonly includeAccounts: readonly string[];
  /** Never these accounts. */
  readonly excludeAccounts: readonly string[];
  /** Canonical instruments; empty = every instrument. */
  readonly symbols: readonly string[];
  /** The candidate executes only inside one of these; empty = any time. */
  readonly windows: readonly TimeWindow[];
  readonly blackouts: readonly Blackout[];
}

export const EVERYONE: SegmentSpec = { groups: [], includeAccounts: [], excludeAccounts: [], symbols: [], windows: [], blackouts: [] };

/** What a segment looks at in an order. */
export interface CohortSubject {
  readonly account: string;
  readonly group: string;
  /** The canonical instrument, or null when the symbol maps to none. */
  readonly instrument: string | null;
}

function globMatcher(globs: readonly string[]): ((text: string) => boolean) | null {
  if (globs.length === 0) return null;
  const escaped = globs.map((g) => g.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*'));
  const re = new RegExp(`^(?:${escaped.join('|')})$`);
  return (text) => re.test(text);
}

/** A segment compiled for the order path: each criterion a set lookup or one regex. */
export class Segment {
  private readonly groups: ((group: string) => boolean) | null;
  private readonly include: ReadonlySet<string> | null;
  private readonly exclude: ReadonlySet<string>;
  private readonly symbols: ReadonlySet<string> | null;
  private readonly windows: readonly { zone: TimeZone; days: ReadonlySet<number>; from: number; to: number }[];

  constructor(readonly spec: SegmentSpec) {
    this.groups = globMatcher(spec.groups);
    this.include = spec.includeAccounts.length === 0 ? null : new Set(spec.includeAccounts);
    this.exclude = new Set(spec.excludeAccounts);
    this.symbols = spec.symbols.length === 0 ? null : new Set(spec.symbols);
    this.windows = spec.windows.map((w) => ({ zone: new TimeZone(w.zone), days: new Set(w.days), from: w.fromMinute, to: w.toMinute }));
  }

  /** Whether the order may go to the candidate at `nowUs`, before the percentage is applied. */
  admits(s: CohortSubject, nowUs: number): boolean {
    if (this.exclude.has(s.account)) return false;
    if (this.include !== null && !this.include.has(s.account)) return false;
    if (this.groups !== null && !this.groups(s.group)) return false;
    if (this.symbols !== null && (s.instrument === null || !this.symbols.has(s.instrument))) return false;
    for (const b of this.spec.blackouts) if (nowUs >= b.fromUs && nowUs < b.toUs) return false;
    if (this.windows.length === 0) return true;
    const ms = Math.floor(nowUs / 1000);
    for (const w of this.windows) {
      const t = w.zone.localTime(ms);
      const inside = w.from <= w.to ? t.minuteOfDay >= w.from && t.minuteOfDay < w.to : t.minuteOfDay >= w.from || t.minuteOfDay < w.to;
      // A window past midnight belongs to the day it started on.
      const day = w.from > w.to && t.minuteOfDay < w.to ? (t.weekday + 6) % 7 : t.weekday;
      if (inside && w.days.has(day)) return true;
    }
    return false;
  }
}
