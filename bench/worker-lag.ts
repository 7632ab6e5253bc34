// Can a shadow worker keep up with 5,000 orders/s and 20,000 quotes/s? A publisher (the live
// engine's own EventTap and recorder, without the rest of the engine) plays a synthetic session
// at those rates with wall-clock stamps, on core 0; N `shadow-worker` processes on core 1 rebuild
// the state, decide with production and a candidate, compare. Each worker's lag is the time from
// an event's stamp to the worker taking it up (one host, one clock); the worker's CPU is read from
// /proc. The engine's own cost of feeding remote candidates is in the hop rig (section 4c).
// node bin/run-ts.mjs bench/worker-lag.ts [ORDERS_PER_SEC=5000] [QUOTES_PER_SEC=20000] [SECONDS=10] [WORKERS=1]

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { tmpdir } from 'node:os';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pino } from 'pino';
import { parseCandidateReport } from '../src/app/candidate-report.js';
import { EventTap } from '../src/app/live/event-tap.js';
import { LpStatusBoard, QuoteBook } from '../src/core/shadow/context.js';
import { decodeUpstream } from '../src/gateways/zmq/tap-codec.js';
import { loadBundle } from '../src/mappings/load-bundle.js';
import { ScenarioRecorder } from '../src/replay/recorder.js';
import { benchEvents } from './support/bench-scenario.js';
import { PIN, cpuTicksOf, freeLoopbackPort } from './support/rig-host.js';

const ROOT = resolve(import.meta.dirname, '..');

export interface WorkerLagResult {
  readonly workers: number;
  readonly ordersPerSec: number;
  readonly quotesPerSec: number;
  readonly seconds: number;
  readonly ordersSent: number;
  readonly eventsPerSecAchieved: number;
  readonly published: number;
  readonly dropped: number;
  /** Per worker: orders compared, what the tap lost for it, its lag (ms) and CPU (% of a core). */
  readonly perWorker: readonly { compared: number; gaps: number; lostMessages: number; lagMs: { p50: number; p99: number; max: number }; cpuPct: number; caughtUpAfterMs: number | null }[];
}

const wallUs = (): number => Math.floor((performance.timeOrigin + performance.now()) * 1000);

