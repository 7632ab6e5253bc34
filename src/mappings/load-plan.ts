// Loads a rollout plan (rollouts/*.yaml): steps, segment, entry criteria, gates and sign-off
// roles, validated whole with every problem as "file:line field: what was wrong", like a
// mapping bundle. Percentages are exact (basis points), durations written "30s", "5m", "2h".

import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { BridgeError } from '../core/errors.js';
import { parseE8 } from '../core/model/scaled.js';
import type { SegmentSpec } from '../core/rollout/cohort.js';
import { METRICS, type Gate, type Plan, type Step } from '../core/rollout/plan.js';
import { parseClock } from '../core/routing/sessions.js';
import { TimeZone } from '../core/routing/time-zone.js';
import { readYamlSource, type YamlSource } from './yaml-source.js';

const DAYS: Readonly<Record<string, number>> = { sun: 0, mon: 1, tue: 2, wed: 3, thu: 4, fri: 5, sat: 6 };
const UNITS: Readonly<Record<string, number>> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

const duration = z.string().transform((text, ctx) => {
  const m = /^(\d+)(ms|s|m|h|d)$/.exec(text.trim());
  if (m === null) {
    ctx.addIssue({ code: 'custom', message: `"${text}" is not a duration like 500ms, 30s, 5m, 2h or 1d` });
    return z.NEVER;
  }
  return Number(m[1]) * (UNITS[m[2] as string] as number);
});

/**
 * A duration with bounds. Gate windows are kept as one bucket per second, so their bound is
 * what keeps a plan file from asking for gigabytes (6 h = 21,600 buckets).
 */
const between = (minMs: number, maxMs: number, what: string) =>
  duration.refine((ms) => ms >= minMs && ms <= maxMs, `${what} must be from ${show(minMs)} to ${show(maxMs)}`);

function show(ms: number): string {
  if (ms % 86_400_000 === 0 && ms > 0) return `${ms / 86_400_000}d`;
  if (ms % 3_600_000 === 0 && ms > 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0 && ms > 0) return `${ms / 60_000}m`;
  if (ms % 1_000 === 0) return `${ms / 1_000}s`;
  return `${ms}ms`;
}

const window = between(1_000, 6 * 3_600_000, 'a window');
const hold = between(0, 90 * 86_400_000, 'a hold');

/** A percentage of accounts as text ("0.5", "20") to basis points, exactly. */
const percentBp = z.string().transform((text, ctx) => {
  let e8: number;
  try {
    e8 = parseE8(text.trim());
  } catch {
    ctx.addIssue({ code: 'custom', message: `"${text}" is not a percentage` });
    return z.NEVER;
  }
  // 1 bp = 0.01% = 1,000,000 in E8 percent units.
  if (e8 <= 0 || e8 > 100 * 100_000_000 || e8 % 1_000_000 !== 0) {
    ctx.addIssue({ code: 'custom', message: `"${text}" must be a percentage above 0 and at most 100, in steps of 0.01` });
    return z.NEVER;
  }
  return e8 / 1_000_000;
});

const ratio = z.string().transform((text, ctx) => {
  const v = Number(text.trim());
  if (text.trim() === '' || !Number.isFinite(v)) {
    ctx.addIssue({ code: 'custom', message: `"${text}" is not a number` });
    return z.NEVER;
  }
  return v;
});

const count = (min: number, max: number) =>
  z
    .string()
    .regex(/^\d+$/, 'must be a whole number')
    .transform(Number)
    .refine((v) => v >= min && v <= max, `must be between ${min} and ${max}`);

const bool = z.enum(['true', 'false'], { message: 'must be true or false' }).transform((v) => v === 'true');
const list = <T extends z.ZodType>(item: T) => z.array(item).default([]);

const planFile = z.strictObject({
  name: z.string().min(1),
  salt: z.string().min(1).max(200),
  advance: z.enum(['auto', 'manual']).default('auto'),
  inconclusive: z.enum(['wait', 'pause']).default('wait'),
  evaluateEvery: between(100, 3_600_000, 'evaluateEvery').default(5_000),
  segment: z
    .strictObject({
      groups: list(z.string().min(1)),
      accounts: z.strictObject({ include: list(z.string().min(1)), exclude: list(z.string().min(1)) }).default({ include: [], exclude: [] }),
      symbols: list(z.string().min(1)),
      windows: list(z.strictObject({ zone: z.string().min(1), days: z.array(z.enum(Object.keys(DAYS) as [string, ...string[]])).min(1), from: z.string(), to: z.string() })),
      blackouts: list(z.strictObject({ name: z.string().min(1), from: z.string(), to: z.string() })),
    })
    .default({ groups: [], accounts: { include: [], exclude: [] }, symbols: [], windows: [], blackouts: [] }),
  entry: z.strictObject({ maxDiscrepancy: ratio, window, hold, minOrders: count(0, 100_000_000) }),
  steps: z.array(z.strictObject({ percent: percentBp, hold, minOrders: count(0, 100_000_000), signoffs: list(z.string().min(1)) })).min(1),
  gates: list(
    z.strictObject({
      id: z.string().min(1),
      metric: z.enum(METRICS),
      window,
      minSamples: count(0, 100_000_000),
      compare: z.enum(['absolute', 'relative', 'bound']),
      op: z.enum(['>', '>=', '<', '<=']),
      threshold: ratio,
      consecutive: count(1, 10_000).default(1),
      action: z.enum(['pause', 'stop_expansion', 'freeze', 'rollback', 'reduce_scope']),
      dryRun: bool.default(false),
    }),
  ),
  roles: z.record(z.string().min(1), z.array(z.string().min(1)).min(1)).default({}),
});

