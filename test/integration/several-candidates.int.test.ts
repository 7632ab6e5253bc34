// Several candidates live: two in the engine's process and one in a shadow worker that reports
// its figures up the tap. The summary shows all three side by side; the in-process second
// candidate writes what a replay of the recording with it alone writes; the remote one's figures
// are its worker's own. Reports that are not the configured worker's are refused and counted.

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { XSubscriber } from 'zeromq';
import { afterAll, describe, expect, it } from 'vitest';
import { buildCandidateReport } from '../../src/app/candidate-report.js';
import type { LiveConfigInput } from '../../src/app/live-config.js';
import { startLiveEngine } from '../../src/app/live-engine.js';
import type { LpSim } from '../../src/app/lp-sim.js';
import { startPlatformClient } from '../../src/app/platform-client.js';
import { runReplay } from '../../src/app/replay.js';
import { startShadowWorker } from '../../src/app/shadow-worker.js';
import { emptyTally, type RunSummary } from '../../src/exporters/summary.js';
import { encodeUpstream } from '../../src/gateways/zmq/tap-codec.js';
import { loadBundle } from '../../src/mappings/load-bundle.js';
import { CANDIDATE_DIR, PRODUCTION_DIR, ROOT } from '../support/builders.js';
import { alwaysOpenBundle } from '../support/open-bundle.js';
import { startSimLps } from '../support/lp-sims.js';
import { freePort, waitFor } from '../support/wait.js';

