// The rig for the WebSocket benchmarks. This process plays web platforms (WebSocket clients) and
// the LP (the FIX acceptor of the hop rig); the engine runs in its own process, pinned like the
// FIX hop. Two measurements, each beside a bare `ws` process doing the least the same path could:
// - order hop: a web platform's `new` -> engine -> LP -> engine -> `execution`, timed from the
//   order's scheduled send (coordinated omission), against a bare ws echo of the same message;
// - price fan-out: LP quote -> engine -> N web platforms, timed per client, against a bare ws
//   broadcast of one message to N clients; optionally with one more client that stops reading
//   (a slow consumer), to show what it costs the others and the engine's orders.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import * as hdr from 'hdr-histogram-js';
import WebSocket from 'ws';
import type { LiveConfigInput } from '../../src/app/live-config.js';
import { WsPlatformClient } from '../../src/app/ws-platform-client.js';
import { parseE8 } from '../../src/core/model/scaled.js';
import { BundleRouter } from '../../src/core/routing/bundle-router.js';
import { loadBundle } from '../../src/mappings/load-bundle.js';
import { histogram, LpEnd, percentiles, pinRig, startProcess, stopProcess, waitFor, type Percentiles } from './hop-rig.js';

const ROOT = resolve(import.meta.dirname, '..', '..');
const nowUs = (): number => performance.now() * 1000;
const TOKEN = 'bench-token-0123456789abcdef';
const GROUP = 'real\\pro\\usd';

export interface WsHopResult {
  readonly offeredPerSec: number;
  readonly sent: number;
  readonly answered: number;
  readonly roundTripUs: Percentiles;
}

export interface WsFanoutResult {
  readonly clients: number;
  readonly stalledClient: boolean;
  readonly quotesPerSec: number;
  /** LP quote sent -> price received, over every reading client. */
  readonly priceUs: Percentiles;
  /** Orders from one web platform at `ordersPerSec` meanwhile. */
  readonly orderRoundTripUs: Percentiles;
  readonly priceGaps: number;
  readonly slowConsumersDisconnected: number;
  /** Connections cut for not answering pings (a client that stops reading stops answering too). */
  readonly livenessTimeouts: number;
  readonly engine: Record<string, unknown> | null;
}

function engineConfig(tmp: string, lpPort: number, viewers: number): LiveConfigInput {
  return {
    run: { production: join(ROOT, 'mappings', 'production'), candidate: null, out: join(tmp, 'run'), flushMs: 1_000 },
    platform: {
      port: 0,
      senderCompId: 'BRIDGE',
      storeDir: join(tmp, 'store'),
      priceThrottleMs: 0,
      // The path is measured, not the per-session rate limit (2,000/s by default).
      sessions: [{ targetCompId: 'PLAT', defaultGroup: GROUP, messagesPerSecond: 1_000_000 }],
      websocket: {
        port: 0,
        limits: { messagesPerSecond: 100_000, slowConsumerMs: 2_000, maxBufferedBytes: 8 * 1024 * 1024 },
        clients: [{ id: 'WEB', token: TOKEN, defaultGroup: GROUP }, ...Array.from({ length: viewers }, (_, i) => ({ id: `VIEW${i}`, token: `${TOKEN}-${i}`, defaultGroup: GROUP, orders: false }))],
      },
    },
    lps: [{ id: 'LP_BRAVO', port: lpPort, senderCompId: 'BRIDGE', targetCompId: 'LP_BRAVO', heartBtIntSec: 30 }],
  };
}

/** Offers `perSecond` orders for `seconds` on a fixed schedule; returns the round trips. */
async function offerOrders(send: (id: string) => void, answered: Map<string, number>, perSecond: number, seconds: number, warmupSeconds: number, prefix: string): Promise<WsHopResult> {
  const h = histogram();
  const total = Math.round(perSecond * seconds);
  const start = nowUs() + 2_000;
  const warmupUntil = start + warmupSeconds * 1e6;
  const intervalUs = 1e6 / perSecond;
  const scheduled: number[] = [];
  let next = 0;
  await new Promise<void>((done) => {
    const pump = (): void => {
      const now = nowUs();
      while (next < total && start + next * intervalUs <= now) {
        scheduled.push(start + next * intervalUs);
        send(`${prefix}${next}`);
        next++;
      }
      if (next >= total) done();
      else setImmediate(pump);
    };
    pump();
  });
  await waitFor(() => scheduled.every((_, i) => answered.has(`${prefix}${i}`)), 5_000);
  let count = 0;
  for (let i = 0; i < total; i++) {
    const at = answered.get(`${prefix}${i}`);
    if (at === undefined) continue;
    count++;
    if ((scheduled[i] as number) >= warmupUntil) h.recordValue(Math.max(1, Math.round(at - (scheduled[i] as number))));
  }
  const p = percentiles(h);
  h.destroy();
  return { offeredPerSec: perSecond, sent: total, answered: count, roundTripUs: p };
}

