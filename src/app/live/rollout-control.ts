// The live rollout: the controller on the wall clock (gates evaluated on a timer), its durable
// audit log beside the order journal (a restart continues the same rollout), and the admin API
// routes that show it and command it. Every call is audited; a repeated request id is answered
// from memory, never executed twice.

import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { OperatorCommand, RolloutState } from '../../core/rollout/controller.js';
import type { Plan } from '../../core/rollout/plan.js';
import type { BundleRouter } from '../../core/routing/bundle-router.js';
import type { AsyncRouter, Router } from '../../core/routing/router.js';
import { formatTimestampUs } from '../../core/model/timestamps.js';
import type { AdminCall, AdminCallRecord, AdminReply, AdminRoute } from '../../gateways/http/admin-server.js';
import type { MetricsSnapshot } from '../../exporters/prometheus.js';
import { buildRollout, type RolloutRig, type RolloutSummary } from '../rollout-rig.js';
import { BoundedMap } from '../../core/util/bounded-map.js';

export const ROLLOUT_AUDIT_FILE = 'rollout-audit.jsonl';

/** Served reads are audited once a minute per endpoint, with how many there were. */
const READ_AUDIT_EVERY_US = 60_000_000;
/** Refusals audited one by one up to this many per window; past it, counted in one record. */
const REFUSALS_PER_WINDOW = 20;
const REFUSAL_WINDOW_US = 10_000_000;
/** Request ids remembered for replays (a retried POST gets the first answer). */
const REMEMBERED_REQUESTS = 1_024;

// "engine" and "signal:..." are the engine's own names in the audit log: nobody may act as them.
const actor = z
  .string()
  .regex(/^[\p{L}\p{N} ._@-]{1,64}$/u, '1-64 letters, digits, spaces or . _ @ -')
  .refine((name) => name.trim().toLowerCase() !== 'engine', 'is the engine\'s own name in the audit log');
const reason = z.string().regex(/^[^\x00-\x1f\x7f]{0,500}$/, 'at most 500 characters, no control characters').optional();
const requestId = z.string().regex(/^[A-Za-z0-9_-]{8,64}$/, '8-64 letters, digits, _ or -').optional();
const hash = z.string().regex(/^sha256:[0-9a-f]{16,64}$/, 'a sha256:... hash as status shows it');

const commandBody = z.strictObject({ actor, reason, requestId });
const advanceBody = commandBody.extend({
  /** The step the operator saw (status `step`, 0 in shadow): a stale view is refused, not applied. */
  fromStep: z.number().int().min(0),
});
const signoffBody = z.strictObject({
  role: z.string().regex(/^[a-z][a-z0-9_-]{0,31}$/, 'a role of the plan'),
  name: actor,
  answers: z.record(z.string().max(200), z.boolean()),
  hashes: z.strictObject({ production: hash, candidate: hash, plan: hash }),
  requestId,
});

const COMMANDS: readonly OperatorCommand[] = ['advance', 'pause', 'resume', 'freeze', 'rollback'];

export interface RolloutControlOptions {
  readonly plan: Plan;
  readonly production: BundleRouter;
  readonly candidate: Router | AsyncRouter;
  readonly storeDir: string;
  readonly runId: string;
  /** The engine's clock: stamps a moment (µs, never going back). */
  readonly stamp: () => number;
  readonly logger: Logger;
}

export class RolloutControl {
  readonly rig: RolloutRig;
  readonly auditFile: string;
  private timer: NodeJS.Timeout | null = null;
  private readonly replies = new BoundedMap<{ command: string; reply: AdminReply }>(REMEMBERED_REQUESTS);
  private readonly reads = new Map<string, { lastUs: number; count: number }>();
  private refusalWindowUs = 0;
  private refusalsInWindow = 0;
  private refusalsSuppressed = 0;

