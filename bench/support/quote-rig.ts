// Quote fan-out: an LP streams quotes into the engine at a fixed rate, and 10 platform sessions
// subscribed to the same symbol receive the marked-up prices. Each LP bid is unique (a counter
// in points), so a subscriber recovers which quote it got from the marked-up price and times it
// from the quote's scheduled send time.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import * as hdr from 'hdr-histogram-js';
import type { LiveConfigInput as LiveConfig } from '../../src/app/live-config.js';
import { encodeMarketDataRequest, encodeSnapshot } from '../../src/fix/app/market-data.js';
import { FixMessage } from '../../src/fix/codec/message.js';
import { MsgType, Tag } from '../../src/fix/codec/tags.js';
import { DEFAULT_SESSION_CONFIG, FixSession } from '../../src/fix/session/session.js';
import { MemorySessionStore } from '../../src/fix/session/store.js';
import { FixAcceptor } from '../../src/gateways/fix/acceptor.js';
import { FixInitiator } from '../../src/gateways/fix/initiator.js';
import { pinRig, startProcess, stopProcess } from './hop-rig.js';

const ROOT = resolve(import.meta.dirname, '..', '..');
const silent = { event() {} };
const clock = { nowMs: () => Date.now() };
const nowUs = (): number => performance.now() * 1000;
const BASE_BID_E8 = 120_000_000; // 1.20000
const POINT_E8 = 1_000; // GBPUSD: 5 digits
const PRO_MARKUP_POINTS = 3; // mappings/production markups.yaml, pro GBPUSD

export interface QuoteRateResult {
  readonly offeredPerSec: number;
  readonly sentPerSec: number;
  /** Snapshots received per second across all subscribers. */
  readonly deliveredPerSec: number;
  readonly subscribers: number;
  readonly latencyUs: { p50: number; p99: number; p999: number; max: number; count: number };
}

