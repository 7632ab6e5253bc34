// A hostile web platform against the live engine's WebSocket port: wrong tokens, no token,
// garbage and oversized frames, binary frames, broken framing, 1,000 idle connections, a flood of
// subscribe messages. Each gets its coded answer or close code; the engine never falls over and
// a valid client trades throughout. Then: nothing lost across a disconnect or a restart.

import { mkdtempSync, rmSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { afterAll, describe, expect, it } from 'vitest';
import type { LiveConfigInput } from '../../src/app/live-config.js';
import { simInstruments } from '../../src/app/live-demo.js';
import { startLiveEngine, type LiveEngine } from '../../src/app/live-engine.js';
import { PERSONAS } from '../../src/app/lp-personas.js';
import { startLpSim, type LpSim } from '../../src/app/lp-sim.js';
import { WsPlatformClient } from '../../src/app/ws-platform-client.js';
import { loadBundle } from '../../src/mappings/load-bundle.js';
import { PRODUCTION_DIR } from '../support/builders.js';
import { alwaysOpenBundle } from '../support/open-bundle.js';
import { waitFor } from '../support/wait.js';

const tmp = mkdtempSync(join(tmpdir(), 'sb-ws-hostile-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const silent = { event() {} };
const TOKEN = 'good-token-0123456789abcdef';
const production = alwaysOpenBundle(PRODUCTION_DIR, join(tmp, 'production'));

async function lp(holdMs: [number, number] = [0, 2]): Promise<LpSim> {
  return startLpSim({ lp: 'LP_BRAVO', host: '127.0.0.1', port: 0, bridgeCompId: 'BRIDGE', persona: { ...PERSONAS['ecn']!, rejectProbability: 0, partialProbability: 0, seqGapProbability: 0, disconnectProbability: 0, staleProbability: 0, holdMs }, seed: 1, instruments: simInstruments(loadBundle(production), 'LP_BRAVO'), log: silent });
}

function engineConfig(name: string, sim: LpSim, store = join(tmp, `${name}-store`)): LiveConfigInput {
  return {
    run: { production, out: join(tmp, `${name}-run`), flushMs: 200 },
    platform: {
      port: 0,
      senderCompId: 'BRIDGE',
      storeDir: store,
      priceThrottleMs: 0,
      sessions: [{ targetCompId: 'PLAT', defaultGroup: 'real\\retail\\usd' }],
      websocket: { port: 0, limits: { authTimeoutMs: 500, messagesPerSecond: 50, maxPendingConnections: 32 }, clients: [{ id: 'WEB', token: TOKEN, defaultGroup: 'real\\retail\\usd' }, { id: 'VIEWER', token: 'viewer-token-0123456789ab', defaultGroup: 'real\\retail\\usd', orders: false }] },
    },
    lps: [{ id: 'LP_BRAVO', port: sim.port, senderCompId: 'BRIDGE', targetCompId: 'LP_BRAVO', heartBtIntSec: 5 }],
  };
}

/** Opens a raw ws connection and resolves with how it closed (code, or HTTP status as a negative). */
function probe(url: string, opts: { headers?: Record<string, string>; send?: (ws: WebSocket) => void }): Promise<{ code: number; reason: string; messages: Record<string, unknown>[] }> {
  return new Promise((resolve) => {
    const messages: Record<string, unknown>[] = [];
    const ws = new WebSocket(url, { headers: opts.headers ?? {} });
    ws.on('error', () => {});
    ws.on('unexpected-response', (_req, res) => {
      resolve({ code: -(res.statusCode ?? 0), reason: 'http', messages });
      ws.terminate();
    });
    ws.on('open', () => opts.send?.(ws));
    ws.on('message', (d) => messages.push(JSON.parse(d.toString())));
    ws.on('close', (code, reason) => resolve({ code, reason: reason.toString(), messages }));
  });
}

/** A valid client's order, answered end to end. */
async function trades(client: WsPlatformClient, id: string): Promise<string | undefined> {
  client.send({ clOrdId: id, symbol: 'EURUSD', side: 'buy', lots: '0.10' });
  await waitFor(() => client.final(id) !== undefined, 5_000);
  return client.final(id);
}

describe('the WebSocket port under hostile input', () => {
  it('refuses, closes and counts every bad input with its code while a valid client trades', async () => {
    const sim = await lp();
    const engine: LiveEngine = await startLiveEngine(engineConfig('hostile', sim), 'wshostile');
    const url = `ws://127.0.0.1:${engine.wsPort}/v1`;
    const good = new WsPlatformClient({ url, token: TOKEN, subscribe: ['EURUSD'] });
    const idle: Socket[] = [];
    try {
      expect(await waitFor(() => engine.lpConnected('LP_BRAVO'), 5_000)).toBe(true);
      await good.ready;
      await new Promise((r) => setTimeout(r, 300));
      expect(await trades(good, 'G-1')).toBe('trade:filled');

      // Authentication: a wrong header token gets HTTP 401 and no WebSocket; a wrong token in
      // the first message 4001; a first message that is not auth 4003; silence 4002.
      expect((await probe(url, { headers: { authorization: 'Bearer wrong-token-0123456789' } })).code).toBe(-401);
      expect((await probe(url, { send: (ws) => ws.send(JSON.stringify({ type: 'auth', token: 'wrong-token-0123456789' })) })).code).toBe(4001);
      expect((await probe(url, { send: (ws) => ws.send(JSON.stringify({ type: 'subscribe', symbols: ['EURUSD'] })) })).code).toBe(4003);
      expect((await probe(url, { send: (ws) => ws.send('not json at all') })).code).toBe(4003);
      expect((await probe(url, {})).code).toBe(4002);
      expect((await probe(`ws://127.0.0.1:${engine.wsPort}/admin`, { headers: { authorization: `Bearer ${TOKEN}` } })).code).toBe(-404);

      // After authentication: garbage gets coded errors and the connection stays open.
      const bad = await probe(url, {
        headers: { authorization: 'Bearer viewer-token-0123456789ab' },
        send: (ws) => {
          ws.send('{"type":');
          ws.send('[1,2,3]');
          ws.send(JSON.stringify({ type: 'launch_missiles', reqId: 7 }));
          ws.send(JSON.stringify({ type: 'subscribe', reqId: 8, symbols: ['NOPE', 'EURUSD'] }));
          ws.send(JSON.stringify({ type: 'subscribe', reqId: 9, symbols: Array.from({ length: 1_001 }, (_, i) => `S${i}`) }));
          ws.send(JSON.stringify({ type: 'new', clOrdId: 'V-1', symbol: 'EURUSD', side: 'buy', qty: '1', ordType: 'market' }));
          ws.send(JSON.stringify({ type: 'replay', from: 'yesterday' }));
          setTimeout(() => ws.close(1000), 300);
        },
      });
      expect(bad.code).toBe(1000);
      const codes = bad.messages.filter((m) => m['type'] === 'error').map((m) => m['code']);
      expect(codes).toEqual(['SB_WS_BAD_JSON', 'SB_WS_BAD_JSON', 'SB_WS_UNKNOWN_TYPE', 'SB_WS_UNKNOWN_SYMBOL', 'SB_WS_BAD_MESSAGE', 'SB_WS_ORDERS_DISABLED', 'SB_WS_BAD_MESSAGE']);
      expect(bad.messages.find((m) => m['type'] === 'error' && m['code'] === 'SB_WS_UNKNOWN_TYPE')?.['reqId']).toBe(7);
      expect(bad.messages.find((m) => m['type'] === 'subscribed')).toMatchObject({ reqId: 8, symbols: ['EURUSD'] });

      // Orders with bad fields are rejected by their clOrdId, with the reason in the text.
      good.raw({ type: 'new', clOrdId: 'G-bad-qty', symbol: 'EURUSD', side: 'buy', qty: 1.5, ordType: 'market' });
      good.raw({ type: 'new', clOrdId: 'G-bad-side', symbol: 'EURUSD', side: 'up', qty: '1', ordType: 'market' });
      good.raw({ type: 'new', clOrdId: 'G-bad-px', symbol: 'EURUSD', side: 'buy', qty: '1', ordType: 'limit', price: '-1' });
      good.raw({ type: 'new', clOrdId: 'G-precision', symbol: 'EURUSD', side: 'buy', qty: '0.123456789', ordType: 'market' });
      good.raw({ type: 'new', symbol: 'EURUSD', side: 'buy', qty: '1', ordType: 'market', reqId: 'no-id' });
      expect(await waitFor(() => ['G-bad-qty', 'G-bad-side', 'G-bad-px', 'G-precision'].every((id) => good.final(id) === 'rejected:rejected'), 3_000)).toBe(true);
      expect(await waitFor(() => good.errors.some((e) => e['reqId'] === 'no-id' && e['code'] === 'SB_WS_BAD_MESSAGE'), 3_000)).toBe(true);
      const qtyReject = [...good.ordersChannel.values()].find((m) => m['clOrdId'] === 'G-bad-qty');
      expect(qtyReject).toMatchObject({ ordRejReason: 99, reason: 'other' });
      expect(String(qtyReject?.['text'])).toContain('qty');

      // Oversized frame: 1009. Binary frame: 1003. Broken framing after the upgrade: 1002.
      expect((await probe(url, { headers: { authorization: 'Bearer viewer-token-0123456789ab' }, send: (ws) => ws.send('x'.repeat(17_000)) })).code).toBe(1009);
      expect((await probe(url, { headers: { authorization: 'Bearer viewer-token-0123456789ab' }, send: (ws) => ws.send(Buffer.from([1, 2, 3])) })).code).toBe(1003);
      const broken = await probe(url, { headers: { authorization: 'Bearer viewer-token-0123456789ab' }, send: (ws) => (ws as unknown as { _socket: Socket })._socket.write(Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff])) });
      expect([1002, 1006]).toContain(broken.code);

      // A flood of subscribe messages: past 50/s (burst 100) the connection is closed 1008.
      const flood = await probe(url, {
        headers: { authorization: 'Bearer viewer-token-0123456789ab' },
        send: (ws) => {
          for (let i = 0; i < 500; i++) ws.send(JSON.stringify({ type: 'subscribe', reqId: i, symbols: ['EURUSD'] }));
        },
      });
      expect(flood.code).toBe(1008);

      // 1,000 idle TCP connections that never send a byte: the oldest are evicted past 32, and
      // the valid client keeps trading; a new valid client gets in at once.
      let evicted = 0;
      for (let i = 0; i < 1_000; i++) {
        const s = connect(engine.wsPort as number, '127.0.0.1');
        s.on('error', () => {});
        s.on('close', () => evicted++);
        idle.push(s);
      }
      // Past the listen backlog the kernel makes some wait: they are evicted as they are accepted.
      expect(await waitFor(() => evicted >= 1_000 - 32, 10_000)).toBe(true);
      expect(await trades(good, 'G-2')).toBe('trade:filled');
      const late = new WsPlatformClient({ url, token: 'viewer-token-0123456789ab' });
      expect(await late.ready).toMatchObject({ type: 'welcome', client: 'VIEWER' });
      await late.close();
      // Garbage where an HTTP request should be: the socket is closed, nothing else happens.
      const junk = connect(engine.wsPort as number, '127.0.0.1');
      junk.on('error', () => {});
      junk.write('\u0000\u0001garbage\r\n\r\n');
      expect(await new Promise((r) => junk.on('close', () => r(true)))).toBe(true);

      expect(await trades(good, 'G-3')).toBe('trade:filled');
      expect(good.stats.priceGaps).toBe(0);
      const ws = (engine.summary() as unknown as { admission: { ws: Record<string, number> } }).admission.ws;
      expect(ws['authFailures']).toBe(2);
      expect(ws['authTimeouts']).toBeGreaterThanOrEqual(1);
      expect(ws['refusedBadPath']).toBe(1);
      expect(ws['tooBig']).toBe(1);
      expect(ws['binaryFrames']).toBe(1);
      expect(ws['rateLimited']).toBe(1);
      expect(ws['evictedPending']).toBeGreaterThanOrEqual(1_000 - 32);

      // Guessing tokens: after 20 wrong ones in a minute from one address, its upgrades get HTTP
      // 429 for the rest of the minute; a client already connected goes on trading.
      for (let i = 0; i < 18; i++) expect((await probe(url, { headers: { authorization: `Bearer guess-${i}-0123456789abcdef` } })).code).toBe(-401);
      expect((await probe(url, { headers: { authorization: `Bearer ${TOKEN}` } })).code).toBe(-429);
      expect(await trades(good, 'G-4')).toBe('trade:filled');
      expect((engine.summary() as unknown as { admission: { ws: Record<string, number> } }).admission.ws['refusedPeerBlocked']).toBe(1);
    } finally {
      for (const s of idle) s.destroy();
      await good.close();
      await engine.stop();
      await sim.close();
    }
  });

  it('loses no execution across a disconnect or an engine restart: the client replays from its last number', async () => {
    // The LP holds each order 300-400 ms: the fills happen while the client is away.
    const sim = await lp([300, 400]);
    const store = join(tmp, 'replay-store');
    let engine = await startLiveEngine(engineConfig('replay', sim, store), 'wsreplay1');
    let client = new WsPlatformClient({ url: `ws://127.0.0.1:${engine.wsPort}/v1`, token: TOKEN, subscribe: ['EURUSD'] });
    try {
      expect(await waitFor(() => engine.lpConnected('LP_BRAVO'), 5_000)).toBe(true);
      await client.ready;
      await new Promise((r) => setTimeout(r, 300));
      for (let i = 0; i < 5; i++) client.send({ clOrdId: `R-${i}`, symbol: 'EURUSD', side: 'sell', lots: '0.20' });
      await new Promise((r) => setTimeout(r, 50));
      const seen = client.lastOrdersSeq;
      await client.close(); // before the fills
      await new Promise((r) => setTimeout(r, 700));
      client = new WsPlatformClient({ url: `ws://127.0.0.1:${engine.wsPort}/v1`, token: TOKEN, lastOrdersSeq: seen });
      const welcome = await client.ready;
      expect(Number(welcome['ordersSeq'])).toBeGreaterThan(seen);
      expect(await waitFor(() => Array.from({ length: 5 }, (_, i) => client.final(`R-${i}`)).every((f) => f === 'trade:filled'), 5_000)).toBe(true);
      expect(client.stats.replayed).toBeGreaterThanOrEqual(5);
      const lastBefore = client.lastOrdersSeq;
      await client.close();
      await engine.stop();

      // The engine restarts on the same store: numbering continues, the outbox still replays.
      engine = await startLiveEngine(engineConfig('replay', sim, store), 'wsreplay2');
      client = new WsPlatformClient({ url: `ws://127.0.0.1:${engine.wsPort}/v1`, token: TOKEN, lastOrdersSeq: 1 });
      expect(Number((await client.ready)['ordersSeq'])).toBe(lastBefore);
      expect(await waitFor(() => client.lastOrdersSeq === lastBefore, 3_000)).toBe(true);
      expect(await waitFor(() => engine.lpConnected('LP_BRAVO'), 5_000)).toBe(true);
      await new Promise((r) => setTimeout(r, 300));
      client.send({ clOrdId: 'R-after', symbol: 'EURUSD', side: 'buy', lots: '0.20' });
      expect(await waitFor(() => client.final('R-after') === 'trade:filled', 5_000)).toBe(true);
      // A used clOrdId stays used across the restart (the order desk's journal).
      client.send({ clOrdId: 'R-0', symbol: 'EURUSD', side: 'buy', lots: '0.20' });
      expect(await waitFor(() => [...client.ordersChannel.values()].some((m) => m['clOrdId'] === 'R-0' && m['ordRejReason'] === 6), 3_000)).toBe(true);
      expect(Math.min(...[...client.ordersChannel.keys()].filter((k) => k > lastBefore))).toBe(lastBefore + 1);
    } finally {
      await client.close();
      await engine.stop();
      await sim.close();
    }
  });
});
