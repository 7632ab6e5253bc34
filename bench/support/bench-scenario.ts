// A large, realistic event stream for benchmarks: 3 LPs quoting 8 instruments every ~250 ms
// and a client order about every fifth event, deterministic (seeded).


import { formatE8 } from '../../src/core/model/scaled.js';
import { formatTimestampUs } from '../../src/core/model/timestamps.js';
import type { OrderRequest, Quote } from '../../src/core/model/types.js';
import { SCENARIO_SCHEMA } from '../../src/replay/scenario-types.js';
import { writeFileSync, appendFileSync } from 'node:fs';

export interface BenchEvent {
  readonly tsUs: number;
  readonly quote: Quote | null;
  readonly order: OrderRequest | null;
}

const SLOTS: readonly [string, string, number, number, number][] = [
  ['LP_ALPHA', 'EUR/USD', 108_500_000, 1_000, 5], ['LP_BRAVO', 'EURUSD', 108_500_000, 1_000, 5], ['LP_CHARLIE', 'EUR/USD', 108_500_000, 1_000, 5],
  ['LP_ALPHA', 'GBP/USD', 127_000_000, 1_000, 5], ['LP_BRAVO', 'GBPUSD', 127_000_000, 1_000, 5], ['LP_CHARLIE', 'GBP/USD', 127_000_000, 1_000, 5],
  ['LP_ALPHA', 'USD/JPY', 15_150_000_000, 100_000, 3], ['LP_BRAVO', 'USDJPY', 15_150_000_000, 100_000, 3], ['LP_CHARLIE', 'USD/JPY', 15_150_000_000, 100_000, 3],
  ['LP_ALPHA', 'XAU/USD', 235_000_000_000, 1_000_000, 2], ['LP_BRAVO', 'XAUUSD', 235_000_000_000, 1_000_000, 2],
  ['LP_BRAVO', 'US30', 3_850_000_000_000, 10_000_000, 1], ['LP_CHARLIE', 'DJ30', 3_850_000_000_000, 10_000_000, 1],
];
const SYMBOLS = ['EURUSD', 'EURUSD.pro', 'EURUSD.ecn', 'GBPUSD', 'GBPUSD.pro', 'USDJPY.pro', 'GOLD', 'XAUUSD.pro', 'WS30'];
const GROUPS = ['real\\retail\\usd', 'real\\pro\\usd', 'demo\\std'];

export function benchEvents(n: number): BenchEvent[] {
  let seed = 12345;
  const rnd = (): number => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed / 0x7fffffff;
  };
  const mids = SLOTS.map((s) => s[2]);
  const out: BenchEvent[] = [];
  let t = Date.parse('2026-07-08T09:00:00Z') * 1000;
  for (let i = 0; i < n; i++) {
    t += 1 + Math.floor(rnd() * 40_000 / SLOTS.length);
    if (i % 5 === 4) {
      out.push({
        tsUs: t,
        quote: null,
        order: {
          clientOrderId: `B-${i}`,
          account: String(100_000 + Math.floor(rnd() * 500)),
          group: GROUPS[Math.floor(rnd() * GROUPS.length)] as string,
          platformSymbol: SYMBOLS[Math.floor(rnd() * SYMBOLS.length)] as string,
          side: rnd() < 0.5 ? 'buy' : 'sell',
          ordType: 'market',
          volumeE8: (1 + Math.floor(rnd() * 200)) * 1_000_000,
          priceE8: 0,
        },
      });
    } else {
      const k = Math.floor(rnd() * SLOTS.length);
      const [lp, lpSymbol, , point] = SLOTS[k] as [string, string, number, number, number];
      mids[k] = (mids[k] as number) + Math.round((rnd() - 0.5) * 4) * point;
      const half = (1 + Math.floor(rnd() * 3)) * point;
      out.push({ tsUs: t, order: null, quote: { lp, lpSymbol, bidE8: (mids[k] as number) - half, askE8: (mids[k] as number) + half, bidSizeE8: 0, askSizeE8: 0, indicative: false, receivedUs: t } });
    }
  }
  return out;
}

/** Writes the same stream as a scenario file. */
export function generateBenchScenario(file: string, n: number): void {
  const events = benchEvents(n);
  const start = new Date(Math.floor((events[0]?.tsUs ?? 0) / 1000)).toISOString();
  writeFileSync(file, `${JSON.stringify({ type: 'header', schema: SCENARIO_SCHEMA, name: 'bench', start, lps: ['LP_ALPHA', 'LP_BRAVO', 'LP_CHARLIE'] })}\n`);
  let chunk = '';
  for (const e of events) {
    const ts = formatTimestampUs(e.tsUs);
    if (e.quote !== null) {
      const digits = (SLOTS.find((s) => s[0] === e.quote?.lp && s[1] === e.quote.lpSymbol)?.[4] ?? 5) as number;
      chunk += `{"ts":"${ts}","type":"quote","lp":"${e.quote.lp}","symbol":"${e.quote.lpSymbol}","bid":"${formatE8(e.quote.bidE8, digits)}","ask":"${formatE8(e.quote.askE8, digits)}"}\n`;
    } else if (e.order !== null) {
      const o = e.order;
      chunk += `{"ts":"${ts}","type":"order","id":"${o.clientOrderId}","account":"${o.account}","group":${JSON.stringify(o.group)},"symbol":"${o.platformSymbol}","side":"${o.side}","ordType":"market","volume":"${formatE8(o.volumeE8, 2)}"}\n`;
    }
    if (chunk.length > 1 << 20) {
      appendFileSync(file, chunk);
      chunk = '';
    }
  }
  appendFileSync(file, chunk);
}

