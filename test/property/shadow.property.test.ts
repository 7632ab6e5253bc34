// The promise shadow-bridge makes, as executable invariants over random event streams:
// production's decisions and sent orders never depend on the candidate, whatever it does;
// the candidate never executes; A/A compares to zero; replay is deterministic.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Decision } from '../../src/core/model/types.js';
import { BundleRouter } from '../../src/core/routing/bundle-router.js';
import type { Router } from '../../src/core/routing/router.js';
import { candidateBundleArb, eventStream } from '../support/arbitraries.js';
import { OPEN_US, productionBundle } from '../support/builders.js';
import { runHarness } from '../support/engine-harness.js';

const production = new BundleRouter('production', productionBundle());
const sentOf = (run: ReturnType<typeof runHarness>) => JSON.stringify(run.sent);

type Misbehaviour = 'none' | 'throws' | 'slow' | 'garbage';

function misbehave(router: Router, kind: Misbehaviour, clock: { ns: number }): Router {
  if (kind === 'none') return router;
  let calls = 0;
  return {
    name: router.name,
    configHash: router.configHash,
    decide(context) {
      calls++;
      if (kind === 'throws' && calls % 3 === 0) throw new Error('candidate bug');
      if (kind === 'slow') clock.ns += calls % 2 === 0 ? 10_000_000 : 10; // every other decision far past budget
      if (kind === 'garbage' && calls % 2 === 0) return null as unknown as Decision;
      return router.decide(context);
    },
  };
}

describe('shadow invariants', () => {
  it('production decides and sends exactly the same with or without any candidate', () => {
    fc.assert(
      fc.property(
        eventStream,
        candidateBundleArb(productionBundle()),
        fc.constantFrom<Misbehaviour>('none', 'throws', 'slow', 'garbage'),
        fc.integer({ min: 1, max: 8 }),
        (events, candidateBundle, kind, maxQueue) => {
          const alone = runHarness(production, events, null, OPEN_US);
          const clock = { ns: 0 };
          const candidate = misbehave(new BundleRouter('candidate', candidateBundle), kind, clock);
          const shadowed = runHarness(production, events, { router: candidate, maxQueue, aa: false, stopwatch: { nowNs: () => clock.ns }, budgetNs: 1_000_000 }, OPEN_US);
          expect(sentOf(shadowed)).toBe(sentOf(alone));
          // candidate.executed is 0: the order port only ever saw production's decisions.
          expect(shadowed.sent.every((s) => s.decision.router === 'production')).toBe(true);
          // Coverage accounting: every production decision was compared or dropped with a reason.
          const c = shadowed.shadow!.counters;
          const dropped = Object.values(c.dropped).reduce((a, b) => a + b, 0);
          expect(c.offered).toBe(alone.sent.length);
          expect(c.compared + dropped).toBe(c.offered);
          if (kind === 'none') expect(c.dropped.candidate_error + c.dropped.candidate_timeout).toBe(0);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('A/A: production against itself on rebuilt contexts never diverges', () => {
    fc.assert(
      fc.property(eventStream, (events) => {
        const twin = new BundleRouter('candidate', productionBundle());
        const run = runHarness(production, events, { router: twin, maxQueue: 1_000, aa: true }, OPEN_US);
        expect(run.divergences).toEqual([]);
        expect(run.shadow!.counters.compared).toBe(run.sent.length);
      }),
      { numRuns: 300 },
    );
  });

  it('the same events give the same divergences, every time', () => {
    fc.assert(
      fc.property(eventStream, candidateBundleArb(productionBundle()), (events, bundle) => {
        const a = runHarness(production, events, { router: new BundleRouter('candidate', bundle), maxQueue: 4, aa: false }, OPEN_US);
        const b = runHarness(production, events, { router: new BundleRouter('candidate', bundle), maxQueue: 4, aa: false }, OPEN_US);
        expect(JSON.stringify(b.divergences)).toBe(JSON.stringify(a.divergences));
        expect(JSON.stringify(b.faults)).toBe(JSON.stringify(a.faults));
      }),
      { numRuns: 150 },
    );
  });

  it('a decision never routes to an LP that is down, disabled or stale in its own bundle', () => {
    fc.assert(
      fc.property(eventStream, candidateBundleArb(productionBundle()), (events, bundle) => {
        const run = runHarness(new BundleRouter('candidate', bundle), events, null, OPEN_US);
        for (const { decision } of run.sent) {
          if (decision.action !== 'route') continue;
          const lp = bundle.lps.get(decision.lp as string);
          expect(lp?.enabled).toBe(true);
          expect(decision.pool).toContain(decision.lp);
          expect(decision.clientPriceE8 % (10 ** (8 - decision.digits))).toBe(0);
        }
      }),
      { numRuns: 200 },
    );
  });

  it('whatever a candidate returns (any JS value, or a decision with any field replaced), production is untouched and it is compared or a counted candidate_error', () => {
    const fields = ['router', 'configHash', 'action', 'rejectReason', 'detail', 'ruleId', 'instrument', 'digits', 'lp', 'lpSymbol', 'selectionMode', 'volumeE8', 'lpPriceE8', 'markupE8', 'clientPriceE8', 'markupProfile', 'pool', 'skipped', 'failover'];
    // Values a candidate's code can produce: anything fast-check builds, BigInts and odd numbers too.
    const weird = fc.oneof(fc.anything({ withBigInt: true, withBoxedValues: true, withMap: true, withSet: true, withTypedArray: true, withSparseArray: true, withNullPrototype: true }), fc.constantFrom(NaN, -0, Infinity, 1e300, -1, 2 ** 53, 99, 0.5));
    const answer = fc.oneof(weird.map((v) => ({ replace: null as string | null, value: v })), fc.tuple(fc.constantFrom(...fields), weird).map(([f, v]) => ({ replace: f as string | null, value: v })));
    fc.assert(
      fc.property(eventStream, fc.array(answer, { minLength: 1, maxLength: 8 }), (events, answers) => {
        const alone = runHarness(production, events, null, OPEN_US);
        let k = 0;
        const inner = new BundleRouter('candidate', productionBundle());
        const candidate: Router = {
          name: 'weird',
          configHash: 'w',
          decide(context) {
            const a = answers[k++ % answers.length]!;
            if (a.replace === null) return a.value as Decision;
            return { ...inner.decide(context), [a.replace]: a.value } as Decision;
          },
        };
        const run = runHarness(production, events, { router: candidate, maxQueue: 64, aa: false }, OPEN_US);
        expect(sentOf(run)).toBe(sentOf(alone));
        const c = run.shadow!.counters;
        const dropped = Object.values(c.dropped).reduce((x, y) => x + y, 0);
        expect(c.compared + dropped).toBe(c.offered);
        for (const f of run.faults) {
          expect(f.reason).toBe('candidate_error');
          expect(f.detail.length).toBeLessThan(400);
        }
        // Whatever was compared was written as a record that serializes.
        for (const d of run.divergences) expect(() => JSON.stringify(d)).not.toThrow();
      }),
      { numRuns: 300 },
    );
  });
});
