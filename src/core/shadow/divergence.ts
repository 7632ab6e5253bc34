// The divergence taxonomy: what can differ between production and candidate, and how much it matters.
// Critical means money or risk goes somewhere production would never send it; see compare.ts.

import type { Decision } from '../model/types.js';

export type DivergenceClass =
  | 'action'
  | 'instrument'
  | 'lp'
  | 'lp_symbol'
  | 'failover'
  | 'quantity'
  | 'price'
  | 'markup'
  | 'reject_reason';

export const DIVERGENCE_CLASSES: readonly DivergenceClass[] = [
  'action',
  'instrument',
  'lp',
  'lp_symbol',
  'failover',
  'quantity',
  'price',
  'markup',
  'reject_reason',
];

export type Severity = 'critical' | 'major' | 'minor';
export const SEVERITIES: readonly Severity[] = ['critical', 'major', 'minor'];

/** One way in which the candidate's decision for one order differs from production's. */
export interface Divergence {
  readonly class: DivergenceClass;
  readonly severity: Severity;
  /** Why it matters, in words an ops reader can act on. */
  readonly detail: string;
}

/** A divergence as exported: the order, both decisions and the context that produced them. */
export interface DivergenceRecord {
  readonly seq: number;
  readonly atUs: number;
  readonly correlationId: string;
  readonly clientOrderId: string;
  readonly account: string;
  readonly group: string;
  readonly platformSymbol: string;
  readonly class: DivergenceClass;
  readonly severity: Severity;
  readonly detail: string;
  readonly production: Decision;
  readonly candidate: Decision;
  /** Which router's decision was executed for the order (the candidate during a canary). */
  readonly executedBy: 'production' | 'candidate';
}

/** Why a production event was not compared with a candidate decision. */
export type DropReason = 'sampled_out' | 'queue_full' | 'candidate_timeout' | 'candidate_error';
export const DROP_REASONS: readonly DropReason[] = ['sampled_out', 'queue_full', 'candidate_timeout', 'candidate_error'];

export interface ShadowFault {
  readonly seq: number;
  readonly correlationId: string;
  readonly reason: DropReason;
  readonly detail: string;
}

/** Thresholds that split major from minor; the defaults are the conservative ones. */
export interface ComparePolicy {
  /** A markup delta of at least this many E8 price units (per instrument point) is major. */
  readonly markupMajorPoints: number;
  /** A client price delta within this many points is minor. */
  readonly priceBandPoints: number;
}

export const DEFAULT_COMPARE_POLICY: ComparePolicy = { markupMajorPoints: 1, priceBandPoints: 0 };
