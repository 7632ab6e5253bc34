// Writes the bundled scenarios (scenarios/*.jsonl), calibrated from shared/reference
// bridge-domain.md §8. The files are committed and are the golden cases; this script documents
// how they were made. Re-running it rewrites them byte for byte (seeded), so review any diff.
//
// Each scenario carries `expect` events. Expectations on named orders follow from the scenario's
// construction (an LP quote's age, a session boundary); counts on random flow come from
// `oracleClasses`, an independent statement of what the candidate bundle changes.
//
// Usage: npx tsx scripts/generate-scenarios.ts [outDir]

import { join } from 'node:path';
import { INSTRUMENTS, isoUs, Rng, ScenarioBuilder, type LpPricing } from './scenario-builder.js';

const OUT = process.argv[2] ?? 'scenarios';
const LPS = ['LP_ALPHA', 'LP_BRAVO', 'LP_CHARLIE'];
const SYMBOLS = Object.keys(INSTRUMENTS);
const BUNDLES = { production: '../mappings/production', candidate: '../mappings/candidate' };
const END = Number.MAX_SAFE_INTEGER;
const MS = 1000;
const SEC = 1_000_000;

/** Half-spreads in points; ALPHA quotes one extra digit, CHARLIE is tightest on FX. */
function pricing(lp: string, symbol: string, widen = 1): LpPricing {
  const fx = INSTRUMENTS[symbol]?.digits === 5 || INSTRUMENTS[symbol]?.digits === 3;
  const base: Record<string, [number, number, number]> = fx
    ? { LP_ALPHA: [1.2, 1, 0], LP_BRAVO: [1.5, 0, 0], LP_CHARLIE: [1, 0, 0] }
    : symbol === 'XAUUSD'
      ? { LP_ALPHA: [7.5, 1, 0], LP_BRAVO: [6, 0, 1], LP_CHARLIE: [8, 0, 0] }
      : { LP_ALPHA: [10, 1, 0], LP_BRAVO: [10, 0, 0], LP_CHARLIE: [15, 0, 0] };
  const [half, extra, skew] = base[lp] as [number, number, number];
  return { halfSpreadPoints: half * widen, extraDigits: extra, skewPoints: skew };
}

interface StreamOptions {
  readonly lps?: readonly string[];
  readonly symbols?: readonly string[];
  /** Quote interval range in ms per LP. */
  readonly intervalMs?: (lp: string, tsUs: number) => [number, number];
  readonly widen?: (tsUs: number, symbol: string) => number;
  /** Returns true when the LP sends nothing for that symbol at that time (a gap). */
  readonly silent?: (lp: string, symbol: string, tsUs: number) => boolean;
  readonly indicative?: (lp: string, symbol: string, tsUs: number) => boolean;
}

const NORMAL_INTERVAL: Record<string, [number, number]> = { LP_ALPHA: [200, 300], LP_BRAVO: [150, 250], LP_CHARLIE: [300, 450] };

/** Streams quotes from every LP for every symbol between two instants, moving mids as it goes. */
function stream(b: ScenarioBuilder, fromUs: number, toUs: number, o: StreamOptions = {}): void {
  const lps = o.lps ?? LPS;
  const symbols = o.symbols ?? SYMBOLS;
  for (const lp of lps) {
    for (const symbol of symbols) {
      if (INSTRUMENTS[symbol]?.lpSymbols[lp] === undefined) continue;
      let t = fromUs + b.rng.int(0, 100) * MS;
      while (t < toUs) {
        if (!(o.silent?.(lp, symbol, t) ?? false)) {
          b.quote(t, lp, symbol, pricing(lp, symbol, o.widen?.(t, symbol) ?? 1), { indicative: o.indicative?.(lp, symbol, t) ?? false });
        }
        const [lo, hi] = o.intervalMs?.(lp, t) ?? (NORMAL_INTERVAL[lp] as [number, number]);
        t += b.rng.int(lo, hi) * MS;
      }
    }
  }
}

interface OrderSpec {
  readonly id: string;
  readonly account: string;
  readonly group: string;
  readonly symbol: string;
  readonly side: 'buy' | 'sell';
  readonly volume: string;
  readonly ordType?: 'market' | 'limit';
  readonly price?: string;
}

function order(b: ScenarioBuilder, tsUs: number, o: OrderSpec): void {
  b.add(tsUs, { type: 'order', id: o.id, account: o.account, group: o.group, symbol: o.symbol, side: o.side, ordType: o.ordType ?? 'market', volume: o.volume, ...(o.price ? { price: o.price } : {}) });
}

function expect(b: ScenarioBuilder, e: Record<string, unknown>): void {
  b.add(END, { type: 'expect', ...e });
}

const GROUPS = { retail: 'real\\retail\\usd', retailEur: 'real\\retail\\eur', pro: 'real\\pro\\usd', demo: 'demo\\std' };

/**
 * What the candidate bundle changes for an order placed while every LP is up, fresh and in
 * session: an independent oracle for divergence counts on random flow.
 */
