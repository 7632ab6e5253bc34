// One hop-rig run outside the full bench, for profiling and for before/after checks of a single
// change: node --expose-gc bin/run-ts.mjs bench/hop-once.ts [engine|relay|jspurefix|quickfix] [none|aa|slow] RATE [SECONDS]
// With BENCH_CHILD_NODE_ARGS="--cpu-prof --cpu-prof-dir=DIR" the engine writes a CPU profile.
// quickfix: its acceptor binds every address, so run this inside a private network namespace:
//   unshare -n sh -c 'ip link set lo up && exec node --expose-gc bin/run-ts.mjs bench/hop-once.ts quickfix none 5000'

import { runRig, type CandidateKind, type PathKind } from './support/hop-rig.js';

const [path = 'engine', candidate = 'none', rate = '5000', seconds = '5'] = process.argv.slice(2);
const result = await runRig({ path: path as PathKind, candidate: candidate as CandidateKind, rates: [Number(rate)], seconds: Number(seconds), warmupSeconds: 1, quotesPerSec: Number(process.env['BENCH_QPS'] ?? 2_000), slowCandidateUs: 30 });
const r = result.rates[0]!;
const engine = result.engine as { cpuUsPerOrderSteady?: number | null } | null;
console.log(JSON.stringify({
  path, candidate, rate: Number(rate), answered: `${r.answered}/${r.sent}`,
  toLpUs: r.toLpUs, roundTripP50: r.roundTripUs.p50,
  // While this rate's orders flowed (every thread of the process under test, from /proc): quotes
  // and session upkeep included, start-up and shutdown not.
  cpuUsPerOrder: r.cpuUsPerOrder,
  allocBytesPerOrder: r.allocBytesPerOrder,
  engineSteadyCpuUsPerOrder: engine?.cpuUsPerOrderSteady ?? null,
  shadowQueue: (engine as Record<string, unknown> | null)?.["shadowQueue"] ?? null,
  memory: engine === null ? null : { peakRssMiB: (engine as Record<string, unknown>)['peakRssMiB'], heapAfterGcMiB: (engine as Record<string, unknown>)['heapAfterGcMiB'], gc: (engine as Record<string, unknown>)['gc'], eventLoopDelayMs: (engine as Record<string, unknown>)['eventLoopDelayMs'] },
}));
process.exit(0);
