import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseE8 } from '../../src/core/model/scaled.js';
import { BundleRouter } from '../../src/core/routing/bundle-router.js';
import { candidateBundle, context, OPEN_US, order, productionBundle, quote } from '../support/builders.js';

const production = new BundleRouter('production', productionBundle());
const candidate = new BundleRouter('candidate', candidateBundle());

describe('bundle router', () => {
  it('picks the best price for the side and explains the losers', () => {
    const d = production.decide(context({ order: order({ side: 'buy' }) }));
    expect(d.action).toBe('route');
    expect(d.ruleId).toBe('pro-fx');
    expect(d.lp).toBe('LP_ALPHA'); // ask 1.085020 ties CHARLIE's 1.08502: the LP listed first wins
    expect(d.skipped).toEqual([
      { lp: 'LP_BRAVO', reason: 'worse_price' },
      { lp: 'LP_CHARLIE', reason: 'worse_price' },
    ]);
    expect(d.failover).toBe(false);
    const sell = production.decide(context({ order: order({ side: 'sell' }) }));
    expect(sell.lp).toBe('LP_ALPHA'); // bids: ALPHA 1.085000 = CHARLIE 1.08500 > BRAVO 1.08499
  });

  it('adds the markup on the order side and rounds away from the client to instrument digits', () => {
    // pro EURUSD markup is 2 points; ALPHA quotes 6 digits.
    const ctx = context({ order: order({ side: 'buy' }), quotes: [quote('LP_ALPHA', 'EUR/USD', '1.085001', '1.085013')] });
    const d = production.decide(ctx);
    expect(d.lpPriceE8).toBe(parseE8('1.085013'));
    expect(d.markupE8).toBe(parseE8('0.00002'));
    expect(d.clientPriceE8).toBe(parseE8('1.08504')); // 1.085033 rounded up
    const sell = production.decide(context({ order: order({ side: 'sell' }), quotes: [quote('LP_ALPHA', 'EUR/USD', '1.085001', '1.085013')] }));
    expect(sell.clientPriceE8).toBe(parseE8('1.08498')); // 1.084981 rounded down
  });

  it('fails over in priority order past down and stale LPs, and says so', () => {
    const retail = order({ group: 'real\\retail\\usd', platformSymbol: 'GBPUSD' });
    const quotes = [
      quote('LP_CHARLIE', 'GBP/USD', '1.27000', '1.27002', { receivedUs: OPEN_US - 2_000_000 }),
      quote('LP_BRAVO', 'GBPUSD', '1.26999', '1.27003'),
      quote('LP_ALPHA', 'GBP/USD', '1.270000', '1.270020'),
    ];
    const d = production.decide(context({ order: retail, quotes, status: { LP_BRAVO: 'down' } }));
    expect(d.lp).toBe('LP_ALPHA');
    expect(d.failover).toBe(true);
    expect(d.skipped).toEqual([
      { lp: 'LP_CHARLIE', reason: 'stale' },
      { lp: 'LP_BRAVO', reason: 'down' },
    ]);
  });

  it('applies each bundle its own stale limit', () => {
    const retail = order({ group: 'real\\retail\\usd', platformSymbol: 'GBPUSD' });
    const quotes = [quote('LP_CHARLIE', 'GBP/USD', '1.27000', '1.27002', { receivedUs: OPEN_US - 800_000 }), quote('LP_BRAVO', 'GBPUSD', '1.26999', '1.27003')];
    expect(production.decide(context({ order: retail, quotes })).lp).toBe('LP_CHARLIE');
    expect(candidate.decide(context({ order: retail, quotes })).lp).toBe('LP_BRAVO');
  });

  it('never trades on indicative quotes and rejects when no LP is left', () => {
    const quotes = [quote('LP_ALPHA', 'EUR/USD', '1.085000', '1.085020', { indicative: true })];
    const d = production.decide(context({ quotes }));
    expect(d.action).toBe('reject');
    expect(d.rejectReason).toBe('no_liquidity');
  });

  it('checks the contract spec before anything else', () => {
    const reason = (o: Parameters<typeof order>[0]) => production.decide(context({ order: order(o) })).rejectReason;
    expect(reason({ volume: '0.005' })).toBe('invalid_volume');
    expect(reason({ volume: '0.015' })).toBe('invalid_volume');
    expect(reason({ volume: '51' })).toBe('exceeds_limit');
    expect(reason({ ordType: 'limit', price: '1.085005' })).toBe('invalid_price');
    expect(reason({ ordType: 'limit', price: '1.08500' })).toBe(null);
    expect(reason({ platformSymbol: 'BTCUSD' })).toBe('unknown_symbol');
  });

  it('rejects when the instrument session is closed', () => {
    const at = Date.parse('2026-07-08T21:00:00Z') * 1000; // rollover break
    const d = production.decide(context({ order: order({ receivedUs: at }), nowUs: at }));
    expect(d.rejectReason).toBe('market_closed');
  });

  it('maps suffixes and aliases, per bundle', () => {
    const map = (router: BundleRouter, s: string) => router.decide(context({ order: order({ platformSymbol: s }) })).instrument;
    expect(map(production, 'EURUSD.ecn')).toBe('EURUSD');
    expect(map(candidate, 'EURUSD.ecn')).toBe(null);
    expect(map(candidate, 'EURUSD.raw')).toBe('EURUSD');
    expect(map(production, 'EURUSDm')).toBe('EURUSD');
    expect(map(production, 'GOLD.pro')).toBe('XAUUSD');
  });

  it('routes large tickets by volume band and skips LPs above their size limit', () => {
    const big = order({ volume: '15', group: 'real\\retail\\usd', platformSymbol: 'GBPUSD' });
    const quotes = [quote('LP_ALPHA', 'GBP/USD', '1.270000', '1.270020'), quote('LP_BRAVO', 'GBPUSD', '1.26999', '1.27003')];
    const d = production.decide(context({ order: big, quotes, status: { LP_ALPHA: 'down' } }));
    expect(d.ruleId).toBe('large-fx');
    expect(d.lp).toBe('LP_BRAVO');
    const huge = order({ volume: '25', platformSymbol: 'GBPUSD.pro' });
    const h = production.decide(context({ order: huge, quotes, status: { LP_ALPHA: 'down' } }));
    expect(h.rejectReason).toBe('no_liquidity');
    expect(h.skipped).toContainEqual({ lp: 'LP_BRAVO', reason: 'volume_band' });
  });

  it('is a pure function of the context: same context, same decision', () => {
    const ctx = context();
    expect(production.decide(ctx)).toEqual(production.decide(ctx));
  });
});