function oracleClasses(group: string, platformSymbol: string, volumeLots: number): string[] {
  const resolve = (suffixes: string[]): string | null => {
    const aliases: Record<string, string> = { GOLD: 'XAUUSD', WS30: 'US30', DJ30: 'US30' };
    if (aliases[platformSymbol]) return aliases[platformSymbol] as string;
    if (INSTRUMENTS[platformSymbol]) return platformSymbol;
    for (const s of suffixes.sort((a, b) => b.length - a.length)) {
      if (platformSymbol.endsWith(s)) {
        const base = platformSymbol.slice(0, -s.length);
        const c = aliases[base] ?? base;
        if (INSTRUMENTS[c]) return c;
      }
    }
    return null;
  };
  const prod = resolve(['.pro', '.ecn', 'm']);
  const cand = resolve(['.pro', '.raw', 'm']);
  if (prod === null && cand === null) return [];
  if (prod === null || cand === null) return ['action'];
  const retail = group.startsWith('real\\retail\\');
  const pro = group.startsWith('real\\pro\\');
  if (prod === 'XAUUSD' && (retail || pro)) return ['lp', 'price'];
  if (prod === 'US30') return [];
  if (volumeLots >= 10) return [];
  // Retail and demo (the default rule) both price with the retail profile, whose EURUSD changed.
  if (prod === 'EURUSD' && !pro) return ['markup'];
  return [];
}

const FLOW_SYMBOLS: Record<string, string[]> = {
  retail: ['EURUSD', 'EURUSDm', 'GBPUSD', 'AUDUSD', 'USDCAD', 'USDJPY', 'GOLD', 'XAUUSD', 'WS30', 'GBPUSDm'],
  pro: ['EURUSD.pro', 'GBPUSD.pro', 'USDJPY.pro', 'USDCHF.pro', 'AUDUSD.pro', 'EURUSD.ecn', 'GBPUSD.ecn', 'XAUUSD.pro', 'GOLD.pro', 'DJ30.pro'],
  demo: ['EURUSD', 'GBPUSD', 'XAUUSD'],
};

/** Random client flow; returns the oracle's divergence counts by class. */
function flow(b: ScenarioBuilder, prefix: string, fromUs: number, toUs: number, count: number, counts: Map<string, number>): void {
  for (let i = 0; i < count; i++) {
    const t = fromUs + Math.floor(((toUs - fromUs) * (i + b.rng.next())) / count) + 1;
    const kind = b.rng.pick(['retail', 'retail', 'retail', 'pro', 'pro', 'demo'] as const);
    const symbol = b.rng.pick(FLOW_SYMBOLS[kind] as string[]);
    const big = kind === 'pro' && b.rng.chance(0.05);
    const lots = big ? b.rng.int(10, 15) : symbol.includes('30') ? b.rng.int(1, 30) / 10 : b.rng.int(1, 300) / 100;
    const volume = lots.toFixed(2);
    const group = kind === 'retail' ? b.rng.pick([GROUPS.retail, GROUPS.retailEur]) : kind === 'pro' ? GROUPS.pro : GROUPS.demo;
    order(b, t, { id: `${prefix}-${i + 1}`, account: String(100_000 + b.rng.int(1, 400)), group, symbol, side: b.rng.chance(0.5) ? 'buy' : 'sell', volume });
    for (const c of oracleClasses(group, symbol, lots)) counts.set(c, (counts.get(c) ?? 0) + 1);
  }
}

function expectCounts(b: ScenarioBuilder, counts: Map<string, number>, note: string): void {
  for (const cls of ['action', 'lp', 'markup', 'instrument', 'failover', 'quantity', 'lp_symbol', 'reject_reason']) {
    expect(b, { class: cls, count: counts.get(cls) ?? 0, note });
  }
  expect(b, { class: 'any', severity: 'critical', count: 0, note: 'no critical divergence in this flow' });
}

function header(name: string, description: string, startIso: string, symbols = SYMBOLS) {
  return { name, description, start: startIso, instruments: symbols, lps: LPS, bundles: BUNDLES };
}

function write(b: ScenarioBuilder, name: string, h: Record<string, unknown>): void {
  const n = b.write(join(OUT, `${name}.jsonl`), h);
  console.log(`${name}: ${n} events`);
}

