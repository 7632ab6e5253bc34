// A rollout wired for an engine, the same for `stage` (replay clock) and live (wall clock): the
// controller, its windowed metrics fed from the order path, the hash-chained audit log, and the
// execution plan the engine asks who executes each order. Only a bundle candidate can execute.

import { BridgeError } from '../core/errors.js';
import type { ExecutionPlan, RolloutObserver } from '../core/engine.js';
import { existsSync } from 'node:fs';
import { RolloutController, type ApprovedHashes } from '../core/rollout/controller.js';
import { resumeFrom } from '../core/rollout/resume.js';
import { RolloutMetrics } from '../core/rollout/metrics.js';
import type { Plan } from '../core/rollout/plan.js';
import { BundleRouter } from '../core/routing/bundle-router.js';
import type { AsyncRouter, Router } from '../core/routing/router.js';
import type { LatencyRecorder } from '../core/ports.js';
import type { ShadowRunner } from '../core/shadow/shadow-runner.js';
import { formatTimestampUs } from '../core/model/timestamps.js';
import { AuditLog, readAudit } from '../exporters/audit-log.js';
import { canExecute } from './candidate.js';
import type { RolloutSummary } from '../exporters/summary.js';

export type { RolloutSummary };

export interface RolloutRig {
  readonly controller: RolloutController;
  readonly metrics: RolloutMetrics;
  readonly audit: AuditLog;
  readonly observer: RolloutObserver;
  readonly execution: ExecutionPlan;
  /** Hooks the shadow runner's comparisons and faults into the metrics. */
  attachShadow(shadow: ShadowRunner): void;
  /** Wraps the candidate's latency recorder so the rollout sees the same samples. */
  candidateLatency(inner: LatencyRecorder, nowUs: () => number): LatencyRecorder;
  summary(): RolloutSummary;
  close(): void;
}

export interface RolloutRigOptions {
  readonly plan: Plan;
  readonly production: BundleRouter;
  readonly candidate: Router | AsyncRouter;
  readonly auditFile: string;
  /** fsync every audit record (live). */
  readonly durableAudit: boolean;
  readonly startUs: number;
  readonly hashes: ApprovedHashes;
  /** Stage: latency fed as a constant, so no gate reads wall time and runs are byte-identical. */
  readonly deterministicLatency: boolean;
  /**
   * Live: continue the rollout the audit log already holds, if it ran these same files (its
   * state, step and sign-offs); a log of another rollout is superseded by a new one.
   */
  readonly resume?: boolean;
}

export function buildRollout(o: RolloutRigOptions): RolloutRig {
  if (!canExecute(o.candidate)) {
    throw new BridgeError('SB_ERR_ROLLOUT_CANDIDATE', `${o.candidate.name}: a module candidate is shadow-only; a rollout executes orders with the candidate, which needs a mapping bundle or a module that exports trust = 'execute'`);
  }
  const candidate = o.candidate;
  const longest = Math.max(o.plan.entry.windowMs, ...o.plan.gates.map((g) => g.windowMs));
  const metrics = new RolloutMetrics(longest);
  const outcome = o.resume === true && existsSync(o.auditFile) ? resumeFrom(readAudit(o.auditFile), o.plan, o.hashes) : ({ kind: 'fresh' } as const);
  const audit = new AuditLog(o.auditFile, o.durableAudit);
  if (outcome.kind === 'superseded') audit.note(o.startUs, 'rollout_superseded', 'engine', { previous: outcome.previous, reason: 'the plan, production or candidate changed: a new rollout starts in shadow; earlier sign-offs do not carry over' });
  const controller = new RolloutController(o.plan, metrics, audit, o.hashes, o.startUs, outcome.kind === 'resume' ? outcome.point : null);
  const latencyNs = (ns: number): number => (o.deterministicLatency ? 1_000 : ns);
  const observer: RolloutObserver = {
    decided(nowUs, executor, decision) {
      metrics.decided(nowUs, executor, decision.action === 'route', decision.failover);
      metrics.offered(nowUs);
    },
    reverseShadow(nowUs, production) {
      metrics.reverseShadow(nowUs, production.action === 'route', production.failover);
    },
    compared(nowUs, divergences) {
      let critical = 0;
      let price = 0;
      for (const d of divergences) {
        if (d.severity === 'critical') critical++;
        if (d.class === 'price' && d.severity !== 'minor') price++;
      }
      metrics.compared(nowUs, divergences.length === 0, critical, price);
    },
    candidateFault: (nowUs) => metrics.candidateFault(nowUs),
    lpExecution: (nowUs, executor, rejected) => metrics.lpExecution(nowUs, executor, rejected),
    statusMismatch: (nowUs) => metrics.statusMismatch(nowUs),
    latency: (nowUs, router, ns) => metrics.latency(nowUs, router, latencyNs(ns) / 1000),
  };
  const execution: ExecutionPlan = {
    executorFor: (subject, nowUs) => controller.executorFor(subject, nowUs),
    executedBy: (executor) => controller.executedBy(executor),
    candidate,
    instrumentOf: (platformSymbol) => o.production.instrumentOf(platformSymbol)?.symbol ?? null,
  };
  return {
    controller,
    metrics,
    audit,
    observer,
    execution,
    attachShadow(shadow) {
      shadow.onDivergences = (context, divergences) => observer.compared(context.nowUs, divergences);
      shadow.onFault = (context) => observer.candidateFault(context.nowUs);
    },
    candidateLatency(inner, nowUs) {
      return {
        recordNs(ns) {
          inner.recordNs(ns);
          observer.latency(nowUs(), 'candidate', ns);
        },
      };
    },
    summary() {
      return {
        plan: { name: o.plan.name, hash: o.plan.hash, file: o.plan.source },
        finalState: controller.state,
        step: controller.step + 1,
        exposurePercent: controller.exposureBp / 100,
        steps: controller.history.map((h) => ({ at: formatTimestampUs(h.atUs), atUs: h.atUs, percent: h.percentBp / 100, state: h.state, action: h.action, gate: h.gate, value: h.value, threshold: h.threshold, samples: h.samples })),
        executed: { ...controller.executed },
        audit: { path: o.auditFile, head: audit.head, records: audit.records },
        signoffsMissingForNextStep: controller.missingSignoffs(controller.step + 1),
        gates: o.plan.gates.map((g) => {
          const r = controller.lastReadings.get(g.id);
          return { id: g.id, metric: g.metric, action: g.action, dryRun: g.dryRun, verdict: r?.verdict ?? 'not_evaluated', value: r === undefined ? null : Math.round(r.value * 1e6) / 1e6, threshold: g.threshold, samples: r?.samples ?? 0 };
        }),
      };
    },
    close() {
      audit.close();
    },
  };
}
