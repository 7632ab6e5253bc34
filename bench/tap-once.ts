// The event tap's cost to production, outside the full bench: the FIX hop at RATE orders/s with
// 2,000 quotes/s, with 0 and then N shadow workers (other processes, pinned to the rig's core)
// fed by the engine's tap; production's to-LP p50/p99 and CPU per order, each worker's lag.
// node --expose-gc bin/run-ts.mjs bench/tap-once.ts [RATE=5000] [WORKERS=3] [SECONDS=5] [QUOTES=2000]

import { runRig } from './support/hop-rig.js';

const [rate = '5000', workers = '3', seconds = '5', quotes = '2000'] = process.argv.slice(2);
for (const n of [0, Number(workers)]) {
  const r = await runRig({ path: 'engine', candidate: 'none', rates: [Number(rate)], seconds: Number(seconds), warmupSeconds: 1, quotesPerSec: Number(quotes), slowCandidateUs: 30, tapWorkers: n });
  const x = r.rates[0]!;
  console.log(JSON.stringify({ workers: n, rate: Number(rate), answered: `${x.answered}/${x.sent}`, toLpUs: { p50: x.toLpUs.p50, p99: x.toLpUs.p99 }, cpuUsPerOrder: r.engine?.['cpuUsPerOrderSteady'] ?? null, tap: (r.engine as { tap?: unknown } | null)?.tap ?? null, workerTaps: r.workers ?? [] }));
}
