// `npm start`: the live demo on loopback. Three LP simulators (a last-look bank and an ECN over
// FIX 4.4, a market maker over WebSocket), the engine with production executing and the candidate
// shadowing, two FIX platform sessions and a web platform over WebSocket sending client flow, all
// real sockets on 127.0.0.1. Then the report.

import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { E8 } from '../core/model/scaled.js';
import type { RoutingBundle } from '../core/routing/bundle.js';
import { renderReport } from '../exporters/report-text.js';
import type { SessionLog } from '../fix/session/session.js';
import { loadBundle } from '../mappings/load-bundle.js';
import type { LiveConfigInput as LiveConfig } from './live-config.js';
import { startLiveEngine } from './live-engine.js';
import { PERSONAS } from './lp-personas.js';
import { startLpSim, type LpSim, type SimInstrument } from './lp-sim.js';
import { DEFAULT_CANDIDATE, DEFAULT_PRODUCTION, displayPath } from './paths.js';
import { startPlatformClient } from './platform-client.js';
import { WsPlatformClient } from './ws-platform-client.js';

/** Starting mids for the demo's instruments (E8). */
export const DEMO_MIDS: Readonly<Record<string, number>> = {
  EURUSD: 1.085 * E8,
  GBPUSD: 1.27 * E8,
  AUDUSD: 0.66 * E8,
  USDCAD: 1.36 * E8,
  USDCHF: 0.88 * E8,
  USDJPY: 151.5 * E8,
  XAUUSD: 2350 * E8,
  US30: 38500 * E8,
};

/** What an LP quotes: every instrument the production bundle maps for it. */
export function simInstruments(bundle: RoutingBundle, lp: string): SimInstrument[] {
  const out: SimInstrument[] = [];
  for (const [canonical, lpSymbol] of bundle.lps.get(lp)?.symbols ?? []) {
    const i = bundle.instruments.get(canonical);
    if (i === undefined) continue;
    out.push({ lpSymbol, digits: i.digits, midE8: Math.round(DEMO_MIDS[canonical] ?? E8), contractSize: i.contractSize });
  }
  return out;
}

export interface LiveDemoOptions {
  readonly seconds: number;
  readonly outDir: string;
  readonly ordersPerSecond: number;
  readonly json: boolean;
  readonly quiet?: boolean;
}