// ---------------------------------------------------------------------------------------------
// 1. A normal London morning: steady quotes, mixed client flow, fills, a duplicate fill, a cancel.
{
  const b = new ScenarioBuilder(new Rng(101));
  const t0 = isoUs('2026-07-08T08:00:00Z');
  b.add(t0, { type: 'annotation', text: 'London open, normal liquidity: EURUSD 0.2-0.4 pip across LPs' });
  stream(b, t0, t0 + 90 * SEC);
  const counts = new Map<string, number>();
  flow(b, 'LDN', t0 + 5 * SEC, t0 + 88 * SEC, 250, counts);
  // Lifecycle: retail GBPUSD goes to LP_CHARLIE (first in retail-fx pool); fills book once.
  const tFill = t0 + 30 * SEC + 3;
  order(b, tFill, { id: 'LDN-FILL-1', account: '100777', group: GROUPS.retail, symbol: 'GBPUSD', side: 'buy', volume: '1.00' });
  b.add(tFill + 4 * MS, { type: 'lp_exec', lp: 'LP_CHARLIE', id: 'LDN-FILL-1', lpOrderId: 'C-90001', execId: 'C-90001-1', execType: 'fill', lastQty: '1.00', lastPx: '1.27001' });
  b.add(tFill + 2500 * MS, { type: 'lp_exec', lp: 'LP_CHARLIE', id: 'LDN-FILL-1', lpOrderId: 'C-90001', execId: 'C-90001-1', execType: 'fill', lastQty: '1.00', lastPx: '1.27001', text: 'PossDup resend' });
  const tPart = t0 + 40 * SEC + 3;
  order(b, tPart, { id: 'LDN-PART-1', account: '100778', group: GROUPS.retail, symbol: 'AUDUSD', side: 'sell', volume: '2.00' });
  b.add(tPart + 5 * MS, { type: 'lp_exec', lp: 'LP_CHARLIE', id: 'LDN-PART-1', lpOrderId: 'C-90002', execId: 'C-90002-1', execType: 'partial_fill', lastQty: '0.80', lastPx: '0.65999' });
  b.add(tPart + 9 * MS, { type: 'lp_exec', lp: 'LP_CHARLIE', id: 'LDN-PART-1', lpOrderId: 'C-90002', execId: 'C-90002-2', execType: 'fill', lastQty: '1.20', lastPx: '0.65998' });
  const tCxl = t0 + 50 * SEC + 3;
  order(b, tCxl, { id: 'LDN-LMT-1', account: '100779', group: GROUPS.retail, symbol: 'USDCAD', side: 'buy', volume: '0.50', ordType: 'limit', price: '1.35500' });
  b.add(tCxl + 2 * SEC, { type: 'cancel', id: 'LDN-CXL-1', origId: 'LDN-LMT-1' });
  b.add(tCxl + 2 * SEC + 3 * MS, { type: 'lp_exec', lp: 'LP_CHARLIE', id: 'LDN-LMT-1', lpOrderId: 'C-90003', execId: 'C-90003-2', execType: 'canceled' });
  b.add(tCxl + 3 * SEC, { type: 'lp_exec', lp: 'LP_ALPHA', id: 'NO-SUCH-ORDER', lpOrderId: 'A-1', execId: 'A-1-1', execType: 'fill', lastQty: '1', lastPx: '1.1' });
  expect(b, { order: 'LDN-FILL-1', production: { action: 'route', lp: 'LP_CHARLIE', rule: 'retail-fx' }, note: 'retail FX goes to the market maker first' });
  expect(b, { order: 'LDN-FILL-1', class: 'none', note: 'GBPUSD retail is unchanged by the candidate' });
  expectCounts(b, counts, 'random London flow: gold priority, retail EURUSD markup, .ecn suffix');
  write(b, 'london-normal', header('london-normal', 'Normal London morning: 3 LPs streaming, 250 client orders, fills, a duplicate fill, a cancel', '2026-07-08T08:00:00Z'));
}

