// Helpers for writing scenario files: a seeded random source, per-LP quote streams around a
// shared mid price, and order events. Used by generate-scenarios.ts and the benchmark generator.

import { writeFileSync } from 'node:fs';
import { formatE8, pow10 } from '../src/core/model/scaled.js';
import { formatTimestampUs } from '../src/core/model/timestamps.js';
import { SCENARIO_SCHEMA } from '../src/replay/scenario-types.js';

/** The project's seeded PRNG (mulberry32): a generator run is repeatable. */
import { SeededRandom as Rng } from '../src/app/random.js';

export { Rng };

export interface InstrumentInfo {
  readonly digits: number;
  /** Starting mid in points (10^-digits). */
  readonly midPoints: number;
  /** LP symbols. */
  readonly lpSymbols: Readonly<Record<string, string>>;
}

export const INSTRUMENTS: Readonly<Record<string, InstrumentInfo>> = {
  EURUSD: { digits: 5, midPoints: 108_500, lpSymbols: { LP_ALPHA: 'EUR/USD', LP_BRAVO: 'EURUSD', LP_CHARLIE: 'EUR/USD', LP_DELTA: 'EURUSD' } },
  GBPUSD: { digits: 5, midPoints: 127_000, lpSymbols: { LP_ALPHA: 'GBP/USD', LP_BRAVO: 'GBPUSD', LP_CHARLIE: 'GBP/USD', LP_DELTA: 'GBPUSD' } },
  AUDUSD: { digits: 5, midPoints: 66_000, lpSymbols: { LP_ALPHA: 'AUD/USD', LP_BRAVO: 'AUDUSD', LP_CHARLIE: 'AUD/USD' } },
  USDCAD: { digits: 5, midPoints: 136_000, lpSymbols: { LP_ALPHA: 'USD/CAD', LP_BRAVO: 'USDCAD', LP_CHARLIE: 'USD/CAD' } },
  USDCHF: { digits: 5, midPoints: 88_000, lpSymbols: { LP_ALPHA: 'USD/CHF', LP_BRAVO: 'USDCHF' } },
  USDJPY: { digits: 3, midPoints: 151_500, lpSymbols: { LP_ALPHA: 'USD/JPY', LP_BRAVO: 'USDJPY', LP_CHARLIE: 'USD/JPY', LP_DELTA: 'USDJPY' } },
  XAUUSD: { digits: 2, midPoints: 235_000, lpSymbols: { LP_ALPHA: 'XAU/USD', LP_BRAVO: 'XAUUSD' } },
  US30: { digits: 1, midPoints: 385_000, lpSymbols: { LP_BRAVO: 'US30', LP_CHARLIE: 'DJ30' } },
};

/** How an LP prices: half-spread in points around the mid, and extra digits it quotes with. */
export interface LpPricing {
  readonly halfSpreadPoints: number;
  readonly extraDigits: number;
  /** Constant skew of the LP's mid in points (LPs do not all agree on the price). */
  readonly skewPoints: number;
}

type Event = { readonly tsUs: number; readonly order: number; readonly line: Record<string, unknown> };

const MID_BUCKET_US = 50_000;
/** Past this many buckets without a request, the mid path jumps instead of walking (weekends). */
const MAX_WALK_BUCKETS = 1200;

/** One random walk per symbol on a 50 ms grid, so every LP prices off the same mid at a given time. */
class MidPath {
  private readonly byBucket = new Map<number, number>();
  private lastBucket = Number.NEGATIVE_INFINITY;
  private lastMid: number;

  constructor(
    private readonly symbol: string,
    startMid: number,
    private readonly rng: Rng,
    private readonly stepPoints: (symbol: string, tsUs: number) => number,
  ) {
    this.lastMid = startMid;
  }

  at(tsUs: number): number {
    const bucket = Math.floor(tsUs / MID_BUCKET_US);
    if (bucket <= this.lastBucket) return this.byBucket.get(bucket) ?? this.lastMid;
    if (bucket - this.lastBucket > MAX_WALK_BUCKETS) this.lastBucket = bucket - 1;
    for (let k = this.lastBucket + 1; k <= bucket; k++) {
      const step = this.stepPoints(this.symbol, k * MID_BUCKET_US);
      this.lastMid += step === 0 ? 0 : this.rng.int(-step, step);
      this.byBucket.set(k, this.lastMid);
    }
    this.lastBucket = bucket;
    return this.lastMid;
  }
}

export class ScenarioBuilder {
  private readonly events: Event[] = [];
  private counter = 0;
  private readonly paths = new Map<string, MidPath>();
  /** Largest mid move per 50 ms in points; scenarios raise it for news. */
  stepPoints: (symbol: string, tsUs: number) => number = () => 1;

  constructor(readonly rng: Rng) {}

  midAt(symbol: string, tsUs: number): number {
    let path = this.paths.get(symbol);
    if (path === undefined) {
      path = new MidPath(symbol, (INSTRUMENTS[symbol] as InstrumentInfo).midPoints, new Rng(symbol.length * 7919 + symbol.charCodeAt(0)), (s, t) => this.stepPoints(s, t));
      this.paths.set(symbol, path);
    }
    return path.at(tsUs);
  }

  add(tsUs: number, line: Record<string, unknown>): void {
    this.events.push({ tsUs, order: this.counter++, line });
  }

  quote(tsUs: number, lp: string, symbol: string, pricing: LpPricing, opts: { indicative?: boolean; halfSpreadPoints?: number } = {}): void {
    const info = INSTRUMENTS[symbol] as InstrumentInfo;
    const lpSymbol = info.lpSymbols[lp];
    if (lpSymbol === undefined) return;
    const mid = this.midAt(symbol, tsUs) + pricing.skewPoints;
    const half = opts.halfSpreadPoints ?? pricing.halfSpreadPoints;
    const quoteDigits = info.digits + pricing.extraDigits;
    const scale = pow10(pricing.extraDigits);
    // Work in units of the LP's quoting precision; half may be fractional points.
    const bidUnits = Math.floor((mid - half) * scale);
    const askUnits = Math.ceil((mid + half) * scale);
    const unitE8 = pow10(8 - quoteDigits);
    const line: Record<string, unknown> = {
      type: 'quote',
      lp,
      symbol: lpSymbol,
      bid: formatE8(bidUnits * unitE8, quoteDigits),
      ask: formatE8(askUnits * unitE8, quoteDigits),
    };
    if (opts.indicative) line['indicative'] = true;
    this.add(tsUs, line);
  }

  write(file: string, header: Record<string, unknown>): number {
    const sorted = this.events.slice().sort((a, b) => a.tsUs - b.tsUs || a.order - b.order);
    const lines = [JSON.stringify({ type: 'header', schema: SCENARIO_SCHEMA, ...header })];
    for (const e of sorted) {
      const { type, ...rest } = e.line;
      lines.push(JSON.stringify(type === 'expect' ? { type, ...rest } : { ts: formatTimestampUs(e.tsUs), type, ...rest }));
    }
    writeFileSync(file, `${lines.join('\n')}\n`);
    return sorted.length;
  }
}

export function isoUs(iso: string): number {
  return Date.parse(iso) * 1000;
}
