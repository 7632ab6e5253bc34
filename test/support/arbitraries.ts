// fast-check generators: event streams over the bundled instruments and LPs, and candidate
// bundles derived from production by the kinds of edits brokers make.

import fc from 'fast-check';
import type { OrderRequest } from '../../src/core/model/types.js';
import type { LiquidityProvider, MarkupProfile, RouteRule, RoutingBundle } from '../../src/core/routing/bundle.js';
import type { HarnessEvent } from './engine-harness.js';

const LPS = ['LP_ALPHA', 'LP_BRAVO', 'LP_CHARLIE'] as const;
/** [LP symbol, mid E8, point E8] per LP and instrument, from mappings/production/lps.yaml. */
const LP_SYMBOLS: readonly [string, string, number, number][] = [
  ['LP_ALPHA', 'EUR/USD', 108_500_000, 1_000], ['LP_BRAVO', 'EURUSD', 108_500_000, 1_000], ['LP_CHARLIE', 'EUR/USD', 108_500_000, 1_000],
  ['LP_ALPHA', 'GBP/USD', 127_000_000, 1_000], ['LP_BRAVO', 'GBPUSD', 127_000_000, 1_000], ['LP_CHARLIE', 'GBP/USD', 127_000_000, 1_000],
  ['LP_ALPHA', 'USD/JPY', 15_150_000_000, 100_000], ['LP_BRAVO', 'USDJPY', 15_150_000_000, 100_000], ['LP_CHARLIE', 'USD/JPY', 15_150_000_000, 100_000],
  ['LP_ALPHA', 'XAU/USD', 235_000_000_000, 1_000_000], ['LP_BRAVO', 'XAUUSD', 235_000_000_000, 1_000_000],
  ['LP_BRAVO', 'US30', 3_850_000_000_000, 10_000_000], ['LP_CHARLIE', 'DJ30', 3_850_000_000_000, 10_000_000],
];
const PLATFORM_SYMBOLS = ['EURUSD', 'EURUSD.pro', 'EURUSD.ecn', 'EURUSD.raw', 'EURUSDm', 'GBPUSD', 'GBPUSD.pro', 'USDJPY.pro', 'GOLD', 'GOLD.pro', 'XAUUSD.ecn', 'WS30', 'US30', 'BTCUSD'];
const GROUPS = ['real\\retail\\usd', 'real\\retail\\eur', 'real\\pro\\usd', 'demo\\std'];
// Mostly valid volumes; a few break the lot step, the minimum, the maximum or an LP's size limit.
const VOLUMES = [1_000_000, 10_000_000, 50_000_000, 100_000_000, 100_000_000, 150_000_000, 200_000_000, 1_000_000_000, 1_500_000_000, 2_500_000_000, 1_500_000, 6_000_000_000, 500_000];

const quoteEvent: fc.Arbitrary<HarnessEvent> = fc
  // Coarse prices on purpose: equal prices across LPs are common, so tie-breaking is exercised.
  .record({
    slot: fc.integer({ min: 0, max: LP_SYMBOLS.length - 1 }),
    move: fc.integer({ min: -3, max: 3 }).map((n) => n * 5),
    half: fc.integer({ min: 1, max: 3 }).map((n) => n * 5),
    indicative: fc.integer({ min: 0, max: 9 }).map((n) => n === 0),
  })
  .map(({ slot, move, half, indicative }): HarnessEvent => {
    const [lp, lpSymbol, mid, point] = LP_SYMBOLS[slot] as [string, string, number, number];
    const m = mid + move * point;
    return { kind: 'quote', quote: { lp, lpSymbol, bidE8: m - half * point, askE8: m + half * point, bidSizeE8: 0, askSizeE8: 0, indicative } };
  });

const orderEvent: fc.Arbitrary<HarnessEvent> = fc
  .record({
    id: fc.integer({ min: 1, max: 1_000_000 }),
    symbol: fc.constantFrom(...PLATFORM_SYMBOLS),
    group: fc.constantFrom(...GROUPS),
    side: fc.constantFrom('buy' as const, 'sell' as const),
    volumeE8: fc.constantFrom(...VOLUMES),
    account: fc.constantFrom('1001', '1002', '1003'),
  })
  .map(({ id, symbol, group, side, volumeE8, account }): HarnessEvent => {
    const order: OrderRequest = { clientOrderId: `O-${id}`, account, group, platformSymbol: symbol, side, ordType: 'market', volumeE8, priceE8: 0 };
    return { kind: 'order', order };
  });