async function waitFor(cond: () => boolean, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (!cond() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  return cond();
}

export async function runQuoteRig(rates: readonly number[], seconds: number, subscriberCount = 10): Promise<{ rates: QuoteRateResult[]; engine: Record<string, unknown> | null }> {
  await hdr.initWebAssembly();
  pinRig();
  const tmp = mkdtempSync(join(tmpdir(), 'sb-quotes-'));
  const sentAt: number[] = [];
  let mdReqId: string | null = null;
  const lp = new FixSession(
    { ...DEFAULT_SESSION_CONFIG, senderCompId: 'LP_BRAVO', targetCompId: 'BRIDGE', role: 'acceptor', maxLatencySec: 0 },
    new MemorySessionStore(1_000),
    { fromApp: (_s, m) => { if (m.msgType === MsgType.MarketDataRequest) mdReqId = m.str(Tag.MDReqID) ?? 'md'; } },
    clock,
    silent,
    () => new FixMessage(),
  );
  const acceptor = new FixAcceptor({ host: '127.0.0.1', port: 0, findSession: (s, t) => (s === 'LP_BRAVO' && t === 'BRIDGE' ? lp : null), allSessions: () => [lp], log: silent });
  const lpPort = await acceptor.listen();
  const config: LiveConfig = {
    run: { production: join(ROOT, 'mappings', 'production'), candidate: null, out: join(tmp, 'run'), record: null, flushMs: 1_000, maxShadowQueue: 10_000, candidateBudgetUs: 50_000 },
    platform: {
      host: '127.0.0.1', port: 0, senderCompId: 'BRIDGE', storeDir: join(tmp, 'store'), tls: null, priceThrottleMs: 0,
      sessions: Array.from({ length: subscriberCount }, (_, i) => ({ targetCompId: `SUB${i}`, defaultGroup: 'real\\pro\\usd', accountGroups: {}, groupTag: null })),
    },
    lps: [{ id: 'LP_BRAVO', host: '127.0.0.1', port: lpPort, senderCompId: 'BRIDGE', targetCompId: 'LP_BRAVO', heartBtIntSec: 30, account: 'BRIDGE', resendMaxAgeMs: 2_000, schedule: null, resetAtScheduleStart: true, tls: null }],
  };
  const engine = await startProcess(['bench/support/engine-process.ts', JSON.stringify(config), '']);
  await waitFor(() => lp.isLoggedOn && mdReqId !== null, 10_000);

  const latency = hdr.build({ useWebAssembly: true, lowestDiscernibleValue: 1, highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: 3 });
  let delivered = 0;
  let measureFrom = Number.POSITIVE_INFINITY;
  const subscribers: { session: FixSession; initiator: FixInitiator }[] = [];
  for (let i = 0; i < subscriberCount; i++) {
    const session = new FixSession(
      { ...DEFAULT_SESSION_CONFIG, senderCompId: `SUB${i}`, targetCompId: 'BRIDGE', role: 'initiator', heartBtIntSec: 30, maxLatencySec: 0 },
      new MemorySessionStore(100),
      {
        onLogon: (s) => s.sendApp(MsgType.MarketDataRequest, (e) => encodeMarketDataRequest(e, `sub${i}`, ['GBPUSD.pro'])),
        fromApp: (_s, m) => {
          if (m.msgType !== MsgType.MarketDataSnapshotFullRefresh) return;
          delivered++;
          const bidIndex = m.indexOf(Tag.MDEntryPx);
          if (bidIndex === -1) return;
          const k = Math.round((m.e8At(bidIndex) + PRO_MARKUP_POINTS * POINT_E8 - BASE_BID_E8) / POINT_E8);
          const at = sentAt[k];
          if (at !== undefined && at >= measureFrom) latency.recordValue(Math.max(1, Math.round(nowUs() - at)));
        },
      },
      clock,
      silent,
      () => new FixMessage(),
    );
    const initiator = new FixInitiator({ host: '127.0.0.1', port: engine.port, session, log: silent });
    initiator.start();
    subscribers.push({ session, initiator });
  }
  await waitFor(() => subscribers.every((s) => s.session.isLoggedOn), 10_000);
  await new Promise((r) => setTimeout(r, 300));

  const results: QuoteRateResult[] = [];
  for (const rate of rates) {
    latency.reset();
    const deliveredBefore = delivered;
    const total = Math.round(rate * seconds);
    const intervalUs = 1e6 / rate;
    const start = nowUs() + 1_000;
    measureFrom = start + 0.5e6;
    let next = 0;
    await new Promise<void>((done) => {
      const pump = (): void => {
        const now = nowUs();
        while (next < total && start + next * intervalUs <= now) {
          const k = sentAt.length;
          sentAt.push(start + next * intervalUs);
          const bid = BASE_BID_E8 + k * POINT_E8;
          lp.sendApp(MsgType.MarketDataSnapshotFullRefresh, (e) => encodeSnapshot(e, mdReqId as string, 'GBPUSD', bid, bid + 4 * POINT_E8, 100_000_000_000_000, 5));
          next++;
        }
        if (next >= total) done();
        else setImmediate(pump);
      };
      pump();
    });
    await new Promise((r) => setTimeout(r, 500));
    const p = (q: number): number => (latency.totalCount === 0 ? 0 : Math.round(latency.getValueAtPercentile(q)));
    results.push({
      offeredPerSec: rate,
      sentPerSec: Math.round(total / seconds),
      deliveredPerSec: Math.round((delivered - deliveredBefore) / seconds),
      subscribers: subscriberCount,
      latencyUs: { p50: p(50), p99: p(99), p999: p(99.9), max: Math.round(latency.maxValue), count: latency.totalCount },
    });
  }
  for (const s of subscribers) await s.initiator.stop(200);
  const engineReport = await stopProcess(engine);
  await acceptor.close();
  latency.destroy();
  rmSync(tmp, { recursive: true, force: true });
  return { rates: results, engine: engineReport };
}