// ---------------------------------------------------------------------------------------------
// 2. NFP: spreads 0.2 -> 3.7 pips within 2 s, quote gaps up to 1.7 s, 94 s to normalise.
{
  const b = new ScenarioBuilder(new Rng(202));
  const t0 = isoUs('2026-07-02T12:29:00Z');
  const release = isoUs('2026-07-02T12:30:00Z');
  b.add(release, { type: 'annotation', text: 'US Non-Farm Payrolls released' });
  b.add(t0, { type: 'lp_behavior', lp: 'LP_ALPHA', holdMs: { p50: 12, p99: 180 }, rejectProbability: '0.08', note: 'last-look rejects rise in fast markets' });
  // Peak spread multiple ~18.5x at +2 s, decaying to normal by +94 s (USDJPY by +98 s).
  const widen = (t: number, symbol: string): number => {
    const dt = (t - release) / SEC;
    if (dt < -2 || dt > 98) return 1;
    if (dt < 0) return 3;
    const peak = symbol === 'USDJPY' ? 26 : symbol === 'XAUUSD' ? 10 : 18.5;
    const settle = symbol === 'USDJPY' ? 98 : 94;
    return dt <= 2 ? 1 + ((peak - 1) * dt) / 2 : Math.max(1, peak - ((peak - 1) * (dt - 2)) / (settle - 2));
  };
  b.stepPoints = (symbol, t) => (t >= release && t < release + 30 * SEC ? (symbol === 'USDJPY' ? 6 : 8) : 1);
  // LP_CHARLIE goes silent: EURUSD 0.7 s, USDCAD 1.7 s (the longest gap in the FxPro table).
  const silent = (lp: string, symbol: string, t: number): boolean =>
    lp === 'LP_CHARLIE' &&
    ((symbol === 'EURUSD' && t >= release + 100 * MS && t < release + 800 * MS) || (symbol === 'USDCAD' && t >= release + 200 * MS && t < release + 1900 * MS));
  // The bank pulls firm prices for 300 ms at the release: its quotes are indicative.
  const indicative = (lp: string, _s: string, t: number): boolean => lp === 'LP_ALPHA' && t >= release && t < release + 300 * MS;
  stream(b, t0, t0 + 170 * SEC, {
    widen,
    silent,
    indicative,
    intervalMs: (lp, t) => (t >= release - 2 * SEC && t < release + 10 * SEC ? [60, 120] : (NORMAL_INTERVAL[lp] as [number, number])),
  });
  const counts = new Map<string, number>();
  flow(b, 'NFP-PRE', t0 + 5 * SEC, release - 5 * SEC, 30, counts);
  flow(b, 'NFP-SPIKE', release + 2 * SEC, release + 12 * SEC, 150, new Map());
  flow(b, 'NFP-POST', release + 100 * SEC, t0 + 168 * SEC, 50, counts);
  order(b, release + 900 * MS + 7, { id: 'NFP-1', account: '100501', group: GROUPS.retail, symbol: 'USDCAD', side: 'buy', volume: '1.00' });
  order(b, release + 1800 * MS + 7, { id: 'NFP-2', account: '100502', group: GROUPS.retail, symbol: 'USDCAD', side: 'sell', volume: '1.00' });
  order(b, release + 750 * MS + 7, { id: 'NFP-3', account: '100503', group: GROUPS.retail, symbol: 'EURUSD', side: 'buy', volume: '0.50' });
  order(b, release + 150 * MS + 7, { id: 'NFP-4', account: '100504', group: GROUPS.pro, symbol: 'EURUSD.pro', side: 'sell', volume: '2.00' });
  expect(b, { order: 'NFP-1', production: { action: 'route', lp: 'LP_CHARLIE' }, candidate: { action: 'route', lp: 'LP_BRAVO' }, note: 'CHARLIE USDCAD 700+ ms old: fresh for production (1500 ms), stale for candidate (500 ms)' });
  expect(b, { order: 'NFP-1', class: 'lp', count: 1 });
  expect(b, { order: 'NFP-2', production: { action: 'route', lp: 'LP_BRAVO' }, note: 'CHARLIE USDCAD 1.6 s old: both fail over to BRAVO' });
  expect(b, { order: 'NFP-2', class: 'none' });
  expect(b, { order: 'NFP-3', class: 'lp', count: 1, note: 'EURUSD gap 0.65 s: candidate fails over' });
  expect(b, { order: 'NFP-3', class: 'markup', count: 1 });
  expect(b, { order: 'NFP-4', production: { action: 'route' }, class: 'none', note: 'ALPHA indicative at the release: skipped alike by both' });
  expect(b, { class: 'lp', min: (counts.get('lp') ?? 0) + 2, note: 'quote gaps add LP divergences on top of the calm-flow ones' });
  expect(b, { class: 'markup', min: counts.get('markup') ?? 0 });
  expect(b, { class: 'any', severity: 'critical', count: 0 });
  write(b, 'nfp-spike', header('nfp-spike', 'NFP release 2 Jul 2026: EURUSD 0.2 -> 3.7 pips, USDJPY to 8 pips, LP quote gaps up to 1.7 s', '2026-07-02T12:29:00Z'));
}