/** A fresh quote from every LP for every instrument it streams, so most orders can route. */
const openingQuotes: fc.Arbitrary<HarnessEvent[]> = fc
  .array(fc.tuple(fc.integer({ min: -3, max: 3 }), fc.integer({ min: 1, max: 3 })), { minLength: LP_SYMBOLS.length, maxLength: LP_SYMBOLS.length })
  .map((moves) =>
    moves.map(([move, half], i): HarnessEvent => {
      const [lp, lpSymbol, mid, point] = LP_SYMBOLS[i] as [string, string, number, number];
      const m = mid + move * 5 * point;
      return { kind: 'quote', quote: { lp, lpSymbol, bidE8: m - half * 5 * point, askE8: m + half * 5 * point, bidSizeE8: 0, askSizeE8: 0, indicative: false } };
    }),
  );

const advance: fc.Arbitrary<HarnessEvent> = fc
  .oneof({ weight: 9, arbitrary: fc.integer({ min: 0, max: 600_000 }) }, { weight: 1, arbitrary: fc.integer({ min: 600_000, max: 3_000_000 }) })
  .map((us): HarnessEvent => ({ kind: 'advance', us }));

export const eventStream: fc.Arbitrary<HarnessEvent[]> = fc
  .tuple(
    openingQuotes,
    fc.array(
      fc.oneof(
        { weight: 6, arbitrary: quoteEvent },
        { weight: 5, arbitrary: orderEvent },
        { weight: 3, arbitrary: advance },
        { weight: 1, arbitrary: fc.record({ lp: fc.constantFrom(...LPS), up: fc.boolean() }).map(({ lp, up }): HarnessEvent => ({ kind: 'status', lp, status: up ? 'up' : 'down' })) },
        { weight: 1, arbitrary: fc.constant<HarnessEvent>({ kind: 'drain' }) },
      ),
      { minLength: 1, maxLength: 120 },
    ),
  )
  .map(([opening, rest]) => [...opening, ...rest]);

/** A candidate bundle: production with pools reordered, stale limits, markups and suffixes changed. */
export function candidateBundleArb(production: RoutingBundle): fc.Arbitrary<RoutingBundle> {
  return fc
    .record({
      poolSeeds: fc.array(fc.integer(), { minLength: production.rules.length, maxLength: production.rules.length }),
      flipMode: fc.array(fc.boolean(), { minLength: production.rules.length, maxLength: production.rules.length }),
      staleMs: fc.array(fc.integer({ min: 50, max: 5_000 }), { minLength: 3, maxLength: 3 }),
      markupShift: fc.integer({ min: -20, max: 20 }),
      dropSuffix: fc.boolean(),
      disable: fc.option(fc.constantFrom(...LPS), { nil: undefined }),
    })
    .map(({ poolSeeds, flipMode, staleMs, markupShift, dropSuffix, disable }) => {
      const rules: RouteRule[] = production.rules.map((r, i) => {
        const pool = [...r.pool].sort((a, b) => ((a.charCodeAt(3) * (poolSeeds[i] ?? 1)) % 7) - ((b.charCodeAt(3) * (poolSeeds[i] ?? 1)) % 7));
        return { ...r, pool, mode: flipMode[i] ? (r.mode === 'priority' ? 'best_price' : 'priority') : r.mode };
      });
      const lps = new Map<string, LiquidityProvider>();
      [...production.lps.values()].forEach((lp, i) => lps.set(lp.id, { ...lp, staleUs: (staleMs[i] ?? 1000) * 1000, enabled: lp.id !== disable }));
      const markups = new Map<string, MarkupProfile>();
      for (const [id, p] of production.markups) {
        const bySymbol = new Map([...p.bySymbol].map(([s, m]) => {
          const point = production.instruments.get(s)?.pointE8 ?? 1;
          return [s, { bidE8: m.bidE8 + markupShift * point, askE8: m.askE8 + markupShift * point }];
        }));
        markups.set(id, { id, bySymbol });
      }
      const suffixes = dropSuffix ? production.symbolMap.suffixes.filter((s) => s !== '.ecn').concat('.raw') : production.symbolMap.suffixes;
      return { ...production, name: 'random-candidate', hash: 'sha256:random', rules, lps, markups, symbolMap: { ...production.symbolMap, suffixes } };
    });
}
