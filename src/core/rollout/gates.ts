// A gate's verdict at one instant: its metric over its window, compared with its threshold.
// Too few samples is inconclusive, which is never a pass and never a breach.

import type { RolloutMetrics } from './metrics.js';
import type { ComparisonOp, Gate } from './plan.js';

export type Verdict = 'pass' | 'breach' | 'inconclusive';

export interface GateReading {
  readonly gate: string;
  readonly verdict: Verdict;
  readonly value: number;
  readonly threshold: number;
  readonly samples: number;
}

export function compare(value: number, op: ComparisonOp, threshold: number): boolean {
  switch (op) {
    case '>':
      return value > threshold;
    case '>=':
      return value >= threshold;
    case '<':
      return value < threshold;
    case '<=':
      return value <= threshold;
  }
}

export function evaluateGate(gate: Gate, metrics: RolloutMetrics, nowUs: number): GateReading {
  const r = metrics.read(gate.metric, gate.kind, nowUs, gate.windowMs);
  // A count that has already crossed the line (one critical divergence) needs no more samples.
  const countCrossed = (gate.metric === 'critical_divergences' || gate.metric === 'status_mismatches') && compare(r.value, gate.op, gate.threshold);
  if (r.samples < gate.minSamples && !countCrossed) return { gate: gate.id, verdict: 'inconclusive', value: r.value, threshold: gate.threshold, samples: r.samples };
  return { gate: gate.id, verdict: compare(r.value, gate.op, gate.threshold) ? 'breach' : 'pass', value: r.value, threshold: gate.threshold, samples: r.samples };
}
