// The run summary (summary.json, `replay --json`): the contract in DESIGN.md §6, built from the
// engine's and the shadow runner's counters. Every count here is exact; latencies are measured.

import type { EngineCounters } from '../core/engine.js';
import type { RejectReason } from '../core/model/types.js';
import { DIVERGENCE_CLASSES, DROP_REASONS, SEVERITIES, type DivergenceClass, type DropReason, type Severity } from '../core/shadow/divergence.js';
import { coverageOf, type ShadowCounters } from '../core/shadow/shadow-runner.js';
import { candidateVerdict, type CandidateVerdictKind } from '../core/shadow/verdict.js';
import { wilson95 } from '../core/stats/wilson.js';
import type { LatencySummaryUs } from '../telemetry/latency.js';

export const SUMMARY_SCHEMA = 'shadow-bridge/summary@1';

export interface ExpectationOutcome {
  readonly line: number;
  readonly ok: boolean;
  readonly text: string;
}

export interface RunSummary {
  readonly schema: string;
  readonly scenario: { readonly name: string; readonly file: string; readonly description: string };
  readonly mode: 'shadow' | 'aa' | 'production-only';
  readonly events: number;
  readonly quotes: number;
  readonly orders: number;
  readonly compared: number;
  readonly matched: number;
  readonly matchRate: number | null;
  readonly matchRateCi95: readonly [number, number] | null;
  readonly divergences: {
    readonly total: number;
    readonly divergentOrders: number;
    readonly byClass: Record<DivergenceClass, number>;
    readonly bySeverity: Record<Severity, number>;
  };
  readonly production: { readonly executed: number; readonly routed: number; readonly notSent: number; readonly rejected: number; readonly rejectReasons: Partial<Record<RejectReason, number>> };
  readonly candidate: { readonly executed: number; readonly routed: number; readonly rejected: number; readonly rejectReasons: Partial<Record<RejectReason, number>> };
  readonly latencyUs: { readonly production: LatencySummaryUs; readonly candidate: LatencySummaryUs };
  readonly coverage: { readonly offered: number; readonly compared: number; readonly ratio: number; readonly dropped: Record<DropReason, number> };
  readonly configs: { readonly production: { readonly name: string; readonly hash: string }; readonly candidate: { readonly name: string; readonly hash: string } | null };
  readonly expectations: { readonly checked: number; readonly met: number; readonly skipped: number; readonly failed: readonly ExpectationOutcome[] };
  /** Wall time of the replay loop (read, decide, compare, write) and its event rate. */
  readonly throughput: { readonly wallMs: number; readonly eventsPerSec: number };
  /**
   * Every candidate's verdict, side by side, in the order configured. The top-level figures above
   * are the first one's (the candidate a rollout executes); empty in a production-only run.
   */
  readonly candidates: readonly CandidateSummary[];
  /** `stage` and live runs with a rollout: where it ended, each step, the audit log's head. */
  readonly rollout?: RolloutSummary;
}

/** Where a candidate runs: a bundle or a module in the engine's process, or a remote shadow worker. */
export type CandidateKind = 'bundle' | 'module' | 'remote';

/** One candidate's figures and verdict. */
export interface CandidateSummary {
  readonly id: string;
  readonly kind: CandidateKind;
  readonly name: string;
  readonly hash: string | null;
  /** The candidate a rollout executes for its cohort (the first); the others only shadow. */
  readonly executes: boolean;
  readonly verdict: CandidateVerdictKind;
  readonly why: string;
  readonly compared: number;
  readonly matched: number;
  readonly matchRate: number | null;
  readonly matchRateCi95: readonly [number, number] | null;
  readonly divergences: { readonly total: number; readonly divergentOrders: number; readonly byClass: Record<DivergenceClass, number>; readonly bySeverity: Record<Severity, number> };
  readonly routed: number;
  readonly rejected: number;
  readonly rejectReasons: Partial<Record<RejectReason, number>>;
  readonly coverage: { readonly offered: number; readonly compared: number; readonly ratio: number; readonly dropped: Record<DropReason, number> };
  readonly latencyUs: LatencySummaryUs;
  /** Its records in this run folder: `divergences.jsonl` (the first), `candidates/<id>/`, or null (remote). */
  readonly files: string | null;
  /** A remote candidate: what its worker last reported, and when. */
  readonly remote?: RemoteCandidateStatus;
}

export interface RemoteCandidateStatus {
  /** Reports received from its worker; 0: it never reported (its figures are all zero). */
  readonly reports: number;
  readonly lastReportAt: string | null;
  /** The worker's own run folder, on its host. */
  readonly runFolder: string | null;
  /** What the tap lost for it (coverage lost with reason tap_gap), as the worker counted. */
  readonly tap: { readonly gaps: number; readonly lostMessages: number; readonly reason: 'tap_gap'; readonly joinedFrom: string | null; readonly lagUsP99: number } | null;
}

export interface CandidateFigures {
  readonly id: string;
  readonly kind: CandidateKind;
  readonly name: string;
  readonly hash: string | null;
  readonly executes: boolean;
  readonly counters: ShadowCounters;
  readonly tally: CandidateTally;
  readonly latency: LatencySummaryUs;
  readonly files: string | null;
  readonly remote?: RemoteCandidateStatus;
}