/** Web platform order hop through the engine, at each rate in turn. */
export async function runWsHop(rates: readonly number[], seconds: number, warmupSeconds: number): Promise<{ rates: WsHopResult[]; engine: Record<string, unknown> | null }> {
  await hdr.initWebAssembly();
  pinRig();
  const tmp = mkdtempSync(join(tmpdir(), 'sb-ws-hop-'));
  const lp = new LpEnd('LP_BRAVO', 'BRIDGE', 2_000, false);
  const lpPort = await lp.listen();
  const middle = await startProcess(['bench/support/engine-process.ts', JSON.stringify(engineConfig(tmp, lpPort, 0)), '']);
  await waitFor(() => lp.session.isLoggedOn, 10_000);
  const client = new WsPlatformClient({ url: `ws://127.0.0.1:${middle.wsPort}/v1`, token: TOKEN });
  const answered = new Map<string, number>();
  client.onExecution = (m) => {
    if (m['ordStatus'] === 'filled' || m['ordStatus'] === 'rejected') answered.set(m['clOrdId'] as string, nowUs());
  };
  await client.ready;
  await new Promise((r) => setTimeout(r, 300));
  const out: WsHopResult[] = [];
  try {
    for (const [k, rate] of rates.entries()) out.push(await offerOrders((id) => client.send({ clOrdId: id, symbol: 'GBPUSD.pro', side: 'buy', lots: '1' }), answered, rate, seconds, warmupSeconds, `H${k}-`));
  } finally {
    await client.close();
  }
  const engine = await stopProcess(middle);
  await lp.close();
  rmSync(tmp, { recursive: true, force: true });
  return { rates: out, engine };
}

/** The same order messages against a bare ws echo: the floor of a WebSocket round trip. */
export async function runWsEchoHop(rates: readonly number[], seconds: number, warmupSeconds: number): Promise<WsHopResult[]> {
  await hdr.initWebAssembly();
  pinRig();
  const echo = await startProcess(['bench/support/ws-echo.ts']);
  const ws = new WebSocket(`ws://127.0.0.1:${echo.port}`, { perMessageDeflate: false });
  await new Promise((r) => ws.once('open', r));
  const answered = new Map<string, number>();
  ws.on('message', (d) => {
    const m = JSON.parse(d.toString()) as { clOrdId: string };
    answered.set(m.clOrdId, nowUs());
  });
  const out: WsHopResult[] = [];
  for (const [k, rate] of rates.entries()) out.push(await offerOrders((id) => ws.send(JSON.stringify({ type: 'new', clOrdId: id, symbol: 'GBPUSD.pro', side: 'buy', qty: '1', ordType: 'market' })), answered, rate, seconds, warmupSeconds, `E${k}-`));
  ws.close();
  await stopProcess(echo);
  return out;
}

/** The client's bid minus the LP's: production's markup for the bench group, from the bundle. */
function markupOffsetE8(): number {
  const router = new BundleRouter('production', loadBundle(join(ROOT, 'mappings', 'production')));
  const lpBid = 127_000_000;
  const q = { lp: 'LP_BRAVO', lpSymbol: 'GBPUSD', bidE8: lpBid, askE8: lpBid + 4_000, bidSizeE8: 1e14, askSizeE8: 1e14, indicative: false, receivedUs: 0 };
  const c = router.clientQuote({ quotes: { get: () => q, entries: () => [q] }, lpStatus: { get: () => 'up' } as never, nowUs: 0 }, GROUP, '', 'GBPUSD.pro');
  if (c === null) throw new Error('no client quote for the bench group');
  return c.bidE8 - lpBid;
}

