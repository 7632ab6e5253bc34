// Web platforms over wss:// (TLS): a client that trusts the engine's certificate trades; a plain
// ws:// connection to the TLS port, or a client that does not trust the certificate, gets nothing.
// And cancels: an order still at its LP, and one never sent, are answered with FIX's reasons.

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { simInstruments } from '../../src/app/live-demo.js';
import { startLiveEngine } from '../../src/app/live-engine.js';
import { PERSONAS } from '../../src/app/lp-personas.js';
import { startLpSim } from '../../src/app/lp-sim.js';
import { WsPlatformClient } from '../../src/app/ws-platform-client.js';
import { loadBundle } from '../../src/mappings/load-bundle.js';
import { PRODUCTION_DIR, ROOT } from '../support/builders.js';
import { alwaysOpenBundle } from '../support/open-bundle.js';
import { waitFor } from '../support/wait.js';

const tmp = mkdtempSync(join(tmpdir(), 'sb-ws-tls-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const TOKEN = 'tls-token-0123456789abcdef';
const production = alwaysOpenBundle(PRODUCTION_DIR, join(tmp, 'production'));
const FIXTURES = join(ROOT, 'test', 'fixtures', 'tls');

describe('WebSocket platforms over TLS', () => {
  it('serves wss:// to a client that trusts the certificate, nothing to others; cancels are answered', async () => {
    // The LP holds orders 400-500 ms, so a cancel finds the order still open at its LP.
    const sim = await startLpSim({ lp: 'LP_BRAVO', host: '127.0.0.1', port: 0, bridgeCompId: 'BRIDGE', persona: { ...PERSONAS['ecn']!, rejectProbability: 0, partialProbability: 0, seqGapProbability: 0, disconnectProbability: 0, staleProbability: 0, holdMs: [400, 500] }, seed: 1, instruments: simInstruments(loadBundle(production), 'LP_BRAVO'), log: { event() {} } });
    const engine = await startLiveEngine({
      run: { production, out: join(tmp, 'run'), flushMs: 200 },
      platform: { port: 0, senderCompId: 'BRIDGE', storeDir: join(tmp, 'store'), priceThrottleMs: 0, sessions: [{ targetCompId: 'PLAT', defaultGroup: 'real\\retail\\usd' }], websocket: { port: 0, tls: { keyFile: join(FIXTURES, 'key.pem'), certFile: join(FIXTURES, 'cert.pem') }, clients: [{ id: 'WEB', token: TOKEN, defaultGroup: 'real\\retail\\usd' }] } },
      lps: [{ id: 'LP_BRAVO', port: sim.port, senderCompId: 'BRIDGE', targetCompId: 'LP_BRAVO' }],
    }, 'wstls');
    const ca = readFileSync(join(FIXTURES, 'cert.pem'));
    const client = new WsPlatformClient({ url: `wss://127.0.0.1:${engine.wsPort}/v1`, token: TOKEN, ca, subscribe: ['EURUSD'] });
    try {
      expect(await waitFor(() => engine.lpConnected('LP_BRAVO'), 5_000)).toBe(true);
      expect(await client.ready).toMatchObject({ type: 'welcome', client: 'WEB' });
      // Plain WebSocket to the TLS port, and TLS without trusting the certificate: no welcome.
      const plain = new WsPlatformClient({ url: `ws://127.0.0.1:${engine.wsPort}/v1`, token: TOKEN });
      await expect(plain.ready).rejects.toThrow();
      const untrusting = new WsPlatformClient({ url: `wss://127.0.0.1:${engine.wsPort}/v1`, token: TOKEN });
      await expect(untrusting.ready).rejects.toThrow();
      await new Promise((r) => setTimeout(r, 300));
      expect(client.stats.prices).toBeGreaterThan(0);

      client.send({ clOrdId: 'T-1', symbol: 'EURUSD', side: 'buy', lots: '0.10' });
      await new Promise((r) => setTimeout(r, 100));
      client.cancel('C-1', 'T-1'); // still at its LP: IOC, it completes on its own (102=2)
      client.cancel('C-2', 'NEVER'); // unknown order (102=1)
      expect(await waitFor(() => client.final('T-1') === 'trade:filled', 5_000)).toBe(true);
      const answers = [...client.ordersChannel.values()].filter((m) => m['type'] === 'cancel_reject');
      expect(answers.find((m) => m['clOrdId'] === 'C-1')).toMatchObject({ origClOrdId: 'T-1', cxlRejReason: 2, ordStatus: 'new' });
      expect(answers.find((m) => m['clOrdId'] === 'C-2')).toMatchObject({ origClOrdId: 'NEVER', cxlRejReason: 1, orderId: 'NONE' });
      // Too late once it is done (102=0).
      client.cancel('C-3', 'T-1');
      expect(await waitFor(() => [...client.ordersChannel.values()].some((m) => m['clOrdId'] === 'C-3' && m['cxlRejReason'] === 0), 3_000)).toBe(true);
    } finally {
      await client.close();
      await engine.stop();
      await sim.close();
    }
  });
});
