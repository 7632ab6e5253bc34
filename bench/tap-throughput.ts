// The event tap's capacity: the live engine's EventTap and recorder publishing quote records as
// fast as the event loop allows (yielding every 1,000 records so libzmq's sends can run), to one
// subscriber in another process (bench/support/tap-sink.ts) that counts what it receives and the
// gaps it sees. Records/s published and received, and what was dropped where.
// node bin/run-ts.mjs bench/tap-throughput.ts [RECORDS=1000000] [BATCH_MS=2]

import { spawn, spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pino } from 'pino';
import { EventTap } from '../src/app/live/event-tap.js';
import { LpStatusBoard, QuoteBook } from '../src/core/shadow/context.js';
import { loadBundle } from '../src/mappings/load-bundle.js';
import { ScenarioRecorder } from '../src/replay/recorder.js';
import { benchEvents } from './support/bench-scenario.js';
import { PIN, freeLoopbackPort } from './support/rig-host.js';

const ROOT = resolve(import.meta.dirname, '..');

export interface TapThroughputResult {
  readonly records: number;
  readonly batchMs: number;
  readonly publishedPerSec: number;
  readonly receivedPerSec: number;
  /** Records the subscriber received (in `messages` ZeroMQ messages). */
  readonly received: number;
  readonly messages: number;
  readonly droppedAtTap: number;
  readonly gapsAtSubscriber: number;
  readonly lostAtSubscriber: number;
}

export async function runTapThroughput(records: number, batchMs: number): Promise<TapThroughputResult> {
  if (PIN) spawnSync('taskset', ['-a', '-cp', '0', String(process.pid)]);
  const port = await freeLoopbackPort();
  const production = loadBundle(join(ROOT, 'mappings', 'production'));
  const tap = new EventTap({ bind: `tcp://127.0.0.1:${port}`, highWaterMark: 10_000_000, maxQueue: 10_000_000, batchMs, stateEveryMs: 60_000, waitForSubscribers: 1, waitForSubscribersMs: 30_000, allowNonLoopback: false });
  const args = [join(ROOT, 'bin', 'run-ts.mjs'), join(ROOT, 'bench', 'support', 'tap-sink.ts'), `tcp://127.0.0.1:${port}`, 'sink', production.hash];
  const command = PIN ? ['taskset', '-c', '1', process.execPath, ...args] : [process.execPath, ...args];
  const sink = spawn(command[0] as string, command.slice(1), { stdio: ['ignore', 'pipe', 'inherit'], cwd: ROOT });
  let out = '';
  sink.stdout.on('data', (d: Buffer) => (out += d.toString()));
  const book = new QuoteBook();
  const board = new LpStatusBoard();
  await tap.start(pino({ level: 'silent' }), () => tap.state(Date.now() * 1000, { quotes: book.snapshot(), lpStatus: board.view() }, production.hash));
  const recorder = new ScenarioRecorder(null, 'tap-throughput', '', Date.now() * 1000, [], false, tap);
  const quotes = benchEvents(records * 2).flatMap((e) => (e.quote === null ? [] : [e.quote])).slice(0, records);
  const t0 = performance.now();
  for (let i = 0; i < quotes.length; i++) {
    recorder.quote(quotes[i]!.receivedUs, quotes[i]!);
    if (i % 1_000 === 999) await new Promise((r) => setImmediate(r));
  }
  await tap.publisher.drain(60_000);
  const publishedS = (performance.now() - t0) / 1000;
  // The subscriber's count when it stops: it reads until its socket is quiet.
  await new Promise((r) => setTimeout(r, 2_000));
  sink.kill('SIGTERM');
  await new Promise((r) => sink.once('exit', r));
  const receivedS = (performance.now() - t0) / 1000 - 2;
  const counts = JSON.parse(out.trim().split('\n').at(-1) ?? '{}') as { received?: number; records?: number; gaps?: number; lost?: number };
  const counters = { ...tap.publisher.counters };
  await tap.stop();
  return { records: quotes.length, batchMs, publishedPerSec: Math.round(counters.published / publishedS), receivedPerSec: Math.round((counts.records ?? 0) / Math.max(publishedS, receivedS)), received: counts.records ?? 0, messages: counts.received ?? 0, droppedAtTap: counters.dropped, gapsAtSubscriber: counts.gaps ?? -1, lostAtSubscriber: counts.lost ?? -1 };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [n = '1000000', batch = '2'] = process.argv.slice(2);
  console.log(JSON.stringify(await runTapThroughput(Number(n), Number(batch))));
  process.exit(0);
}
