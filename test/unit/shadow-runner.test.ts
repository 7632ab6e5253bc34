import { describe, expect, it } from 'vitest';
import type { Decision } from '../../src/core/model/types.js';
import type { DivergenceSink, ShadowFaultSink, Stopwatch } from '../../src/core/ports.js';
import { BundleRouter } from '../../src/core/routing/bundle-router.js';
import type { AsyncRouter, Router } from '../../src/core/routing/router.js';
import { CandidateTimedOut } from '../../src/core/shadow/candidate-timeout.js';
import type { DivergenceRecord, ShadowFault } from '../../src/core/shadow/divergence.js';
import { DEFAULT_COMPARE_POLICY } from '../../src/core/shadow/divergence.js';
import { ShadowRunner, type ShadowOptions } from '../../src/core/shadow/shadow-runner.js';
import { wilson95 } from '../../src/core/stats/wilson.js';
import { candidateBundle, context, order, productionBundle } from '../support/builders.js';

class Collect implements DivergenceSink, ShadowFaultSink {
  divergences: DivergenceRecord[] = [];
  faults: ShadowFault[] = [];
  record(d: DivergenceRecord): void {
    this.divergences.push(d);
  }
  fault(f: ShadowFault): void {
    this.faults.push(f);
  }
}

/** A stopwatch the test moves by hand: "slow" without sleeping. */
class ManualStopwatch implements Stopwatch {
  ns = 0;
  nowNs(): number {
    return this.ns;
  }
}

const options = (o: Partial<ShadowOptions> = {}): ShadowOptions => ({
  maxQueue: 100, sampleRate: 1, budgetNs: 1_000_000, policy: DEFAULT_COMPARE_POLICY,
  knownLps: new Set(['LP_ALPHA', 'LP_BRAVO', 'LP_CHARLIE']), rebuildContext: null, ...o,
});
const production = new BundleRouter('production', productionBundle());
const candidate = new BundleRouter('candidate', candidateBundle());
const noLatency = { recordNs() {} };

function runner(router: Router, o: Partial<ShadowOptions> = {}, stopwatch: Stopwatch = new ManualStopwatch()) {
  const sink = new Collect();
  return { sink, shadow: new ShadowRunner(router, options(o), sink, sink, stopwatch, noLatency) };
}

