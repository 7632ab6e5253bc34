// A rollout plan as the controller uses it, compiled from rollouts/*.yaml: the steps (basis
// points of accounts, hold time, orders), the segment, the gates that act by themselves, entry
// criteria, and the sign-off roles with their checklists.

import type { SegmentSpec } from './cohort.js';

export type GateAction = 'pause' | 'stop_expansion' | 'freeze' | 'rollback' | 'reduce_scope';

/** What a gate can watch; each is computed over the gate's window from the rollout's metrics. */
export const METRICS = [
  'match_rate',
  'divergence_rate',
  'critical_divergences',
  'reject_rate',
  'lp_reject_rate',
  'error_rate',
  'latency_p99_ratio',
  'failover_rate',
  'price_deviation_rate',
  'status_mismatches',
  'reconciliation_drift',
  'coverage',
] as const;
export type MetricName = (typeof METRICS)[number];

/**
 * How a gate compares: `absolute` the metric itself against the threshold; `relative` the
 * candidate cohort's value divided by the production cohort's over the same window; `bound` the
 * 95% Wilson bound of a rate (the lower bound for match_rate and coverage, the upper for others).
 */
export type ComparisonKind = 'absolute' | 'relative' | 'bound';
export type ComparisonOp = '>' | '>=' | '<' | '<=';

export interface Gate {
  readonly id: string;
  readonly metric: MetricName;
  readonly windowMs: number;
  /** Fewer samples than this in the window is inconclusive: never a pass, never a breach. */
  readonly minSamples: number;
  readonly kind: ComparisonKind;
  /** The gate breaches when `value op threshold` holds. */
  readonly op: ComparisonOp;
  readonly threshold: number;
  /** Breaching evaluations in a row before the action is taken. */
  readonly consecutive: number;
  readonly action: GateAction;
  /** Evaluated and recorded, but the action is not taken. */
  readonly dryRun: boolean;
}

export interface Step {
  readonly percentBp: number;
  readonly minHoldMs: number;
  readonly minOrders: number;
  /** Roles whose sign-off this step needs before it starts. */
  readonly signoffs: readonly string[];
}

/** When the shadow phase is good enough to start the first step. */
export interface EntryCriteria {
  /** Largest share of compared orders that may diverge (1 - match rate), e.g. 0.005. */
  readonly maxDiscrepancy: number;
  readonly windowMs: number;
  readonly holdMs: number;
  readonly minOrders: number;
}

export interface Plan {
  readonly name: string;
  /** Salt of the account bucket: another salt, another cohort (concurrent rollouts independent). */
  readonly salt: string;
  readonly segment: SegmentSpec;
  readonly steps: readonly Step[];
  readonly gates: readonly Gate[];
  readonly entry: EntryCriteria;
  /** Steps start by themselves when eligible (`auto`), or wait for an operator's advance. */
  readonly advance: 'auto' | 'manual';
  /** What an inconclusive gate does to a step that is otherwise due: wait for samples, or pause. */
  readonly inconclusive: 'wait' | 'pause';
  /** Gates are evaluated this often (on the replay clock in stage, the wall clock live). */
  readonly evaluateEveryMs: number;
  /** Sign-off roles and the checklist each must answer. */
  readonly roles: ReadonlyMap<string, readonly string[]>;
  /** Content hash of the plan file (sign-offs are bound to it). */
  readonly hash: string;
  readonly source: string;
}
