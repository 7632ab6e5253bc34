// What a hostile platform, a broken LP and a faulty candidate do to money, on real loopback FIX
// sessions: two platforms with the same ClOrdID, an LP that never answers, an LP that overfills,
// a limit price that the markup would make non-positive, a candidate that returns garbage, and a
// clean stop while the candidate hangs. Each test fails on an engine without the protection.

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { LiveConfigInput } from '../../src/app/live-config.js';
import { simInstruments } from '../../src/app/live-demo.js';
import { startLiveEngine, type LiveEngine } from '../../src/app/live-engine.js';
import { PERSONAS } from '../../src/app/lp-personas.js';
import { startLpSim, type LpSim, type LpSimOptions } from '../../src/app/lp-sim.js';
import { startPlatformClient, type PlatformClient } from '../../src/app/platform-client.js';
import { PRODUCTION_DIR, productionBundle } from '../support/builders.js';
import { waitFor } from '../support/wait.js';

const tmp = mkdtempSync(join(tmpdir(), 'sb-money-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const silent = { event() {} };

interface Rig {
  /** The first LP's simulator (LP_ALPHA). */
  readonly sim: LpSim;
  readonly sims: LpSim[];
  readonly engine: LiveEngine;
  readonly clients: Map<string, PlatformClient>;
  readonly out: string;
  stop(): Promise<Awaited<ReturnType<LiveEngine['stop']>>>;
}

/** Simulated LPs (LP_ALPHA with faults), the engine, and one logged-on client per platform session. */
async function rig(name: string, opts: { faults?: LpSimOptions['faults']; platforms?: { id: string; group: string }[]; lps?: string[]; run?: Partial<LiveConfigInput['run']> } = {}): Promise<Rig> {
  const lps = opts.lps ?? ['LP_ALPHA'];
  const sims: LpSim[] = [];
  for (const [k, lp] of lps.entries()) {
    const faults = lp === 'LP_ALPHA' ? opts.faults : undefined;
    sims.push(await startLpSim({ lp, host: '127.0.0.1', port: 0, bridgeCompId: 'BRIDGE', persona: { ...PERSONAS['ecn']!, rejectProbability: 0, partialProbability: 0, seqGapProbability: 0, disconnectProbability: 0 }, seed: 3 + k, instruments: simInstruments(productionBundle(), lp), log: silent, ...(faults === undefined ? {} : { faults }) }));
  }
  const platforms = opts.platforms ?? [{ id: 'PLAT', group: 'real\\pro\\usd' }];
  const out = join(tmp, `${name}-run`);
  const engine = await startLiveEngine({
    run: { production: PRODUCTION_DIR, candidate: null, out, flushMs: 200, ...opts.run },
    platform: { host: '127.0.0.1', port: 0, senderCompId: 'BRIDGE', storeDir: join(tmp, `${name}-store`), priceThrottleMs: 0, sessions: platforms.map((p) => ({ targetCompId: p.id, defaultGroup: p.group })) },
    lps: lps.map((id, k) => ({ id, host: '127.0.0.1', port: sims[k]!.port, senderCompId: 'BRIDGE', targetCompId: id, heartBtIntSec: 5 })),
  }, name);
  const clients = new Map<string, PlatformClient>();
  for (const [k, p] of platforms.entries()) clients.set(p.id, startPlatformClient({ host: '127.0.0.1', port: engine.platformPort, senderCompId: p.id, targetCompId: 'BRIDGE', seed: 11 + k, log: silent, symbols: [] }));
  expect(await waitFor(() => lps.every((lp) => engine.lpConnected(lp)), 5_000)).toBe(true);
  for (const c of clients.values()) {
    c.start();
    expect(await c.waitLoggedOn(5_000)).toBe(true);
  }
  await new Promise((r) => setTimeout(r, 400)); // quotes arrive
  return {
    sim: sims[0] as LpSim,
    sims,
    engine,
    clients,
    out,
    async stop() {
      for (const c of clients.values()) await c.stop();
      const summary = await engine.stop();
      for (const s of sims) await s.close();
      return summary;
    },
  };
}

const final = (c: PlatformClient, id: string): boolean => (c.reports.get(id) ?? []).some((r) => /:(2|8|4)$/.test(r));

describe('money safety on live FIX sessions', () => {
  it('keeps two platforms that use the same ClOrdID apart: both get their own fill, from different LPs', async () => {
    // Retail EURUSD goes to LP_CHARLIE (retail-fx, priority); a 10-lot pro ticket to LP_ALPHA
    // (large-fx). Keyed by ClOrdID alone, the second order would take the first one's identity
    // and the first one's fill, from the other LP, would be dropped as unknown.
    const r = await rig('same-id', { platforms: [{ id: 'MT5_RETAIL', group: 'real\\retail\\usd' }, { id: 'MT5_PRO', group: 'real\\pro\\usd' }], lps: ['LP_ALPHA', 'LP_CHARLIE'] });
    const a = r.clients.get('MT5_RETAIL')!;
    const b = r.clients.get('MT5_PRO')!;
    const ids = Array.from({ length: 5 }, (_, i) => `SAME-${i}`);
    try {
      for (const id of ids) {
        a.send({ clOrdId: id, account: '100001', symbol: 'EURUSD', side: 'buy', lots: '0.10' });
        b.send({ clOrdId: id, account: '200002', symbol: 'EURUSD', side: 'sell', lots: '10' });
      }
      expect(await waitFor(() => ids.every((id) => final(a, id) && final(b, id)), 5_000)).toBe(true);
      for (const id of ids) {
        // Each platform hears about its own order only, in its own quantity.
        expect(a.details.get(id)?.map((d) => [d.ordStatus, d.cumQty])).toEqual([['2', '0.1']]);
        expect(b.details.get(id)?.map((d) => [d.ordStatus, d.cumQty])).toEqual([['2', '10']]);
      }
    } finally {
      await r.stop();
    }
    expect(r.sims.map((s) => s.stats.orders)).toEqual([5, 5]);
  }, 30_000);

  it('tells the platform within the timeout when an LP never answers, and asks the LP for the status', async () => {
    const r = await rig('silent-lp', { faults: { silent: true }, run: { lpOrderTimeoutMs: 500, lpUnresolvedAfterMs: 1_000 } });
    const c = r.clients.get('PLAT')!;
    try {
      const sentAt = Date.now();
      c.send({ clOrdId: 'QUIET-1', account: '100001', symbol: 'EURUSD', side: 'buy', lots: '0.10' });
      expect(await waitFor(() => (c.reports.get('QUIET-1')?.length ?? 0) > 0, 3_000)).toBe(true);
      const heardAfterMs = Date.now() - sentAt;
      // Pending at the venue (ExecType A, OrdStatus A): the order is neither lost nor refused.
      expect(c.details.get('QUIET-1')?.[0]).toMatchObject({ execType: 'A', ordStatus: 'A' });
      expect(c.details.get('QUIET-1')?.[0]?.text).toMatch(/LP LP_ALPHA has not answered in \d+ ms; order status requested/);
      expect(heardAfterMs).toBeLessThan(2_500);
      expect(await waitFor(() => readFileSync(join(r.out, 'reconciliation.jsonl'), 'utf8').includes('lp_unanswered'), 4_000)).toBe(true);
    } finally {
      const summary = await r.stop();
      expect((summary as unknown as { reconciliation: Record<string, number> }).reconciliation['lp_unanswered']).toBe(1);
      expect((summary as unknown as { orderDesk: { open: number } }).orderDesk.open).toBe(1); // held for a late fill
    }
  }, 30_000);

  it('never passes an overfill on: the platform is filled at the order quantity, the excess is a reconciliation break', async () => {
    const r = await rig('overfill', { faults: { overfill: 2 } });
    const c = r.clients.get('PLAT')!;
    try {
      c.send({ clOrdId: 'OVER-1', account: '100001', symbol: 'EURUSD', side: 'buy', lots: '0.10' });
      expect(await waitFor(() => final(c, 'OVER-1'), 5_000)).toBe(true);
      expect(c.details.get('OVER-1')?.map((d) => [d.execType, d.ordStatus, d.lastQty, d.cumQty])).toEqual([['F', '2', '0.1', '0.1']]);
      const breaks = readFileSync(join(r.out, 'reconciliation.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
      expect(breaks).toHaveLength(1);
      expect(breaks[0]).toMatchObject({ kind: 'overfill', clientOrderId: 'OVER-1', session: 'PLAT', lp: 'LP_ALPHA' });
    } finally {
      await r.stop();
    }
  }, 30_000);

  it('never gives a client more than its limit when the LP fills beyond the limit it was sent: the client gets its limit, the LP\'s price is a break', async () => {
    const r = await rig('beyond-limit', { faults: { ignoreLimit: true } });
    const c = r.clients.get('PLAT')!;
    try {
      // EURUSD trades near 1.085: a buy limit at 1.00000 goes out at 0.99998 (less the markup),
      // and this LP fills it at the market anyway.
      c.send({ clOrdId: 'LIMIT-1', account: '100001', symbol: 'EURUSD', side: 'buy', lots: '0.10', price: '1.00000' });
      expect(await waitFor(() => final(c, 'LIMIT-1'), 5_000)).toBe(true);
      const [fill] = c.details.get('LIMIT-1')!;
      expect([fill?.execType, fill?.ordStatus, fill?.lastQty]).toEqual(['F', '2', '0.1']);
      expect(Number(fill?.lastPx)).toBe(1);
      expect(await waitFor(() => readFileSync(join(r.out, 'reconciliation.jsonl'), 'utf8').includes('lp_limit_breached'), 3_000)).toBe(true);
      const [b] = readFileSync(join(r.out, 'reconciliation.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
      expect(b).toMatchObject({ kind: 'lp_limit_breached', clientOrderId: 'LIMIT-1', session: 'PLAT', lp: 'LP_ALPHA' });
      expect(b.detail).toMatch(/bought at 1\d{8} E8, beyond the order's limit 99998000 E8/);
    } finally {
      await r.stop();
    }
  }, 30_000);

  it('passes on a fill at a bad print (10% off the quote) and raises an lp_price_outlier break', async () => {
    const r = await rig('outlier', { faults: { fillPriceFactor: 1.1 } });
    const c = r.clients.get('PLAT')!;
    try {
      c.send({ clOrdId: 'WILD-1', account: '100001', symbol: 'EURUSD', side: 'buy', lots: '0.10' });
      expect(await waitFor(() => final(c, 'WILD-1'), 5_000)).toBe(true);
      expect(c.details.get('WILD-1')?.map((d) => [d.execType, d.ordStatus, d.cumQty])).toEqual([['F', '2', '0.1']]);
      expect(await waitFor(() => readFileSync(join(r.out, 'reconciliation.jsonl'), 'utf8').includes('lp_price_outlier'), 3_000)).toBe(true);
      const [b] = readFileSync(join(r.out, 'reconciliation.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
      expect(b).toMatchObject({ kind: 'lp_price_outlier', clientOrderId: 'WILD-1', lp: 'LP_ALPHA' });
      expect(b.detail).toMatch(/ \d+\.\d\d% from the \d+ E8 quote the order was decided on \(alert at 5%\); passed on/);
    } finally {
      await r.stop();
    }
  }, 30_000);

  it('passes on a venue\'s expiry of a limit the market is beyond: canceled, nothing filled, no break', async () => {
    const r = await rig('limit-expired');
    const c = r.clients.get('PLAT')!;
    try {
      c.send({ clOrdId: 'LIMIT-2', account: '100001', symbol: 'EURUSD', side: 'buy', lots: '0.10', price: '1.00000' });
      expect(await waitFor(() => final(c, 'LIMIT-2'), 5_000)).toBe(true);
      expect(c.details.get('LIMIT-2')?.map((d) => [d.execType, d.ordStatus, d.cumQty])).toEqual([['4', '4', '0']]);
      expect(readFileSync(join(r.out, 'reconciliation.jsonl'), 'utf8')).toBe('');
    } finally {
      await r.stop();
    }
  }, 30_000);

  it('never sends an LP a non-positive limit price: a buy limit at or below the markup is refused before routing out', async () => {
    const r = await rig('bad-price');
    const c = r.clients.get('PLAT')!;
    try {
      // EURUSD pro markup is 2 points (0.00002): a buy limit at 0.00001 nets to -0.00001 at the LP.
      c.send({ clOrdId: 'CHEAP-1', account: '100001', symbol: 'EURUSD', side: 'buy', lots: '0.10', price: '0.00001' });
      c.send({ clOrdId: 'CHEAP-2', account: '100001', symbol: 'EURUSD', side: 'buy', lots: '0.10', price: '0.00002' });
      expect(await waitFor(() => final(c, 'CHEAP-1') && final(c, 'CHEAP-2'), 5_000)).toBe(true);
      for (const id of ['CHEAP-1', 'CHEAP-2']) {
        expect(c.details.get(id)?.map((d) => [d.execType, d.ordStatus, d.ordRejReason])).toEqual([['8', '8', '18']]);
        expect(c.details.get(id)?.[0]?.text).toMatch(/not a positive price/);
      }
      await new Promise((res) => setTimeout(res, 200));
      expect(r.sim.stats.orders).toBe(0);
    } finally {
      const summary = await r.stop();
      expect(summary.production.executed).toBe(0);
      expect((summary.production as { notSent?: number }).notSent).toBe(2);
    }
    const steps = readFileSync(join(r.out, 'orders.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l).step);
    expect(steps.filter((s) => s === 'not_sent')).toHaveLength(2);
  }, 30_000);

  it('counts a candidate that returns a malformed decision (a BigInt, bad digits) as candidate_error; production carries on', async () => {
    const mod = join(tmp, 'garbage-candidate.mjs');
    writeFileSync(mod, [
      "const base = { router: 'garbage', configHash: 'g', action: 'route', rejectReason: null, detail: null, ruleId: 'x', instrument: 'EURUSD', digits: 5, lp: 'LP_ALPHA', lpSymbol: 'EUR/USD', selectionMode: 'priority', volumeE8: 10000000, lpPriceE8: 108500000, markupE8: 2000, clientPriceE8: 108502000, markupProfile: 'pro', pool: ['LP_ALPHA'], skipped: [], failover: false };",
      'let n = 0;',
      "export default { name: 'garbage', decide() { n++; return n % 3 === 1 ? { ...base, volumeE8: 10n } : n % 3 === 2 ? { ...base, digits: 99 } : { ...base, pool: 'LP_ALPHA' }; } };",
      '',
    ].join('\n'));
    const r = await rig('garbage', { run: { candidate: mod } });
    const c = r.clients.get('PLAT')!;
    const ids = Array.from({ length: 6 }, (_, i) => `G-${i}`);
    try {
      for (const id of ids) c.send({ clOrdId: id, account: '100001', symbol: 'EURUSD', side: 'buy', lots: '0.10' });
      expect(await waitFor(() => ids.every((id) => final(c, id)), 5_000)).toBe(true);
      expect(ids.every((id) => c.reports.get(id)?.at(-1) === 'F:2')).toBe(true);
    } finally {
      const summary = await r.stop();
      expect(summary.orders).toBe(6);
      expect(summary.coverage.dropped.candidate_error).toBe(6);
      expect(summary.compared).toBe(0);
    }
    const faults = readFileSync(join(r.out, 'shadow-faults.jsonl'), 'utf8');
    expect(faults).toMatch(/candidate returned an invalid decision: volumeE8 is BigInt 10, not an integer/);
    expect(faults).toMatch(/digits is 99, outside 0\.\.8/);
    expect(faults).toMatch(/pool is \\"LP_ALPHA\\", not an array/);
  }, 30_000);

  it('stops cleanly while the candidate hangs: the report is written and every context is counted', async () => {
    const mod = join(tmp, 'hangs-forever.mjs');
    writeFileSync(mod, "export default { name: 'hangs', decide() { for (;;) {} } };\n");
    // A budget longer than the stop waits: the hung decisions are still in flight at the stop.
    const r = await rig('hung-stop', { run: { candidate: mod, candidateBudgetUs: 60_000_000 } });
    const c = r.clients.get('PLAT')!;
    const ids = Array.from({ length: 20 }, (_, i) => `H-${i}`);
    for (const id of ids) c.send({ clOrdId: id, account: '100001', symbol: 'EURUSD', side: 'buy', lots: '0.10' });
    expect(await waitFor(() => ids.every((id) => final(c, id)), 5_000)).toBe(true);
    const started = Date.now();
    const summary = await r.stop();
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(summary.orders).toBe(20);
    // Offered = compared + every drop: no context is left uncounted.
    const drops = Object.values(summary.coverage.dropped).reduce((a, b) => a + b, 0);
    expect(summary.compared + drops).toBe(20);
    expect(summary.coverage.dropped.candidate_timeout).toBe(20);
    expect(JSON.parse(readFileSync(join(r.out, 'summary.json'), 'utf8')).orders).toBe(20);
  }, 40_000);

  it('survives a candidate that allocates without bound: its worker dies in its own heap and is replaced; production carries on', async () => {
    const mod = join(tmp, 'allocates.mjs');
    writeFileSync(mod, "const hoard = []; export default { name: 'hog', decide() { for (;;) hoard.push(new Array(1e6).fill(1)); } };\n");
    const r = await rig('allocating', { run: { candidate: mod, candidateBudgetUs: 30_000_000 } });
    const c = r.clients.get('PLAT')!;
    const ids = Array.from({ length: 4 }, (_, i) => `A-${i}`);
    try {
      for (const id of ids) c.send({ clOrdId: id, account: '100001', symbol: 'EURUSD', side: 'buy', lots: '0.10' });
      expect(await waitFor(() => ids.every((id) => final(c, id)), 5_000)).toBe(true);
      expect(ids.every((id) => c.reports.get(id)?.at(-1) === 'F:2')).toBe(true);
      await new Promise((res) => setTimeout(res, 3_000)); // a worker or two runs out of heap
    } finally {
      const summary = await r.stop();
      expect(summary.orders).toBe(4);
      expect(summary.compared + Object.values(summary.coverage.dropped).reduce((a, b) => a + b, 0)).toBe(4);
      expect(summary.compared).toBe(0);
    }
    expect(readFileSync(join(r.out, 'shadow-faults.jsonl'), 'utf8')).toMatch(/candidate worker exited|candidate_timeout/);
  }, 60_000);
});
