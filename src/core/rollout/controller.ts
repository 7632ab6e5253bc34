// The rollout state machine: shadow -> canary (step n) -> promoted, with paused, frozen and
// rolled_back reachable from every live state. It says who executes each new order (the
// candidate for cohort accounts during a canary step, production otherwise), evaluates the
// plan's gates on the clock it is given (replay clock in stage, wall clock live), advances
// steps on hold time, orders and sign-offs, and takes gate actions by itself. Every change is
// an audit record. Pure: time comes in, records go out through the audit port.

import { bucketOf, Segment, type CohortSubject } from './cohort.js';
import { evaluateGate, type GateReading } from './gates.js';
import type { Executor, RolloutMetrics } from './metrics.js';
import type { Gate, GateAction, Plan } from './plan.js';

export type RolloutState = 'shadow' | 'canary' | 'paused' | 'frozen' | 'promoted' | 'rolled_back';
export type OperatorCommand = 'advance' | 'pause' | 'resume' | 'freeze' | 'rollback';

/** The hashes a sign-off approves; a change to any of them voids it. */
export interface ApprovedHashes {
  readonly production: string;
  readonly candidate: string;
  readonly plan: string;
}

export interface Signoff {
  readonly role: string;
  readonly name: string;
  readonly atUs: number;
  /** One answer per checklist item of the role: true = done. */
  readonly answers: Readonly<Record<string, boolean>>;
  readonly hashes: ApprovedHashes;
}

/** One record of the audit trail (the audit log chains them with sha256). */
export interface AuditEntry {
  readonly atUs: number;
  readonly kind: string;
  readonly actor: string;
  readonly state: RolloutState;
  readonly step: number;
  readonly percentBp: number;
  readonly detail: Readonly<Record<string, string | number | boolean | null>>;
}

export interface AuditPort {
  append(entry: AuditEntry): void;
}

/** One line of the rollout's history (stage's `steps`). */
export interface StepEvent {
  readonly atUs: number;
  readonly percentBp: number;
  readonly state: RolloutState;
  readonly action: string;
  readonly gate: string | null;
  readonly value: number | null;
  readonly threshold: number | null;
  readonly samples: number | null;
}

/**
 * Where a previous run left this rollout (read back from its audit log): the state, the step,
 * and the sign-offs given. The audit log is the record of truth; nothing else is persisted.
 */
export interface ResumePoint {
  readonly state: RolloutState;
  readonly stepIndex: number;
  readonly signoffs: readonly Signoff[];
  /** Records of the rollout so far, for the audit record that says it was resumed. */
  readonly records: number;
}

export interface CommandResult {
  readonly ok: boolean;
  readonly state: RolloutState;
  readonly detail: string;
}

const SEVERITY: Readonly<Record<GateAction, number>> = { rollback: 5, freeze: 4, reduce_scope: 3, stop_expansion: 2, pause: 1 };

export class RolloutController {
  private current: RolloutState = 'shadow';
  private auditBroken: string | null = null;
  private stepIndex = -1;
  private stepStartedUs = 0;
  private stepCandidateOrders = 0;
  private lastEvaluatedUs = Number.NEGATIVE_INFINITY;
  private eligibleSinceUs: number | null = null;
  private readonly breaches = new Map<string, number>();
  private readonly signoffs = new Map<string, Signoff>();
  private readonly segment: Segment;
  readonly history: StepEvent[] = [];
  /** Orders each router executed since the rollout began. */
  readonly executed = { production: 0, candidate: 0 };
  /** The last reading of every gate, for status and the dashboard. */
  readonly lastReadings = new Map<string, GateReading>();

  constructor(
    readonly plan: Plan,
    private readonly metrics: RolloutMetrics,
    private readonly audit: AuditPort,
    private readonly hashes: ApprovedHashes,
    startUs: number,
    resumeFrom: ResumePoint | null = null,
  ) {
    this.segment = new Segment(plan.segment);
    this.stepStartedUs = startUs;
    const identity = { plan: plan.name, planHash: plan.hash, production: hashes.production, candidate: hashes.candidate };
    if (resumeFrom === null) {
      this.record(startUs, 'rollout_started', 'engine', identity);
      return;
    }
    // A restart continues the rollout: the same cohort keeps the same router (no account flips),
    // sign-offs stand, and the step's hold time and samples start again on empty windows. A
    // canary step holds as paused: after a crash, a person decides that it goes on.
    this.current = resumeFrom.state;
    this.stepIndex = resumeFrom.stepIndex;
    for (const s of resumeFrom.signoffs) if (this.staleHashes(s.hashes).length === 0) this.signoffs.set(s.role, s);
    this.record(startUs, 'rollout_resumed', 'engine', { ...identity, records: resumeFrom.records, signoffs: this.signoffs.size });
    if (this.current === 'canary') this.transition(startUs, 'paused', 'restart', 'engine', null);
  }

