// Interop with jspurefix, an independent FIX engine: as a platform client of our engine, as an LP
// behind it, across a forced sequence gap, and across our restart on persisted sequence numbers.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { LiveConfigInput as LiveConfig } from '../../src/app/live-config.js';
import { simInstruments } from '../../src/app/live-demo.js';
import { startLiveEngine } from '../../src/app/live-engine.js';
import { PERSONAS } from '../../src/app/lp-personas.js';
import { startLpSim } from '../../src/app/lp-sim.js';
import { startPlatformClient } from '../../src/app/platform-client.js';
import { FixMessage } from '../../src/fix/codec/message.js';
import { FileSessionStore } from '../../src/fix/session/file-store.js';
import { DEFAULT_SESSION_CONFIG, FixSession } from '../../src/fix/session/session.js';
import { FixInitiator } from '../../src/gateways/fix/initiator.js';
import { formatUtcTimestamp } from '../../src/fix/codec/timestamps.js';
import { CANDIDATE_DIR, PRODUCTION_DIR, productionBundle } from '../support/builders.js';
import { startJsfix, type JsfixPeer } from '../support/jspurefix.js';
import { freePort, waitFor } from '../support/wait.js';

const tmp = mkdtempSync(join(tmpdir(), 'sb-jsfix-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const silent = { event() {} };



async function stopPeer(peer: JsfixPeer): Promise<void> {
  peer.stop();
  await Promise.race([peer.stopped, new Promise((r) => setTimeout(r, 2_000))]);
}

function liveConfig(name: string, lps: { id: string; port: number }[], sessions: LiveConfig['platform']['sessions']): LiveConfig {
  return {
    run: { production: PRODUCTION_DIR, candidate: CANDIDATE_DIR, out: join(tmp, name), record: null, flushMs: 500, maxShadowQueue: 10_000, candidateBudgetUs: 50_000 },
    platform: { host: '127.0.0.1', port: 0, senderCompId: 'BRIDGE', storeDir: join(tmp, `${name}-store`), tls: null, priceThrottleMs: 0, sessions },
    lps: lps.map((l) => ({ id: l.id, host: '127.0.0.1', port: l.port, senderCompId: 'BRIDGE', targetCompId: l.id, heartBtIntSec: 5, account: 'BRIDGE', resendMaxAgeMs: 2_000, schedule: null, resetAtScheduleStart: true, tls: null })),
  };
}

describe('interop with jspurefix', () => {
  it('serves jspurefix as a platform: logon, prices, orders filled and rejected', async () => {
    const sims = await Promise.all(['LP_ALPHA', 'LP_BRAVO', 'LP_CHARLIE'].map((lp, k) =>
      startLpSim({ lp, host: '127.0.0.1', port: 0, bridgeCompId: 'BRIDGE', persona: PERSONAS['ecn']!, seed: k + 1, instruments: simInstruments(productionBundle(), lp), log: silent })));
    const engine = await startLiveEngine(liveConfig('platform', sims.map((s, k) => ({ id: ['LP_ALPHA', 'LP_BRAVO', 'LP_CHARLIE'][k] as string, port: s.port })), [{ targetCompId: 'JSFIX', defaultGroup: 'real\\pro\\usd', accountGroups: {}, groupTag: null }]), 'jsplat');
    const peer = startJsfix({ type: 'initiator', port: engine.platformPort, senderCompId: 'JSFIX', targetCompId: 'BRIDGE' });
    try {
      await peer.ready;
      await waitFor(() => ['LP_ALPHA', 'LP_BRAVO', 'LP_CHARLIE'].every((lp) => engine.lpConnected(lp)), 5_000);
      await new Promise((r) => setTimeout(r, 400));
      // The QuickFIX 4.4 dictionary wraps repeating groups in named components.
      peer.send('V', { MDReqID: 'md-1', SubscriptionRequestType: '1', MarketDepth: 1, MDUpdateType: 0, MDReqGrp: { NoMDEntryTypes: [{ MDEntryType: '0' }, { MDEntryType: '1' }] }, InstrmtMDReqGrp: { NoRelatedSym: [{ Instrument: { Symbol: 'EURUSD.pro' } }] } });
      peer.send('D', { ClOrdID: 'JS-1', Account: '1', Side: '1', TransactTime: new Date(), OrdType: '1', Instrument: { Symbol: 'GBPUSD.pro' }, OrderQtyData: { OrderQty: 1.5 }, HandlInst: '1' });
      peer.send('D', { ClOrdID: 'JS-2', Account: '1', Side: '2', TransactTime: new Date(), OrdType: '1', Instrument: { Symbol: 'BTCUSD' }, OrderQtyData: { OrderQty: 1 }, HandlInst: '1' });
      expect(await waitFor(() => peer.received.filter(([t]) => t === '8').length >= 2 && peer.received.some(([t]) => t === 'W'), 5_000)).toBe(true);
      const reports = peer.received.filter(([t]) => t === '8').map(([, b]) => b);
      const fill = reports.find((r) => r['ClOrdID'] === 'JS-1');
      expect(fill?.['OrdStatus']).toBe('2');
      expect(fill?.['CumQty']).toBe(1.5);
      const reject = reports.find((r) => r['ClOrdID'] === 'JS-2');
      expect(reject?.['OrdStatus']).toBe('8');
      expect(reject?.['OrdRejReason']).toBe(1); // unknown symbol
      const snapshot = peer.received.find(([t]) => t === 'W')?.[1] as { Instrument?: { Symbol?: string }; MDFullGrp?: { NoMDEntries?: { MDEntryPx: number }[] } };
      expect(snapshot.Instrument?.Symbol).toBe('EURUSD.pro');
      expect(snapshot.MDFullGrp?.NoMDEntries).toHaveLength(2);
      const [bid, ask] = snapshot.MDFullGrp?.NoMDEntries ?? [];
      expect((ask?.MDEntryPx ?? 0) > (bid?.MDEntryPx ?? 0)).toBe(true);
    } finally {
      await stopPeer(peer);
      await engine.stop();
      await Promise.all(sims.map((s) => s.close()));
    }
  });

  it('routes to jspurefix as an LP: market data in, an order out, its fill back to the platform', async () => {
    const lpPort = await freePort();
    const lp = startJsfix({ type: 'acceptor', port: lpPort, senderCompId: 'LP_BRAVO', targetCompId: 'BRIDGE' });
    let execs = 0;
    lp.onMessage((msgType, body, peer) => {
      if (msgType === 'V') {
        const symbols = (body['InstrmtMDReqGrp'] as { NoRelatedSym: { Instrument: { Symbol: string } }[] }).NoRelatedSym.map((s) => s.Instrument.Symbol);
        for (const symbol of symbols) {
          peer.send('W', { MDReqID: body['MDReqID'], Instrument: { Symbol: symbol }, MDFullGrp: { NoMDEntries: [{ MDEntryType: '0', MDEntryPx: 1.26999, MDEntrySize: 1e6 }, { MDEntryType: '1', MDEntryPx: 1.27003, MDEntrySize: 1e6 }] } });
        }
      } else if (msgType === 'D') {
        const qty = (body['OrderQtyData'] as { OrderQty: number }).OrderQty;
        peer.send('8', { OrderID: 'JSLP-1', ExecID: `JSLP-E${++execs}`, ExecType: 'F', OrdStatus: '2', Side: body['Side'], Instrument: body['Instrument'], ClOrdID: body['ClOrdID'], LeavesQty: 0, CumQty: qty, AvgPx: 1.27003, LastQty: qty, LastPx: 1.27003, OrderQtyData: { OrderQty: qty } });
      }
    });
    await new Promise((r) => setTimeout(r, 300));
    const engine = await startLiveEngine(liveConfig('lp', [{ id: 'LP_BRAVO', port: lpPort }], [{ targetCompId: 'PLAT', defaultGroup: 'real\\pro\\usd', accountGroups: {}, groupTag: null }]), 'jslp');
    const client = startPlatformClient({ host: '127.0.0.1', port: engine.platformPort, senderCompId: 'PLAT', targetCompId: 'BRIDGE', seed: 1, log: silent, symbols: [] });
    try {
      expect(await waitFor(() => engine.lpConnected('LP_BRAVO'), 5_000)).toBe(true);
      expect(await waitFor(() => lp.received.some(([t]) => t === 'V'), 3_000)).toBe(true);
      client.start();
      expect(await client.waitLoggedOn(5_000)).toBe(true);
      await new Promise((r) => setTimeout(r, 300));
      client.send({ clOrdId: 'P-1', account: '1', symbol: 'GBPUSD.pro', side: 'buy', lots: '2.00' });
      expect(await waitFor(() => (client.reports.get('P-1') ?? []).includes('F:2'), 5_000)).toBe(true);
      const order = lp.received.find(([t]) => t === 'D')?.[1] as { Instrument: { Symbol: string }; OrderQtyData: { OrderQty: number }; ClOrdID: string };
      expect(order.Instrument.Symbol).toBe('GBPUSD'); // the LP's own symbol
      expect(order.OrderQtyData.OrderQty).toBe(200_000); // 2 lots in units
      expect(order.ClOrdID).toMatch(/^jslp-\d+$/); // the correlation id
    } finally {
      await client.stop();
      await engine.stop();
      await stopPeer(lp);
    }
  });

  it('recovers a forced sequence gap and resumes after a restart on its persisted numbers', async () => {
    const port = await freePort();
    // A real LP keeps its sequence numbers across our reconnects: give jspurefix a file store.
    const lp = startJsfix({ type: 'acceptor', port, senderCompId: 'JSLP', targetCompId: 'US', storeDir: join(tmp, 'jsfix-lp-store') });
    await new Promise((r) => setTimeout(r, 300));
    const storeDir = join(tmp, 'gap-store');
    const events: string[] = [];
    const log = { event: (name: string, f: Readonly<Record<string, unknown>>) => events.push(`${name} ${JSON.stringify(f)}`) };
    const makeSession = () =>
      new FixSession({ ...DEFAULT_SESSION_CONFIG, senderCompId: 'US', targetCompId: 'JSLP', role: 'initiator', heartBtIntSec: 5, maxLatencySec: 0 }, new FileSessionStore(storeDir, 'US-JSLP', 'always'), { fromApp() {} }, { nowMs: () => Date.now() }, log, () => new FixMessage());
    const order = (s: FixSession, id: string) => s.sendApp('D', (e) => e.str(11, id).str(21, '1').str(38, '1000').str(40, '1').str(54, '1').str(55, 'EUR/USD').str(60, formatUtcTimestamp(Date.now())));
    let session = makeSession();
    let initiator = new FixInitiator({ host: '127.0.0.1', port, session, log });
    try {
      initiator.start();
      expect(await waitFor(() => session.isLoggedOn, 5_000)).toBe(true);
      order(session, 'G-1');
      session.store.setNextSenderSeq(session.store.nextSenderSeq() + 2); // two messages "lost"
      order(session, 'G-2');
      expect(await waitFor(() => session.counters.resendsServed > 0, 5_000)).toBe(true); // jspurefix asked, we answered
      // jspurefix asks for 3..5: we gap-fill 3-4 and resend 5 (G-2) with PossDup. jspurefix had already
      // delivered the out-of-sequence original, so its application sees G-2 twice; the copy is flagged.
      expect(await waitFor(() => lp.received.filter(([t]) => t === 'D').length === 3, 3_000)).toBe(true);
      const copies = lp.received.filter(([t, b]) => t === 'D' && b['ClOrdID'] === 'G-2').map(([, b]) => (b['StandardHeader'] as Record<string, unknown>)['PossDupFlag']);
      expect(copies).toEqual([undefined, true]);
      const seqBefore = session.store.nextSenderSeq();
      // Restart: drop the connection without a logout, as a crash would, and start again on the same store.
      initiator.abort();
      session.store.close();
      session = makeSession();
      expect(session.store.nextSenderSeq()).toBe(seqBefore);
      initiator = new FixInitiator({ host: '127.0.0.1', port, session, log });
      initiator.start();
      expect(await waitFor(() => session.isLoggedOn, 8_000)).toBe(true);
      order(session, 'G-3');
      expect(await waitFor(() => lp.received.some(([t, b]) => t === 'D' && b['ClOrdID'] === 'G-3'), 5_000)).toBe(true);
      expect(events.filter((e) => e.includes('too low'))).toEqual([]);
      expect(lp.received.filter(([t]) => t === 'D').map(([, b]) => b['ClOrdID'])).toEqual(['G-1', 'G-2', 'G-2', 'G-3']); // G-3 once: the restart resent nothing
    } finally {
      await initiator.stop(500);
      session.store.close();
      await stopPeer(lp);
    }
  });
});
