// A hostile LP over WebSocket: garbage, binary and oversized frames, prices that are not prices,
// executions for orders nobody sent, a second welcome, a flood of fake sequence numbers. The
// engine stays up, books nothing it should not, keeps the FIX LP trading, and the WebSocket LP is
// marked down when it goes silent and up again when it comes back.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WebSocketServer, type WebSocket } from 'ws';
import { afterAll, describe, expect, it } from 'vitest';
import { simInstruments } from '../../src/app/live-demo.js';
import { startLiveEngine } from '../../src/app/live-engine.js';
import { PERSONAS } from '../../src/app/lp-personas.js';
import { startLpSim } from '../../src/app/lp-sim.js';
import { WsPlatformClient } from '../../src/app/ws-platform-client.js';
import { loadBundle } from '../../src/mappings/load-bundle.js';
import { PRODUCTION_DIR } from '../support/builders.js';
import { alwaysOpenBundle } from '../support/open-bundle.js';
import { waitFor } from '../support/wait.js';

const tmp = mkdtempSync(join(tmpdir(), 'sb-ws-lp-hostile-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const TOKEN = 'lp-hostile-token-0123456789';
const WEB = 'web-hostile-token-0123456789';
const production = alwaysOpenBundle(PRODUCTION_DIR, join(tmp, 'production'));

describe('a hostile WebSocket LP', () => {
  it('cannot crash the engine, book a fill, or stop the other LP; silence takes it down', async () => {
    const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await new Promise((r) => wss.once('listening', r));
    const port = (wss.address() as { port: number }).port;
    let peer: WebSocket | null = null;
    let silent = false;
    const orders: string[] = [];
    wss.on('connection', (ws, req) => {
      if (req.headers.authorization !== `Bearer ${TOKEN}`) return ws.close(4001);
      peer = ws;
      ws.on('message', (d) => {
        const m = JSON.parse(d.toString()) as Record<string, unknown>;
        if (m['type'] === 'new') orders.push(m['clOrdId'] as string);
      });
      ws.send(JSON.stringify({ type: 'welcome', v: 1, client: 'BRIDGE', heartbeatMs: 1000, ordersSeq: 0 }));
      const beat = setInterval(() => !silent && ws.readyState === ws.OPEN && ws.send(JSON.stringify({ type: 'heartbeat', seq: 1, time: Date.now() })), 200);
      ws.on('close', () => clearInterval(beat));
    });
    // LP_ALPHA over FIX keeps quoting and filling meanwhile.
    const alpha = await startLpSim({ lp: 'LP_ALPHA', host: '127.0.0.1', port: 0, bridgeCompId: 'BRIDGE', persona: { ...PERSONAS['bank']!, rejectProbability: 0, disconnectProbability: 0, seqGapProbability: 0 }, seed: 2, instruments: simInstruments(loadBundle(production), 'LP_ALPHA'), log: { event() {} } });
    const engine = await startLiveEngine({
      run: { production, out: join(tmp, 'run'), flushMs: 200 },
      platform: { port: 0, senderCompId: 'BRIDGE', storeDir: join(tmp, 'store'), priceThrottleMs: 0, sessions: [{ targetCompId: 'PLAT', defaultGroup: 'real\\pro\\usd' }], websocket: { port: 0, clients: [{ id: 'WEB', token: WEB, defaultGroup: 'real\\pro\\usd' }] } },
      lps: [
        { id: 'LP_ALPHA', port: alpha.port, senderCompId: 'BRIDGE', targetCompId: 'LP_ALPHA' },
        { id: 'LP_BRAVO', protocol: 'ws', port, token: TOKEN },
      ],
    }, 'wslphostile');
    const web = new WsPlatformClient({ url: `ws://127.0.0.1:${engine.wsPort}/v1`, token: WEB });
    try {
      expect(await waitFor(() => engine.lpConnected('LP_BRAVO') && engine.lpConnected('LP_ALPHA'), 5_000)).toBe(true);
      await web.ready;
      const p = peer as unknown as WebSocket;
      p.send('{"type":'); // not JSON
      p.send('[1,2]'); // not an object
      p.send(Buffer.from([1, 2, 3]), { binary: true });
      p.send(JSON.stringify({ type: 'welcome', v: 1, ordersSeq: 999 })); // a second welcome: ignored
      p.send(JSON.stringify({ type: 'update', channel: 'prices', symbol: 'EURUSD', seq: 1, bid: '-1', ask: '1.1' }));
      p.send(JSON.stringify({ type: 'update', channel: 'prices', symbol: 'EURUSD', seq: 2, bid: 1.0851, ask: 1.0852 })); // numbers: refused
      p.send(JSON.stringify({ type: 'update', channel: 'prices', symbol: 'NOT_SUBSCRIBED', seq: 3, bid: '1', ask: '2' }));
      p.send(JSON.stringify({ type: 'execution', channel: 'orders', seq: 5, clOrdId: 'nobody-sent-this', orderId: 'X', execId: 'X1', execType: 'trade', ordStatus: 'filled', symbol: 'EURUSD', lastQty: '100000', lastPx: '1.1', cumQty: '100000', avgPx: '1.1' }));
      p.send(JSON.stringify({ type: 'execution', channel: 'orders', seq: 9_007_199_254_740_991, clOrdId: 'x', execType: 'launch' }));
      for (let i = 0; i < 200; i++) p.send(JSON.stringify({ type: 'mystery', i }));
      // The engine is up and the FIX LP trades: a pro EURUSD order goes best-price to LP_ALPHA.
      await new Promise((r) => setTimeout(r, 400));
      web.send({ clOrdId: 'H-1', symbol: 'EURUSD.pro', side: 'buy', lots: '1' });
      expect(await waitFor(() => web.final('H-1') === 'trade:filled', 5_000)).toBe(true);
      expect(orders).not.toContain('H-1');
      // The fake fill for an order nobody sent was not booked: no report to any platform.
      expect([...web.ordersChannel.values()].some((m) => m['clOrdId'] === 'nobody-sent-this')).toBe(false);
      // An LP that stops talking (no heartbeats, no prices) is marked down within seconds.
      silent = true;
      expect(await waitFor(() => !engine.lpConnected('LP_BRAVO'), 6_000)).toBe(true);
      silent = false; // it reconnects and is up again
      expect(await waitFor(() => engine.lpConnected('LP_BRAVO'), 10_000)).toBe(true);
    } finally {
      await web.close();
      const summary = await engine.stop();
      await alpha.close();
      wss.close();
      for (const c of wss.clients) c.terminate();
      const r = (summary as unknown as { reconciliation: Record<string, number> }).reconciliation;
      expect(r['unknown_execution'] ?? 0).toBeGreaterThanOrEqual(1);
    }
  }, 40_000);
});