/** Price fan-out through the engine to `clients` web platforms (plus, optionally, one that stalls). */
export async function runWsFanout(clients: number, stalledClient: boolean, quotesPerSec: number, seconds: number, ordersPerSec: number): Promise<WsFanoutResult> {
  await hdr.initWebAssembly();
  pinRig();
  const tmp = mkdtempSync(join(tmpdir(), 'sb-ws-fan-'));
  const lp = new LpEnd('LP_BRAVO', 'BRIDGE', quotesPerSec, false);
  lp.monotonic = true;
  const lpPort = await lp.listen();
  const viewers = clients + (stalledClient ? 1 : 0);
  const middle = await startProcess(['bench/support/engine-process.ts', JSON.stringify(engineConfig(tmp, lpPort, viewers)), '']);
  await waitFor(() => lp.session.isLoggedOn, 10_000);
  const offset = markupOffsetE8();
  const h = histogram();
  let measuring = false;
  const readers: WsPlatformClient[] = [];
  for (let i = 0; i < clients; i++) {
    const c = new WsPlatformClient({ url: `ws://127.0.0.1:${middle.wsPort}/v1`, token: `${TOKEN}-${i}`, subscribe: ['GBPUSD.pro'] });
    c.onPrice = (m) => {
      if (!measuring) return;
      // The k-th monotonic quote has LP bid 127_000_000 + (k + 1) * 1000 - 2000.
      const k = Math.round((parseE8(m['bid'] as string) - offset - 127_000_000 + 2_000) / 1000) - 1;
      const sentAt = lp.quoteTimes[k];
      if (sentAt !== undefined) h.recordValue(Math.max(1, Math.round(nowUs() - sentAt)));
    };
    readers.push(c);
  }
  const stalled = stalledClient ? new WsPlatformClient({ url: `ws://127.0.0.1:${middle.wsPort}/v1`, token: `${TOKEN}-${clients}`, subscribe: ['GBPUSD.pro'] }) : null;
  const orders = new WsPlatformClient({ url: `ws://127.0.0.1:${middle.wsPort}/v1`, token: TOKEN });
  const answered = new Map<string, number>();
  orders.onExecution = (m) => answered.set(m['clOrdId'] as string, nowUs());
  await Promise.all([...readers.map((c) => c.ready), orders.ready, stalled?.ready]);
  stalled?.stall();
  await new Promise((r) => setTimeout(r, 500));
  measuring = true;
  let order: WsHopResult;
  try {
    order = await offerOrders((id) => orders.send({ clOrdId: id, symbol: 'GBPUSD.pro', side: 'buy', lots: '1' }), answered, ordersPerSec, seconds, 0.5, 'F');
  } finally {
    measuring = false;
    for (const c of [...readers, orders]) await c.close();
    stalled?.resume();
    await stalled?.close();
  }
  const priceUs = percentiles(h);
  h.destroy();
  const engine = await stopProcess(middle);
  await lp.close();
  rmSync(tmp, { recursive: true, force: true });
  const ws = (engine?.['admission'] as { ws?: { slowConsumers?: number; livenessTimeouts?: number } } | undefined)?.ws;
  return { clients, stalledClient, quotesPerSec, priceUs, orderRoundTripUs: order.roundTripUs, priceGaps: readers.reduce((n, c) => n + c.stats.priceGaps, 0), slowConsumersDisconnected: ws?.slowConsumers ?? -1, livenessTimeouts: ws?.livenessTimeouts ?? -1, engine };
}

/** The floor of fan-out: one message in, broadcast by a bare ws server to `clients` clients. */
export async function runWsEchoFanout(clients: number, quotesPerSec: number, seconds: number): Promise<Percentiles> {
  await hdr.initWebAssembly();
  pinRig();
  const echo = await startProcess(['bench/support/ws-echo.ts']);
  const url = `ws://127.0.0.1:${echo.port}`;
  const h = histogram();
  const sentAt: number[] = [];
  const listeners: WebSocket[] = [];
  for (let i = 0; i < clients; i++) {
    const ws = new WebSocket(url, { perMessageDeflate: false });
    ws.on('message', (d) => {
      const k = Number(/"k":(\d+)/.exec(d.toString())?.[1]);
      const at = sentAt[k];
      if (at !== undefined) h.recordValue(Math.max(1, Math.round(nowUs() - at)));
    });
    await new Promise((r) => ws.once('open', r));
    listeners.push(ws);
  }
  const feeder = new WebSocket(url, { perMessageDeflate: false });
  await new Promise((r) => feeder.once('open', r));
  feeder.send('{"type":"quote","k":-1}'); // the server learns which connection feeds
  await new Promise((r) => setTimeout(r, 100));
  const total = Math.round(quotesPerSec * seconds);
  const start = nowUs();
  let k = 0;
  await new Promise<void>((done) => {
    const timer = setInterval(() => {
      const due = Math.min(total, Math.floor(((nowUs() - start) / 1e6) * quotesPerSec));
      while (k < due) {
        sentAt.push(nowUs());
        feeder.send(`{"type":"quote","channel":"prices","symbol":"GBPUSD.pro","k":${k},"bid":"1.27001","ask":"1.27005"}`);
        k++;
      }
      if (k >= total) {
        clearInterval(timer);
        done();
      }
    }, 1);
  });
  await new Promise((r) => setTimeout(r, 300));
  for (const ws of [...listeners, feeder]) ws.close();
  await stopProcess(echo);
  const p = percentiles(h);
  h.destroy();
  return p;
}
