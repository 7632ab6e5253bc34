// Rollout invariants over random inputs: the cohort only grows while the percentage rises, and a
// plan that only loosens a gate's threshold never fires earlier than the plan it loosens.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EVERYONE } from '../../src/core/rollout/cohort.js';
import { RolloutController } from '../../src/core/rollout/controller.js';
import { RolloutMetrics } from '../../src/core/rollout/metrics.js';
import type { Gate, Plan } from '../../src/core/rollout/plan.js';
import { BundleRouter } from '../../src/core/routing/bundle-router.js';
import { candidateBundleArb, eventStream } from '../support/arbitraries.js';
import { OPEN_US, productionBundle } from '../support/builders.js';
import { runHarness } from '../support/engine-harness.js';

const HASHES = { production: 'p', candidate: 'c', plan: 'h' };

function planWith(steps: number[], gates: Gate[] = []): Plan {
  return {
    name: 'prop',
    salt: 'prop-salt',
    segment: EVERYONE,
    steps: steps.map((percentBp) => ({ percentBp, minHoldMs: 0, minOrders: 0, signoffs: [] })),
    gates,
    entry: { maxDiscrepancy: 1, windowMs: 1_000, holdMs: 0, minOrders: 0 },
    advance: 'manual',
    inconclusive: 'wait',
    evaluateEveryMs: 1_000,
    roles: new Map(),
    hash: 'h',
    source: 'prop',
  };
}

describe('rollout invariants', () => {
  it('stickiness: while the percentage only rises, the cohort only grows; no account flips back', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.string({ minLength: 1, maxLength: 12 }), { minLength: 1, maxLength: 200 }),
        fc.array(fc.integer({ min: 1, max: 10_000 }), { minLength: 1, maxLength: 6 }).map((xs) => [...xs].sort((a, b) => a - b)),
        (accounts, rising) => {
          const c = new RolloutController(planWith(rising), new RolloutMetrics(1_000), { append() {} }, HASHES, 0);
          let before = new Set<string>();
          for (let step = 0; step < rising.length; step++) {
            expect(c.command('advance', 'prop', step).ok).toBe(true);
            const inside = new Set(accounts.filter((a) => c.executorFor({ account: a, group: 'g', instrument: 'X' }, step) === 'candidate'));
            for (const a of before) expect(inside.has(a), `${a} left the cohort at ${rising[step]} bp`).toBe(true);
            // Asking again, at any time, answers the same.
            for (const a of accounts) expect(c.executorFor({ account: a, group: 'g', instrument: 'X' }, step + 0.5) === 'candidate').toBe(inside.has(a));
            before = inside;
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it('a plan that only loosens a threshold never fires earlier than the one it loosens', () => {
    const second = fc.record({ orders: fc.integer({ min: 0, max: 30 }), rejectShare: fc.double({ min: 0, max: 1, noNaN: true }) });
    fc.assert(
      fc.property(
        fc.array(second, { minLength: 5, maxLength: 60 }),
        fc.double({ min: 0, max: 0.9, noNaN: true }),
        fc.double({ min: 0, max: 0.5, noNaN: true }),
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 0, max: 40 }),
        (seconds, threshold, loosenBy, consecutive, minSamples) => {
          const gate = (t: number): Gate => ({ id: 'g', metric: 'lp_reject_rate', windowMs: 5_000, minSamples, kind: 'absolute', op: '>', threshold: t, consecutive, action: 'rollback', dryRun: false });
          const firstFire = (t: number): number => {
            const metrics = new RolloutMetrics(10_000);
            const c = new RolloutController(planWith([10_000], [gate(t)]), metrics, { append() {} }, HASHES, 0);
            c.command('advance', 'prop', 0); // 100%: every order executes on the candidate
            for (const [i, s] of seconds.entries()) {
              const at = i * 1_000_000;
              for (let k = 0; k < s.orders; k++) metrics.lpExecution(at + k, 'candidate', k < Math.round(s.orders * s.rejectShare));
              c.tick(at + 999_999);
              if (c.state === 'rolled_back') return i;
            }
            return Number.POSITIVE_INFINITY;
          };
          expect(firstFire(threshold + loosenBy)).toBeGreaterThanOrEqual(firstFire(threshold));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('every order is executed exactly once, by the router chosen when it arrived; after a rollback every order goes to production', () => {
    const production = new BundleRouter('production', productionBundle());
    fc.assert(
      fc.property(eventStream, candidateBundleArb(productionBundle()), fc.integer({ min: 1, max: 10_000 }), fc.nat(), (events, candidateBundle, percent, rollbackSeed) => {
        const candidate = new BundleRouter('candidate', candidateBundle);
        const c = new RolloutController(planWith([percent]), new RolloutMetrics(1_000), { append() {} }, HASHES, 0);
        c.command('advance', 'prop', 0);
        const rollbackAt = rollbackSeed % (events.length + 1);
        const chosen: string[] = [];
        const execution = {
          executorFor: (subject: { account: string; group: string; instrument: string | null }, nowUs: number) => {
            const who = c.executorFor(subject, nowUs);
            chosen.push(who);
            return who;
          },
          executedBy: (who: 'production' | 'candidate') => c.executedBy(who),
          candidate,
          instrumentOf: (s: string) => production.instrumentOf(s)?.symbol ?? null,
        };
        let ordersBefore = -1;
        const run = runHarness(production, events, { router: candidate, maxQueue: 1_000, aa: false }, OPEN_US, execution, (i) => {
          if (i === rollbackAt) {
            ordersBefore = chosen.length;
            c.command('rollback', 'prop', 0);
          }
        });
        const orders = events.filter((e) => e.kind === 'order').length;
        // Exactly once: one executed decision per order, from the router chosen for it.
        expect(run.sent).toHaveLength(orders);
        expect(run.sent.map((x) => (x.decision.router === 'candidate' ? 'candidate' : 'production'))).toEqual(chosen);
        expect(c.executed.production + c.executed.candidate).toBe(orders);
        // After the rollback, production only.
        const after = ordersBefore === -1 ? [] : chosen.slice(ordersBefore);
        expect(after.every((who) => who === 'production')).toBe(true);
        // Divergence is measured on every order in every phase: compared or dropped with a reason.
        const counters = run.shadow!.counters;
        expect(counters.offered).toBe(orders);
      }),
      { numRuns: 200 },
    );
  });
});
