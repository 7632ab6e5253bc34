// Wilson score interval for a binomial proportion: honest at small n and at rates near 0 or 1,
// where the normal approximation claims certainty it does not have.

export interface Interval {
  readonly low: number;
  readonly high: number;
}

const Z95 = 1.959963984540054;

/** 95% Wilson interval for `successes` out of `trials`; [0, 1] when there are no trials. */
export function wilson95(successes: number, trials: number): Interval {
  if (trials <= 0) return { low: 0, high: 1 };
  const p = successes / trials;
  const z2 = Z95 * Z95;
  const denominator = 1 + z2 / trials;
  const centre = (p + z2 / (2 * trials)) / denominator;
  const margin = (Z95 * Math.sqrt((p * (1 - p)) / trials + z2 / (4 * trials * trials))) / denominator;
  // At p = 0 or p = 1 one bound is exactly 0 or 1; floating point would land a hair inside.
  return {
    low: successes === 0 ? 0 : Math.max(0, centre - margin),
    high: successes === trials ? 1 : Math.min(1, centre + margin),
  };
}