describe('bundle router price guards', () => {
  it('rejects rather than quote a client a price of zero or less', () => {
    const sell = order({ side: 'sell', group: 'real\\retail\\usd', platformSymbol: 'WS30', volume: '1.0' });
    const quotes = [quote('LP_BRAVO', 'US30', '1.0', '3.0')]; // retail US30 markup is 20 points = 2.0
    const d = production.decide(context({ order: sell, quotes }));
    expect(d.action).toBe('reject');
    expect(d.rejectReason).toBe('no_liquidity');
  });

  it('publishes the best bid and ask with the markup, and never a locked or crossed price', () => {
    const view = (quotes: ReturnType<typeof quote>[]) => { const c = context({ quotes }); return { quotes: c.quotes, lpStatus: c.lpStatus, nowUs: c.nowUs }; };
    // Composite from two LPs; pro EURUSD markup is 2 points a side.
    const composite = production.clientQuote(view([quote('LP_ALPHA', 'EUR/USD', '1.085000', '1.085030'), quote('LP_BRAVO', 'EURUSD', '1.08501', '1.08504')]), 'real\\pro\\usd', '', 'EURUSD');
    expect(composite).toEqual({ bidE8: parseE8('1.08499'), askE8: parseE8('1.08505'), digits: 5 });
    // BRAVO's bid is above ALPHA's ask: the composite is crossed, so ALPHA (first in the pool)
    // is published on its own.
    const crossed = production.clientQuote(view([quote('LP_ALPHA', 'EUR/USD', '1.085000', '1.085020'), quote('LP_BRAVO', 'EURUSD', '1.08505', '1.08507')]), 'real\\pro\\usd', '', 'EURUSD');
    expect(crossed).toEqual({ bidE8: parseE8('1.08498'), askE8: parseE8('1.08504'), digits: 5 });
    // Whatever the LPs quote, a published price has ask above bid.
    const px = fc.integer({ min: 108_000, max: 108_100 }).map((n) => (n / 100_000).toFixed(5));
    fc.assert(fc.property(fc.array(fc.tuple(fc.constantFrom('LP_ALPHA', 'LP_BRAVO', 'LP_CHARLIE'), px, px), { maxLength: 3 }), (qs) => {
      const symbol = { LP_ALPHA: 'EUR/USD', LP_BRAVO: 'EURUSD', LP_CHARLIE: 'EUR/USD' } as const;
      const q = production.clientQuote(view(qs.map(([lp, b, a]) => quote(lp, symbol[lp], b, a))), 'real\\pro\\usd', '', 'EURUSD');
      if (q !== null) expect(q.askE8).toBeGreaterThan(q.bidE8);
    }), { numRuns: 1_000 });
  });
});