  /** The sign-offs that stand (valid for the hashes running). */
  get signoffList(): readonly Signoff[] {
    return [...this.signoffs.values()];
  }

  get state(): RolloutState {
    return this.current;
  }

  get step(): number {
    return this.stepIndex;
  }

  /** Basis points of eligible accounts the candidate executes for now (0 outside a canary). */
  get exposureBp(): number {
    if (this.current === 'promoted') return 10_000;
    if (this.current !== 'canary' && this.current !== 'paused') return 0;
    return this.plan.steps[this.stepIndex]?.percentBp ?? 0;
  }

  /**
   * Who executes a new order. An order keeps the router chosen here for its whole life; a
   * rollback only changes what later calls answer.
   */
  executorFor(subject: CohortSubject, nowUs: number): Executor {
    const exposure = this.exposureBp;
    if (exposure === 0) return 'production';
    if (!this.segment.admits(subject, nowUs)) return 'production';
    return exposure >= 10_000 || bucketOf(this.plan.salt, subject.account) < exposure ? 'candidate' : 'production';
  }

  /** Counts an order as executed by `executor` (called once per order, after it was sent). */
  executedBy(executor: Executor): void {
    this.executed[executor]++;
    if (executor === 'candidate') this.stepCandidateOrders++;
  }

  /** Evaluates gates and step progress if an evaluation is due at `nowUs`. */
  tick(nowUs: number): void {
    if (nowUs - this.lastEvaluatedUs < this.plan.evaluateEveryMs * 1000) return;
    this.lastEvaluatedUs = nowUs;
    switch (this.current) {
      case 'shadow':
        this.checkEntry(nowUs);
        return;
      case 'canary':
      case 'paused': {
        const fired = this.evaluateGates(nowUs);
        if (fired) return;
        if (this.current === 'canary' && this.plan.advance === 'auto') this.maybeAdvance(nowUs);
        return;
      }
      default:
        return;
    }
  }

  /** An operator's command; refused (and audited as refused) when the state does not allow it. */
  command(cmd: OperatorCommand, actor: string, nowUs: number): CommandResult {
    const refuse = (why: string): CommandResult => {
      this.record(nowUs, 'command_refused', actor, { command: cmd, reason: why });
      return { ok: false, state: this.current, detail: why };
    };
    const done = (detail: string): CommandResult => ({ ok: true, state: this.current, detail });
    if (this.auditBroken !== null) return { ok: false, state: this.current, detail: `the audit log cannot be written (${this.auditBroken}): rolled back, no command is taken` };
    switch (cmd) {
      case 'rollback':
        if (this.current === 'rolled_back') return refuse('already rolled back');
        this.transition(nowUs, 'rolled_back', `command:${cmd}`, actor, null);
        return done('new orders go to production; orders in flight finish where they were sent');
      case 'freeze':
        if (this.current === 'rolled_back' || this.current === 'promoted' || this.current === 'frozen') return refuse(`cannot freeze from ${this.current}`);
        this.transition(nowUs, 'frozen', `command:${cmd}`, actor, null);
        return done('frozen: new orders go to production until resumed or rolled back');
      case 'pause':
        if (this.current !== 'canary') return refuse(`can only pause a canary step (state is ${this.current})`);
        this.transition(nowUs, 'paused', `command:${cmd}`, actor, null);
        return done('paused: the current step holds, no step starts by itself');
      case 'resume':
        if (this.current !== 'paused' && this.current !== 'frozen') return refuse(`nothing to resume (state is ${this.current})`);
        this.breaches.clear();
        this.transition(nowUs, this.stepIndex >= 0 ? 'canary' : 'shadow', `command:${cmd}`, actor, null);
        return done(`resumed at step ${this.stepIndex + 1}`);
      case 'advance': {
        if (this.current !== 'shadow' && this.current !== 'canary') return refuse(`can only advance from shadow or a canary step (state is ${this.current})`);
        const missing = this.missingSignoffs(this.stepIndex + 1);
        if (missing.length > 0) return refuse(`step ${this.stepIndex + 2} needs sign-offs from ${missing.join(', ')}`);
        this.startStep(nowUs, this.stepIndex + 1, `command:${cmd}`, actor);
        return done((this.current as RolloutState) === 'promoted' ? 'promoted' : `step ${this.stepIndex + 1}: ${this.exposureBp / 100}% of eligible accounts`);
      }
    }
  }