describe('shadow runner', () => {
  it('compares the candidate on the queued context and records classified divergences', () => {
    const { sink, shadow } = runner(candidate);
    const ctx = context({ order: order({ group: 'real\\retail\\usd', platformSymbol: 'EURUSD' }) });
    shadow.offer(ctx, production.decide(ctx));
    expect(sink.divergences).toHaveLength(0); // nothing happens before drain
    expect(shadow.drain()).toBe(1);
    expect(sink.divergences.map((d) => d.class)).toEqual(['markup']);
    expect(shadow.counters).toMatchObject({ offered: 1, compared: 1, matched: 0, divergent: 1 });
  });

  it('drains in time slices: stops once the budget is spent, keeps order, loses nothing across compaction', () => {
    // A candidate that costs 100 µs per decision on the manual stopwatch.
    const stopwatch = new ManualStopwatch();
    const slow: Router = { name: 'slow', configHash: candidate.configHash, decide: (c) => ((stopwatch.ns += 100_000), candidate.decide(c)) };
    const seen: string[] = [];
    const sink = new Collect();
    const shadow = new ShadowRunner(slow, options({ maxQueue: 10_000 }), { record: (d) => seen.push(`${d.correlationId} ${d.class}`) }, sink, stopwatch, noLatency);
    // Every third order is for a symbol neither side knows (both reject: no divergence), so a
    // context evaluated against another order's production decision would show up.
    const offer = (i: number): void => {
      const ctx = context({ order: order({ correlationId: `c-${i}`, group: 'real\\retail\\usd', platformSymbol: i % 3 === 0 ? 'NOPE' : 'EURUSD' }) });
      shadow.offer(ctx, production.decide(ctx));
    };
    let next = 0;
    for (; next < 3_000; next++) offer(next);
    expect(shadow.drain(250_000)).toBe(3); // 100 µs each: the third crosses 250 µs
    expect(shadow.pending()).toBe(2_997);
    // Keep offering while draining slices, so the queue compacts while it is never empty.
    while (shadow.pending() > 0) {
      shadow.drain(50_000_000);
      if (next < 5_000) for (let k = 0; k < 200; k++) offer(next++);
    }
    expect(seen).toEqual(Array.from({ length: 5_000 }, (_, i) => i).filter((i) => i % 3 !== 0).map((i) => `c-${i} markup`));
    expect(shadow.counters.compared).toBe(5_000);
  });

  it('hands contexts to an asynchronous candidate in order, a few at a time, and accounts for every answer', () => {
    // A candidate whose answers the test releases by hand, as a worker's port messages would.
    const asked: { id: string; done: (o: Error | ReturnType<Router['decide']>) => void; context: Parameters<Router['decide']>[0] }[] = [];
    const later: AsyncRouter = { name: 'later', configHash: candidate.configHash, decideLater: (c, done) => asked.push({ id: c.order.correlationId, done, context: c }) };
    const sink = new Collect();
    const shadow = new ShadowRunner(later, options({ maxInFlight: 3 }), sink, sink, new ManualStopwatch(), noLatency);
    for (let i = 0; i < 8; i++) {
      const ctx = context({ order: order({ correlationId: `c-${i}`, group: 'real\\retail\\usd', platformSymbol: 'EURUSD' }) });
      shadow.offer(ctx, production.decide(ctx));
    }
    expect(shadow.drain()).toBe(3);
    expect([shadow.pending(), shadow.inFlight(), shadow.wantsDrain()]).toEqual([5, 3, false]); // a full pipeline needs no polling
    expect(asked.map((a) => a.id)).toEqual(['c-0', 'c-1', 'c-2']);
    asked[0]!.done(candidate.decide(asked[0]!.context)); // an answer frees a slot and pulls the next context
    expect(asked.map((a) => a.id)).toEqual(['c-0', 'c-1', 'c-2', 'c-3']);
    asked[1]!.done(new CandidateTimedOut('no decision within 50 ms; worker restarted'));
    asked[2]!.done(new Error('candidate worker exited (code 1)'));
    for (let k = 3; k < asked.length; k++) asked[k]!.done(candidate.decide(asked[k]!.context)); // answers as they come
    expect([shadow.pending(), shadow.inFlight()]).toEqual([0, 0]);
    expect(asked.map((a) => a.id)).toEqual(Array.from({ length: 8 }, (_, i) => `c-${i}`));
    expect(shadow.counters.compared).toBe(6);
    expect(shadow.counters.dropped).toMatchObject({ candidate_timeout: 1, candidate_error: 1 });
    expect(sink.faults.map((f) => `${f.correlationId} ${f.reason}`)).toEqual(['c-1 candidate_timeout', 'c-2 candidate_error']);
    expect(sink.divergences.map((d) => d.correlationId)).toEqual(['c-0', 'c-3', 'c-4', 'c-5', 'c-6', 'c-7']);
  });

  it('drops past the queue bound and counts every drop', () => {
    const { sink, shadow } = runner(candidate, { maxQueue: 2 });
    for (let i = 0; i < 5; i++) {
      const ctx = context({ order: order({ correlationId: `c-${i}` }) });
      shadow.offer(ctx, production.decide(ctx));
    }
    shadow.drain();
    expect(shadow.counters.compared).toBe(2);
    expect(shadow.counters.dropped.queue_full).toBe(3);
    expect(sink.faults.map((f) => f.correlationId)).toEqual(['c-2', 'c-3', 'c-4']);
  });

  it('measures how long each context waited for the candidate and the deepest the queue got', () => {
    const clock = new ManualStopwatch();
    const waits: number[] = [];
    const { shadow } = runner(candidate, {}, clock);
    shadow.queueLag = { recordNs: (ns) => waits.push(ns) };
    for (let i = 0; i < 3; i++) {
      const ctx = context({ order: order({ correlationId: `c-${i}` }) });
      shadow.offer(ctx, production.decide(ctx));
      clock.ns += 1_000; // offered at 0, 1000 and 2000 ns
    }
    clock.ns = 10_000;
    shadow.drain();
    expect(waits).toEqual([10_000, 9_000, 8_000]);
    const ctx = context({ order: order({ correlationId: 'c-3' }) });
    shadow.offer(ctx, production.decide(ctx));
    clock.ns = 10_500;
    shadow.drain();
    expect(waits.at(-1)).toBe(500);
    expect(shadow.queueHighWater()).toBe(3);
    // Counted afresh: from what is queued now.
    shadow.offer(ctx, production.decide(ctx));
    shadow.resetHighWater();
    expect(shadow.queueHighWater()).toBe(1);
    shadow.drain();
    expect(shadow.queueHighWater()).toBe(1);
  });

  it('records a throwing candidate as candidate_error', () => {
    const throwing: Router = { name: 'boom', configHash: 'x', decide: () => { throw new RangeError('bad table'); } };
    const { sink, shadow } = runner(throwing);
    const ctx = context();
    shadow.offer(ctx, production.decide(ctx));
    shadow.drain();
    expect(shadow.counters.dropped.candidate_error).toBe(1);
    expect(sink.faults[0]?.detail).toBe('RangeError: bad table');
  });

  it('discards a decision slower than the budget as candidate_timeout', () => {
    const clock = new ManualStopwatch();
    const slow: Router = { name: 'slow', configHash: 'x', decide: (c) => { clock.ns += 5_000_000; return candidate.decide(c); } };
    const { sink, shadow } = runner(slow, { budgetNs: 1_000_000 }, clock);
    const ctx = context();
    shadow.offer(ctx, production.decide(ctx));
    shadow.drain();
    expect(shadow.counters.dropped.candidate_timeout).toBe(1);
    expect(shadow.counters.compared).toBe(0);
    expect(sink.faults[0]?.reason).toBe('candidate_timeout');
  });

  it('treats a candidate that returns garbage as an error', () => {
    const garbage: Router = { name: 'g', configHash: 'x', decide: () => ({ action: 'maybe' }) as unknown as Decision };
    const { shadow } = runner(garbage);
    const ctx = context();
    shadow.offer(ctx, production.decide(ctx));
    shadow.drain();
    expect(shadow.counters.dropped.candidate_error).toBe(1);
  });

  it('samples by correlation id, the same way every run', () => {
    const pick = () => {
      const { shadow } = runner(candidate, { sampleRate: 0.3, maxQueue: 1000 });
      for (let i = 0; i < 200; i++) {
        const ctx = context({ order: order({ correlationId: `c-${i}` }) });
        shadow.offer(ctx, production.decide(ctx));
      }
      shadow.drain();
      return shadow.counters;
    };
    const a = pick();
    expect(a.compared + a.dropped.sampled_out).toBe(200);
    expect(a.compared).toBeGreaterThan(30);
    expect(a.compared).toBeLessThan(90);
    expect(pick().compared).toBe(a.compared);
  });
});

describe('Wilson interval', () => {
  it('matches published values and stays inside [0, 1]', () => {
    const a = wilson95(81, 263); // Wilson 1927 style check: 0.2553 .. 0.3662
    expect(a.low).toBeCloseTo(0.2553, 3);
    expect(a.high).toBeCloseTo(0.3662, 3);
    const z = wilson95(0, 3000);
    expect(z.low).toBe(0);
    expect(z.high).toBeGreaterThan(0.0009);
    expect(z.high).toBeLessThan(0.0015);
    expect(wilson95(10, 10).high).toBe(1);
    expect(wilson95(0, 0)).toEqual({ low: 0, high: 1 });
  });
});