/** Loads and checks a plan file; throws SB_ERR_ROLLOUT_PLAN with every problem found. */
export function loadPlan(file: string): Plan {
  let source: YamlSource;
  try {
    source = readYamlSource(file);
  } catch (error) {
    if (error instanceof BridgeError) throw new BridgeError(error.code === 'SB_ERR_MAPPING_IO' ? 'SB_ERR_ROLLOUT_IO' : 'SB_ERR_ROLLOUT_PLAN', error.detail, { cause: error });
    throw error;
  }
  const problems: string[] = [];
  const at = (path: readonly PropertyKey[], message: string): void => {
    problems.push(`${file}:${source.lineOf(path)} ${path.map(String).join('.') || '(file)'}: ${message}`);
  };
  const parsed = planFile.safeParse(source.data);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) at(issue.path, issue.message);
    throw new BridgeError('SB_ERR_ROLLOUT_PLAN', problems.join('; '));
  }
  const p = parsed.data;
  // Cross-checks the schema cannot make.
  const windows = p.segment.windows.map((w, i) => {
    const from = parseClock(w.from);
    const to = parseClock(w.to);
    if (from === null) at(['segment', 'windows', i, 'from'], `"${w.from}" is not HH:MM`);
    if (to === null) at(['segment', 'windows', i, 'to'], `"${w.to}" is not HH:MM`);
    try {
      new TimeZone(w.zone);
    } catch {
      at(['segment', 'windows', i, 'zone'], `"${w.zone}" is not an IANA time zone`);
    }
    return { zone: w.zone, days: w.days.map((d) => DAYS[d] as number), fromMinute: from ?? 0, toMinute: to ?? 0 };
  });
  const blackouts = p.segment.blackouts.map((b, i) => {
    const from = Date.parse(b.from);
    const to = Date.parse(b.to);
    if (!Number.isFinite(from)) at(['segment', 'blackouts', i, 'from'], `"${b.from}" is not an ISO-8601 time`);
    if (!Number.isFinite(to)) at(['segment', 'blackouts', i, 'to'], `"${b.to}" is not an ISO-8601 time`);
    if (Number.isFinite(from) && Number.isFinite(to) && to <= from) at(['segment', 'blackouts', i, 'to'], 'must be after from');
    return { name: b.name, fromUs: from * 1000, toUs: to * 1000 };
  });
  p.steps.forEach((s, i) => {
    const before = p.steps[i - 1];
    if (before !== undefined && s.percent <= before.percent) at(['steps', i, 'percent'], `must be above the step before (${before.percent / 100}%): a cohort only grows`);
    for (const [k, role] of s.signoffs.entries()) if (!(role in p.roles)) at(['steps', i, 'signoffs', k], `role "${role}" is not under roles`);
  });
  const ids = new Set<string>();
  p.gates.forEach((g, i) => {
    if (ids.has(g.id)) at(['gates', i, 'id'], `duplicate gate id "${g.id}"`);
    ids.add(g.id);
    if (g.compare === 'bound' && !['match_rate', 'divergence_rate', 'price_deviation_rate', 'error_rate', 'coverage', 'reconciliation_drift'].includes(g.metric)) at(['gates', i, 'compare'], `a confidence bound needs a rate metric, not ${g.metric}`);
  });
  if (p.entry.maxDiscrepancy < 0 || p.entry.maxDiscrepancy > 1) at(['entry', 'maxDiscrepancy'], 'must be between 0 and 1');
  if (problems.length > 0) throw new BridgeError('SB_ERR_ROLLOUT_PLAN', problems.join('; '));
  const segment: SegmentSpec = { groups: p.segment.groups, includeAccounts: p.segment.accounts.include, excludeAccounts: p.segment.accounts.exclude, symbols: p.segment.symbols, windows, blackouts };
  const steps: Step[] = p.steps.map((s) => ({ percentBp: s.percent, minHoldMs: s.hold, minOrders: s.minOrders, signoffs: s.signoffs }));
  const gates: Gate[] = p.gates.map((g) => ({ id: g.id, metric: g.metric, windowMs: g.window, minSamples: g.minSamples, kind: g.compare, op: g.op, threshold: g.threshold, consecutive: g.consecutive, action: g.action, dryRun: g.dryRun }));
  const hash = `sha256:${createHash('sha256').update(readFileSync(file)).digest('hex').slice(0, 16)}`;
  return {
    name: p.name,
    salt: p.salt,
    segment,
    steps,
    gates,
    entry: { maxDiscrepancy: p.entry.maxDiscrepancy, windowMs: p.entry.window, holdMs: p.entry.hold, minOrders: p.entry.minOrders },
    advance: p.advance,
    inconclusive: p.inconclusive,
    evaluateEveryMs: p.evaluateEvery,
    roles: new Map(Object.entries(p.roles)),
    hash,
    source: file,
  };
}
