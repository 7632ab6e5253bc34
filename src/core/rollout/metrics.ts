// The rollout's numbers over time: one bucket per second in a bounded ring, counting what gates
// watch (comparisons, divergences by severity, each cohort's orders, rejects, LP rejects and
// failovers, candidate faults, reconciliation breaks, decision latencies). A gate reads the sum
// of the buckets inside its window; memory is fixed by the longest window.

import { wilson95 } from '../stats/wilson.js';
import type { ComparisonKind, MetricName } from './plan.js';

export type Executor = 'production' | 'candidate';

const BUCKET_US = 1_000_000;
/** Latency samples kept per router per second (the first ones: a bounded, unbiased-enough p99). */
const LATENCY_SAMPLES = 64;

interface Bucket {
  second: number;
  offered: number;
  compared: number;
  matched: number;
  divergent: number;
  critical: number;
  priceDeviations: number;
  candidateFaults: number;
  statusMismatches: number;
  orders: [number, number];
  rejects: [number, number];
  routed: [number, number];
  failovers: [number, number];
  lpExecutions: [number, number];
  lpRejects: [number, number];
  /** For candidate-executed orders: what production decided on the same context (reverse shadow). */
  shadowRejects: number;
  shadowFailovers: number;
  latencyUs: [number[], number[]];
}

function emptyBucket(second: number): Bucket {
  return {
    second,
    offered: 0,
    compared: 0,
    matched: 0,
    divergent: 0,
    critical: 0,
    priceDeviations: 0,
    candidateFaults: 0,
    statusMismatches: 0,
    orders: [0, 0],
    rejects: [0, 0],
    routed: [0, 0],
    failovers: [0, 0],
    lpExecutions: [0, 0],
    lpRejects: [0, 0],
    shadowRejects: 0,
    shadowFailovers: 0,
    latencyUs: [[], []],
  };
}

const IX: Readonly<Record<Executor, 0 | 1>> = { production: 0, candidate: 1 };

/** A metric's value over a window and how many samples it rests on. */
export interface MetricReading {
  readonly value: number;
  readonly samples: number;
}

export class RolloutMetrics {
  private readonly ring: Bucket[];

  /** `maxWindowMs`: the longest window any gate reads (older seconds are overwritten). */
  constructor(maxWindowMs: number) {
    const seconds = Math.max(1, Math.ceil(maxWindowMs / 1000) + 1);
    this.ring = Array.from({ length: seconds }, () => emptyBucket(-1));
  }

  private at(nowUs: number): Bucket {
    const second = Math.floor(nowUs / BUCKET_US);
    const index = second % this.ring.length;
    let b = this.ring[index] as Bucket;
    if (b.second !== second) {
      b = emptyBucket(second);
      this.ring[index] = b;
    }
    return b;
  }

  /** An order decided: who executed it and what the executing decision was. */
  decided(nowUs: number, executor: Executor, routed: boolean, failover: boolean): void {
    const b = this.at(nowUs);
    const i = IX[executor];
    b.orders[i]++;
    if (routed) b.routed[i]++;
    else b.rejects[i]++;
    if (failover) b.failovers[i]++;
  }

  /** Production's decision on an order the candidate executed: the like-for-like baseline. */
  reverseShadow(nowUs: number, routed: boolean, failover: boolean): void {
    const b = this.at(nowUs);
    if (!routed) b.shadowRejects++;
    if (failover) b.shadowFailovers++;
  }

  offered(nowUs: number): void {
    this.at(nowUs).offered++;
  }

  compared(nowUs: number, matched: boolean, critical: number, priceDeviations: number): void {
    const b = this.at(nowUs);
    b.compared++;
    if (matched) b.matched++;
    else b.divergent++;
    b.critical += critical;
    b.priceDeviations += priceDeviations;
  }

  candidateFault(nowUs: number): void {
    this.at(nowUs).candidateFaults++;
  }

  lpExecution(nowUs: number, executor: Executor, rejected: boolean): void {
    const b = this.at(nowUs);
    b.lpExecutions[IX[executor]]++;
    if (rejected) b.lpRejects[IX[executor]]++;
  }

  statusMismatch(nowUs: number): void {
    this.at(nowUs).statusMismatches++;
  }

  latency(nowUs: number, router: Executor, us: number): void {
    const list = this.at(nowUs).latencyUs[IX[router]];
    if (list.length < LATENCY_SAMPLES) list.push(us);
  }

  /** The buckets inside (nowUs - windowMs, nowUs], summed. */
  private window(nowUs: number, windowMs: number): Bucket {
    const sum = emptyBucket(0);
    const newest = Math.floor(nowUs / BUCKET_US);
    const oldest = newest - Math.max(0, Math.ceil(windowMs / 1000) - 1);
    for (const b of this.ring) {
      if (b.second < oldest || b.second > newest) continue;
      sum.offered += b.offered;
      sum.compared += b.compared;
      sum.matched += b.matched;
      sum.divergent += b.divergent;
      sum.critical += b.critical;
      sum.priceDeviations += b.priceDeviations;
      sum.candidateFaults += b.candidateFaults;
      sum.statusMismatches += b.statusMismatches;
      sum.shadowRejects += b.shadowRejects;
      sum.shadowFailovers += b.shadowFailovers;
      for (const i of [0, 1] as const) {
        sum.orders[i] += b.orders[i];
        sum.rejects[i] += b.rejects[i];
        sum.routed[i] += b.routed[i];
        sum.failovers[i] += b.failovers[i];
        sum.lpExecutions[i] += b.lpExecutions[i];
        sum.lpRejects[i] += b.lpRejects[i];
        for (const v of b.latencyUs[i]) sum.latencyUs[i].push(v);
      }
    }
    return sum;
  }

