// What it measures: events/s of the replay decision stage (engine: book updates, context freeze,
// production decide, candidate decide, compare) on a generated 1M-event stream held in memory,
// and events/s of a full file replay (read, parse, decide, compare, write the run folder).
// Regressing it means longer stage runs and less headroom for live flow.
//
// Usage: node --expose-gc bin/run-ts.mjs bench/replay-decision-stage.ts [events=1000000] [rounds=5]

import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { runReplay } from '../src/app/replay.js';
import { ShadowEngine } from '../src/core/engine.js';
import type { OrderRequest, Quote } from '../src/core/model/types.js';
import { BundleRouter } from '../src/core/routing/bundle-router.js';
import { DEFAULT_COMPARE_POLICY } from '../src/core/shadow/divergence.js';
import { ShadowRunner } from '../src/core/shadow/shadow-runner.js';
import { loadBundle } from '../src/mappings/load-bundle.js';
import { generateBenchScenario, benchEvents, type BenchEvent } from './support/bench-scenario.js';
import { show, spreadOf, type Spread } from './support/stats.js';

const production = loadBundle('mappings/production');
const candidate = loadBundle('mappings/candidate');

function runStage(events: readonly BenchEvent[], withCandidate: boolean): { ms: number; divergences: number } {
  let nowUs = events[0]?.tsUs ?? 0;
  let divergences = 0;
  const noop = { recordNs() {} };
  const stopwatch = { nowNs: () => performance.now() * 1e6 };
  const shadow = withCandidate
    ? new ShadowRunner(
        new BundleRouter('candidate', candidate),
        { maxQueue: 10_000, sampleRate: 1, budgetNs: 1e12, policy: DEFAULT_COMPARE_POLICY, knownLps: new Set(production.lps.keys()), rebuildContext: null },
        { record: () => { divergences++; } },
        { fault() {} },
        stopwatch,
        noop,
      )
    : null;
  const engine = new ShadowEngine({
    production: new BundleRouter('production', production),
    shadow,
    orderSink: { onProductionDecision: () => null },
    journal: { append() {} },
    log: { step() {}, event() {} },
    clock: { nowUs: () => nowUs },
    stopwatch,
    productionLatency: noop,
    correlationPrefix: 'b-',
    maxTrackedOrders: 100_000,
  });
  for (const lp of production.lps.keys()) engine.onLpStatus(lp, 'up');
  const start = performance.now();
  for (const e of events) {
    nowUs = e.tsUs;
    if (e.quote !== null) engine.onQuote(e.quote as Quote);
    else engine.onOrder(e.order as OrderRequest);
    if (shadow !== null && shadow.pending() > 0) shadow.drain();
  }
  return { ms: performance.now() - start, divergences };
}

export interface ReplayBenchResult {
  readonly events: number;
  readonly orders: number;
  readonly productionOnly: Spread;
  readonly withCandidate: Spread;
  readonly fullFileEventsPerSec: number;
  readonly decisionLatencyUs: unknown;
}

/** Decision-stage events/s (rounds of N in-memory events), then one full file replay of N events. */
export async function runReplayBench(n: number, rounds: number): Promise<ReplayBenchResult> {
  const events = benchEvents(n);
  const orders = events.filter((e) => e.order !== null).length;
  const spreads: Spread[] = [];
  for (const withCandidate of [false, true]) {
    runStage(events.slice(0, Math.min(100_000, n)), withCandidate); // warm-up
    const rates: number[] = [];
    for (let r = 0; r < rounds; r++) {
      (globalThis as { gc?: () => void }).gc?.();
      rates.push(n / (runStage(events, withCandidate).ms / 1000));
    }
    spreads.push(spreadOf(rates));
  }
  const dir = mkdtempSync(join(tmpdir(), 'sb-bench-'));
  try {
    const file = join(dir, 'bench.jsonl');
    generateBenchScenario(file, n);
    const t0 = performance.now();
    const r = await runReplay({ scenario: file, production: 'mappings/production', candidate: 'mappings/candidate', outDir: join(dir, 'run') });
    const ms = performance.now() - t0;
    return { events: n, orders, productionOnly: spreads[0] as Spread, withCandidate: spreads[1] as Spread, fullFileEventsPerSec: Math.round(n / (ms / 1000)), decisionLatencyUs: r.summary.latencyUs };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const N = Number(process.argv[2] ?? 1_000_000);
  const ROUNDS = Number(process.argv[3] ?? 5);
  console.log(`machine: ${cpus()[0]?.model ?? '?'} x${cpus().length}, node ${process.version}; ${N.toLocaleString()} events, ${ROUNDS} rounds after 1 warm-up`);
  const r = await runReplayBench(N, ROUNDS);
  console.log(`decision stage production-only        ${show(r.productionOnly, 0)} events/s`);
  console.log(`decision stage production+candidate   ${show(r.withCandidate, 0)} events/s`);
  console.log(`full file replay                      ${r.fullFileEventsPerSec.toLocaleString()} events/s`);
  console.log(JSON.stringify({ bench: 'replay.decision-stage', node: process.version, ...r }));
}
