// Decision-latency histograms (hdr-histogram-js, WASM backend): record ns, report µs percentiles.
// WASM memory is not garbage collected, so every histogram must be destroyed by its owner.

import * as hdr from 'hdr-histogram-js';

let wasmReady: Promise<void> | null = null;

/** Loads the WASM backend once; call before creating histograms. */
export function initLatency(): Promise<void> {
  wasmReady ??= hdr.initWebAssembly();
  return wasmReady;
}

export interface LatencySummaryUs {
  readonly count: number;
  readonly p50: number;
  readonly p99: number;
  readonly p999: number;
  readonly max: number;
}

function roundUs(ns: number): number {
  return Math.round(ns / 10) / 100;
}

export class LatencyHistogram {
  private readonly histogram: hdr.Histogram;

  constructor() {
    // 1 ns .. 60 s at 3 significant digits.
    this.histogram = hdr.build({
      useWebAssembly: true,
      lowestDiscernibleValue: 1,
      highestTrackableValue: 60_000_000_000,
      numberOfSignificantValueDigits: 3,
    });
  }

  recordNs(valueNs: number): void {
    const v = valueNs < 1 ? 1 : valueNs > 60_000_000_000 ? 60_000_000_000 : Math.round(valueNs);
    this.histogram.recordValue(v);
  }

  summaryUs(): LatencySummaryUs {
    const h = this.histogram;
    if (h.totalCount === 0) return { count: 0, p50: 0, p99: 0, p999: 0, max: 0 };
    // A percentile is the upper edge of its histogram bucket, which can lie above the largest
    // value recorded: capped at the max, so p99.9 never reads above max.
    const max = roundUs(h.maxValue);
    const at = (p: number): number => Math.min(roundUs(h.getValueAtPercentile(p)), max);
    return { count: h.totalCount, p50: at(50), p99: at(99), p999: at(99.9), max };
  }

  /** Forgets every value recorded so far. */
  reset(): void {
    this.histogram.reset();
  }

  destroy(): void {
    this.histogram.destroy();
  }
}
