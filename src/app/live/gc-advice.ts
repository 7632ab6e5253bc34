// Whether the garbage collector's helper threads will share the routing thread's one core.
// V8 marks and scavenges with helper threads beside the main thread. A process confined to one
// core (taskset, a cgroup cpuset: how a broker isolates a low-latency process) has no core for
// them: the scheduler runs them in slices of milliseconds on the routing thread's core, and the
// routing thread stalls. Measured (bench/README.md, hop at 5,000 orders/s pinned to one core):
// p99.9 36-42 ms with the helpers, 12 ms with `--single-threaded-gc`. V8 takes the flag only at
// start-up (set later, it aborts at the next collection), so the engine can only say so.

import { availableParallelism } from 'node:os';

export const SINGLE_THREADED_GC_FLAG = '--single-threaded-gc';

export interface GcMode {
  /** Cores this process may run on (its CPU affinity, not the machine's count). */
  readonly cores: number;
  readonly singleThreadedGc: boolean;
  /** What the operator should change, or null when the mode fits the cores. */
  readonly advice: string | null;
}

export function gcMode(cores: number = availableParallelism(), execArgv: readonly string[] = process.execArgv): GcMode {
  const singleThreadedGc = execArgv.includes(SINGLE_THREADED_GC_FLAG);
  const advice =
    cores === 1 && !singleThreadedGc
      ? `this process may run on one core only: V8's GC helper threads will stall the routing thread on it; start node with ${SINGLE_THREADED_GC_FLAG} (node ${SINGLE_THREADED_GC_FLAG} bin/shadow-bridge.mjs run ...)`
      : null;
  return { cores, singleThreadedGc, advice };
}
