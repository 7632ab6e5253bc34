// WebSocket beside FIX in one live engine, on real loopback sockets: a FIX platform and a web
// platform trade at once and get the same routing for the same order; a WebSocket LP joins the
// pool, fails over and comes back like a FIX LP; the recording replays to the same decisions.

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { LiveConfigInput } from '../../src/app/live-config.js';
import { simInstruments } from '../../src/app/live-demo.js';
import { startLiveEngine } from '../../src/app/live-engine.js';
import { PERSONAS } from '../../src/app/lp-personas.js';
import { startLpSim, type LpSim, type LpSimOptions } from '../../src/app/lp-sim.js';
import { startPlatformClient } from '../../src/app/platform-client.js';
import { runReplay } from '../../src/app/replay.js';
import { WsPlatformClient } from '../../src/app/ws-platform-client.js';
import { loadBundle } from '../../src/mappings/load-bundle.js';
import { PRODUCTION_DIR } from '../support/builders.js';
import { alwaysOpenBundle } from '../support/open-bundle.js';
import { waitFor } from '../support/wait.js';

const tmp = mkdtempSync(join(tmpdir(), 'sb-ws-live-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const silent = { event() {} };
const WEB_TOKEN = 'web-token-0123456789abcdef';
const LP_TOKEN = 'lp-token-0123456789abcdef';
const production = alwaysOpenBundle(PRODUCTION_DIR, join(tmp, 'production'));
const bundle = loadBundle(production);

/** A steady market: each LP re-quotes the same prices every tick, so routing cannot drift. */
function steadySim(lp: string, spreadPoints: number, ws: boolean, port = 0): Promise<LpSim> {
  const instruments = simInstruments(bundle, lp);
  const scriptedQuotes = instruments.map((i) => {
    const point = 10 ** (8 - i.digits);
    return { atMs: 0, lpSymbol: i.lpSymbol, bidE8: i.midE8 - spreadPoints * point, askE8: i.midE8 + spreadPoints * point };
  });
  const o: LpSimOptions = { lp, host: '127.0.0.1', port, bridgeCompId: 'BRIDGE', persona: { ...PERSONAS['ecn']!, rejectProbability: 0, partialProbability: 0, seqGapProbability: 0, disconnectProbability: 0, staleProbability: 0 }, seed: 3, instruments, log: silent, scriptedQuotes, ...(ws ? { ws: { token: LP_TOKEN } } : {}) };
  return startLpSim(o);
}

function config(name: string, sims: Record<string, LpSim>, wsLps: readonly string[], record: 'jsonl' | 'msgpack' | null): LiveConfigInput {
  const out = join(tmp, `${name}-run`);
  return {
    run: { production, candidate: null, out, record: record === null ? null : join(out, `recording.${record}`), flushMs: 200 },
    platform: {
      host: '127.0.0.1',
      port: 0,
      senderCompId: 'BRIDGE',
      storeDir: join(tmp, `${name}-store`),
      priceThrottleMs: 0,
      sessions: [{ targetCompId: 'PLAT', defaultGroup: 'real\\retail\\usd', accountGroups: { '900001': 'real\\pro\\usd' } }],
      websocket: { port: 0, clients: [{ id: 'WEB', token: WEB_TOKEN, defaultGroup: 'real\\retail\\usd', accountGroups: { '900001': 'real\\pro\\usd' } }] },
    },
    lps: Object.entries(sims).map(([id, sim]) => (wsLps.includes(id) ? { id, protocol: 'ws' as const, port: sim.port, token: LP_TOKEN } : { id, port: sim.port, senderCompId: 'BRIDGE', targetCompId: id, heartBtIntSec: 5 })),
  };
}

/** orders.jsonl: clientOrderId -> what routing did (step, LP, rule, markup, reject reason). */
function routing(file: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of readFileSync(file, 'utf8').trim().split('\n')) {
    const d = JSON.parse(line);
    if (d.step === 'routed' || d.step === 'rejected') out.set(d.clientOrderId, JSON.stringify([d.step, d.lp, d.rule, d.markupE8, d.rejectReason]));
  }
  return out;
}

describe('WebSocket platforms and LPs beside FIX', () => {
  it('a FIX platform and a web platform trade at once through one engine, routed alike; the recording replays identically', async () => {
    const sims = { LP_ALPHA: await steadySim('LP_ALPHA', 3, false), LP_BRAVO: await steadySim('LP_BRAVO', 2, true), LP_CHARLIE: await steadySim('LP_CHARLIE', 4, false) };
    const c = config('both', sims, ['LP_BRAVO'], 'jsonl');
    const engine = await startLiveEngine(c, 'wsboth');
    const fix = startPlatformClient({ host: '127.0.0.1', port: engine.platformPort, senderCompId: 'PLAT', targetCompId: 'BRIDGE', seed: 5, log: silent, symbols: [], subscribe: ['EURUSD'] });
    let web: WsPlatformClient | null = null;
    try {
      expect(engine.wsPort).toBeGreaterThan(0);
      expect(await waitFor(() => ['LP_ALPHA', 'LP_BRAVO', 'LP_CHARLIE'].every((lp) => engine.lpConnected(lp)), 5_000)).toBe(true);
      fix.start();
      expect(await fix.waitLoggedOn(5_000)).toBe(true);
      web = new WsPlatformClient({ url: `ws://127.0.0.1:${engine.wsPort}/v1`, token: WEB_TOKEN, auth: 'message', subscribe: ['EURUSD', 'GOLD'] });
      const welcome = await web.ready;
      expect(welcome).toMatchObject({ type: 'welcome', v: 1, client: 'WEB', ordersSeq: 0 });
      await new Promise((r) => setTimeout(r, 400)); // quotes arrive
      const symbols = ['EURUSD', 'GBPUSD', 'GOLD', 'WS30', 'USDJPY', 'BTCUSD', 'EURUSD.ecn'];
      const n = 42;
      for (let i = 0; i < n; i++) {
        const order = { account: i % 3 === 0 ? '900001' : '100001', symbol: symbols[i % symbols.length] as string, side: i % 2 === 0 ? ('buy' as const) : ('sell' as const), lots: '0.50' };
        fix.send({ clOrdId: `F-${i}`, ...order });
        web.send({ clOrdId: `W-${i}`, ...order });
        await new Promise((r) => setTimeout(r, 3));
      }
      const w = web;
      expect(await waitFor(() => Array.from({ length: n }, (_, i) => i).every((i) => w.final(`W-${i}`) !== undefined && (fix.reports.get(`F-${i}`) ?? []).some((r) => /:(2|8)$/.test(r))), 10_000)).toBe(true);
      // Prices reached the web platform: a snapshot first, numbered without gaps, heartbeats.
      expect(web.stats.snapshots).toBeGreaterThanOrEqual(2);
      expect(web.stats.prices).toBeGreaterThan(web.stats.snapshots);
      expect(web.stats.priceGaps).toBe(0);
      // Each web order has exactly one final execution, as each FIX order has one final report.
      for (let i = 0; i < n; i++) expect((web.reports.get(`W-${i}`) ?? []).filter((r) => /:(filled|rejected|canceled)$/.test(r))).toHaveLength(1);
      // Rejects carry the FIX taxonomy: BTCUSD is unknown to production.
      const btc = [...web.ordersChannel.values()].find((m) => m['clOrdId'] === 'W-5' && m['execType'] === 'rejected');
      expect(btc).toMatchObject({ reason: 'unknown_symbol', ordRejReason: 1 });
      // A fresh order with a used clOrdId is refused as a duplicate (103=6), never routed.
      const w1 = web.reports.get('W-1')?.length ?? 0;
      web.send({ clOrdId: 'W-1', symbol: 'EURUSD', side: 'buy', lots: '0.50' });
      expect(await waitFor(() => (web?.reports.get('W-1')?.length ?? 0) > w1, 5_000)).toBe(true);
      expect([...web.ordersChannel.values()].at(-1)).toMatchObject({ clOrdId: 'W-1', ordRejReason: 6, reason: 'duplicate_order' });
      // A resend flagged possResend of an order taken is ignored, not executed twice.
      const before = web.ordersChannel.size;
      web.send({ clOrdId: 'W-2', symbol: 'EURUSD', side: 'buy', lots: '0.50', possResend: true });
      await new Promise((r) => setTimeout(r, 300));
      expect(web.ordersChannel.size).toBe(before);
      // Orders-channel numbers run 1..N with no gap.
      const seqs = [...web.ordersChannel.keys()].sort((a, b) => a - b);
      expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => i + 1));
    } finally {
      await web?.close();
      await fix.stop();
    }
    const summary = await engine.stop();
    await Promise.all(Object.values(sims).map((s) => s.close()));

    expect(summary.orders).toBe(84);
    const routed = routing(join(c.run.out, 'orders.jsonl'));
    // The same order from either platform is routed the same way.
    for (let i = 0; i < 42; i++) expect(routed.get(`W-${i}`), `order ${i}`).toBe(routed.get(`F-${i}`));
    // The WebSocket LP took orders (US30 goes to LP_BRAVO first) and got each once.
    expect(sims.LP_BRAVO.stats.orders).toBeGreaterThan(0);
    for (const s of Object.values(sims)) for (const count of s.ordersByClOrdId.values()) expect(count).toBe(1);
    expect([...routed.values()].filter((r) => r.includes('"LP_BRAVO"')).length).toBe(sims.LP_BRAVO.stats.orders);
    // admission.ws counts the web platform's connection.
    expect((summary as unknown as { admission: { ws: { accepted: number } } }).admission.ws.accepted).toBe(1);

    // Replaying the recording (FIX and WebSocket events alike) reproduces every decision.
    const replay = await runReplay({ scenario: join(c.run.out, 'recording.jsonl'), production, candidate: null, outDir: join(tmp, 'both-replayed') });
    expect(routing(join(tmp, 'both-replayed', 'orders.jsonl'))).toEqual(routed);
    expect(replay.summary.orders).toBe(summary.orders);
  });

  it('a WebSocket LP fails over and comes back like a FIX LP', async () => {
    const sims = { LP_ALPHA: await steadySim('LP_ALPHA', 3, false), LP_BRAVO: await steadySim('LP_BRAVO', 2, true), LP_CHARLIE: await steadySim('LP_CHARLIE', 4, false) };
    const c = config('failover', sims, ['LP_BRAVO'], 'msgpack'); // a binary recording this time
    const engine = await startLiveEngine(c, 'wsfail');
    const web = new WsPlatformClient({ url: `ws://127.0.0.1:${engine.wsPort}/v1`, token: WEB_TOKEN });
    let restarted: LpSim | null = null;
    try {
      expect(await waitFor(() => ['LP_ALPHA', 'LP_BRAVO', 'LP_CHARLIE'].every((lp) => engine.lpConnected(lp)), 5_000)).toBe(true);
      await web.ready;
      await new Promise((r) => setTimeout(r, 300));
      let k = 0;
      /** Sends one order and returns the LP that routing chose for it. */
      const routeOf = async (symbol: string): Promise<string> => {
        const id = `O-${++k}`;
        web.send({ clOrdId: id, symbol, side: 'buy', lots: '1.00' });
        expect(await waitFor(() => web.final(id) !== undefined, 5_000)).toBe(true);
        await new Promise((r) => setTimeout(r, 250)); // orders.jsonl is flushed every 200 ms
        const r = routing(join(c.run.out, 'orders.jsonl')).get(id) ?? '';
        return (JSON.parse(r) as unknown[])[1] as string;
      };
      // US30: pool [LP_BRAVO (WebSocket), LP_CHARLIE], priority. XAUUSD retail: [LP_ALPHA (FIX), LP_BRAVO].
      expect(await routeOf('WS30')).toBe('LP_BRAVO');
      expect(await routeOf('GOLD')).toBe('LP_ALPHA');
      // The FIX LP goes away: marked down, XAUUSD fails over to LP_BRAVO (the WebSocket LP).
      await sims.LP_ALPHA.close();
      expect(await waitFor(() => !engine.lpConnected('LP_ALPHA'), 5_000)).toBe(true);
      expect(await routeOf('GOLD')).toBe('LP_BRAVO');
      // The WebSocket LP goes away the same way: marked down, US30 fails over to LP_CHARLIE,
      // and XAUUSD has no LP left: rejected, never sent.
      const bravoPort = sims.LP_BRAVO.port;
      await sims.LP_BRAVO.close();
      expect(await waitFor(() => !engine.lpConnected('LP_BRAVO'), 5_000)).toBe(true);
      expect(await routeOf('WS30')).toBe('LP_CHARLIE');
      const id = `O-${++k}`;
      web.send({ clOrdId: id, symbol: 'GOLD', side: 'buy', lots: '1.00' });
      expect(await waitFor(() => web.final(id) !== undefined, 5_000)).toBe(true);
      expect(web.final(id)).toBe('rejected:rejected');
      // It comes back on the same port: the engine reconnects, resubscribes and routes to it again.
      restarted = await steadySim('LP_BRAVO', 2, true, bravoPort);
      expect(await waitFor(() => engine.lpConnected('LP_BRAVO'), 10_000)).toBe(true);
      await new Promise((r) => setTimeout(r, 300)); // quotes again
      expect(await routeOf('WS30')).toBe('LP_BRAVO');
      expect(await routeOf('GOLD')).toBe('LP_BRAVO');
    } finally {
      await web.close();
      await engine.stop();
      await Promise.all([sims.LP_CHARLIE.close(), restarted?.close()]);
    }
    // The binary recording (LPs going down and up, web orders) replays to the same decisions.
    const recorded = routing(join(c.run.out, 'orders.jsonl'));
    await runReplay({ scenario: join(c.run.out, 'recording.msgpack'), production, candidate: null, outDir: join(tmp, 'failover-replayed') });
    expect(routing(join(tmp, 'failover-replayed', 'orders.jsonl'))).toEqual(recorded);
    expect(recorded.size).toBeGreaterThanOrEqual(6);
  });

  it('refuses to start, with a coded error, when a WebSocket token is missing from the environment; a fixed config then starts', async () => {
    delete process.env['SB_TEST_MISSING_TOKEN'];
    const base = config('notoken', {}, [], null);
    const withLp = { ...base, lps: [{ id: 'LP_BRAVO', protocol: 'ws' as const, port: 1, tokenEnv: 'SB_TEST_MISSING_TOKEN' }] };
    await expect(startLiveEngine(withLp, 'notoken1')).rejects.toThrow(/SB_ERR_WS_CONFIG.*SB_TEST_MISSING_TOKEN is not set/);
    const withClient = { ...base, lps: [{ id: 'LP_BRAVO', protocol: 'ws' as const, port: 1, token: LP_TOKEN }], platform: { ...base.platform, websocket: { port: 0, clients: [{ id: 'WEB', tokenEnv: 'SB_TEST_MISSING_TOKEN', defaultGroup: 'real\\retail\\usd' }] } } };
    await expect(startLiveEngine(withClient, 'notoken2')).rejects.toThrow(/SB_ERR_WS_CONFIG.*SB_TEST_MISSING_TOKEN/);
    // Nothing was left open: the same store and run folder start cleanly once the token is there.
    process.env['SB_TEST_MISSING_TOKEN'] = 'now-set-0123456789abcdef';
    const engine = await startLiveEngine(withClient, 'notoken3');
    expect(engine.wsPort).toBeGreaterThan(0);
    await engine.stop();
    delete process.env['SB_TEST_MISSING_TOKEN'];
  });
});
