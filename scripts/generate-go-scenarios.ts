// Writes the three bundled `stage` scenarios (scenarios/go-*.jsonl): a rollout replayed on the
// scenario's clock with rollouts/stage.yaml. Each header names its bundles and its plan, so
// `shadow-bridge stage scenarios/go-promote.jsonl` runs it as intended. Seeded: re-running it
// rewrites the files byte for byte.
//
//   go-promote          a harmless candidate (the market maker as the default rule's last resort)
//                       passes entry, every step and is promoted to 100%
//   go-news-rollback    a candidate that adds a new LP as the retail pool's last resort: equal to
//                       production in quiet hours; in a news spike the three LPs go silent, the
//                       candidate routes to the LP production does not know (critical) and the
//                       critical-divergence gate rolls it back
//   go-mismatch-freeze  the harmless candidate again, until an LP reports a fill of twice the
//                       order's quantity: an order-state mismatch, and the status gate freezes
//
// Usage: npx tsx scripts/generate-go-scenarios.ts [outDir]

import { join } from 'node:path';
import { INSTRUMENTS, isoUs, Rng, ScenarioBuilder, type LpPricing } from './scenario-builder.js';

const OUT = process.argv[2] ?? 'scenarios';
const MS = 1000;
const SEC = 1_000_000;
const SYMBOLS = ['EURUSD', 'GBPUSD', 'USDJPY'];
const PLAN = '../rollouts/stage.yaml';

function pricing(lp: string): LpPricing {
  const half: Record<string, number> = { LP_ALPHA: 1.2, LP_BRAVO: 1.5, LP_CHARLIE: 1, LP_DELTA: 1.4 };
  return { halfSpreadPoints: half[lp] as number, extraDigits: lp === 'LP_ALPHA' ? 1 : 0, skewPoints: 0 };
}

/** Quotes every 300-600 ms per LP and symbol, except while `silent` says the LP is quiet. */
function stream(b: ScenarioBuilder, lps: readonly string[], fromUs: number, toUs: number, silent: (lp: string, tsUs: number) => boolean = () => false): void {
  for (const lp of lps) {
    for (const symbol of SYMBOLS) {
      if (INSTRUMENTS[symbol]?.lpSymbols[lp] === undefined) continue;
      for (let t = fromUs + b.rng.int(0, 200) * MS; t < toUs; t += b.rng.int(300, 600) * MS) {
        if (!silent(lp, t)) b.quote(t, lp, symbol, pricing(lp));
      }
    }
  }
}

const GROUPS = { retail: 'real\\retail\\usd', pro: 'real\\pro\\usd', demo: 'demo\\std' };

interface PlacedOrder {
  readonly id: string;
  readonly tsUs: number;
  readonly group: string;
}

/** `perSecond` market orders a second from 1,000 accounts over [fromUs, toUs); returns them. */
function flow(b: ScenarioBuilder, prefix: string, fromUs: number, toUs: number, perSecond: number, groups: readonly string[]): PlacedOrder[] {
  const count = Math.floor(((toUs - fromUs) / SEC) * perSecond);
  const placed: PlacedOrder[] = [];
  for (let i = 0; i < count; i++) {
    const t = fromUs + Math.floor(((toUs - fromUs) * (i + b.rng.next())) / count) + 1;
    const group = b.rng.pick(groups as string[]);
    const symbol = b.rng.pick(SYMBOLS);
    const platformSymbol = group === GROUPS.pro ? `${symbol}.pro` : symbol;
    b.add(t, { type: 'order', id: `${prefix}-${i + 1}`, account: String(200_000 + b.rng.int(1, 1_000)), group, symbol: platformSymbol, side: b.rng.chance(0.5) ? 'buy' : 'sell', ordType: 'market', volume: (b.rng.int(1, 200) / 100).toFixed(2) });
    placed.push({ id: `${prefix}-${i + 1}`, tsUs: t, group });
  }
  return placed;
}

const END = Number.MAX_SAFE_INTEGER;
const CLASSES = ['action', 'lp', 'markup', 'instrument', 'failover', 'quantity', 'lp_symbol', 'price', 'reject_reason'];

function expect(b: ScenarioBuilder, e: Record<string, unknown>): void {
  b.add(END, { type: 'expect', ...e });
}

/**
 * The oracle for the harmless candidate: it differs from production only when every LP of the
 * default rule is stale, and every LP here quotes at least every 600 ms (the tightest staleMs is
 * 1,000), so no order diverges.
 */
function expectNoDivergence(b: ScenarioBuilder, orders: readonly PlacedOrder[]): void {
  for (const cls of CLASSES) expect(b, { class: cls, count: 0, note: 'every LP quotes at least every 600 ms: the harmless candidate never diverges' });
  const retail = orders.find((o) => o.group === GROUPS.retail) as PlacedOrder;
  expect(b, { order: retail.id, production: { action: 'route', lp: 'LP_CHARLIE', rule: 'retail-fx' }, note: 'retail FX goes to the market maker first' });
  expect(b, { order: retail.id, class: 'none' });
  const demo = orders.find((o) => o.group === GROUPS.demo);
  if (demo !== undefined) expect(b, { order: demo.id, production: { action: 'route', lp: 'LP_BRAVO', rule: 'default' }, candidate: { action: 'route', lp: 'LP_BRAVO', rule: 'default' }, note: 'demo flow takes the default rule, unchanged first choice' });
}

function header(name: string, description: string, start: string, lps: readonly string[], candidate: string) {
  return { name, description, start, instruments: SYMBOLS, lps, bundles: { production: '../mappings/production', candidate }, rollout: PLAN };
}

function write(b: ScenarioBuilder, name: string, h: Record<string, unknown>): void {
  console.log(`${name}: ${b.write(join(OUT, `${name}.jsonl`), h)} events`);
}