  /** Orders decided in the window, by who executed them. */
  orders(nowUs: number, windowMs: number): { production: number; candidate: number } {
    const w = this.window(nowUs, windowMs);
    return { production: w.orders[0], candidate: w.orders[1] };
  }

  /** A metric as a gate of `kind` reads it over `windowMs` ending at `nowUs`. */
  read(metric: MetricName, kind: ComparisonKind, nowUs: number, windowMs: number): MetricReading {
    const w = this.window(nowUs, windowMs);
    // A rate, or for `bound` its 95% Wilson bound on the side that errs safe.
    const rate = (hits: number, trials: number, lowerIsWorse: boolean): MetricReading => {
      if (trials === 0) return { value: 0, samples: 0 };
      if (kind !== 'bound') return { value: hits / trials, samples: trials };
      const ci = wilson95(hits, trials);
      return { value: lowerIsWorse ? ci.low : ci.high, samples: trials };
    };
    /** A candidate rate against a production rate: their ratio when relative, else the rate. */
    const ratioOf = (c: number, p: number, samples: number): MetricReading => {
      if (kind !== 'relative') return { value: c, samples };
      // Against a production rate of zero, any candidate rate is infinitely worse; zero is equal.
      return { value: p === 0 ? (c === 0 ? 1 : Number.POSITIVE_INFINITY) : c / p, samples };
    };
    /**
     * Candidate cohort against production cohort. With no production cohort in the window (a
     * 100% step), production's rate over everything the ring still holds is the baseline.
     */
    const cohorts = (pick: (b: Bucket) => readonly [number, number], trialsOf: (b: Bucket) => readonly [number, number]): MetricReading => {
      const hits = pick(w);
      const trials = trialsOf(w);
      let base = trials[0] === 0 ? null : hits[0] / trials[0];
      let baseSamples = trials[0];
      if (base === null) {
        const all = this.window(nowUs, this.ring.length * 1000);
        baseSamples = trialsOf(all)[0];
        base = baseSamples === 0 ? null : pick(all)[0] / baseSamples;
      }
      const c = trials[1] === 0 ? 0 : hits[1] / trials[1];
      if (kind === 'relative' && base === null) return { value: 0, samples: 0 };
      return ratioOf(c, base ?? 0, kind === 'relative' ? Math.min(trials[1], baseSamples) : trials[1]);
    };
    switch (metric) {
      case 'match_rate':
        return rate(w.matched, w.compared, true);
      case 'divergence_rate':
        return rate(w.divergent, w.compared, false);
      case 'critical_divergences':
        return { value: w.critical, samples: w.compared };
      case 'price_deviation_rate':
        return rate(w.priceDeviations, w.compared, false);
      case 'coverage':
        return rate(w.compared, w.offered, true);
      case 'error_rate':
        return rate(w.candidateFaults, w.offered, false);
      case 'status_mismatches':
        return { value: w.statusMismatches, samples: w.lpExecutions[0] + w.lpExecutions[1] };
      case 'reconciliation_drift':
        return rate(w.statusMismatches, w.lpExecutions[0] + w.lpExecutions[1], false);
      // Rejects and failovers compare like for like: the candidate's decisions on the orders it
      // executed against production's decisions on the very same orders (reverse shadow).
      case 'reject_rate': {
        const n = w.orders[1];
        return ratioOf(n === 0 ? 0 : w.rejects[1] / n, n === 0 ? 0 : w.shadowRejects / n, n);
      }
      case 'failover_rate': {
        const n = w.orders[1];
        return ratioOf(n === 0 ? 0 : w.failovers[1] / n, n === 0 ? 0 : w.shadowFailovers / n, n);
      }
      // LP rejects have no counterfactual: the production cohort (or its history) is the baseline.
      case 'lp_reject_rate':
        return cohorts((b) => b.lpRejects, (b) => b.lpExecutions);
      case 'latency_p99_ratio': {
        const p99 = (xs: number[]): number => {
          if (xs.length === 0) return 0;
          const s = [...xs].sort((a, b) => a - b);
          return s[Math.min(s.length - 1, Math.ceil(s.length * 0.99) - 1)] as number;
        };
        const p = p99(w.latencyUs[0]);
        const c = p99(w.latencyUs[1]);
        const samples = Math.min(w.latencyUs[0].length, w.latencyUs[1].length);
        return { value: p === 0 ? (c === 0 ? 1 : Number.POSITIVE_INFINITY) : c / p, samples };
      }
    }
  }
}
