// The live engine on real loopback FIX sessions: LP simulators, the engine, a platform client.
// Every order is answered; the LPs receive exactly production's orders and nothing from the
// candidate; replaying the recording makes the very same decisions.

import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { LiveConfigInput as LiveConfig } from '../../src/app/live-config.js';
import { simInstruments } from '../../src/app/live-demo.js';
import { startLiveEngine } from '../../src/app/live-engine.js';
import { PERSONAS } from '../../src/app/lp-personas.js';
import { startLpSim, type LpSim } from '../../src/app/lp-sim.js';
import { startPlatformClient } from '../../src/app/platform-client.js';
import { runReplay } from '../../src/app/replay.js';
import { CANDIDATE_DIR, PRODUCTION_DIR, productionBundle } from '../support/builders.js';
import { waitFor } from '../support/wait.js';

const tmp = mkdtempSync(join(tmpdir(), 'sb-live-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const silent = { event() {} };
const LPS = ['LP_ALPHA', 'LP_BRAVO', 'LP_CHARLIE'];


function decisions(file: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of readFileSync(file, 'utf8').trim().split('\n')) {
    const d = JSON.parse(line);
    if (d.step === 'routed' || d.step === 'rejected') out.set(d.clientOrderId, JSON.stringify([d.step, d.lp, d.rule, d.clientPriceE8, d.markupE8, d.rejectReason]));
  }
  return out;
}

/** One LP simulator, the engine, and a logged-on platform client with quotes flowing. */
async function oneLpRun(name: string, run: Pick<LiveConfig['run'], 'candidate' | 'flushMs' | 'candidateBudgetUs'>) {
  const sim = await startLpSim({ lp: 'LP_ALPHA', host: '127.0.0.1', port: 0, bridgeCompId: 'BRIDGE', persona: { ...PERSONAS['bank']!, seqGapProbability: 0, disconnectProbability: 0 }, seed: 7, instruments: simInstruments(productionBundle(), 'LP_ALPHA'), log: silent });
  const out = join(tmp, `${name}-run`);
  const config: LiveConfig = {
    run: { production: PRODUCTION_DIR, out, record: null, maxShadowQueue: 10_000, ...run },
    platform: { host: '127.0.0.1', port: 0, senderCompId: 'BRIDGE', storeDir: join(tmp, `${name}-store`), tls: null, priceThrottleMs: 0, sessions: [{ targetCompId: 'PLAT', defaultGroup: 'real\\pro\\usd', accountGroups: {}, groupTag: null }] },
    lps: [{ id: 'LP_ALPHA', host: '127.0.0.1', port: sim.port, senderCompId: 'BRIDGE', targetCompId: 'LP_ALPHA', heartBtIntSec: 5, account: 'BRIDGE', resendMaxAgeMs: 2_000, schedule: null, resetAtScheduleStart: true, tls: null }],
  };
  const engine = await startLiveEngine(config, name);
  const client = startPlatformClient({ host: '127.0.0.1', port: engine.platformPort, senderCompId: 'PLAT', targetCompId: 'BRIDGE', seed: 9, log: silent, symbols: [], subscribe: [] });
  expect(await waitFor(() => engine.lpConnected('LP_ALPHA'), 5_000)).toBe(true);
  client.start();
  expect(await client.waitLoggedOn(5_000)).toBe(true);
  await new Promise((r) => setTimeout(r, 400)); // quotes arrive
  return { sim, engine, client, out };
}

describe('live engine over FIX on 127.0.0.1', () => {
  it('routes with production, shadows with the candidate, answers every order, and replays identically', async () => {
    const sims: LpSim[] = [];
    const personas = { LP_ALPHA: 'bank', LP_BRAVO: 'ecn', LP_CHARLIE: 'mm' } as const;
    for (const [k, lp] of LPS.entries()) {
      sims.push(await startLpSim({ lp, host: '127.0.0.1', port: 0, bridgeCompId: 'BRIDGE', persona: { ...PERSONAS[personas[lp as keyof typeof personas]]!, seqGapProbability: 0.01, disconnectProbability: 0 }, seed: 100 + k, instruments: simInstruments(productionBundle(), lp), log: silent }));
    }
    const out = join(tmp, 'run');
    const config: LiveConfig = {
      run: { production: PRODUCTION_DIR, candidate: CANDIDATE_DIR, out, record: join(out, 'recording.jsonl'), flushMs: 200, maxShadowQueue: 10_000, candidateBudgetUs: 50_000 },
      platform: { host: '127.0.0.1', port: 0, senderCompId: 'BRIDGE', storeDir: join(tmp, 'store'), tls: null, priceThrottleMs: 0, sessions: [{ targetCompId: 'PLAT', defaultGroup: 'real\\retail\\usd', accountGroups: { '900001': 'real\\pro\\usd' }, groupTag: null }] },
      lps: LPS.map((id, k) => ({ id, host: '127.0.0.1', port: sims[k]!.port, senderCompId: 'BRIDGE', targetCompId: id, heartBtIntSec: 5, account: 'BRIDGE', resendMaxAgeMs: 2_000, schedule: null, resetAtScheduleStart: true, tls: null })),
    };
    const engine = await startLiveEngine(config, 'itest');
    const client = startPlatformClient({ host: '127.0.0.1', port: engine.platformPort, senderCompId: 'PLAT', targetCompId: 'BRIDGE', seed: 5, log: silent, symbols: [], subscribe: ['EURUSD'] });
    try {
      expect(await waitFor(() => LPS.every((lp) => engine.lpConnected(lp)), 5_000)).toBe(true);
      client.start();
      expect(await client.waitLoggedOn(5_000)).toBe(true);
      await new Promise((r) => setTimeout(r, 600)); // quotes arrive
      const symbols = ['EURUSD', 'GBPUSD', 'GOLD', 'EURUSD.ecn', 'WS30', 'BTCUSD', 'USDJPY', 'AUDUSDm'];
      const ids: string[] = [];
      for (let i = 0; i < 80; i++) {
        const id = `IT-${i}`;
        ids.push(id);
        client.send({ clOrdId: id, account: i % 4 === 0 ? '900001' : '100001', symbol: symbols[i % symbols.length] as string, side: i % 2 === 0 ? 'buy' : 'sell', lots: '0.50' });
        await new Promise((r) => setTimeout(r, 5));
      }
      // Every order ends filled or rejected (partial fills end filled).
      expect(await waitFor(() => ids.every((id) => (client.reports.get(id) ?? []).some((r) => r.endsWith(':2') || r.endsWith(':8'))), 10_000)).toBe(true);
      expect(client.stats.quotes).toBeGreaterThan(0); // marked-up prices published
      // Each order has exactly one final report: nothing lost, nothing answered twice.
      const finals = ids.map((id) => (client.reports.get(id) ?? []).filter((r) => /:(2|8|4)$/.test(r)).length);
      expect(finals.every((n) => n === 1)).toBe(true);
      // A ClOrdID already used on this session is refused as a duplicate and never routed.
      const reportsBefore = client.reports.get('IT-1')?.length ?? 0;
      client.send({ clOrdId: 'IT-1', account: '100001', symbol: 'EURUSD', side: 'buy', lots: '0.50' });
      expect(await waitFor(() => (client.reports.get('IT-1')?.length ?? 0) > reportsBefore, 5_000)).toBe(true);
      expect(client.reports.get('IT-1')?.at(-1)).toBe('8:8');
      // The LPs skip a sequence number on 1% of their messages: wait for one, however slow the
      // machine made the run (the number of messages, not the seed, decides when it comes).
      expect(await waitFor(() => sims.some((s) => s.stats.gaps > 0), 10_000)).toBe(true);
      await new Promise((r) => setTimeout(r, 300)); // the resend it causes is answered
    } finally {
      await client.stop();
    }
    const summary = await engine.stop();
    await Promise.all(sims.map((s) => s.close()));

    expect(summary.orders).toBe(80);
    expect(summary.candidate.executed).toBe(0);
    expect(summary.coverage.ratio).toBe(1);
    expect(summary.divergences.total).toBeGreaterThan(0);
    // The LPs received exactly the orders production routed, once each, and nothing else.
    const routed = [...decisions(join(out, 'orders.jsonl')).values()].filter((d) => d.startsWith('["routed"')).length;
    const received = sims.reduce((n, s) => n + s.stats.orders, 0);
    expect(received).toBe(routed);
    expect(summary.production.executed).toBe(routed);
    for (const s of sims) for (const count of s.ordersByClOrdId.values()) expect(count).toBe(1);
    // BTCUSD is unknown to both bundles: rejected by production, never sent.
    expect([...decisions(join(out, 'orders.jsonl'))].filter(([id]) => id === 'IT-5')[0]?.[1]).toContain('unknown_symbol');
    // Sequence gaps injected by the LPs were recovered without a logout.
    expect(sims.some((s) => s.stats.gaps > 0)).toBe(true);
    expect(sims.flatMap((s) => s.events).filter((e) => e.name === 'fix_logout_received')).toHaveLength(LPS.length); // only the shutdown logouts

    const replay = await runReplay({ scenario: join(out, 'recording.jsonl'), production: PRODUCTION_DIR, candidate: CANDIDATE_DIR, outDir: join(tmp, 'replayed') });
    expect(decisions(join(tmp, 'replayed', 'orders.jsonl'))).toEqual(decisions(join(out, 'orders.jsonl')));
    expect(replay.summary.divergences.byClass).toEqual(summary.divergences.byClass);
  });

  it('routes every order while a module candidate hangs in its worker; the hang becomes one candidate_timeout', async () => {
    // The candidate hangs forever on its first decision. Live, the engine never waits for it:
    // every order is answered while the worker is still stuck, then the worker is replaced and
    // the orders behind the stuck one are decided by the fresh worker.
    const mod = join(tmp, 'hangs-once.mjs');
    // The first decision of any worker that finds no marker file hangs; a fresh worker is a
    // fresh module instance, so the marker is what tells the restarted one not to hang again.
    const marker = join(tmp, 'hung-once');
    writeFileSync(mod, [
      "import { existsSync, writeFileSync } from 'node:fs';",
      `const marker = ${JSON.stringify(marker)};`,
      "const reject = { router: 'hangs-once', configHash: 'x', action: 'reject', rejectReason: 'no_route', detail: null, ruleId: null, instrument: null, digits: 0, lp: null, lpSymbol: null, selectionMode: null, volumeE8: 0, lpPriceE8: 0, markupE8: 0, clientPriceE8: 0, markupProfile: null, pool: [], skipped: [], failover: false };",
      "export default { name: 'hangs-once', decide() { if (!existsSync(marker)) { writeFileSync(marker, 'x'); for (;;) {} } return reject; } };",
      '',
    ].join('\n'));
    const { sim, engine, client, out } = await oneLpRun('hang', { candidate: mod, flushMs: 200, candidateBudgetUs: 3_000_000 });
    const ids = Array.from({ length: 10 }, (_, i) => `HANG-${i}`);
    try {
      for (const id of ids) client.send({ clOrdId: id, account: '100001', symbol: 'EURUSD', side: 'buy', lots: '0.10' });
      expect(await waitFor(() => ids.every((id) => (client.reports.get(id) ?? []).some((r) => /:(2|8)$/.test(r))), 2_500)).toBe(true);
      // Every order is answered, and the candidate has still decided nothing: it is stuck on the
      // first one, and no timeout has fired yet. Production did not wait for it.
      const during = engine.summary();
      expect(during.compared).toBe(0);
      expect(during.coverage.dropped.candidate_timeout).toBe(0);
    } finally {
      await client.stop();
    }
    const summary = await engine.stop(); // waits for the timeout, the restart and the rest
    await sim.close();
    expect(summary.orders).toBe(10);
    expect(summary.coverage.dropped.candidate_timeout).toBe(1);
    expect(summary.compared).toBe(9);
    expect(readFileSync(join(out, 'shadow-faults.jsonl'), 'utf8')).toMatch(/"reason":"candidate_timeout","detail":"CandidateTimedOut: no decision within 3000 ms; worker restarted"/);
  }, 30_000);

  it('refuses new orders, before routing, once the order log cannot be written (a full disk)', async () => {
    // orders.jsonl is a link to /dev/full: opening works, every write fails with ENOSPC.
    const out = join(tmp, 'full-disk-run');
    mkdirSync(out, { recursive: true });
    symlinkSync('/dev/full', join(out, 'orders.jsonl'));
    const { sim, engine, client } = await oneLpRun('full-disk', { candidate: null, flushMs: 100, candidateBudgetUs: 50_000 });
    try {
      // The first order is taken (its record waits in memory), answered, and the periodic flush
      // then finds the disk full.
      client.send({ clOrdId: 'FULL-1', account: '100001', symbol: 'EURUSD', side: 'buy', lots: '0.10' });
      expect(await waitFor(() => (client.reports.get('FULL-1') ?? []).some((r) => /:(2|8)$/.test(r)), 3_000)).toBe(true);
      const routedBefore = sim.stats.orders;
      await new Promise((r) => setTimeout(r, 400)); // a flush or two
      client.send({ clOrdId: 'FULL-2', account: '100001', symbol: 'EURUSD', side: 'buy', lots: '0.10' });
      expect(await waitFor(() => (client.reports.get('FULL-2')?.length ?? 0) > 0, 3_000)).toBe(true);
      expect(client.reports.get('FULL-2')).toEqual(['8:8']); // refused, with no fill behind it
      await new Promise((r) => setTimeout(r, 200));
      expect(sim.stats.orders).toBe(routedBefore); // and never sent to the LP
    } finally {
      await client.stop();
    }
    const summary = await engine.stop(); // the folder's files close without throwing
    await sim.close();
    expect(summary.orders).toBe(1);
    expect(readFileSync(join(out, 'engine.log'), 'utf8')).toMatch(/"event":"orders_refused_log_failed","code":"SB_ERR_OUTPUT_IO"/);
  }, 30_000);
});