const tmp = mkdtempSync(join(tmpdir(), 'sb-several-live-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const silent = { event() {} };
const production = alwaysOpenBundle(PRODUCTION_DIR, join(tmp, 'production'));
const wide = alwaysOpenBundle(CANDIDATE_DIR, join(tmp, 'wide'));
const good = alwaysOpenBundle(join(ROOT, 'mappings', 'candidate-good'), join(tmp, 'good'));
const LPS = ['LP_ALPHA', 'LP_BRAVO', 'LP_CHARLIE'];
const TOKEN = 'worker-token-0123456789';

const sims = (): Promise<LpSim[]> => startSimLps(production, 60);

function remoteOf(s: RunSummary, id: string) {
  return s.candidates.find((c) => c.id === id);
}

describe('several candidates in a live engine', () => {
  it('shows in-process and remote candidates side by side; each writes what it would alone', async () => {
    process.env['SB_TEST_WORKER_TOKEN'] = TOKEN;
    const lpSims = await sims();
    const tapPort = await freePort();
    const out = join(tmp, 'run');
    const config: LiveConfigInput = {
      run: {
        production,
        candidates: [
          { id: 'wide', path: wide },
          { id: 'good', path: good },
          { id: 'far', remote: true, tokenEnv: 'SB_TEST_WORKER_TOKEN' },
        ],
        out,
        record: join(out, 'recording.msgpack'),
        flushMs: 200,
      },
      platform: { port: 0, senderCompId: 'BRIDGE', storeDir: join(tmp, 'store'), priceThrottleMs: 0, sessions: [{ targetCompId: 'PLAT', defaultGroup: 'real\\retail\\usd', accountGroups: { '900001': 'real\\pro\\usd' } }] },
      tap: { bind: `tcp://127.0.0.1:${tapPort}`, stateEveryMs: 300, waitForSubscribers: 1, waitForSubscribersMs: 10_000 },
      lps: LPS.map((id, k) => ({ id, port: lpSims[k]!.port, senderCompId: 'BRIDGE', targetCompId: id })),
    };
    // The remote worker evaluates the same candidate as the engine's first: their figures must agree.
    const worker = startShadowWorker({ connect: `tcp://127.0.0.1:${tapPort}`, candidate: wide, production, outDir: join(tmp, 'worker'), id: 'far', token: TOKEN, reportEveryMs: 100 });
    // A stranger on the tap: an unknown id, then the right id with a wrong token.
    const stranger = new XSubscriber({ linger: 0 });
    stranger.connect(`tcp://127.0.0.1:${tapPort}`);
    const engine = await startLiveEngine(config, 'several');
    let summary: RunSummary;
    let workerSummary: RunSummary | undefined;
    try {
      expect((await worker.joined).joinedFrom).toBe('start');
      expect(await waitFor(() => LPS.every((lp) => engine.lpConnected(lp)), 5_000)).toBe(true);
      const client = startPlatformClient({ host: '127.0.0.1', port: engine.platformPort, senderCompId: 'PLAT', targetCompId: 'BRIDGE', seed: 5, log: silent, symbols: [], subscribe: [] });
      client.start();
      expect(await client.waitLoggedOn(5_000)).toBe(true);
      const symbols = ['EURUSD', 'GBPUSD', 'GOLD', 'EURUSD.ecn', 'WS30', 'USDJPY'];
      for (let i = 0; i < 60; i++) {
        client.send({ clOrdId: `S-${i}`, account: i % 3 === 0 ? '900001' : '100001', symbol: symbols[i % symbols.length] as string, side: i % 2 === 0 ? 'buy' : 'sell', lots: '0.30' });
        await new Promise((r) => setTimeout(r, 5));
      }
      await new Promise((r) => setTimeout(r, 300));
      await client.stop();
      const figures = { offered: 60, compared: 60, matched: 0, divergent: 60, divergences: 0, dropped: { sampled_out: 0, queue_full: 0, candidate_timeout: 0, candidate_error: 0 }, candidateRouted: 0, candidateRejected: 60, candidateRejectReasons: {} };
      const forged = (id: string, token: string | null) =>
        encodeUpstream(buildCandidateReport({ id, instance: 'ffffffffffffffff', n: 1, token, name: 'forged', hash: 'sha256:forged', production: loadBundle(production).hash, atUs: 1, counters: figures, tally: emptyTally(), latencyUs: { count: 0, p50: 0, p99: 0, p999: 0, max: 0 }, tap: { gaps: 0, lostMessages: 0, joinedFrom: 'start', lagUsP99: 0 }, runFolder: '/nowhere' }));
      await stranger.send(forged('nobody', null));
      await stranger.send(forged('far', 'wrong-token-0123456789'));
      await stranger.send(forged('far', null));
      await stranger.send(Buffer.from('garbage that is no msgpack map'));
      // The worker catches up and reports all 60 comparisons.
      expect(await waitFor(() => remoteOf(engine.summary(), 'far')?.compared === 60, 15_000)).toBe(true);
      workerSummary = (await worker.stop())?.summary;
      await new Promise((r) => setTimeout(r, 200)); // the final report
    } finally {
      stranger.close();
      summary = await engine.stop();
      await Promise.all(lpSims.map((s) => s.close()));
      delete process.env['SB_TEST_WORKER_TOKEN'];
    }

    expect(summary.orders).toBe(60);
    expect(summary.candidates.map((c) => [c.id, c.kind, c.files])).toEqual([
      ['wide', 'bundle', 'divergences.jsonl'],
      ['good', 'bundle', 'candidates/good/'],
      ['far', 'remote', null],
    ]);
    const [first, second, far] = summary.candidates;
    expect(first?.compared).toBe(60);
    expect(second?.compared).toBe(60);
    // The top-level figures are the first candidate's.
    expect(summary.divergences.total).toBe(first?.divergences.total);
    // The remote figures are the worker's own, and agree with the engine's in-process run of the
    // same candidate on the same events.
    expect(far?.compared).toBe(workerSummary?.compared);
    expect(far?.divergences.total).toBe(workerSummary?.divergences.total);
    expect(far?.divergences.byClass).toEqual(first?.divergences.byClass);
    expect(far?.hash).toBe(first?.hash);
    expect(far?.remote?.reports).toBeGreaterThan(1);
    expect(far?.remote?.tap?.gaps).toBe(0);
    expect(far?.remote?.runFolder).toBe(join(tmp, 'worker'));
    expect(far?.verdict).toBe(first?.verdict);
    // The stranger's reports changed nothing and were counted by why.
    const refused = (summary as unknown as { tap: { reportsRefused: Record<string, number> } }).tap.reportsRefused;
    expect(refused).toMatchObject({ unknown_candidate: 1, bad_token: 2, malformed: 1 });

    // The second in-process candidate wrote what a replay with it alone writes.
    const replay = await runReplay({ scenario: join(out, 'recording.msgpack'), production, candidate: good, outDir: join(tmp, 'replay-good') });
    expect(readFileSync(join(out, 'candidates', 'good', 'divergences.jsonl'), 'utf8')).toBe(readFileSync(join(replay.outDir, 'divergences.jsonl'), 'utf8'));
    expect(second?.divergences.total).toBe(replay.summary.divergences.total);
    // summary.json on disk says the same.
    const written = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as RunSummary;
    expect(written.candidates.map((c) => c.id)).toEqual(['wide', 'good', 'far']);
  }, 60_000);

  it('a candidate that hangs costs the others nothing: every order answered, every other candidate compares every order', async () => {
    const hang = join(tmp, 'hang.mjs');
    writeFileSync(hang, "export default { name: 'hang', decide() { for (;;) {} } };\n");
    const lpSims = await sims();
    const out = join(tmp, 'run-hang');
    const engine = await startLiveEngine({
      run: { production, candidates: [{ id: 'wide', path: wide }, { id: 'hang', path: hang }, { id: 'good', path: good }], out, flushMs: 200, candidateBudgetUs: 20_000 },
      platform: { port: 0, senderCompId: 'BRIDGE', storeDir: join(tmp, 'store-hang'), priceThrottleMs: 0, sessions: [{ targetCompId: 'PLAT', defaultGroup: 'real\\retail\\usd' }] },
      lps: LPS.map((id, k) => ({ id, port: lpSims[k]!.port, senderCompId: 'BRIDGE', targetCompId: id })),
    }, 'hang');
    let summary: RunSummary;
    let answered = 0;
    try {
      expect(await waitFor(() => LPS.every((lp) => engine.lpConnected(lp)), 5_000)).toBe(true);
      const client = startPlatformClient({ host: '127.0.0.1', port: engine.platformPort, senderCompId: 'PLAT', targetCompId: 'BRIDGE', seed: 9, log: silent, symbols: [], subscribe: [] });
      client.start();
      expect(await client.waitLoggedOn(5_000)).toBe(true);
      for (let i = 0; i < 40; i++) {
        client.send({ clOrdId: `H-${i}`, account: '100001', symbol: i % 2 === 0 ? 'EURUSD' : 'GBPUSD', side: 'buy', lots: '0.10' });
        await new Promise((r) => setTimeout(r, 10));
      }
      const finished = (): number => [...client.reports.values()].filter((list) => list.some((r) => /:[248]$/.test(r))).length;
      expect(await waitFor(() => finished() === 40, 10_000)).toBe(true);
      answered = finished();
      await client.stop();
    } finally {
      summary = await engine.stop();
      await Promise.all(lpSims.map((s) => s.close()));
    }
    expect(answered).toBe(40);
    const by = Object.fromEntries(summary.candidates.map((c) => [c.id, c]));
    expect(by['wide']?.compared).toBe(40);
    expect(by['good']?.compared).toBe(40);
    // The hung module answered nothing: every order it was offered is a counted drop, not a divergence.
    expect(by['hang']?.compared).toBe(0);
    expect(by['hang']?.coverage.dropped.candidate_timeout).toBe(40);
    expect(by['hang']?.verdict).toBe('inconclusive');
    expect(readFileSync(join(out, 'candidates', 'hang', 'shadow-faults.jsonl'), 'utf8').trim().split('\n')).toHaveLength(40);
  }, 60_000);
});