/** The figures of one candidate, with its verdict (core/shadow/verdict.ts). */
export function candidateSummaryOf(f: CandidateFigures): CandidateSummary {
  const c = f.counters;
  const ci = c.compared > 0 ? wilson95(c.matched, c.compared) : null;
  const dropped = {} as Record<DropReason, number>;
  for (const r of DROP_REASONS) dropped[r] = c.dropped[r] ?? 0;
  const verdict = candidateVerdict({ compared: c.compared, matched: c.matched, offered: c.offered, critical: f.tally.bySeverity.critical });
  return {
    id: f.id,
    kind: f.kind,
    name: f.name,
    hash: f.hash,
    executes: f.executes,
    verdict: verdict.verdict,
    why: verdict.why,
    compared: c.compared,
    matched: c.matched,
    matchRate: c.compared > 0 ? round6(c.matched / c.compared) : null,
    matchRateCi95: ci === null ? null : [round6(ci.low), round6(ci.high)],
    divergences: { total: c.divergences, divergentOrders: c.divergent, byClass: { ...f.tally.byClass }, bySeverity: { ...f.tally.bySeverity } },
    routed: c.candidateRouted,
    rejected: c.candidateRejected,
    rejectReasons: { ...c.candidateRejectReasons },
    coverage: { offered: c.offered, compared: c.compared, ratio: round6(coverageOf(c)), dropped },
    latencyUs: f.latency,
    files: f.files,
    ...(f.remote === undefined ? {} : { remote: f.remote }),
  };
}

/** One step-history entry: what happened, at which exposure, and the gate reading behind it. */
export interface RolloutStepSummary {
  readonly at: string;
  readonly atUs: number;
  readonly percent: number;
  readonly state: string;
  readonly action: string;
  readonly gate: string | null;
  readonly value: number | null;
  readonly threshold: number | null;
  readonly samples: number | null;
}

export interface RolloutSummary {
  readonly plan: { readonly name: string; readonly hash: string; readonly file: string };
  readonly finalState: string;
  readonly step: number;
  readonly exposurePercent: number;
  readonly steps: readonly RolloutStepSummary[];
  readonly executed: { readonly production: number; readonly candidate: number };
  readonly audit: { readonly path: string; readonly head: string; readonly records: number };
  readonly signoffsMissingForNextStep: readonly string[];
  /** Every gate's last reading when the summary was taken (`not_evaluated` before the first). */
  readonly gates: readonly { readonly id: string; readonly metric: string; readonly action: string; readonly dryRun: boolean; readonly verdict: string; readonly value: number | null; readonly threshold: number; readonly samples: number }[];
}

/** Divergence counts by class and severity, kept by the sink that writes divergences.jsonl. */
export interface CandidateTally {
  byClass: Record<DivergenceClass, number>;
  bySeverity: Record<Severity, number>;
}

export function emptyTally(): CandidateTally {
  const byClass = {} as Record<DivergenceClass, number>;
  for (const c of DIVERGENCE_CLASSES) byClass[c] = 0;
  const bySeverity = {} as Record<Severity, number>;
  for (const s of SEVERITIES) bySeverity[s] = 0;
  return { byClass, bySeverity };
}

function round6(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}

export interface SummaryInput {
  readonly scenario: RunSummary['scenario'];
  readonly mode: RunSummary['mode'];
  readonly engine: EngineCounters;
  readonly shadow: ShadowCounters | null;
  readonly tally: CandidateTally;
  readonly latency: RunSummary['latencyUs'];
  readonly configs: RunSummary['configs'];
  readonly expectations: RunSummary['expectations'];
  readonly wallMs: number;
  /** Every candidate side by side (the first is `shadow` above). */
  readonly candidates?: readonly CandidateSummary[];
}

export function buildSummary(input: SummaryInput): RunSummary {
  const shadow = input.shadow;
  const compared = shadow?.compared ?? 0;
  const matched = shadow?.matched ?? 0;
  const ci = compared > 0 ? wilson95(matched, compared) : null;
  const dropped = {} as Record<DropReason, number>;
  for (const r of DROP_REASONS) dropped[r] = shadow?.dropped[r] ?? 0;
  return {
    schema: SUMMARY_SCHEMA,
    scenario: input.scenario,
    mode: input.mode,
    events: input.engine.events,
    quotes: input.engine.quotes,
    orders: input.engine.orders,
    compared,
    matched,
    matchRate: compared > 0 ? round6(matched / compared) : null,
    matchRateCi95: ci === null ? null : [round6(ci.low), round6(ci.high)],
    divergences: {
      total: shadow?.divergences ?? 0,
      divergentOrders: shadow?.divergent ?? 0,
      byClass: input.tally.byClass,
      bySeverity: input.tally.bySeverity,
    },
    production: {
      executed: input.engine.productionRouted - input.engine.productionNotSent,
      routed: input.engine.productionRouted,
      notSent: input.engine.productionNotSent,
      rejected: input.engine.productionRejected,
      rejectReasons: input.engine.productionRejectReasons,
    },
    candidate: {
      executed: input.engine.candidateRouted - input.engine.candidateNotSent,
      routed: shadow?.candidateRouted ?? 0,
      rejected: shadow?.candidateRejected ?? 0,
      rejectReasons: shadow?.candidateRejectReasons ?? {},
    },
    latencyUs: input.latency,
    coverage: {
      offered: shadow?.offered ?? 0,
      compared,
      ratio: shadow === null ? 0 : round6(coverageOf(shadow)),
      dropped,
    },
    configs: input.configs,
    expectations: input.expectations,
    throughput: {
      wallMs: Math.round(input.wallMs),
      eventsPerSec: input.wallMs > 0 ? Math.round((input.engine.events / input.wallMs) * 1000) : 0,
    },
    candidates: input.candidates ?? [],
  };
}
