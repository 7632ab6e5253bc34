// The event tap's cost to production, outside the full bench: the FIX hop at RATE orders/s with
// QUOTES quotes/s, with 0 and then N remote candidates on the engine's tap: full shadow workers
// (MODE=workers: other processes, pinned to the rig's core) or tap sinks (MODE=sinks: what a
// remote candidate on another host costs the engine, without N replays on the rig's core).
// Production's to-LP p50/p99 and CPU per order, the tap's counts, each worker's lag or sink's count.
// node --expose-gc bin/run-ts.mjs bench/tap-once.ts [RATE=5000] [N=3] [SECONDS=5] [QUOTES=2000] [MODE=workers]

import { runRig } from './support/hop-rig.js';

const [rate = '5000', n = '3', seconds = '5', quotes = '2000', mode = 'workers'] = process.argv.slice(2);
for (const count of [0, Number(n)]) {
  const r = await runRig({ path: 'engine', candidate: 'none', rates: [Number(rate)], seconds: Number(seconds), warmupSeconds: 1, quotesPerSec: Number(quotes), slowCandidateUs: 30, ...(mode === 'sinks' ? { tapSinks: count } : { tapWorkers: count }) });
  const x = r.rates[0]!;
  console.log(JSON.stringify({ mode, remote: count, rate: Number(rate), answered: `${x.answered}/${x.sent}`, toLpUs: { p50: x.toLpUs.p50, p99: x.toLpUs.p99 }, cpuUsPerOrder: r.engine?.['cpuUsPerOrderSteady'] ?? null, tap: (r.engine as { tap?: unknown } | null)?.tap ?? null, workerTaps: r.workers ?? [], sinks: r.sinks ?? [] }));
}