export async function runLiveDemo(options: LiveDemoOptions): Promise<boolean> {
  const silent: SessionLog = { event() {} };
  const say = (line: string): void => {
    if (!options.json && !options.quiet) console.log(line);
  };
  const production = loadBundle(DEFAULT_PRODUCTION);
  const personas: Record<string, keyof typeof PERSONAS> = { LP_ALPHA: 'bank', LP_BRAVO: 'ecn', LP_CHARLIE: 'mm' };
  const sims: LpSim[] = [];
  const store = mkdtempSync(join(tmpdir(), 'sb-demo-store-'));
  // Fresh tokens each run: the demo's WebSocket ports take nobody else's connections.
  const webToken = randomBytes(18).toString('base64url');
  const lpToken = randomBytes(18).toString('base64url');
  const overWs = new Set(['LP_CHARLIE']);
  let web: WsPlatformClient | null = null;
  try {
    let seed = 11;
    for (const lp of ['LP_ALPHA', 'LP_BRAVO', 'LP_CHARLIE']) {
      sims.push(await startLpSim({ lp, host: '127.0.0.1', port: 0, bridgeCompId: 'BRIDGE', persona: PERSONAS[personas[lp] as string]!, seed: seed++, instruments: simInstruments(production, lp), log: silent, ...(overWs.has(lp) ? { ws: { token: lpToken } } : {}) }));
    }
    const config: LiveConfig = {
      run: { production: DEFAULT_PRODUCTION, candidate: DEFAULT_CANDIDATE, out: resolve(options.outDir), record: join(resolve(options.outDir), 'recording.jsonl'), flushMs: 1_000, maxShadowQueue: 10_000, candidateBudgetUs: 50_000 },
      platform: {
        host: '127.0.0.1',
        port: 0,
        senderCompId: 'BRIDGE',
        storeDir: store,
        tls: null,
        priceThrottleMs: 250,
        sessions: [
          { targetCompId: 'MT5_RETAIL', defaultGroup: 'real\\retail\\usd', accountGroups: {}, groupTag: null },
          { targetCompId: 'MT5_PRO', defaultGroup: 'real\\pro\\usd', accountGroups: {}, groupTag: null },
        ],
        websocket: { host: '127.0.0.1', port: 0, clients: [{ id: 'WEB_RETAIL', token: webToken, defaultGroup: 'real\\retail\\usd' }] },
      },
      lps: ['LP_ALPHA', 'LP_BRAVO', 'LP_CHARLIE'].map((id, k) =>
        overWs.has(id)
          ? { id, protocol: 'ws' as const, host: '127.0.0.1', port: sims[k]!.port, token: lpToken }
          : { id, host: '127.0.0.1', port: sims[k]!.port, senderCompId: 'BRIDGE', targetCompId: id, heartBtIntSec: 10, account: 'BRIDGE', resendMaxAgeMs: 2_000, schedule: null, resetAtScheduleStart: true, tls: null },
      ),
    };
    say(`shadow-bridge live demo: ${options.seconds} s of client flow over real FIX 4.4 and WebSocket connections on 127.0.0.1`);
    say(`  LPs: ${config.lps.map((l, k) => `${l.id} (${personas[l.id]}, ${overWs.has(l.id) ? 'WebSocket' : 'FIX'}) :${sims[k]!.port}`).join(', ')}`);
    const engine = await startLiveEngine(config, 'demo');
    say(`  engine: FIX platform acceptor :${engine.platformPort}, WebSocket platforms ws://127.0.0.1:${engine.wsPort}/v1, production mappings/production, candidate mappings/candidate`);
    const deadline = Date.now() + 5_000;
    while (Date.now() < deadline && !['LP_ALPHA', 'LP_BRAVO', 'LP_CHARLIE'].every((lp) => engine.lpConnected(lp))) await new Promise((r) => setTimeout(r, 20));
    await new Promise((r) => setTimeout(r, 500)); // first quotes
    const clients = [
      startPlatformClient({ host: '127.0.0.1', port: engine.platformPort, senderCompId: 'MT5_RETAIL', targetCompId: 'BRIDGE', seed: 21, log: silent, symbols: ['EURUSD', 'EURUSDm', 'GBPUSD', 'USDJPY', 'GOLD', 'AUDUSD', 'WS30', 'USDCAD'], subscribe: ['EURUSD', 'GOLD'] }),
      startPlatformClient({ host: '127.0.0.1', port: engine.platformPort, senderCompId: 'MT5_PRO', targetCompId: 'BRIDGE', seed: 22, log: silent, symbols: ['EURUSD.pro', 'EURUSD.ecn', 'GBPUSD.pro', 'XAUUSD.pro', 'USDJPY.pro', 'GOLD.pro', 'DJ30.pro'], subscribe: ['EURUSD.pro'] }),
    ];
    for (const c of clients) c.start();
    for (const c of clients) await c.waitLoggedOn(5_000);
    // A web platform beside the MT5 sessions: same groups, markups, shadow; its own protocol.
    web = new WsPlatformClient({ url: `ws://127.0.0.1:${engine.wsPort}/v1`, token: webToken, subscribe: ['EURUSD', 'GOLD'] });
    await web.ready;
    const share = options.ordersPerSecond / (clients.length + 1);
    const stops = [...clients.map((c) => c.flow(share)), web.flow(share, ['EURUSD', 'GBPUSD', 'GOLD', 'USDJPY', 'WS30', 'EURUSDm'], 23, 'WEB')];
    for (let s = 1; s <= options.seconds; s++) {
      await new Promise((r) => setTimeout(r, 1_000));
      if (s % 5 === 0 || s === options.seconds) {
        const sum = engine.summary();
        say(`  t+${String(s).padStart(2)} s  orders ${sum.orders}  routed ${sum.production.executed}  divergences ${sum.divergences.total}  LP fills ${sims.reduce((n, x) => n + x.stats.fills, 0)}`);
      }
    }
    for (const stop of stops) stop();
    await new Promise((r) => setTimeout(r, 500)); // last executions
    for (const c of clients) await c.stop();
    await web.close();
    const summary = await engine.stop();
    if (options.json) {
      console.log(JSON.stringify(summary, null, 2));
      return true;
    }
    say('');
    say(renderReport(summary, displayPath(engine.outDir), []));
    const cs = clients.map((c) => c.stats);
    say(`platforms    ${cs.reduce((n, c) => n + c.sent, 0)} orders sent; execution reports: ${cs.reduce((n, c) => n + c.filled, 0)} filled, ${cs.reduce((n, c) => n + c.rejected, 0)} rejected, ${cs.reduce((n, c) => n + c.canceled, 0)} canceled; ${cs.reduce((n, c) => n + c.quotes, 0)} marked-up price snapshots received`);
    say(`web platform ${web.stats.sent} orders over WebSocket; executions: ${web.stats.filled} filled, ${web.stats.rejected} rejected; ${web.stats.prices} marked-up prices received (${web.stats.snapshots} snapshots, ${web.stats.priceGaps} gaps)`);
    say(`LPs          ${sims.map((x, k) => `${config.lps[k]!.id} ${x.stats.orders} orders (${x.stats.fills} fills, ${x.stats.partials} partial, ${x.stats.rejects} rejects)`).join('; ')}`);
    const q = (summary as unknown as { quoteShadow?: { compared: number; diverged: number } }).quoteShadow;
    if (q !== undefined) say(`price shadow ${q.diverged} of ${q.compared} published prices would differ under the candidate's markups (never sent)`);
    const recording = (summary as unknown as { recording: string | null }).recording ?? join(engine.outDir, 'recording.jsonl');
    say(`recording    ${displayPath(recording)} (replay it: npx shadow-bridge replay ${displayPath(recording)})`);
    return true;
  } finally {
    await web?.close();
    await Promise.all(sims.map((s) => s.close()));
    rmSync(store, { recursive: true, force: true });
  }
}