// ---------------------------------------------------------------------------------------------
// 3. Partial LP outage: LP_BRAVO loses its session for 90 s; LP_CHARLIE's feed slows to 1 s.
{
  const b = new ScenarioBuilder(new Rng(303));
  const t0 = isoUs('2026-07-08T09:00:00Z');
  const down = t0 + 40 * SEC;
  const up = t0 + 130 * SEC;
  const silent = (lp: string, _s: string, t: number): boolean => lp === 'LP_BRAVO' && t >= down - 2 * SEC && t < up;
  // A quiet market during the outage (mids hold still): the divergences come from LP health alone.
  b.stepPoints = (_s, t) => (t >= down - 2 * SEC && t < up ? 0 : 1);
  stream(b, t0, t0 + 170 * SEC, { lps: ['LP_ALPHA', 'LP_BRAVO'], silent });
  // CHARLIE: normal, then exactly one quote per second during the outage (quotes at whole seconds).
  stream(b, t0, down, { lps: ['LP_CHARLIE'] });
  for (let t = down; t < up; t += SEC) for (const s of SYMBOLS) b.quote(t, 'LP_CHARLIE', s, pricing('LP_CHARLIE', s));
  stream(b, up, t0 + 170 * SEC, { lps: ['LP_CHARLIE'] });
  b.add(down, { type: 'lp_status', lp: 'LP_BRAVO', status: 'down', reason: 'TestRequest unanswered after 2 x HeartBtInt' });
  b.add(up, { type: 'lp_status', lp: 'LP_BRAVO', status: 'up', reason: 'logon accepted, sequence numbers resumed' });
  const counts = new Map<string, number>();
  flow(b, 'OUT-PRE', t0 + 5 * SEC, down - 5 * SEC, 30, counts);
  flow(b, 'OUT-DURING', down + 2 * SEC, up - 2 * SEC, 60, new Map());
  flow(b, 'OUT-POST', up + 5 * SEC, t0 + 168 * SEC, 30, counts);
  order(b, t0 + 20 * SEC + 7, { id: 'OUT-1', account: '100601', group: GROUPS.pro, symbol: 'GOLD', side: 'buy', volume: '1.00' });
  order(b, down + 10 * SEC + 800 * MS + 7, { id: 'OUT-2', account: '100602', group: GROUPS.retail, symbol: 'GBPUSD', side: 'buy', volume: '1.00' });
  order(b, down + 11 * SEC + 300 * MS + 7, { id: 'OUT-3', account: '100603', group: GROUPS.retail, symbol: 'GBPUSD', side: 'sell', volume: '1.00' });
  order(b, down + 12 * SEC + 800 * MS + 7, { id: 'OUT-4', account: '100604', group: GROUPS.pro, symbol: 'GBPUSD.pro', side: 'buy', volume: '3.00' });
  order(b, down + 13 * SEC + 800 * MS + 7, { id: 'OUT-5', account: '100605', group: GROUPS.retail, symbol: 'WS30', side: 'buy', volume: '1.0' });
  order(b, down + 14 * SEC + 300 * MS + 7, { id: 'OUT-6', account: '100606', group: GROUPS.pro, symbol: 'GOLD', side: 'sell', volume: '0.50' });
  order(b, up + 20 * SEC + 7, { id: 'OUT-7', account: '100607', group: GROUPS.retail, symbol: 'GBPUSD', side: 'buy', volume: '1.00' });
  expect(b, { order: 'OUT-1', class: 'lp', count: 1, note: 'before the outage: gold priority change' });
  expect(b, { order: 'OUT-2', production: { action: 'route', lp: 'LP_CHARLIE' }, candidate: { action: 'route', lp: 'LP_ALPHA' }, note: 'CHARLIE 800 ms old, BRAVO down: candidate fails over to ALPHA' });
  expect(b, { order: 'OUT-3', class: 'none', note: 'CHARLIE 300 ms old: fresh for both' });
  expect(b, { order: 'OUT-4', class: 'failover', count: 1, note: 'both fail over from BRAVO; production takes CHARLIE, candidate ALPHA' });
  expect(b, { order: 'OUT-5', production: { action: 'route', lp: 'LP_CHARLIE' }, candidate: { action: 'reject', reason: 'no_liquidity' } });
  expect(b, { order: 'OUT-5', class: 'action', severity: 'major', count: 1 });
  expect(b, { order: 'OUT-6', production: { action: 'route', lp: 'LP_ALPHA' }, note: 'gold: ALPHA is production primary and candidate failover target' });
  expect(b, { order: 'OUT-6', class: 'none' });
  expect(b, { order: 'OUT-7', class: 'none', note: 'after reconnect all is normal again' });
  expect(b, { class: 'failover', min: 1 });
  expect(b, { class: 'any', severity: 'critical', count: 0 });
  write(b, 'lp-outage', header('lp-outage', 'LP_BRAVO session lost for 90 s (heartbeat timeout), LP_CHARLIE feed slowed to 1 quote/s', '2026-07-08T09:00:00Z'));
}

