// Rollout invariants over random inputs: the cohort only grows while the percentage rises, and a
// plan that only loosens a gate's threshold never fires earlier than the plan it loosens.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EVERYONE } from '../../src/core/rollout/cohort.js';
import { RolloutController } from '../../src/core/rollout/controller.js';
import { RolloutMetrics } from '../../src/core/rollout/metrics.js';
import type { Gate, Plan } from '../../src/core/rollout/plan.js';

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
});
