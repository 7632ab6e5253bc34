// Runs an in-memory event list through the real ShadowEngine with recording ports: what
// production sent, every divergence and fault. Used by property tests.

import { ShadowEngine, type ExecutionPlan } from '../../src/core/engine.js';
import type { Decision, LpStatus, Order, OrderRequest, Quote } from '../../src/core/model/types.js';
import type { Stopwatch } from '../../src/core/ports.js';
import type { Router } from '../../src/core/routing/router.js';
import { rebuildContext } from '../../src/core/shadow/context.js';
import { DEFAULT_COMPARE_POLICY, type DivergenceRecord, type ShadowFault } from '../../src/core/shadow/divergence.js';
import { ShadowRunner } from '../../src/core/shadow/shadow-runner.js';

export type HarnessEvent =
  | { readonly kind: 'advance'; readonly us: number }
  | { readonly kind: 'quote'; readonly quote: Omit<Quote, 'receivedUs'> }
  | { readonly kind: 'status'; readonly lp: string; readonly status: LpStatus }
  | { readonly kind: 'order'; readonly order: OrderRequest }
  | { readonly kind: 'drain' };

export interface HarnessRun {
  readonly sent: { readonly order: Order; readonly decision: Decision }[];
  readonly divergences: DivergenceRecord[];
  readonly faults: ShadowFault[];
  readonly shadow: ShadowRunner | null;
}

export interface HarnessCandidate {
  readonly router: Router;
  readonly maxQueue: number;
  readonly aa: boolean;
  /** Stopwatch the candidate may move to look slow. */
  readonly stopwatch?: Stopwatch;
  readonly budgetNs?: number;
}

export function runHarness(production: Router, events: readonly HarnessEvent[], candidate: HarnessCandidate | null, startUs: number, execution: ExecutionPlan | null = null, onEvent: ((index: number, nowUs: number) => void) | null = null): HarnessRun {
  let now = startUs;
  const clock = { nowUs: () => now };
  const sent: HarnessRun['sent'] = [];
  const divergences: DivergenceRecord[] = [];
  const faults: ShadowFault[] = [];
  const stopwatch = candidate?.stopwatch ?? { nowNs: () => 0 };
  const shadow =
    candidate === null
      ? null
      : new ShadowRunner(
          candidate.router,
          {
            maxQueue: candidate.maxQueue,
            sampleRate: 1,
            budgetNs: candidate.budgetNs ?? 1e12,
            policy: DEFAULT_COMPARE_POLICY,
            knownLps: new Set(['LP_ALPHA', 'LP_BRAVO', 'LP_CHARLIE']),
            rebuildContext: candidate.aa ? rebuildContext : null,
          },
          { record: (d) => divergences.push(d) },
          { fault: (f) => faults.push(f) },
          stopwatch,
          { recordNs() {} },
        );
  const engine = new ShadowEngine({
    production,
    shadow,
    orderSink: {
      onProductionDecision: (order, decision) => {
        sent.push({ order, decision });
        return null;
      },
    },
    journal: { append() {} },
    log: { step() {}, event() {} },
    clock,
    stopwatch,
    productionLatency: { recordNs() {} },
    correlationPrefix: 'p-',
    maxTrackedOrders: 1000,
    execution,
  });
  for (const lp of ['LP_ALPHA', 'LP_BRAVO', 'LP_CHARLIE']) engine.onLpStatus(lp, 'up');
  for (const [index, e] of events.entries()) {
    onEvent?.(index, now);
    switch (e.kind) {
      case 'advance':
        now += e.us;
        break;
      case 'quote':
        engine.onQuote({ ...e.quote, receivedUs: now });
        break;
      case 'status':
        engine.onLpStatus(e.lp, e.status);
        break;
      case 'order':
        engine.onOrder(e.order);
        break;
      case 'drain':
        shadow?.drain();
        break;
    }
  }
  shadow?.drain();
  return { sent, divergences, faults, shadow };
}
