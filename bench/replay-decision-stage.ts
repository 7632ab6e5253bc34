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

const N = Number(process.argv[2] ?? 1_000_000);
const ROUNDS = Number(process.argv[3] ?? 5);
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
    orderSink: { onProductionDecision() {} },
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

function stats(values: number[]): { median: number; min: number; max: number; spread: number } {
  const s = [...values].sort((a, b) => a - b);
  const median = s[Math.floor(s.length / 2)] as number;
  return { median, min: s[0] as number, max: s[s.length - 1] as number, spread: ((s[s.length - 1] as number) - (s[0] as number)) / median };
}

const events = benchEvents(N);
const orders = events.filter((e) => e.order !== null).length;
console.log(`machine: ${cpus()[0]?.model ?? '?'} x${cpus().length}, node ${process.version}; ${N.toLocaleString()} events (${orders.toLocaleString()} orders), ${ROUNDS} rounds after 1 warm-up`);
const results: Record<string, unknown> = {};
for (const [name, withCandidate] of [['production-only', false], ['production+candidate', true]] as const) {
  runStage(events.slice(0, 100_000), withCandidate); // warm-up
  const rates: number[] = [];
  let divergences = 0;
  for (let r = 0; r < ROUNDS; r++) {
    (globalThis as { gc?: () => void }).gc?.();
    const run = runStage(events, withCandidate);
    rates.push(N / (run.ms / 1000));
    divergences = run.divergences;
  }
  const s = stats(rates);
  results[name] = { eventsPerSec: Math.round(s.median), min: Math.round(s.min), max: Math.round(s.max), spread: Number(s.spread.toFixed(3)), divergences };
  console.log(`decision stage ${name.padEnd(22)} median ${Math.round(s.median).toLocaleString()} events/s (min ${Math.round(s.min).toLocaleString()}, max ${Math.round(s.max).toLocaleString()}, spread ${(s.spread * 100).toFixed(1)}%)`);
}

const dir = mkdtempSync(join(tmpdir(), 'sb-bench-'));
try {
  const file = join(dir, 'bench-1m.jsonl');
  generateBenchScenario(file, N);
  const t0 = performance.now();
  const r = await runReplay({ scenario: file, production: 'mappings/production', candidate: 'mappings/candidate', outDir: join(dir, 'run') });
  const ms = performance.now() - t0;
  results['full-file-replay'] = { eventsPerSec: Math.round(N / (ms / 1000)), wallMs: Math.round(ms), divergences: r.summary.divergences.total, latencyUs: r.summary.latencyUs };
  console.log(`full file replay (read, parse, decide, compare, write)  ${Math.round(N / (ms / 1000)).toLocaleString()} events/s, ${(ms / 1000).toFixed(2)} s for ${N.toLocaleString()} events, ${r.summary.divergences.total.toLocaleString()} divergences`);
  console.log(`decision latency µs: production p50 ${r.summary.latencyUs.production.p50} p99 ${r.summary.latencyUs.production.p99} p99.9 ${r.summary.latencyUs.production.p999}; candidate p50 ${r.summary.latencyUs.candidate.p50} p99 ${r.summary.latencyUs.candidate.p99} p99.9 ${r.summary.latencyUs.candidate.p999}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
console.log(JSON.stringify({ bench: 'replay.decision-stage', events: N, rounds: ROUNDS, node: process.version, results }));