export async function runWorkerLag(ordersPerSec: number, quotesPerSec: number, seconds: number, workers: number): Promise<WorkerLagResult> {
  if (PIN) spawnSync('taskset', ['-a', '-cp', '0', String(process.pid)]);
  const tmp = mkdtempSync(join(tmpdir(), 'sb-wlag-'));
  const port = await freeLoopbackPort();
  const production = loadBundle(join(ROOT, 'mappings', 'production'));
  const tap = new EventTap({ bind: `tcp://127.0.0.1:${port}`, highWaterMark: 1_000_000, maxQueue: 1_000_000, batchMs: Number(process.env['BENCH_TAP_BATCH_MS'] ?? 2), stateEveryMs: 1_000, waitForSubscribers: workers, waitForSubscribersMs: 30_000, allowNonLoopback: false });
  const book = new QuoteBook();
  const lpStatus = new LpStatusBoard();
  const startUs = wallUs();
  const recorder = new ScenarioRecorder(null, 'worker-lag', `${ordersPerSec} orders/s, ${quotesPerSec} quotes/s`, startUs, [], false, tap);
  // Each worker's reports (about once a second) say how far it has compared.
  const compared = new Map<string, { compared: number; atMs: number }>();
  tap.publisher.onUpstream = (frame) => {
    const r = parseCandidateReport(decodeUpstream(frame));
    if (typeof r !== 'string') compared.set(r.instance, { compared: r.counters.compared, atMs: performance.now() });
  };
  const children: ChildProcess[] = [];
  for (let w = 0; w < workers; w++) {
    const args = [join(ROOT, 'bin', 'shadow-bridge.mjs'), 'shadow-worker', '--connect', `tcp://127.0.0.1:${port}`, '--candidate', join(ROOT, 'mappings', w % 2 === 0 ? 'candidate' : 'candidate-good'), '--id', `w${w}`, '--out', join(tmp, `worker-${w}`)];
    const command = PIN ? ['taskset', '-c', '1', process.execPath, ...args] : [process.execPath, ...args];
    children.push(spawn(command[0] as string, command.slice(1), { stdio: 'ignore', cwd: ROOT }));
  }
  await tap.start(pino({ level: 'silent' }), () => tap.state(wallUs(), { quotes: book.snapshot(), lpStatus: lpStatus.view() }, production.hash));
  for (const lp of ['LP_ALPHA', 'LP_BRAVO', 'LP_CHARLIE']) {
    lpStatus.set(lp, 'up');
    recorder.lpStatus(wallUs(), lp, 'up', 'bench');
  }
  const cpuBefore = children.map((c) => cpuTicksOf(c.pid ?? 0));
  // 4 quotes to 1 order, as benchEvents interleaves them; paced on the wall clock.
  const eventsPerSec = ordersPerSec + quotesPerSec;
  const total = Math.round(eventsPerSec * seconds);
  const events = benchEvents(total);
  const t0 = performance.now();
  let next = 0;
  let orders = 0;
  await new Promise<void>((done) => {
    const pump = (): void => {
      const due = Math.min(total, Math.floor(((performance.now() - t0) / 1000) * eventsPerSec));
      while (next < due) {
        const e = events[next++]!;
        const ts = wallUs();
        if (e.quote !== null) {
          const q = { ...e.quote, receivedUs: ts };
          book.update(q);
          recorder.quote(ts, q);
        } else if (e.order !== null) {
          orders++;
          recorder.order(ts, e.order);
        }
      }
      if (next >= total) done();
      else setImmediate(pump);
    };
    pump();
  });
  const achieved = total / ((performance.now() - t0) / 1000);
  const endedAt = performance.now();
  // Up to 30 s more for the workers to finish what they hold.
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline && (compared.size < workers || [...compared.values()].some((c) => c.compared < orders))) await new Promise((r) => setTimeout(r, 50));
  const caughtUp = [...compared.values()].map((c) => (c.compared >= orders ? Math.max(0, Math.round(c.atMs - endedAt)) : null));
  const cpuAfter = children.map((c) => cpuTicksOf(c.pid ?? 0));
  const elapsedS = (performance.now() - t0) / 1000;
  const perWorker: WorkerLagResult['perWorker'][number][] = [];
  for (const [w, child] of children.entries()) {
    child.kill('SIGTERM');
    await new Promise((r) => (child.exitCode !== null ? r(null) : child.once('exit', r)));
    try {
      const s = JSON.parse(readFileSync(join(tmp, `worker-${w}`, 'summary.json'), 'utf8')) as { compared: number; tap: { gaps: number; lostMessages: number; lagUs: { p50: number; p99: number; max: number } } };
      perWorker.push({ compared: s.compared, gaps: s.tap.gaps, lostMessages: s.tap.lostMessages, lagMs: { p50: s.tap.lagUs.p50 / 1000, p99: s.tap.lagUs.p99 / 1000, max: s.tap.lagUs.max / 1000 }, cpuPct: Math.round(((cpuAfter[w]! - cpuBefore[w]!) / 100 / elapsedS) * 100), caughtUpAfterMs: caughtUp[w] ?? null });
    } catch {
      perWorker.push({ compared: 0, gaps: -1, lostMessages: -1, lagMs: { p50: 0, p99: 0, max: 0 }, cpuPct: 0, caughtUpAfterMs: null });
    }
  }
  const counters = { ...tap.publisher.counters };
  await tap.stop();
  rmSync(tmp, { recursive: true, force: true });
  return { workers, ordersPerSec, quotesPerSec, seconds, ordersSent: orders, eventsPerSecAchieved: Math.round(achieved), published: counters.published, dropped: counters.dropped, perWorker };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [o = '5000', q = '20000', s = '10', w = '1'] = process.argv.slice(2);
  console.log(JSON.stringify(await runWorkerLag(Number(o), Number(q), Number(s), Number(w))));
  process.exit(0);
}