  /** Records a sign-off; refused when the role is unknown, an item is unanswered, or hashes differ. */
  signoff(s: Signoff): CommandResult {
    const checklist = this.plan.roles.get(s.role);
    const refuse = (why: string): CommandResult => {
      this.record(s.atUs, 'signoff_refused', s.name, { role: s.role, reason: why });
      return { ok: false, state: this.current, detail: why };
    };
    if (this.auditBroken !== null) return { ok: false, state: this.current, detail: `the audit log cannot be written (${this.auditBroken}): no sign-off is taken` };
    if (checklist === undefined) return refuse(`role ${s.role} is not in the plan (${[...this.plan.roles.keys()].join(', ')})`);
    const open = checklist.filter((item) => s.answers[item] !== true);
    if (open.length > 0) return refuse(`checklist items not confirmed: ${open.join('; ')}`);
    const stale = this.staleHashes(s.hashes);
    if (stale.length > 0) return refuse(`approves other ${stale.join(', ')} than the ones running`);
    this.signoffs.set(s.role, s);
    this.record(s.atUs, 'signoff', s.name, { role: s.role, items: checklist.length, production: s.hashes.production, candidate: s.hashes.candidate, plan: s.hashes.plan });
    return { ok: true, state: this.current, detail: `${s.role} signed off by ${s.name}` };
  }

  /** Roles whose valid sign-off step `index` (0-based) still needs. */
  missingSignoffs(index: number): string[] {
    const step = this.plan.steps[index];
    if (step === undefined) return [];
    return step.signoffs.filter((role) => {
      const s = this.signoffs.get(role);
      return s === undefined || this.staleHashes(s.hashes).length > 0;
    });
  }

  private staleHashes(h: ApprovedHashes): string[] {
    const out: string[] = [];
    if (h.production !== this.hashes.production) out.push('production bundle');
    if (h.candidate !== this.hashes.candidate) out.push('candidate bundle');
    if (h.plan !== this.hashes.plan) out.push('plan');
    return out;
  }

  /** Shadow: eligible to start once the discrepancy stays under the bar for the hold period. */
  private checkEntry(nowUs: number): void {
    const e = this.plan.entry;
    const r = this.metrics.read('match_rate', 'absolute', nowUs, e.windowMs);
    const ok = r.samples >= e.minOrders && 1 - r.value <= e.maxDiscrepancy;
    if (!ok) {
      if (this.eligibleSinceUs !== null) this.record(nowUs, 'entry_lost', 'engine', { discrepancy: round(1 - r.value), samples: r.samples });
      this.eligibleSinceUs = null;
      return;
    }
    if (this.eligibleSinceUs === null) {
      this.eligibleSinceUs = nowUs;
      this.record(nowUs, 'entry_met', 'engine', { discrepancy: round(1 - r.value), samples: r.samples, threshold: e.maxDiscrepancy });
    }
    if (nowUs - this.eligibleSinceUs < e.holdMs * 1000 || this.plan.advance !== 'auto') return;
    if (this.missingSignoffs(0).length > 0) return; // waits for people, not for numbers
    this.startStep(nowUs, 0, 'entry_held', 'engine');
  }

