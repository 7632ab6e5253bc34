import { describe, expect, it } from 'vitest';
import { BridgeError } from '../../src/core/errors.js';
import { ceilTo, floorTo, formatE8, formatE8Short, parseE8 } from '../../src/core/model/scaled.js';

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    return e instanceof BridgeError ? e.code : `not a BridgeError: ${String(e)}`;
  }
  return undefined;
}

describe('scaled decimals', () => {
  it('parses decimal strings to exact E8 integers', () => {
    expect(parseE8('1.08515')).toBe(108_515_000);
    expect(parseE8('0.00001')).toBe(1_000);
    expect(parseE8('2350')).toBe(235_000_000_000);
    expect(parseE8('-0.5')).toBe(-50_000_000);
    expect(parseE8('151.123')).toBe(15_112_300_000);
    expect(parseE8('0.12345678')).toBe(12_345_678);
    expect(parseE8('1.100000000')).toBe(110_000_000); // trailing zeros beyond 8 digits are exact
  });

  it('refuses what it cannot represent exactly, with a code', () => {
    expect(codeOf(() => parseE8('1.123456789'))).toBe('SB_ERR_DECIMAL_PRECISION');
    expect(codeOf(() => parseE8('1,5'))).toBe('SB_ERR_DECIMAL_INVALID');
    expect(codeOf(() => parseE8(''))).toBe('SB_ERR_DECIMAL_INVALID');
    expect(codeOf(() => parseE8('1.2.3'))).toBe('SB_ERR_DECIMAL_INVALID');
    expect(codeOf(() => parseE8('1e5'))).toBe('SB_ERR_DECIMAL_INVALID');
    expect(codeOf(() => parseE8('99999999999'))).toBe('SB_ERR_DECIMAL_INVALID');
  });

  it('formats with a fixed number of digits and in shortest form', () => {
    expect(formatE8(108_515_000, 5)).toBe('1.08515');
    expect(formatE8(-50_000_000, 2)).toBe('-0.50');
    expect(formatE8(235_000_000_000, 0)).toBe('2350');
    expect(formatE8Short(1_000_000)).toBe('0.01');
    expect(formatE8Short(235_000_000_000)).toBe('2350');
  });

  it('rounds to a unit exactly, down and up', () => {
    expect(floorTo(108_515_400, 1_000)).toBe(108_515_000);
    expect(ceilTo(108_515_400, 1_000)).toBe(108_516_000);
    expect(ceilTo(108_515_000, 1_000)).toBe(108_515_000);
    expect(floorTo(-1_500, 1_000)).toBe(-2_000);
  });
});

describe('latency summaries', () => {
  it('never print a percentile above the largest value recorded', async () => {
    const { initLatency, LatencyHistogram } = await import('../../src/telemetry/latency.js');
    await initLatency();
    const h = new LatencyHistogram();
    try {
      // One large outlier among 100 values: p99.9 falls in its bucket, whose upper edge is above it.
      for (let i = 0; i < 99; i++) h.recordNs(5_000);
      h.recordNs(1_058_040_000 / 1000);
      const s = h.summaryUs();
      expect(s.p999).toBeLessThanOrEqual(s.max);
      expect(s.p99).toBeLessThanOrEqual(s.max);
    } finally {
      h.destroy();
    }
  });
});