  constructor(private readonly o: RolloutControlOptions) {
    this.auditFile = join(o.storeDir, ROLLOUT_AUDIT_FILE);
    this.rig = buildRollout({
      plan: o.plan,
      production: o.production,
      candidate: o.candidate,
      auditFile: this.auditFile,
      durableAudit: true,
      startUs: o.stamp(),
      hashes: { production: o.production.configHash, candidate: o.candidate.configHash, plan: o.plan.hash },
      deterministicLatency: false,
      resume: true,
    });
  }

  get controller() {
    return this.rig.controller;
  }

  /** Gates and hold timers on the wall clock, as often as the plan evaluates. */
  start(): void {
    const every = Math.max(100, Math.min(this.o.plan.evaluateEveryMs, 5_000));
    this.timer = setInterval(() => this.tick(), every);
    this.timer.unref();
  }

  tick(): void {
    const before = this.controller.history.length;
    this.controller.tick(this.o.stamp());
    for (const h of this.controller.history.slice(before)) this.o.logger.warn({ event: 'rollout_state_changed', ...h, at: formatTimestampUs(h.atUs) }, 'rollout_state_changed');
  }

  /** Stops the timer, audits what is still counted, copies the audit log into the run folder. */
  stop(runFolder: string): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
    const nowUs = this.o.stamp();
    this.flushCounts(nowUs);
    this.note(nowUs, 'engine_stopped', 'engine', { runId: this.o.runId, state: this.controller.state });
    this.rig.close();
    try {
      copyFileSync(this.auditFile, join(runFolder, 'audit.jsonl'));
    } catch (error) {
      this.o.logger.error({ event: 'audit_copy_failed', detail: (error as Error).message }, 'audit_copy_failed');
    }
  }

  /**
   * Break-glass: a rollback that needs no HTTP (the operator signals the process). Audited as
   * the signal's, effective on the next order like any rollback.
   */
  rollbackBySignal(signal: string): string {
    const nowUs = this.o.stamp();
    const result = this.controller.command('rollback', `signal:${signal}`, nowUs);
    this.o.logger.warn({ event: 'rollout_command', command: 'rollback', actor: `signal:${signal}`, ok: result.ok, state: result.state, detail: result.detail }, 'rollout_command');
    return result.ok ? `rolled back: ${result.detail}` : `not rolled back: ${result.detail}`;
  }

  summary(): RolloutSummary {
    return this.rig.summary();
  }

  /** The admin API's rollout endpoints. */
  routes(): AdminRoute[] {
    return [
      { method: 'GET', path: '/api/rollout', handle: () => ({ status: 200, body: this.status() }) },
      ...COMMANDS.map((cmd): AdminRoute => ({ method: 'POST', path: `/api/rollout/${cmd}`, handle: (body, call) => this.remembered(cmd, body, () => this.command(cmd, body, call)) })),
      { method: 'POST', path: '/api/rollout/signoff', handle: (body, call) => this.remembered('signoff', body, () => this.signoff(body, call)) },
    ];
  }

  /** Every admin call, for the audit log: commands one by one, reads once a minute, refusals bounded. */
  onCall(record: AdminCallRecord): void {
    const nowUs = this.o.stamp();
    if (record.refusal === null && record.method === 'GET') {
      const r = this.reads.get(record.path) ?? { lastUs: Number.NEGATIVE_INFINITY, count: 0 };
      r.count++;
      if (nowUs - r.lastUs >= READ_AUDIT_EVERY_US) {
        this.note(nowUs, 'admin_reads', record.remote, { path: record.path, reads: r.count });
        r.lastUs = nowUs;
        r.count = 0;
      }
      this.reads.set(record.path, r);
      return;
    }
    if (record.refusal === null) {
      this.note(nowUs, 'admin_call', record.remote, { method: record.method, path: record.path, status: record.status });
      return;
    }
    // A flood of bad calls is counted, not written one by one: the audit log stays readable
    // and the disk stays free, and the count is in the log all the same.
    if (nowUs - this.refusalWindowUs >= REFUSAL_WINDOW_US) {
      if (this.refusalsSuppressed > 0) this.note(nowUs, 'admin_refusals_suppressed', 'engine', { count: this.refusalsSuppressed, windowMs: REFUSAL_WINDOW_US / 1000 });
      this.refusalWindowUs = nowUs;
      this.refusalsInWindow = 0;
      this.refusalsSuppressed = 0;
    }
    if (++this.refusalsInWindow > REFUSALS_PER_WINDOW) {
      this.refusalsSuppressed++;
      return;
    }
    this.note(nowUs, 'admin_refused', record.remote, { method: record.method, path: record.path.slice(0, 120), status: record.status, reason: record.refusal });
    this.o.logger.warn({ event: 'admin_refused', remote: record.remote, method: record.method, path: record.path.slice(0, 120), status: record.status, reason: record.refusal }, 'admin_refused');
  }

  /** What /metrics shows of the rollout. */
  metricsView(): NonNullable<MetricsSnapshot['rollout']> {
    const c = this.controller;
    return {
      state: c.state,
      step: c.step + 1,
      exposurePercent: c.exposureBp / 100,
      executed: { ...c.executed },
      auditRecords: this.rig.audit.records,
      gates: this.o.plan.gates.map((g) => {
        const r = c.lastReadings.get(g.id);
        return { id: g.id, metric: g.metric, action: g.action, dryRun: g.dryRun, threshold: g.threshold, verdict: r?.verdict ?? 'not_evaluated', value: r?.value ?? null, samples: r?.samples ?? 0 };
      }),
    };
  }

  status(): Record<string, unknown> {
    const c = this.controller;
    const plan = this.o.plan;
    const next = c.step + 1;
    return {
      schema: 'shadow-bridge/rollout-status@1',
      runId: this.o.runId,
      at: formatTimestampUs(this.o.stamp()),
      state: c.state,
      step: c.step + 1,
      steps: plan.steps.map((s) => s.percentBp / 100),
      exposurePercent: c.exposureBp / 100,
      plan: { name: plan.name, hash: plan.hash, file: plan.source, advance: plan.advance },
      hashes: { production: this.o.production.configHash, candidate: this.o.candidate.configHash, plan: plan.hash },
      next: next < plan.steps.length ? { step: next + 1, percent: (plan.steps[next]?.percentBp ?? 0) / 100, signoffsMissing: c.missingSignoffs(next) } : null,
      gates: plan.gates.map((g) => {
        const r = c.lastReadings.get(g.id);
        return { id: g.id, metric: g.metric, action: g.action, dryRun: g.dryRun, op: g.op, threshold: g.threshold, verdict: r?.verdict ?? 'not_evaluated', value: r?.value ?? null, samples: r?.samples ?? 0 };
      }),
      signoffs: c.signoffList.map((s) => ({ role: s.role, name: s.name, at: formatTimestampUs(s.atUs) })),
      roles: Object.fromEntries(plan.roles),
      executed: { ...c.executed },
      history: c.history.slice(-50).map((h) => ({ ...h, at: formatTimestampUs(h.atUs), percent: h.percentBp / 100 })),
      audit: { file: this.auditFile, head: this.rig.audit.head, records: this.rig.audit.records, failure: c.auditFailure },
    };
  }

  private command(cmd: OperatorCommand, body: unknown, call: AdminCall): AdminReply {
    const parsed = (cmd === 'advance' ? advanceBody : commandBody).safeParse(body);
    if (!parsed.success) return badBody(parsed.error);
    const b = parsed.data as z.infer<typeof advanceBody>;
    const nowUs = this.o.stamp();
    this.note(nowUs, 'operator_command', b.actor, { command: cmd, remote: call.remote, reason: b.reason ?? null, requestId: b.requestId ?? null, ...(cmd === 'advance' ? { fromStep: b.fromStep } : {}) });
    const c = this.controller;
    if (cmd === 'advance' && b.fromStep !== c.step + 1) {
      const why = `the rollout is at step ${c.step + 1}, not ${b.fromStep}: someone moved it; read the status again`;
      this.note(nowUs, 'command_refused', b.actor, { command: cmd, reason: why });
      return refused(c.state, why);
    }
    const result = c.command(cmd, b.actor, nowUs);
    this.o.logger.warn({ event: 'rollout_command', command: cmd, actor: b.actor, remote: call.remote, ok: result.ok, state: result.state, detail: result.detail }, 'rollout_command');
    return result.ok ? { status: 200, body: { ok: true, state: result.state, step: c.step + 1, exposurePercent: c.exposureBp / 100, detail: result.detail, at: formatTimestampUs(nowUs) } } : refused(result.state, result.detail);
  }

  private signoff(body: unknown, call: AdminCall): AdminReply {
    const parsed = signoffBody.safeParse(body);
    if (!parsed.success) return badBody(parsed.error);
    const b = parsed.data;
    const nowUs = this.o.stamp();
    const result = this.controller.signoff({ role: b.role, name: b.name, atUs: nowUs, answers: b.answers, hashes: b.hashes });
    this.o.logger.warn({ event: 'rollout_signoff', role: b.role, name: b.name, remote: call.remote, ok: result.ok, detail: result.detail }, 'rollout_signoff');
    return result.ok ? { status: 200, body: { ok: true, state: result.state, detail: result.detail, at: formatTimestampUs(nowUs) } } : refused(result.state, result.detail);
  }

  /** A request id seen before gets the answer it got then (a retry), never a second execution. */
  private remembered(command: string, body: unknown, run: () => AdminReply): AdminReply {
    const id = typeof body === 'object' && body !== null ? (body as { requestId?: unknown }).requestId : undefined;
    if (typeof id !== 'string') return run();
    const seen = this.replies.get(id);
    if (seen !== undefined) {
      if (seen.command !== command) return { status: 409, body: { ok: false, code: 'SB_ERR_ADMIN_REQUEST', detail: `request id ${id} was already used for ${seen.command}` } };
      this.note(this.o.stamp(), 'command_replayed', 'engine', { command, requestId: id });
      return { status: seen.reply.status, body: { ...(seen.reply.body as object), replayed: true } };
    }
    const reply = run();
    if (reply.status !== 400) {
      this.replies.set(id, { command, reply });
    }
    return reply;
  }

  private flushCounts(nowUs: number): void {
    for (const [path, r] of this.reads) if (r.count > 0) this.note(nowUs, 'admin_reads', 'engine', { path, reads: r.count });
    this.reads.clear();
    if (this.refusalsSuppressed > 0) this.note(nowUs, 'admin_refusals_suppressed', 'engine', { count: this.refusalsSuppressed, windowMs: REFUSAL_WINDOW_US / 1000 });
    this.refusalsSuppressed = 0;
  }

  /** An audit record outside the state machine; a write failure is the controller's to act on. */
  private note(atUs: number, kind: string, who: string, fields: Record<string, unknown>): void {
    if (this.controller.auditFailure !== null) return;
    try {
      this.rig.audit.note(atUs, kind, who, fields);
    } catch (error) {
      this.o.logger.error({ event: 'rollout_audit_failed', detail: (error as Error).message }, 'rollout_audit_failed');
      // The next controller record fails the same way and rolls the rollout back.
      this.controller.command('rollback', 'engine', atUs);
    }
  }
}

function badBody(error: z.ZodError): AdminReply {
  return { status: 400, body: { ok: false, code: 'SB_ERR_ADMIN_REQUEST', detail: error.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`).join('; ').slice(0, 500) } };
}

function refused(state: RolloutState, detail: string): AdminReply {
  return { status: 409, body: { ok: false, code: 'SB_ERR_ROLLOUT_REFUSED', state, detail } };
}