// ---------------------------------------------------------------------------------------------
// 4. Stale quotes: LP_CHARLIE's session stays up but EURUSD, GBPUSD and USDJPY stop for 5 s.
{
  const b = new ScenarioBuilder(new Rng(404));
  const t0 = isoUs('2026-07-08T13:00:00Z');
  const freeze = t0 + 40 * SEC;
  const resume = freeze + 5 * SEC;
  const frozen = new Set(['EURUSD', 'GBPUSD', 'USDJPY']);
  stream(b, t0, t0 + 90 * SEC, { silent: (lp, s, t) => lp === 'LP_CHARLIE' && frozen.has(s) && t >= freeze - 500 * MS && t < resume });
  for (const s of frozen) b.quote(freeze, 'LP_CHARLIE', s, pricing('LP_CHARLIE', s));
  b.add(freeze, { type: 'annotation', text: 'LP_CHARLIE feed silent on 3 symbols; heartbeats continue' });
  const counts = new Map<string, number>();
  flow(b, 'STL-PRE', t0 + 5 * SEC, freeze - 5 * SEC, 40, counts);
  flow(b, 'STL-POST', resume + 5 * SEC, t0 + 88 * SEC, 40, counts);
  const at = (ms: number): number => freeze + ms * MS + 7;
  order(b, at(300), { id: 'STL-1', account: '100701', group: GROUPS.retail, symbol: 'GBPUSD', side: 'buy', volume: '1.00' });
  order(b, at(800), { id: 'STL-2', account: '100702', group: GROUPS.retail, symbol: 'GBPUSD', side: 'buy', volume: '1.00' });
  order(b, at(1400), { id: 'STL-3', account: '100703', group: GROUPS.retail, symbol: 'GBPUSD', side: 'sell', volume: '1.00' });
  order(b, at(1600), { id: 'STL-4', account: '100704', group: GROUPS.retail, symbol: 'GBPUSD', side: 'sell', volume: '1.00' });
  order(b, at(3500), { id: 'STL-5', account: '100705', group: GROUPS.retail, symbol: 'GBPUSD', side: 'buy', volume: '1.00' });
  order(b, at(900), { id: 'STL-6', account: '100706', group: GROUPS.pro, symbol: 'USDJPY.pro', side: 'buy', volume: '2.00' });
  order(b, at(2000), { id: 'STL-7', account: '100707', group: GROUPS.pro, symbol: 'USDJPY.pro', side: 'buy', volume: '2.00' });
  order(b, at(700), { id: 'STL-8', account: '100708', group: GROUPS.retail, symbol: 'EURUSD', side: 'buy', volume: '0.30' });
  expect(b, { order: 'STL-1', class: 'none', note: '300 ms: fresh for both' });
  expect(b, { order: 'STL-2', production: { lp: 'LP_CHARLIE' }, candidate: { lp: 'LP_BRAVO' }, note: '800 ms: stale only for the candidate' });
  expect(b, { order: 'STL-3', class: 'lp', count: 1, note: '1.4 s: stale only for the candidate' });
  expect(b, { order: 'STL-4', production: { lp: 'LP_BRAVO' }, note: '1.6 s: stale for both' });
  expect(b, { order: 'STL-4', class: 'none' });
  expect(b, { order: 'STL-5', class: 'none' });
  expect(b, { order: 'STL-6', production: { lp: 'LP_CHARLIE' }, candidate: { lp: 'LP_ALPHA' }, note: 'best price: CHARLIE is tightest but stale for the candidate' });
  expect(b, { order: 'STL-7', class: 'none', note: 'both skip CHARLIE after 1.5 s' });
  expect(b, { order: 'STL-8', class: 'lp', count: 1 });
  expect(b, { order: 'STL-8', class: 'markup', count: 1 });
  expect(b, { class: 'lp', count: (counts.get('lp') ?? 0) + 4, note: 'calm flow plus STL-2, -3, -6, -8' });
  expect(b, { class: 'any', severity: 'critical', count: 0 });
  write(b, 'stale-quotes', header('stale-quotes', 'LP_CHARLIE silent on EURUSD/GBPUSD/USDJPY for 5 s with the session up: 500 ms vs 1500 ms stale limits', '2026-07-08T13:00:00Z'));
}

