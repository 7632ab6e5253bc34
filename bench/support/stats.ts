// Small statistics for benchmarks: medians, spreads, machine description, and the honesty rule:
// a figure whose runs disagree by more than `maxSpread` is flagged instead of printed as clean.

import { cpus, totalmem } from 'node:os';

export interface Spread {
  readonly median: number;
  readonly min: number;
  readonly max: number;
  /** (max - min) / median. */
  readonly spread: number;
  readonly runs: number;
  /** False when the runs disagree too much to trust the median. */
  readonly trustworthy: boolean;
}

export function spreadOf(values: readonly number[], maxSpread = 0.5): Spread {
  const s = [...values].sort((a, b) => a - b);
  const median = s.length === 0 ? 0 : s.length % 2 === 1 ? (s[(s.length - 1) / 2] as number) : ((s[s.length / 2 - 1] as number) + (s[s.length / 2] as number)) / 2;
  const min = s[0] ?? 0;
  const max = s.at(-1) ?? 0;
  const spread = median === 0 ? 0 : (max - min) / median;
  return { median, min, max, spread, runs: s.length, trustworthy: s.length < 2 || spread <= maxSpread };
}

export function machine() {
  return { cpu: cpus()[0]?.model ?? 'unknown', cores: cpus().length, memoryGiB: Math.round(totalmem() / 2 ** 30), node: process.version, platform: process.platform };
}

export function fmt(n: number, digits = 1): string {
  return Number.isFinite(n) ? n.toFixed(digits) : 'n/a';
}

/** "12.3 (10.1-15.0, 3 runs)" or the same with "UNSTABLE" when the spread is too wide. */
export function show(s: Spread, digits = 1): string {
  const range = s.runs > 1 ? ` (${fmt(s.min, digits)}-${fmt(s.max, digits)}, ${s.runs} runs)` : ' (1 run)';
  return `${fmt(s.median, digits)}${range}${s.trustworthy ? '' : ' UNSTABLE'}`;
}
