// One hop-rig run outside the full bench, for profiling and for before/after checks of a single
// change: node --expose-gc bin/run-ts.mjs bench/hop-once.ts [engine|relay] [none|aa|slow] RATE [SECONDS]
// With BENCH_CHILD_NODE_ARGS="--cpu-prof --cpu-prof-dir=DIR" the engine writes a CPU profile.

import { runRig, type CandidateKind, type PathKind } from './support/hop-rig.js';

const [path = 'engine', candidate = 'none', rate = '5000', seconds = '5'] = process.argv.slice(2);
const result = await runRig({ path: path as PathKind, candidate: candidate as CandidateKind, rates: [Number(rate)], seconds: Number(seconds), warmupSeconds: 1, quotesPerSec: 2_000, slowCandidateUs: 30 });
const r = result.rates[0]!;
const engine = result.engine as { cpuUsPerOrderSteady?: number | null } | null;
console.log(JSON.stringify({
  path, candidate, rate: Number(rate), answered: `${r.answered}/${r.sent}`,
  toLpUs: r.toLpUs, roundTripP50: r.roundTripUs.p50,
  // While orders flowed: includes the quote stream and session upkeep, not start-up or shutdown.
  cpuUsPerOrder: engine?.cpuUsPerOrderSteady ?? null,
  engine,
}));
