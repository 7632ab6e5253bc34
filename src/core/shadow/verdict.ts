// One candidate's verdict from its counts: what an operator reads first when several candidates
// ran side by side. A verdict rests on the interval's bound, never on the point estimate.

import { wilson95 } from '../stats/wilson.js';

export type CandidateVerdictKind = 'matches' | 'diverges' | 'critical' | 'inconclusive';

export interface VerdictInput {
  readonly compared: number;
  readonly matched: number;
  /** Production decisions offered to the candidate (compared + dropped). */
  readonly offered: number;
  readonly critical: number;
}

export interface VerdictPolicy {
  /** Fewer comparisons than this say nothing yet. */
  readonly minCompared: number;
  /** Below this share of production decisions compared, the sample may be biased. */
  readonly minCoverage: number;
  /** "matches" when the interval's lower bound is at least this. */
  readonly matchFloor: number;
}

export const DEFAULT_VERDICT_POLICY: VerdictPolicy = { minCompared: 30, minCoverage: 0.99, matchFloor: 0.995 };

export interface CandidateVerdict {
  readonly verdict: CandidateVerdictKind;
  /** Why, in one sentence. */
  readonly why: string;
}

/**
 * critical: any critical divergence (money or risk where production never sends it), whatever
 * the sample. inconclusive: too few comparisons, too much dropped, or an interval that straddles
 * the floor. matches: the lower bound of the 95% interval at or above the floor. diverges: its
 * upper bound below it (an intended change diverges too; the classes say whether as intended).
 */
export function candidateVerdict(input: VerdictInput, policy: VerdictPolicy = DEFAULT_VERDICT_POLICY): CandidateVerdict {
  if (input.critical > 0) return { verdict: 'critical', why: `${input.critical} critical divergence${input.critical === 1 ? '' : 's'}` };
  if (input.compared < policy.minCompared) return { verdict: 'inconclusive', why: `${input.compared} comparisons, fewer than ${policy.minCompared}` };
  const coverage = input.offered === 0 ? 0 : input.compared / input.offered;
  if (coverage < policy.minCoverage) return { verdict: 'inconclusive', why: `${(coverage * 100).toFixed(2)}% of production decisions compared, under ${(policy.minCoverage * 100).toFixed(0)}%` };
  const ci = wilson95(input.matched, input.compared);
  if (ci.low >= policy.matchFloor) return { verdict: 'matches', why: `match rate lower bound ${(ci.low * 100).toFixed(2)}% >= ${(policy.matchFloor * 100).toFixed(1)}%` };
  if (ci.high >= policy.matchFloor) return { verdict: 'inconclusive', why: `95% CI ${(ci.low * 100).toFixed(2)}%-${(ci.high * 100).toFixed(2)}% straddles ${(policy.matchFloor * 100).toFixed(1)}%: more orders needed` };
  return { verdict: 'diverges', why: `match rate ${((input.matched / input.compared) * 100).toFixed(2)}% (95% CI ${(ci.low * 100).toFixed(2)}%-${(ci.high * 100).toFixed(2)}%)` };
}