  /** Evaluates every gate; takes the most severe action due. Returns whether one was taken. */
  private evaluateGates(nowUs: number): boolean {
    let due: { gate: Gate; reading: GateReading } | null = null;
    for (const gate of this.plan.gates) {
      const reading = evaluateGate(gate, this.metrics, nowUs);
      this.lastReadings.set(gate.id, reading);
      if (reading.verdict === 'breach') {
        const n = (this.breaches.get(gate.id) ?? 0) + 1;
        this.breaches.set(gate.id, n);
        if (n < gate.consecutive) continue;
        if (gate.dryRun) {
          if (n === gate.consecutive) this.record(nowUs, 'gate_would_fire', 'engine', { gate: gate.id, action: gate.action, value: round(reading.value), threshold: gate.threshold, samples: reading.samples });
          continue;
        }
        if (due === null || SEVERITY[gate.action] > SEVERITY[due.gate.action]) due = { gate, reading };
      } else if (reading.verdict === 'pass') {
        this.breaches.set(gate.id, 0);
      }
    }
    if (due === null) return false;
    const { gate, reading } = due;
    this.breaches.clear();
    const cause = { gate: gate.id, value: reading.value, threshold: gate.threshold, samples: reading.samples };
    switch (gate.action) {
      case 'rollback':
        this.transition(nowUs, 'rolled_back', `gate:${gate.action}`, 'engine', cause);
        break;
      case 'freeze':
        this.transition(nowUs, 'frozen', `gate:${gate.action}`, 'engine', cause);
        break;
      case 'pause':
      case 'stop_expansion':
        if (this.current === 'paused') return false;
        this.transition(nowUs, 'paused', `gate:${gate.action}`, 'engine', cause);
        break;
      case 'reduce_scope':
        if (this.stepIndex > 0) this.startStep(nowUs, this.stepIndex - 1, `gate:${gate.action}`, 'engine', cause);
        else this.transition(nowUs, 'shadow', `gate:${gate.action}`, 'engine', cause);
        break;
    }
    return true;
  }

  /** A canary step that has held long enough, on enough orders, with every gate passing, moves on. */
  private maybeAdvance(nowUs: number): void {
    const step = this.plan.steps[this.stepIndex];
    if (step === undefined) return;
    if (nowUs - this.stepStartedUs < step.minHoldMs * 1000 || this.stepCandidateOrders < step.minOrders) return;
    const readings = [...this.lastReadings.values()];
    if (readings.some((r) => r.verdict === 'breach')) return;
    const inconclusive = readings.filter((r) => r.verdict === 'inconclusive');
    if (inconclusive.length > 0) {
      // Too few samples never promotes; the plan says whether to wait or to call a human.
      if (this.plan.inconclusive === 'pause') this.transition(nowUs, 'paused', 'inconclusive', 'engine', { gate: inconclusive[0]?.gate ?? null, value: null, threshold: null, samples: inconclusive[0]?.samples ?? 0 });
      return;
    }
    if (this.missingSignoffs(this.stepIndex + 1).length > 0) return;
    this.startStep(nowUs, this.stepIndex + 1, 'step_held', 'engine');
  }

  private startStep(nowUs: number, index: number, action: string, actor: string, cause: { gate: string; value: number; threshold: number; samples: number } | null = null): void {
    if (index >= this.plan.steps.length) {
      this.transition(nowUs, 'promoted', action, actor, cause);
      return;
    }
    this.stepIndex = index;
    this.stepStartedUs = nowUs;
    this.stepCandidateOrders = 0;
    this.breaches.clear();
    this.transition(nowUs, 'canary', action, actor, cause, true);
  }

  private transition(nowUs: number, to: RolloutState, action: string, actor: string, cause: { gate: string | null; value: number | null; threshold: number | null; samples: number | null } | null, force = false): void {
    const from = this.current;
    if (from === to && !force) return;
    this.current = to;
    this.history.push({ atUs: nowUs, percentBp: this.exposureBp, state: to, action, gate: cause?.gate ?? null, value: cause?.value === null || cause?.value === undefined ? null : round(cause.value), threshold: cause?.threshold ?? null, samples: cause?.samples ?? null });
    this.record(nowUs, 'state_changed', actor, { from, to, action, gate: cause?.gate ?? null, value: cause?.value === null || cause?.value === undefined ? null : round(cause.value), threshold: cause?.threshold ?? null, samples: cause?.samples ?? null });
  }

  /**
   * Why the audit log stopped taking records, or null. A rollout that cannot be audited does not
   * go on: the first failed write rolls it back (new orders to production) and refuses commands.
   */
  get auditFailure(): string | null {
    return this.auditBroken;
  }

  private record(atUs: number, kind: string, actor: string, detail: AuditEntry['detail']): void {
    if (this.auditBroken !== null) return;
    try {
      this.audit.append({ atUs, kind, actor, state: this.current, step: this.stepIndex + 1, percentBp: this.exposureBp, detail });
    } catch (error) {
      this.auditBroken = error instanceof Error ? error.message : String(error);
      if (this.current !== 'rolled_back') {
        this.current = 'rolled_back';
        this.history.push({ atUs, percentBp: 0, state: 'rolled_back', action: 'audit_failed', gate: null, value: null, threshold: null, samples: null });
      }
    }
  }
}

function round(x: number): number {
  return Number.isFinite(x) ? Math.round(x * 1e6) / 1e6 : x;
}