// ---------------------------------------------------------------------------------------------
// 5. Sessions: Sunday open across the US DST change, daily rollover, metal/index breaks,
//    Friday close and an index holiday; orders arrive inside every closed window.
{
  const b = new ScenarioBuilder(new Rng(505));
  const syms = ['GBPUSD', 'EURUSD', 'XAUUSD', 'US30'];
  const quotesAround = (iso: string, seconds: number): number => {
    const t = isoUs(iso);
    stream(b, t - seconds * SEC, t + 5 * SEC, { symbols: syms });
    return t;
  };
  const o = (iso: string, id: string, symbol: string, group = GROUPS.pro): void => {
    const t = isoUs(iso) + 7;
    order(b, t, { id, account: '100801', group, symbol, side: 'buy', volume: '1.00' });
  };
  // Part A: Sunday 8 Mar 2026, US DST began at 02:00 local: FX opens 17:05 EDT = 21:05Z, not 22:05Z.
  b.add(isoUs('2026-03-08T21:00:00Z'), { type: 'calendar', session: 'fx', event: 'week_open_pending' });
  quotesAround('2026-03-08T21:03:00Z', 20);
  o('2026-03-08T21:03:00Z', 'SES-A1', 'GBPUSD.pro');
  quotesAround('2026-03-08T21:05:30Z', 20);
  o('2026-03-08T21:05:30Z', 'SES-A2', 'GBPUSD.pro');
  quotesAround('2026-03-08T21:30:00Z', 20);
  o('2026-03-08T21:30:00Z', 'SES-A3', 'GOLD.pro');
  quotesAround('2026-03-08T22:00:30Z', 20);
  o('2026-03-08T22:00:30Z', 'SES-A4', 'GOLD.pro');
  // Part B: Wednesday 8 Jul 2026 (EDT): index break 16:15-16:30, rollover 16:59-17:02, metals 17:00-18:00 NY.
  quotesAround('2026-07-08T20:16:00Z', 20);
  o('2026-07-08T20:16:00Z', 'SES-B1', 'WS30');
  quotesAround('2026-07-08T20:58:30Z', 20);
  o('2026-07-08T20:58:30Z', 'SES-B2', 'GBPUSD.pro');
  b.add(isoUs('2026-07-08T20:59:00Z'), { type: 'calendar', session: 'fx', event: 'break_start' });
  quotesAround('2026-07-08T20:59:10Z', 5);
  o('2026-07-08T20:59:10Z', 'SES-B3', 'GBPUSD.pro');
  quotesAround('2026-07-08T21:01:59Z', 5);
  o('2026-07-08T21:01:59Z', 'SES-B4', 'EURUSD', GROUPS.retail);
  b.add(isoUs('2026-07-08T21:02:00Z'), { type: 'calendar', session: 'fx', event: 'break_end' });
  quotesAround('2026-07-08T21:02:05Z', 5);
  o('2026-07-08T21:02:05Z', 'SES-B5', 'GBPUSD.pro');
  quotesAround('2026-07-08T21:30:00Z', 10);
  o('2026-07-08T21:30:00Z', 'SES-B6', 'GOLD');
  quotesAround('2026-07-08T22:00:30Z', 20);
  o('2026-07-08T22:00:30Z', 'SES-B7', 'GOLD');
  // Part C: Friday 10 Jul 2026: FX closes 16:55 NY = 20:55Z.
  quotesAround('2026-07-10T20:54:00Z', 20);
  o('2026-07-10T20:54:00Z', 'SES-C1', 'GBPUSD.pro');
  quotesAround('2026-07-10T20:56:00Z', 20);
  o('2026-07-10T20:56:00Z', 'SES-C2', 'GBPUSD.pro');
  // Part D: Thanksgiving 26 Nov 2026: US indices closed, FX open.
  quotesAround('2026-11-26T15:00:00Z', 20);
  o('2026-11-26T15:00:00Z', 'SES-D1', 'WS30');
  o('2026-11-26T15:00:01Z', 'SES-D2', 'GBPUSD.pro');
  const closed = (id: string, note: string): void => {
    expect(b, { order: id, production: { action: 'reject', reason: 'market_closed' }, candidate: { action: 'reject', reason: 'market_closed' }, note });
  };
  const open = (id: string, note: string): void => expect(b, { order: id, production: { action: 'route' }, note });
  closed('SES-A1', 'Sunday 17:03 EDT: FX not yet open');
  open('SES-A2', 'Sunday 17:05:30 EDT = 21:05:30Z: open (a fixed EST offset would say closed)');
  expect(b, { order: 'SES-A2', class: 'none' });
  closed('SES-A3', 'metals open at 18:00 NY');
  open('SES-A4', 'metals open');
  expect(b, { order: 'SES-A4', class: 'lp', count: 1 });
  closed('SES-B1', 'US30 break 16:15-16:30 NY');
  open('SES-B2', 'before the rollover');
  closed('SES-B3', 'rollover break 16:59-17:02 NY');
  closed('SES-B4', 'rollover break; both reject alike although markups differ');
  expect(b, { order: 'SES-B4', class: 'none' });
  open('SES-B5', 'after the rollover');
  closed('SES-B6', 'metals break 17:00-18:00 NY');
  open('SES-B7', 'metals reopen');
  open('SES-C1', 'Friday before the close');
  closed('SES-C2', 'Friday after 16:55 NY');
  closed('SES-D1', 'Thanksgiving: US indices closed');
  open('SES-D2', 'Thanksgiving: FX trades');
  expect(b, { class: 'lp', count: 2, note: 'only the two routed gold orders diverge' });
  expect(b, { class: 'any', severity: 'critical', count: 0 });
  write(b, 'session-close', header('session-close', 'Sunday open across US DST, rollover break, metal and index breaks, Friday close, a holiday', '2026-03-08T21:00:00Z', syms));
}

// ---------------------------------------------------------------------------------------------
// 6. Order burst: 2,000 orders in 2 s (T4B peak is 750/s on MT5) over a normal quote stream.
{
  const b = new ScenarioBuilder(new Rng(606));
  const t0 = isoUs('2026-07-08T13:30:00Z');
  stream(b, t0, t0 + 40 * SEC);
  const counts = new Map<string, number>();
  flow(b, 'BST-PRE', t0 + 2 * SEC, t0 + 18 * SEC, 20, counts);
  b.add(t0 + 20 * SEC, { type: 'annotation', text: 'NY open: 2,000 orders in 2 seconds' });
  flow(b, 'BST', t0 + 20 * SEC, t0 + 22 * SEC, 2000, counts);
  flow(b, 'BST-POST', t0 + 25 * SEC, t0 + 38 * SEC, 20, counts);
  expectCounts(b, counts, 'every burst order is compared; divergences exactly as the oracle predicts');
  write(b, 'order-burst', header('order-burst', 'Order burst: 2,000 orders in 2 s at the New York open over a normal quote stream', '2026-07-08T13:30:00Z'));
}

