// A remote candidate's figures as its shadow worker reports them up the tap's connection, about
// once a second: built by the worker, checked field by field by the engine, never trusted blind.

import { timingSafeEqual, createHash } from 'node:crypto';
import { z } from 'zod';
import { REJECT_REASONS } from '../core/model/types.js';
import { DIVERGENCE_CLASSES, DROP_REASONS, SEVERITIES } from '../core/shadow/divergence.js';
import type { ShadowCounters } from '../core/shadow/shadow-runner.js';
import { CANDIDATE_ID } from '../exporters/run-folder.js';
import type { CandidateTally } from '../exporters/summary.js';
import type { LatencySummaryUs } from '../telemetry/latency.js';

export const REPORT_TYPE = 'sb_candidate_report';

const count = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
const micros = z.number().min(0).max(1e12);
const countsOf = <K extends string>(keys: readonly K[]) => z.strictObject(Object.fromEntries(keys.map((k) => [k, count])) as Record<K, typeof count>);

const reportSchema = z
  .strictObject({
    t: z.literal(REPORT_TYPE),
    v: z.literal(1),
    id: z.string().regex(CANDIDATE_ID),
    /** Random per worker start: a restarted worker's reports replace the old one's. */
    instance: z.string().regex(/^[0-9a-f]{16}$/),
    /** Report number within the instance: a lower or equal one is a repeat, ignored. */
    n: count.min(1),
    token: z.string().max(512).optional(),
    name: z.string().max(512),
    hash: z.string().max(128),
    /** The production bundle hash the worker replays with (must be the engine's). */
    production: z.string().max(128),
    atUs: count,
    counters: z.strictObject({
      offered: count,
      compared: count,
      matched: count,
      divergent: count,
      divergences: count,
      dropped: countsOf(DROP_REASONS),
      candidateRouted: count,
      candidateRejected: count,
      candidateRejectReasons: z.partialRecord(z.enum(Object.keys(REJECT_REASONS) as [keyof typeof REJECT_REASONS, ...(keyof typeof REJECT_REASONS)[]]), count),
    }),
    tally: z.strictObject({ byClass: countsOf(DIVERGENCE_CLASSES), bySeverity: countsOf(SEVERITIES) }),
    latencyUs: z.strictObject({ count, p50: micros, p99: micros, p999: micros, max: micros }),
    tap: z.strictObject({ gaps: count, lostMessages: count, joinedFrom: z.enum(['start', 'state']).nullable(), lagUsP99: z.number().min(-1e12).max(1e12) }),
    runFolder: z.string().max(4096),
  })
  .refine((r) => r.counters.matched <= r.counters.compared && r.counters.divergent <= r.counters.compared && r.counters.compared <= r.counters.offered, 'matched <= compared <= offered')
  .refine((r) => SEVERITIES.reduce((sum, s) => sum + r.tally.bySeverity[s], 0) === r.counters.divergences, 'divergences by severity add up to the total');

export type CandidateReport = z.infer<typeof reportSchema>;

/** The report, or why not (one line, for the bounded peer log). */
export function parseCandidateReport(value: unknown): CandidateReport | string {
  const result = reportSchema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  return `${issue?.path.join('.') || '(report)'}: ${issue?.message ?? 'invalid'}`;
}

export interface ReportInput {
  readonly id: string;
  readonly instance: string;
  readonly n: number;
  readonly token: string | null;
  readonly name: string;
  readonly hash: string;
  readonly production: string;
  readonly atUs: number;
  readonly counters: ShadowCounters;
  readonly tally: CandidateTally;
  readonly latencyUs: LatencySummaryUs;
  readonly tap: CandidateReport['tap'];
  readonly runFolder: string;
}

export function buildCandidateReport(r: ReportInput): CandidateReport {
  const c = r.counters;
  return {
    t: REPORT_TYPE,
    v: 1,
    id: r.id,
    instance: r.instance,
    n: r.n,
    ...(r.token === null ? {} : { token: r.token }),
    name: r.name.slice(0, 512),
    hash: r.hash,
    production: r.production,
    atUs: r.atUs,
    // The runner's counters as they are (copied: the runner goes on counting).
    counters: { ...c, dropped: { ...c.dropped }, candidateRejectReasons: { ...c.candidateRejectReasons } },
    tally: { byClass: { ...r.tally.byClass }, bySeverity: { ...r.tally.bySeverity } },
    latencyUs: { count: r.latencyUs.count, p50: r.latencyUs.p50, p99: r.latencyUs.p99, p999: r.latencyUs.p999, max: r.latencyUs.max },
    tap: r.tap,
    runFolder: r.runFolder.slice(0, 4096),
  };
}

/** The shadow runner's counters as the report carries them (a checked copy). */
export function countersOf(report: CandidateReport): ShadowCounters {
  const c = report.counters;
  return { ...c, dropped: { ...c.dropped }, candidateRejectReasons: { ...c.candidateRejectReasons } };
}

/** Constant-time token check (hashes first, so lengths do not leak either). */
export function tokenMatches(given: string | undefined, expected: string): boolean {
  if (given === undefined) return false;
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}