const LPS = ['LP_ALPHA', 'LP_BRAVO', 'LP_CHARLIE'];

// 1. Promoted: 9 minutes of ordinary flow with a candidate that changes nothing it meets.
{
  const b = new ScenarioBuilder(new Rng(901));
  const t0 = isoUs('2026-12-02T14:00:00Z');
  stream(b, LPS, t0, t0 + 540 * SEC);
  const orders = flow(b, 'PRO', t0 + 2 * SEC, t0 + 538 * SEC, 8, [GROUPS.retail, GROUPS.retail, GROUPS.pro, GROUPS.demo]);
  expectNoDivergence(b, orders);
  write(b, 'go-promote', header('go-promote', 'A harmless candidate (LP_CHARLIE as the default rule\'s last resort) passes entry and every step: promoted to 100%', '2026-12-02T14:00:00Z', LPS, '../mappings/candidate-good'));
}

// 2. Rolled back: quiet until a news release at 4:15, when ALPHA, BRAVO and CHARLIE go silent for
// 8 seconds. Production has no fresh price and rejects; the candidate fails over to LP_DELTA,
// an LP production does not know: a critical divergence, and the gate rolls the rollout back.
{
  const b = new ScenarioBuilder(new Rng(902));
  const t0 = isoUs('2026-12-02T13:26:00Z');
  const news = t0 + 255 * SEC;
  const quiet = (lp: string, t: number): boolean => lp !== 'LP_DELTA' && t >= news && t < news + 8 * SEC;
  stream(b, [...LPS, 'LP_DELTA'], t0, t0 + 360 * SEC, quiet);
  const orders = flow(b, 'NEWS', t0 + 2 * SEC, t0 + 358 * SEC, 8, [GROUPS.retail]);
  // The oracle: from 1.5 s after the last quote (the largest staleMs of the three) until the
  // quotes resume, production has no LP and the candidate has LP_DELTA. The edges of the window
  // depend on when each LP last quoted, so they bound the count rather than fix it.
  const sure = orders.filter((o) => o.tsUs > news + 1_600 * MS && o.tsUs < news + 8 * SEC);
  const edges = orders.filter((o) => (o.tsUs >= news && o.tsUs <= news + 1_600 * MS) || (o.tsUs >= news + 8 * SEC && o.tsUs < news + 8_700 * MS));
  for (const o of sure.filter((_, i) => i % 10 === 0)) {
    expect(b, { order: o.id, production: { action: 'reject', reason: 'no_liquidity' }, candidate: { action: 'route', lp: 'LP_DELTA' }, note: 'the three LPs are silent: only the candidate\'s new LP has a price' });
  }
  expect(b, { class: 'action', min: sure.length, max: sure.length + edges.length, note: 'every retail order in the silent window diverges, and only those' });
  // Under `stage` the rollout knows only production's LPs, so each of those orders also counts a
  // critical `lp` divergence (routing to an LP production does not know); plain replay knows
  // every LP in the header and records none.
  expect(b, { class: 'lp', min: 0, max: sure.length + edges.length, note: 'an unknown-LP divergence per silent-window order under stage, none in replay' });
  for (const cls of CLASSES.filter((c) => c !== 'action' && c !== 'lp')) expect(b, { class: cls, count: 0, note: 'the new LP changes nothing while the others quote' });
  const before = orders.find((o) => o.tsUs < news) as PlacedOrder;
  expect(b, { order: before.id, class: 'none', note: 'quiet hours: LP_DELTA is the last resort and never reached' });
  b.add(news, { type: 'annotation', text: 'news release: LP_ALPHA, LP_BRAVO and LP_CHARLIE stop quoting for 8 s; LP_DELTA keeps quoting' });
  write(b, 'go-news-rollback', header('go-news-rollback', 'A candidate adding LP_DELTA as the retail last resort: fine in quiet hours; in a news spike it routes to an LP production does not know and is rolled back', '2026-12-02T13:26:00Z', [...LPS, 'LP_DELTA'], '../mappings/candidate-new-lp'));
}

// 3. Frozen: at 3:30 LP_CHARLIE reports a fill of twice a retail order's quantity.
{
  const b = new ScenarioBuilder(new Rng(903));
  const t0 = isoUs('2026-12-02T15:00:00Z');
  stream(b, LPS, t0, t0 + 360 * SEC);
  const orders = flow(b, 'MIS', t0 + 2 * SEC, t0 + 358 * SEC, 8, [GROUPS.retail, GROUPS.retail, GROUPS.pro, GROUPS.demo]);
  const at = t0 + 210 * SEC;
  b.add(at, { type: 'order', id: 'MIS-OVERFILLED', account: '299999', group: GROUPS.retail, symbol: 'EURUSD', side: 'buy', ordType: 'market', volume: '0.50' });
  b.add(at + 40 * MS, { type: 'lp_exec', lp: 'LP_CHARLIE', id: 'MIS-OVERFILLED', lpOrderId: 'C-77', execId: 'C-77-1', execType: 'fill', lastQty: '1.00', lastPx: '1.08512' });
  b.add(at, { type: 'annotation', text: 'LP_CHARLIE will report a 1.00 lot fill on a 0.50 lot order: an order-state mismatch' });
  expectNoDivergence(b, orders);
  expect(b, { order: 'MIS-OVERFILLED', production: { action: 'route', lp: 'LP_CHARLIE', rule: 'retail-fx' }, note: 'the overfilled order went to LP_CHARLIE' });
  write(b, 'go-mismatch-freeze', header('go-mismatch-freeze', 'A harmless candidate until an LP overfills an order: the status-mismatch gate freezes the rollout', '2026-12-02T15:00:00Z', LPS, '../mappings/candidate-good'));
}
