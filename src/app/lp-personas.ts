// How simulated LPs behave, calibrated from shared/reference/bridge-domain.md §2.4 and §8:
// a firm ECN, a last-look bank, a non-bank market maker with partial fills, a flaky feed.

export interface LpPersona {
  readonly name: string;
  /** Quote update interval per symbol, ms. */
  readonly quoteIntervalMs: readonly [number, number];
  /** Half spread in points around the mid. */
  readonly halfSpreadPoints: number;
  /** Time from order receipt to the first execution report, ms. */
  readonly ackLatencyMs: readonly [number, number];
  /** Extra last-look hold before the decision, ms (0 = firm liquidity). */
  readonly holdMs: readonly [number, number];
  /** Probability an order is rejected (off quotes / last look). */
  readonly rejectProbability: number;
  /** Probability an order fills in two parts. */
  readonly partialProbability: number;
  /** Probability per order that the LP drops the session afterwards. */
  readonly disconnectProbability: number;
  /** Probability per quote that the feed goes silent for `staleForMs`. */
  readonly staleProbability: number;
  readonly staleForMs: number;
  /** Probability per outbound message of skipping a sequence number (forces a resend). */
  readonly seqGapProbability: number;
}

export const PERSONAS: Readonly<Record<string, LpPersona>> = {
  ecn: { name: 'ecn', quoteIntervalMs: [80, 160], halfSpreadPoints: 1.5, ackLatencyMs: [1, 3], holdMs: [0, 0], rejectProbability: 0.01, partialProbability: 0, disconnectProbability: 0, staleProbability: 0, staleForMs: 0, seqGapProbability: 0 },
  bank: { name: 'bank', quoteIntervalMs: [100, 250], halfSpreadPoints: 1.2, ackLatencyMs: [2, 6], holdMs: [20, 80], rejectProbability: 0.06, partialProbability: 0, disconnectProbability: 0, staleProbability: 0, staleForMs: 0, seqGapProbability: 0.002 },
  mm: { name: 'mm', quoteIntervalMs: [200, 450], halfSpreadPoints: 1, ackLatencyMs: [3, 12], holdMs: [5, 30], rejectProbability: 0.03, partialProbability: 0.15, disconnectProbability: 0, staleProbability: 0.004, staleForMs: 1_200, seqGapProbability: 0 },
  flaky: { name: 'flaky', quoteIntervalMs: [150, 600], halfSpreadPoints: 2, ackLatencyMs: [5, 40], holdMs: [10, 200], rejectProbability: 0.12, partialProbability: 0.1, disconnectProbability: 0.01, staleProbability: 0.01, staleForMs: 2_500, seqGapProbability: 0.01 },
};

export const REJECT_TEXTS = ['Off quotes', 'Price changed', 'Last look rejected', 'Rate not available'];
