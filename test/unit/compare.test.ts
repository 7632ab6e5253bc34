import { describe, expect, it } from 'vitest';
import type { Decision } from '../../src/core/model/types.js';
import { compareDecisions } from '../../src/core/shadow/compare.js';
import { DEFAULT_COMPARE_POLICY } from '../../src/core/shadow/divergence.js';

const up = new Map([['LP_A', 'up' as const], ['LP_B', 'up' as const], ['LP_OFF', 'down' as const]]);
const known = new Set(['LP_A', 'LP_B', 'LP_OFF']);

function route(fields: Partial<Decision> = {}): Decision {
  return {
    router: 'r', configHash: 'h', action: 'route', rejectReason: null, detail: null, ruleId: 'rule', instrument: 'EURUSD', digits: 5,
    lp: 'LP_A', lpSymbol: 'EUR/USD', selectionMode: 'priority', volumeE8: 100_000_000, lpPriceE8: 108_500_000, markupE8: 2_000,
    clientPriceE8: 108_502_000, markupProfile: 'pro', pool: ['LP_A', 'LP_B'], skipped: [], failover: false, ...fields,
  };
}
function reject(reason: Decision['rejectReason']): Decision {
  return route({ action: 'reject', rejectReason: reason, lp: null, lpSymbol: null, volumeE8: 0, lpPriceE8: 0, markupE8: 0, clientPriceE8: 0 });
}
const diff = (p: Decision, c: Decision) => compareDecisions(p, c, up, known, DEFAULT_COMPARE_POLICY).map((d) => `${d.class}/${d.severity}`);

describe('divergence taxonomy', () => {
  it('finds nothing between equal decisions', () => {
    expect(diff(route(), route())).toEqual([]);
    expect(diff(reject('market_closed'), reject('market_closed'))).toEqual([]);
  });

  it('makes accepting a risk reject critical, and other action flips major', () => {
    expect(diff(reject('exceeds_limit'), route())).toEqual(['action/critical']);
    expect(diff(reject('market_closed'), route())).toEqual(['action/critical']);
    expect(diff(reject('unknown_symbol'), route())).toEqual(['action/major']);
    expect(diff(route(), reject('no_liquidity'))).toEqual(['action/major']);
  });

  it('makes routing to a down or unknown LP, or to another instrument, critical', () => {
    expect(diff(route(), route({ lp: 'LP_OFF' }))).toContain('lp/critical');
    expect(diff(route(), route({ lp: 'LP_NEW' }))).toContain('lp/critical');
    expect(diff(route(), route({ instrument: 'EURGBP' }))).toEqual(['instrument/critical']);
  });

  it('classifies LP, failover, symbol, quantity and price differences', () => {
    expect(diff(route(), route({ lp: 'LP_B', lpPriceE8: 108_501_000 }))).toEqual(['lp/major', 'price/major']);
    expect(diff(route({ failover: true }), route({ lp: 'LP_B', failover: true }))).toEqual(['failover/major']);
    expect(diff(route(), route({ lpSymbol: 'EURUSD' }))).toEqual(['lp_symbol/major']);
    expect(diff(route(), route({ volumeE8: 50_000_000 }))).toEqual(['quantity/major']);
    expect(diff(reject('no_route'), reject('no_liquidity'))).toEqual(['reject_reason/major']);
  });

  it('grades markups: a sign flip is critical, a point or more major, less minor', () => {
    expect(diff(route(), route({ markupE8: -2_000 }))).toEqual(['markup/critical']);
    expect(diff(route(), route({ markupE8: 3_000 }))).toEqual(['markup/major']);
    expect(diff(route(), route({ markupE8: 2_500 }))).toEqual(['markup/minor']);
  });
});

describe('exact divergence records', () => {
  it('writes LP prices at their own precision, not rounded to the instrument digits', () => {
    const [price] = compareDecisions(route({ lpPriceE8: 80_098_400 }), route({ lpPriceE8: 80_098_300 }), up, known, DEFAULT_COMPARE_POLICY);
    expect(price?.detail).toBe('LP price 0.800984 -> 0.800983');
  });

  it('writes markups in points exactly, with no binary float residue', () => {
    // 2.3 and 4.1 points: 0.1 + 0.2 style floats once printed 2.3000000000000003.
    const [markup] = compareDecisions(route({ markupE8: 2_300 }), route({ markupE8: 4_100 }), up, known, DEFAULT_COMPARE_POLICY);
    expect(markup?.detail).toMatch(/^markup 2\.3 -> 4\.1 points/);
    const [jpy] = compareDecisions(route({ digits: 3, markupE8: 230_000 }), route({ digits: 3, markupE8: 235_000 }), up, known, DEFAULT_COMPARE_POLICY);
    expect(jpy?.detail).toMatch(/^markup 2\.3 -> 2\.35 points/);
  });
});