// ---------------------------------------------------------------------------------------------
// 7. Symbol suffixes and aliases; the candidate renames .ecn to .raw.
{
  const b = new ScenarioBuilder(new Rng(707));
  const t0 = isoUs('2026-07-08T10:00:00Z');
  stream(b, t0, t0 + 40 * SEC);
  const counts = new Map<string, number>();
  flow(b, 'MAP-FLOW', t0 + 3 * SEC, t0 + 25 * SEC, 60, counts);
  const cases: [string, string, string, string, string?, string?][] = [
    ['MAP-1', 'EURUSD.pro', GROUPS.pro, '1.00'],
    ['MAP-2', 'EURUSD.ecn', GROUPS.pro, '1.00'],
    ['MAP-3', 'EURUSD.raw', GROUPS.pro, '1.00'],
    ['MAP-4', 'GOLD', GROUPS.retail, '0.10'],
    ['MAP-5', 'GOLD.pro', GROUPS.pro, '0.10'],
    ['MAP-6', 'XAUUSD.ecn', GROUPS.pro, '0.10'],
    ['MAP-7', 'WS30', GROUPS.retail, '1.0'],
    ['MAP-8', 'DJ30.pro', GROUPS.pro, '1.0'],
    ['MAP-9', 'BTCUSD', GROUPS.retail, '0.10'],
    ['MAP-10', 'EURUSDm', GROUPS.retail, '1.00'],
    ['MAP-11', 'USDJPYm', GROUPS.retail, '1.00'],
    ['MAP-12', 'GBPUSD', GROUPS.demo, '1.00'],
    ['MAP-13', 'EURUSD.pro', GROUPS.pro, '0.015'],
    ['MAP-14', 'EURUSD.pro', GROUPS.pro, '1.00', 'limit', '1.085005'],
    ['MAP-15', 'EURUSD.pro', GROUPS.pro, '60'],
    ['MAP-16', 'US30', GROUPS.pro, '0.15'],
  ];
  cases.forEach(([id, symbol, group, volume, ordType, price], i) => {
    order(b, t0 + 30 * SEC + i * 500 * MS + 7, { id, account: '100900', group, symbol, side: i % 2 === 0 ? 'buy' : 'sell', volume, ...(ordType ? { ordType: ordType as 'limit' } : {}), ...(price ? { price } : {}) });
  });
  const x = (id: string, e: Record<string, unknown>) => expect(b, { order: id, ...e });
  x('MAP-1', { class: 'none', production: { action: 'route', rule: 'pro-fx' }, note: '.pro strips to EURUSD in both' });
  x('MAP-2', { production: { action: 'route' }, candidate: { action: 'reject', reason: 'unknown_symbol' }, note: '.ecn no longer known to the candidate' });
  x('MAP-2', { class: 'action', severity: 'major', count: 1 });
  x('MAP-3', { production: { action: 'reject', reason: 'unknown_symbol' }, candidate: { action: 'route' }, note: '.raw only known to the candidate' });
  x('MAP-4', { production: { lp: 'LP_ALPHA', rule: 'retail-gold' }, candidate: { lp: 'LP_BRAVO' }, note: 'GOLD alias -> XAUUSD' });
  x('MAP-5', { class: 'lp', count: 1, note: 'alias behind a suffix: GOLD.pro -> XAUUSD' });
  x('MAP-6', { class: 'action', count: 1 });
  x('MAP-7', { class: 'none', production: { rule: 'index-cfd', lp: 'LP_BRAVO' } });
  x('MAP-8', { class: 'none', production: { rule: 'index-cfd' } });
  x('MAP-9', { class: 'none', production: { action: 'reject', reason: 'unknown_symbol' } });
  x('MAP-10', { class: 'markup', count: 1, note: 'm suffix; retail EURUSD markup 8 -> 6 points' });
  x('MAP-11', { class: 'none' });
  x('MAP-12', { class: 'none', production: { rule: 'default' } });
  x('MAP-13', { class: 'none', production: { action: 'reject', reason: 'invalid_volume' } });
  x('MAP-14', { class: 'none', production: { action: 'reject', reason: 'invalid_price' } });
  x('MAP-15', { class: 'none', production: { action: 'reject', reason: 'exceeds_limit' } });
  x('MAP-16', { class: 'none', production: { action: 'reject', reason: 'invalid_volume' }, note: 'US30 lot step 0.1' });
  counts.set('action', (counts.get('action') ?? 0) + 3);
  counts.set('lp', (counts.get('lp') ?? 0) + 2);
  counts.set('markup', (counts.get('markup') ?? 0) + 1);
  expectCounts(b, counts, 'flow plus the 16 mapping cases');
  write(b, 'symbol-mapping', header('symbol-mapping', 'Platform suffixes (.pro, .ecn -> .raw, m) and aliases (GOLD, WS30, DJ30); spec rejects', '2026-07-08T10:00:00Z'));
}
