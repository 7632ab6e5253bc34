// What a rollout costs on the decision path: events/s of the engine's decision stage (book,
// context, production decide, candidate decide, compare) on the bench stream, with no rollout,
// with a rollout in shadow (every order asks who executes: production), and in a 50% canary
// (half the accounts execute on the candidate, production decides beside them: reverse shadow).
// Gates are evaluated every 5 s of the stream's time (the bench stream spans about two hours).
//
// Usage: node --expose-gc bin/run-ts.mjs bench/rollout-stage.ts [events=500000] [rounds=5]

import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { buildRollout, type RolloutRig } from '../src/app/rollout-rig.js';
import { ShadowEngine } from '../src/core/engine.js';
import type { OrderRequest, Quote } from '../src/core/model/types.js';
import { BundleRouter } from '../src/core/routing/bundle-router.js';
import { DEFAULT_COMPARE_POLICY } from '../src/core/shadow/divergence.js';
import { ShadowRunner } from '../src/core/shadow/shadow-runner.js';
import { loadBundle } from '../src/mappings/load-bundle.js';
import { loadPlan } from '../src/mappings/load-plan.js';
import { benchEvents, type BenchEvent } from './support/bench-scenario.js';
import { show, spreadOf } from './support/stats.js';

type Mode = 'none' | 'shadow' | 'canary50';

const productionBundle = loadBundle('mappings/production');
const candidateBundle = loadBundle('mappings/candidate-good');

function runStage(events: readonly BenchEvent[], mode: Mode, dir: string): number {
  let nowUs = events[0]?.tsUs ?? 0;
  const noop = { recordNs() {} };
  const stopwatch = { nowNs: () => performance.now() * 1e6 };
  const production = new BundleRouter('production', productionBundle);
  const candidate = new BundleRouter('candidate', candidateBundle);
  let rig: RolloutRig | null = null;
  if (mode !== 'none') {
    // The drill plan's gates, evaluated every 5 s of stream time as the standard plan does.
    const plan = { ...loadPlan('rollouts/drill.yaml'), evaluateEveryMs: 5_000, steps: [{ percentBp: 5_000, minHoldMs: 3_600_000, minOrders: 1, signoffs: [] }] };
    rig = buildRollout({ plan, production, candidate, auditFile: join(dir, `audit-${mode}-${Math.random()}.jsonl`), durableAudit: false, startUs: nowUs, hashes: { production: production.configHash, candidate: candidate.configHash, plan: plan.hash }, deterministicLatency: true });
    if (mode === 'canary50') rig.controller.command('advance', 'bench', nowUs);
  }
  const shadow = new ShadowRunner(candidate, { maxQueue: 10_000, sampleRate: 1, budgetNs: 1e12, policy: DEFAULT_COMPARE_POLICY, knownLps: new Set(productionBundle.lps.keys()), rebuildContext: null }, { record() {} }, { fault() {} }, stopwatch, noop);
  rig?.attachShadow(shadow);
  const engine = new ShadowEngine({
    production,
    shadow,
    orderSink: { onProductionDecision: () => null },
    journal: { append() {} },
    log: { step() {}, event() {} },
    clock: { nowUs: () => nowUs },
    stopwatch,
    productionLatency: noop,
    correlationPrefix: 'b-',
    maxTrackedOrders: 100_000,
    execution: rig?.execution ?? null,
    observer: rig?.observer ?? null,
  });
  for (const lp of productionBundle.lps.keys()) engine.onLpStatus(lp, 'up');
  const start = performance.now();
  for (const e of events) {
    nowUs = e.tsUs;
    rig?.controller.tick(nowUs);
    if (e.quote !== null) engine.onQuote(e.quote as Quote);
    else engine.onOrder(e.order as OrderRequest);
    if (shadow.pending() > 0) shadow.drain();
  }
  const ms = performance.now() - start;
  if (mode === 'canary50' && engine.counters.candidateExecuted === 0) throw new Error('the canary executed nothing: the bench is not measuring a canary');
  rig?.close();
  return ms;
}

const N = Number(process.argv[2] ?? 500_000);
const ROUNDS = Number(process.argv[3] ?? 5);
const events = benchEvents(N);
const orders = events.filter((e) => e.order !== null).length;
const dir = mkdtempSync(join(tmpdir(), 'sb-rollout-bench-'));
try {
  console.log(`machine: ${cpus()[0]?.model ?? '?'} x${cpus().length}, node ${process.version}; ${N.toLocaleString()} events (${orders.toLocaleString()} orders), ${ROUNDS} rounds after a warm-up, modes interleaved`);
  const rates: Record<Mode, number[]> = { none: [], shadow: [], canary50: [] };
  const modes: Mode[] = ['none', 'shadow', 'canary50'];
  for (const m of modes) runStage(events.slice(0, 50_000), m, dir);
  for (let r = 0; r < ROUNDS; r++) {
    for (const m of modes) {
      (globalThis as { gc?: () => void }).gc?.();
      rates[m].push(N / (runStage(events, m, dir) / 1000));
    }
  }
  const base = spreadOf(rates.none).median;
  for (const m of modes) {
    const s = spreadOf(rates[m]);
    const nsPerOrderExtra = m === 'none' ? 0 : ((1e9 / s.median - 1e9 / base) * N) / orders;
    console.log(`${m.padEnd(9)} ${show(s, 0)} events/s${m === 'none' ? '' : `  (${(s.median / base).toFixed(3)}x; ${Math.round(nsPerOrderExtra)} ns more per order)`}`);
  }
  console.log(JSON.stringify({ bench: 'rollout.decision-stage', node: process.version, events: N, orders, rates }));
} finally {
  rmSync(dir, { recursive: true, force: true });
}
