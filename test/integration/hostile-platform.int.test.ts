// A hostile or careless platform side on loopback: a password-only session, a flood of garbage
// from unauthenticated sockets, peers that keep failing to log on, a reused ClOrdID, and a run
// folder whose summary.json cannot be written. The engine stays up, valid platforms trade, logs
// stay bounded, and every refusal is distinct and coded.

import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { LiveConfigInput } from '../../src/app/live-config.js';
import { simInstruments } from '../../src/app/live-demo.js';
import { startLiveEngine } from '../../src/app/live-engine.js';
import { PERSONAS } from '../../src/app/lp-personas.js';
import { startLpSim } from '../../src/app/lp-sim.js';
import { startPlatformClient, type PlatformClient } from '../../src/app/platform-client.js';
import { PRODUCTION_DIR, productionBundle } from '../support/builders.js';
import { fix } from '../support/fix.js';
import { waitFor } from '../support/wait.js';

const tmp = mkdtempSync(join(tmpdir(), 'sb-hostplat-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const silent = { event() {} };

type SessionInput = LiveConfigInput['platform']['sessions'][number];

async function engineWith(name: string, platform: Partial<LiveConfigInput['platform']>, session: Partial<SessionInput> = {}) {
  const sim = await startLpSim({ lp: 'LP_ALPHA', host: '127.0.0.1', port: 0, bridgeCompId: 'BRIDGE', persona: { ...PERSONAS['ecn']!, rejectProbability: 0 }, seed: 1, instruments: simInstruments(productionBundle(), 'LP_ALPHA'), log: silent });
  const out = join(tmp, `${name}-run`);
  const engine = await startLiveEngine({
    run: { production: PRODUCTION_DIR, candidate: null, out, flushMs: 100 },
    platform: { host: '127.0.0.1', port: 0, senderCompId: 'BRIDGE', storeDir: join(tmp, `${name}-store`), priceThrottleMs: 0, sessions: [{ targetCompId: 'PLAT', defaultGroup: 'real\\pro\\usd', ...session }], ...platform },
    lps: [{ id: 'LP_ALPHA', host: '127.0.0.1', port: sim.port, senderCompId: 'BRIDGE', targetCompId: 'LP_ALPHA', heartBtIntSec: 5 }],
  }, name);
  expect(await waitFor(() => engine.lpConnected('LP_ALPHA'), 5_000)).toBe(true);
  return {
    engine,
    out,
    client: (extra: { username?: string; password?: string; senderCompId?: string } = {}): PlatformClient => startPlatformClient({ host: '127.0.0.1', port: engine.platformPort, senderCompId: 'PLAT', targetCompId: 'BRIDGE', seed: 2, log: silent, symbols: [], ...extra }),
    async stop() {
      const summary = await engine.stop();
      await sim.close();
      return summary;
    },
  };
}

/** Opens a socket, writes `bytes`, and resolves when the engine closes it (or after 3 s). */
function sendAndWaitClose(port: number, bytes: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s: Socket = connect({ host: '127.0.0.1', port }, () => s.write(bytes.replaceAll('|', '\x01')));
    const timer = setTimeout(() => {
      s.destroy();
      resolve(false);
    }, 3_000);
    s.on('error', () => {});
    s.on('close', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

describe('hostile platform side', () => {
  it('checks the password of a session configured with a password and no username', async () => {
    const e = await engineWith('password-only', { maxFailedLogonsPerMinute: 10_000 }, { password: 's3cret' });
    const none = e.client();
    const wrong = e.client({ password: 'guess' });
    const right = e.client({ username: 'anything', password: 's3cret' });
    try {
      none.start();
      expect(await none.waitLoggedOn(1_500)).toBe(false);
      await none.stop();
      wrong.start();
      expect(await wrong.waitLoggedOn(1_500)).toBe(false);
      await wrong.stop();
      right.start();
      expect(await right.waitLoggedOn(5_000)).toBe(true);
    } finally {
      await right.stop();
      await e.stop();
    }
    expect(readFileSync(join(e.out, 'engine.log'), 'utf8')).not.toContain('s3cret'); // never logged
  }, 30_000);

  it('closes unauthenticated sockets that send garbage at once, logs a bounded number of lines, and keeps valid orders flowing', async () => {
    const e = await engineWith('flood', { maxFailedLogonsPerMinute: 10_000 });
    const c = e.client();
    try {
      c.start();
      expect(await c.waitLoggedOn(5_000)).toBe(true);
      await new Promise((r) => setTimeout(r, 300));
      const closed = await Promise.all(Array.from({ length: 200 }, (_, k) => sendAndWaitClose(e.engine.platformPort, `8=FIX.4.4|9=5|35=A|garbage${k}|10=000|8=FIX.4.4|9=abc|`)));
      expect(closed.every(Boolean)).toBe(true); // each garbage connection closed by the engine
      for (let i = 0; i < 5; i++) c.send({ clOrdId: `VALID-${i}`, account: '1', symbol: 'EURUSD', side: 'buy', lots: '0.10' });
      expect(await waitFor(() => [0, 1, 2, 3, 4].every((i) => c.reports.get(`VALID-${i}`)?.at(-1) === 'F:2'), 5_000)).toBe(true);
    } finally {
      await c.stop();
    }
    const summary = await e.stop();
    const lines = readFileSync(join(e.out, 'engine.log'), 'utf8').trim().split('\n');
    // 200 garbage connections: at most the burst per event name, then one summary line.
    expect(lines.filter((l) => l.includes('"event":"fix_connection_refused"')).length).toBeLessThanOrEqual(20);
    expect(lines.some((l) => l.includes('"event":"log_suppressed"') && l.includes('fix_connection_refused'))).toBe(true);
    expect(lines.length).toBeLessThan(200);
    expect((summary as unknown as { admission: { failedLogons: number } }).admission.failedLogons).toBe(200);
  }, 30_000);

  it('refuses, for a minute, connections from a peer whose logons keep failing', async () => {
    const e = await engineWith('blocked', { maxFailedLogonsPerMinute: 3 });
    try {
      // Logons naming a session that does not exist.
      for (let i = 0; i < 3; i++) await sendAndWaitClose(e.engine.platformPort, `8=FIX.4.4|9=60|35=A|34=1|49=WHO|52=20261201-12:00:00.000|56=BRIDGE|98=0|108=30|10=000|`);
      const c = e.client();
      c.start();
      expect(await c.waitLoggedOn(1_500)).toBe(false); // even a valid session, from that address
      await c.stop();
    } finally {
      const summary = await e.stop();
      expect((summary as unknown as { admission: { refusedPeerBlocked: number } }).admission.refusedPeerBlocked).toBeGreaterThan(0);
    }
  }, 30_000);

  it('gives every refusal of a reused ClOrdID its own ExecID', async () => {
    const e = await engineWith('dup-exec', {});
    const c = e.client();
    try {
      c.start();
      expect(await c.waitLoggedOn(5_000)).toBe(true);
      await new Promise((r) => setTimeout(r, 300));
      c.send({ clOrdId: 'ONCE', account: '1', symbol: 'EURUSD', side: 'buy', lots: '0.10' });
      expect(await waitFor(() => c.reports.get('ONCE')?.at(-1) === 'F:2', 5_000)).toBe(true);
      c.send({ clOrdId: 'ONCE', account: '1', symbol: 'EURUSD', side: 'buy', lots: '0.10' });
      c.send({ clOrdId: 'ONCE', account: '1', symbol: 'EURUSD', side: 'buy', lots: '0.10' });
      expect(await waitFor(() => (c.details.get('ONCE')?.length ?? 0) === 3, 5_000)).toBe(true);
      const refusals = c.details.get('ONCE')!.slice(1);
      expect(refusals.map((d) => [d.ordStatus, d.ordRejReason, d.text])).toEqual([['8', '6', 'Duplicate ClOrdID'], ['8', '6', 'Duplicate ClOrdID']]);
      const execIds = c.details.get('ONCE')!.map((d) => d.execId);
      expect(new Set(execIds).size).toBe(3);
    } finally {
      await c.stop();
      await e.stop();
    }
  }, 30_000);

  it('refuses an order whose ClOrdID or Account is longer than 64 characters (held per order, they would pin memory), and keeps trading', async () => {
    const e = await engineWith('long-ids', {});
    const c = e.client();
    try {
      c.start();
      expect(await c.waitLoggedOn(5_000)).toBe(true);
      await new Promise((r) => setTimeout(r, 300));
      const longId = `L${'x'.repeat(2_000)}`;
      c.send({ clOrdId: longId, account: '1', symbol: 'EURUSD', side: 'buy', lots: '0.10' });
      c.send({ clOrdId: 'LONG-ACCOUNT', account: 'a'.repeat(65), symbol: 'EURUSD', side: 'buy', lots: '0.10' });
      c.send({ clOrdId: 'FINE', account: 'a'.repeat(64), symbol: 'EURUSD', side: 'buy', lots: '0.10' });
      expect(await waitFor(() => c.details.has(longId) && c.details.has('LONG-ACCOUNT') && c.reports.get('FINE')?.at(-1) === 'F:2', 5_000)).toBe(true);
      expect(c.details.get(longId)!.map((d) => [d.ordStatus, d.ordRejReason, d.text])).toEqual([['8', '99', 'ClOrdID(11) must be at most 64 characters']]);
      expect(c.details.get('LONG-ACCOUNT')!.map((d) => [d.ordStatus, d.ordRejReason, d.text])).toEqual([['8', '99', 'Account(1) must be at most 64 characters']]);
      const orders = readFileSync(join(e.out, 'orders.jsonl'), 'utf8');
      expect(orders.includes(longId)).toBe(false); // never routed, never held
    } finally {
      await c.stop();
      await e.stop();
    }
  }, 30_000);

  it('refuses orders beyond a session\'s message rate with ER 8 (99), answers every one, and leaves other sessions\' orders flowing', async () => {
    // PLAT may send 20 orders a second, 40 at once; PLAT2 keeps the default.
    const e = await engineWith('throttle', { sessions: [{ targetCompId: 'PLAT', defaultGroup: 'real\\pro\\usd', messagesPerSecond: 20 }, { targetCompId: 'PLAT2', defaultGroup: 'real\\pro\\usd' }] });
    const flood = e.client();
    const other = e.client({ senderCompId: 'PLAT2' });
    const N = 200;
    let stopped = false;
    try {
      flood.start();
      other.start();
      expect(await flood.waitLoggedOn(5_000)).toBe(true);
      expect(await other.waitLoggedOn(5_000)).toBe(true);
      await new Promise((r) => setTimeout(r, 300));
      const started = Date.now();
      for (let i = 0; i < N; i++) flood.send({ clOrdId: `FL-${i}`, account: '1', symbol: 'EURUSD', side: 'buy', lots: '0.10' });
      for (let i = 0; i < 5; i++) other.send({ clOrdId: `OK-${i}`, account: '2', symbol: 'EURUSD', side: 'sell', lots: '0.10' });
      const final = (r: string | undefined): boolean => r === 'F:2' || r === '8:8';
      expect(await waitFor(() => Array.from({ length: N }, (_, i) => flood.reports.get(`FL-${i}`)?.at(-1)).every(final), 10_000)).toBe(true);
      const elapsedS = (Date.now() - started) / 1000;
      expect(await waitFor(() => [0, 1, 2, 3, 4].every((i) => other.reports.get(`OK-${i}`)?.at(-1) === 'F:2'), 5_000)).toBe(true);
      const outcomes = Array.from({ length: N }, (_, i) => flood.details.get(`FL-${i}`)!);
      expect(outcomes.every((d) => d.filter((x) => x.ordStatus === '2' || x.ordStatus === '8').length === 1)).toBe(true); // one final answer each
      const refused = outcomes.filter((d) => d.at(-1)!.ordStatus === '8');
      const filled = N - refused.length;
      expect(filled).toBeGreaterThanOrEqual(40); // the burst
      expect(filled).toBeLessThanOrEqual(40 + Math.ceil(20 * elapsedS) + 1);
      expect(refused.every((d) => d.at(-1)!.ordRejReason === '99' && d.at(-1)!.text === 'Message rate above 20/s on this session: refused, not sent')).toBe(true);
      expect(new Set(refused.map((d) => d.at(-1)!.execId)).size).toBe(refused.length);
      // The budget refills: a second later the session trades again.
      await new Promise((r) => setTimeout(r, 1_100));
      for (let i = 0; i < 10; i++) flood.send({ clOrdId: `AFTER-${i}`, account: '1', symbol: 'EURUSD', side: 'buy', lots: '0.10' });
      expect(await waitFor(() => Array.from({ length: 10 }, (_, i) => flood.reports.get(`AFTER-${i}`)?.at(-1)).every((r) => r === 'F:2'), 5_000)).toBe(true);
      await flood.stop();
      await other.stop();
      stopped = true;
      const summary = (await e.stop()) as unknown as { orders: number; admission: { throttled: Record<string, { orders: number }> } };
      expect(summary.admission.throttled['PLAT']!.orders).toBe(refused.length);
      expect(summary.admission.throttled['PLAT2']!.orders).toBe(0);
      expect(summary.orders).toBe(filled + 5 + 10); // refused orders never reached the engine
      const log = readFileSync(join(e.out, 'engine.log'), 'utf8');
      expect(log).toContain('"event":"platform_throttled"');
      expect(log.split('\n').filter((l) => l.includes('"event":"platform_throttled"')).length).toBeLessThanOrEqual(20); // bounded
    } finally {
      if (!stopped) {
        await flood.stop();
        await other.stop();
        await e.stop();
      }
    }
  }, 30_000);

  it('logs out a logged-on platform that floods cheap messages (TestRequests), and keeps the other platform trading', async () => {
    // messagesPerSecond 20 -> any message past 1,000 a second (2,000 at once) is a flood.
    const e = await engineWith('msgflood', { sessions: [{ targetCompId: 'PLAT', defaultGroup: 'real\\pro\\usd', messagesPerSecond: 20 }, { targetCompId: 'PLAT2', defaultGroup: 'real\\pro\\usd' }] });
    const other = e.client({ senderCompId: 'PLAT2' });
    const socket = connect({ host: '127.0.0.1', port: e.engine.platformPort });
    const connected = new Promise<void>((r) => socket.once('connect', () => r()));
    let received = '';
    let closed = false;
    socket.on('data', (d: Buffer) => (received += d.toString('latin1').replaceAll('\x01', '|')));
    socket.on('error', () => {});
    socket.on('close', () => (closed = true));
    try {
      other.start();
      expect(await other.waitLoggedOn(5_000)).toBe(true);
      await connected;
      const now = () => new Date().toISOString().replace(/-/g, '').replace('T', '-').slice(0, 21);
      socket.write(fix(`35=A|34=1|49=PLAT|52=${now()}|56=BRIDGE|98=0|108=30|141=Y|`));
      expect(await waitFor(() => received.includes('|35=A|'), 5_000)).toBe(true);
      const flood = Array.from({ length: 3_000 }, (_, i) => fix(`35=1|34=${i + 2}|49=PLAT|52=${now()}|56=BRIDGE|112=F${i}|`));
      socket.write(Buffer.concat(flood));
      expect(await waitFor(() => closed, 5_000)).toBe(true);
      expect(received).toContain('|58=Message flood: more than 1000 messages a second|');
      // Answered up to the burst, not the whole flood.
      const answered = received.split('|35=0|').length - 1;
      expect(answered).toBeGreaterThanOrEqual(2_000);
      expect(answered).toBeLessThan(3_000);
      other.send({ clOrdId: 'STILL', account: '2', symbol: 'EURUSD', side: 'buy', lots: '0.10' });
      expect(await waitFor(() => other.reports.get('STILL')?.at(-1) === 'F:2', 5_000)).toBe(true);
    } finally {
      socket.destroy();
      await other.stop();
      await e.stop();
    }
    expect(readFileSync(join(e.out, 'engine.log'), 'utf8')).toContain('"event":"fix_message_flood"');
  }, 30_000);

  it('keeps running when summary.json cannot be written, and says so once', async () => {
    const out = join(tmp, 'nosummary-run');
    mkdirSync(join(out, 'summary.json'), { recursive: true }); // a folder where the file should go
    const e = await engineWith('nosummary', {});
    const c = e.client();
    try {
      c.start();
      expect(await c.waitLoggedOn(5_000)).toBe(true);
      await new Promise((r) => setTimeout(r, 300));
      c.send({ clOrdId: 'S-1', account: '1', symbol: 'EURUSD', side: 'buy', lots: '0.10' });
      expect(await waitFor(() => c.reports.get('S-1')?.at(-1) === 'F:2', 5_000)).toBe(true);
      await new Promise((r) => setTimeout(r, 400)); // several flushes
    } finally {
      await c.stop();
    }
    const summary = await e.stop();
    expect(summary.orders).toBe(1);
    const log = readFileSync(join(out, 'engine.log'), 'utf8');
    expect(log.match(/"event":"summary_write_failed"/g)).toHaveLength(1);
  }, 30_000);
});

describe('LP credentials', () => {
  it('logs on to an LP that asks for a username and password, and not with the wrong ones', async () => {
    const sim = await startLpSim({ lp: 'LP_ALPHA', host: '127.0.0.1', port: 0, bridgeCompId: 'BRIDGE', persona: PERSONAS['ecn']!, seed: 1, instruments: simInstruments(productionBundle(), 'LP_ALPHA'), log: silent, credentials: { username: 'bridge-7', password: 'lp-issued' } });
    const start = (password: string, name: string) =>
      startLiveEngine({
        run: { production: PRODUCTION_DIR, candidate: null, out: join(tmp, `${name}-run`) },
        platform: { host: '127.0.0.1', port: 0, senderCompId: 'BRIDGE', storeDir: join(tmp, `${name}-store`), sessions: [{ targetCompId: 'PLAT', defaultGroup: 'real\\pro\\usd' }] },
        lps: [{ id: 'LP_ALPHA', host: '127.0.0.1', port: sim.port, senderCompId: 'BRIDGE', targetCompId: 'LP_ALPHA', heartBtIntSec: 5, username: 'bridge-7', password }],
      }, name);
    try {
      const wrong = await start('guess', 'lp-cred-wrong');
      expect(await waitFor(() => wrong.lpConnected('LP_ALPHA'), 1_500)).toBe(false);
      await wrong.stop();
      const right = await start('lp-issued', 'lp-cred-right');
      expect(await waitFor(() => right.lpConnected('LP_ALPHA'), 5_000)).toBe(true);
      await right.stop();
    } finally {
      await sim.close();
    }
  }, 30_000);
});
