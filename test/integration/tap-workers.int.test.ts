// Scale-out on loopback: a live engine publishes its events on a ZeroMQ tap; two shadow workers
// with different candidates rebuild the state from it and write their own run folders. Each
// worker's divergences.jsonl is byte-identical to an in-process replay of the session's
// recording with the same candidate. A worker killed with SIGKILL and restarted resumes from a
// state snapshot, reports what it missed as tap_gap coverage, and production never notices.

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { LiveConfigInput } from '../../src/app/live-config.js';
import { startLiveEngine } from '../../src/app/live-engine.js';
import type { LpSim } from '../../src/app/lp-sim.js';
import { startPlatformClient } from '../../src/app/platform-client.js';
import { runReplay } from '../../src/app/replay.js';
import { startShadowWorker } from '../../src/app/shadow-worker.js';
import { CANDIDATE_DIR, PRODUCTION_DIR, ROOT } from '../support/builders.js';
import { alwaysOpenBundle } from '../support/open-bundle.js';
import { startSimLps } from '../support/lp-sims.js';
import { freePort, waitFor } from '../support/wait.js';

const tmp = mkdtempSync(join(tmpdir(), 'sb-tap-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const silent = { event() {} };
const production = alwaysOpenBundle(PRODUCTION_DIR, join(tmp, 'production'));
const candidateA = alwaysOpenBundle(CANDIDATE_DIR, join(tmp, 'candidate-a'));
const candidateB = alwaysOpenBundle(join(ROOT, 'mappings', 'candidate-good'), join(tmp, 'candidate-b'));
const LPS = ['LP_ALPHA', 'LP_BRAVO', 'LP_CHARLIE'];

const sims = (): Promise<LpSim[]> => startSimLps(production, 40);

function config(name: string, lpSims: LpSim[], tapPort: number, waitForSubscribers: number): LiveConfigInput {
  const out = join(tmp, `${name}-run`);
  return {
    run: { production, candidate: candidateA, out, record: join(out, 'recording.msgpack'), flushMs: 200 },
    platform: { port: 0, senderCompId: 'BRIDGE', storeDir: join(tmp, `${name}-store`), priceThrottleMs: 0, sessions: [{ targetCompId: 'PLAT', defaultGroup: 'real\\retail\\usd', accountGroups: { '900001': 'real\\pro\\usd' } }] },
    tap: { bind: `tcp://127.0.0.1:${tapPort}`, stateEveryMs: 300, waitForSubscribers, waitForSubscribersMs: 10_000 },
    lps: LPS.map((id, k) => ({ id, port: lpSims[k]!.port, senderCompId: 'BRIDGE', targetCompId: id })),
  };
}

async function flow(platformPort: number, n: number, prefix: string, delayMs: number): Promise<void> {
  const client = startPlatformClient({ host: '127.0.0.1', port: platformPort, senderCompId: 'PLAT', targetCompId: 'BRIDGE', seed: 3, log: silent, symbols: [], subscribe: [] });
  client.start();
  expect(await client.waitLoggedOn(5_000)).toBe(true);
  const symbols = ['EURUSD', 'GBPUSD', 'GOLD', 'EURUSD.ecn', 'WS30', 'USDJPY', 'AUDUSDm'];
  for (let i = 0; i < n; i++) {
    client.send({ clOrdId: `${prefix}-${i}`, account: i % 3 === 0 ? '900001' : '100001', symbol: symbols[i % symbols.length] as string, side: i % 2 === 0 ? 'buy' : 'sell', lots: '0.50' });
    await new Promise((r) => setTimeout(r, delayMs));
  }
  await new Promise((r) => setTimeout(r, 500));
  await client.stop();
}

describe('event tap and shadow workers over ZeroMQ', () => {
  it('two workers with different candidates write what an in-process replay of the recording writes', async () => {
    const lpSims = await sims();
    const tapPort = await freePort();
    const workerA = startShadowWorker({ connect: `tcp://127.0.0.1:${tapPort}`, candidate: candidateA, production, outDir: join(tmp, 'worker-a') });
    const workerB = startShadowWorker({ connect: `tcp://127.0.0.1:${tapPort}`, candidate: candidateB, production, outDir: join(tmp, 'worker-b') });
    const c = config('two', lpSims, tapPort, 2);
    const engine = await startLiveEngine(c, 'taptwo');
    try {
      expect(engine.tapEndpoint).toBe(`tcp://127.0.0.1:${tapPort}`);
      // Both were subscribed before the first event: they compare from the session's start.
      expect((await workerA.joined).joinedFrom).toBe('start');
      expect((await workerB.joined).joinedFrom).toBe('start');
      expect(await waitFor(() => LPS.every((lp) => engine.lpConnected(lp)), 5_000)).toBe(true);
      await new Promise((r) => setTimeout(r, 400));
      await flow(engine.platformPort, 70, 'T', 5);
    } finally {
      await engine.stop();
      await Promise.all(lpSims.map((s) => s.close()));
    }
    await new Promise((r) => setTimeout(r, 300)); // the last messages reach the workers
    const [a, b] = [await workerA.stop(), await workerB.stop()];
    expect(a?.summary.orders).toBe(70);
    expect(b?.summary.orders).toBe(70);
    expect(workerA.stats.gaps + workerB.stats.gaps).toBe(0);
    const recording = join(c.run.out, 'recording.msgpack');
    for (const [name, candidate, result] of [['a', candidateA, a], ['b', candidateB, b]] as const) {
      const replay = await runReplay({ scenario: recording, production, candidate, outDir: join(tmp, `replay-${name}`) });
      expect(readFileSync(join(tmp, `worker-${name}`, 'divergences.jsonl'), 'utf8'), `worker ${name}`).toBe(readFileSync(join(tmp, `replay-${name}`, 'divergences.jsonl'), 'utf8'));
      expect(result?.summary.divergences.total).toBe(replay.summary.divergences.total);
    }
    // The candidates differ, and so do their verdicts: candidate A diverges, candidate-good does not.
    expect(a?.summary.divergences.total).toBeGreaterThan(0);
    expect(b?.summary.divergences.total).toBeLessThan(a?.summary.divergences.total ?? 0);
    // The engine's own in-process shadow (candidate A) agrees with worker A.
    const live = JSON.parse(readFileSync(join(c.run.out, 'summary.json'), 'utf8'));
    expect(live.divergences.total).toBe(a?.summary.divergences.total);
    expect(live.tap.dropped).toBe(0);
    expect(live.tap.subscriptions).toBe(2); // each worker counted (XPUB passes every subscription up)
  });

  it('a worker killed with SIGKILL and restarted resumes from a state; production is unaffected; the gap is coverage', async () => {
    const lpSims = await sims();
    const tapPort = await freePort();
    const c = config('kill', lpSims, tapPort, 0);
    const engine = await startLiveEngine(c, 'tapkill');
    const spawnWorker = (out: string): { child: ChildProcess; output: () => string } => {
      const child = spawn(process.execPath, [join(ROOT, 'bin', 'shadow-bridge.mjs'), 'shadow-worker', '--connect', `tcp://127.0.0.1:${tapPort}`, '--candidate', candidateA, '--production', production, '--out', out], { stdio: ['ignore', 'pipe', 'pipe'] });
      let text = '';
      child.stdout?.on('data', (d: Buffer) => (text += d.toString()));
      child.stderr?.on('data', (d: Buffer) => (text += d.toString()));
      return { child, output: () => text };
    };
    let second: { child: ChildProcess; output: () => string } | null = null;
    try {
      expect(await waitFor(() => LPS.every((lp) => engine.lpConnected(lp)), 5_000)).toBe(true);
      const first = spawnWorker(join(tmp, 'killed'));
      expect(await waitFor(() => first.output().includes('comparing from'), 15_000)).toBe(true);
      const orders = flow(engine.platformPort, 200, 'K', 20);
      await new Promise((r) => setTimeout(r, 500));
      first.child.kill('SIGKILL');
      await new Promise((r) => first.child.once('exit', r));
      second = spawnWorker(join(tmp, 'restarted'));
      expect(await waitFor(() => (second?.output() ?? '').includes('comparing from a state snapshot'), 15_000)).toBe(true);
      await orders;
    } finally {
      const summary = await engine.stop();
      await Promise.all(lpSims.map((s) => s.close()));
      // Production answered every order whatever happened to the workers.
      expect(summary.orders).toBe(200);
      expect(summary.coverage.ratio).toBe(1);
    }
    await new Promise((r) => setTimeout(r, 300));
    second?.child.kill('SIGTERM');
    await new Promise((r) => second?.child.once('exit', r));
    const restarted = JSON.parse(readFileSync(join(tmp, 'restarted', 'summary.json'), 'utf8'));
    expect(restarted.tap.joinedFrom).toBe('state');
    expect(restarted.tap.reason).toBe('tap_gap');
    // It compared the orders after it joined, and only those: never counted the missed ones as divergences.
    expect(restarted.orders).toBeGreaterThan(0);
    expect(restarted.orders).toBeLessThan(200);
    // Rebuilt from a snapshot and numbered as the engine numbered its events, every divergence the
    // restarted worker found is, line for line, one a replay of the whole recording finds.
    await runReplay({ scenario: join(c.run.out, 'recording.msgpack'), production, candidate: candidateA, outDir: join(tmp, 'kill-replay') });
    const full = new Set(readFileSync(join(tmp, 'kill-replay', 'divergences.jsonl'), 'utf8').trim().split('\n'));
    const found = readFileSync(join(tmp, 'restarted', 'divergences.jsonl'), 'utf8').trim().split('\n').filter((l) => l !== '');
    expect(found.length).toBeGreaterThan(0);
    for (const line of found) expect(full.has(line), line.slice(0, 120)).toBe(true);
  });
});
