// Checks a scenario's `expect` events after replay: production and candidate decisions of named
// orders, and counts of divergences by class, severity and order.

import type { Decision } from '../core/model/types.js';
import type { DivergenceRecord } from '../core/shadow/divergence.js';
import type { ExpectDecision, Expectation } from './scenario-types.js';

interface OrderOutcome {
  production: Decision;
  /** Null until compared; equals production when compared with no divergence. */
  candidate: Decision | null;
  compared: boolean;
  classes: string[];
  severities: string[];
}

export interface ExpectationResult {
  readonly line: number;
  readonly ok: boolean;
  readonly skipped: boolean;
  readonly text: string;
}

const MAX_RETAINED_ORDERS = 250_000;

/** Collects what expectations need while the replay runs: bounded to the first N orders. */
export class ExpectationTracker {
  private readonly outcomes = new Map<string, OrderOutcome>();
  private readonly divergences: { order: string; cls: string; severity: string }[] = [];

  onProductionDecision(clientOrderId: string, decision: Decision): void {
    if (this.outcomes.size >= MAX_RETAINED_ORDERS) return;
    this.outcomes.set(clientOrderId, { production: decision, candidate: null, compared: false, classes: [], severities: [] });
  }

  onCompared(clientOrderId: string, candidate: Decision): void {
    const o = this.outcomes.get(clientOrderId);
    if (o === undefined) return;
    o.compared = true;
    o.candidate ??= candidate;
  }

  onDivergence(record: DivergenceRecord): void {
    this.divergences.push({ order: record.clientOrderId, cls: record.class, severity: record.severity });
    const o = this.outcomes.get(record.clientOrderId);
    if (o === undefined) return;
    o.compared = true;
    o.candidate = record.candidate;
    o.classes.push(record.class);
    o.severities.push(record.severity);
  }

  /**
   * Evaluates expectations. `candidateComparable` is false when the run's bundles are not the
   * ones the scenario was written for: then candidate and divergence expectations are skipped.
   */
  check(expectations: readonly Expectation[], productionComparable: boolean, candidateComparable: boolean): ExpectationResult[] {
    return expectations.map((e) => this.checkOne(e, productionComparable, candidateComparable));
  }

  private checkOne(e: Expectation, productionComparable: boolean, candidateComparable: boolean): ExpectationResult {
    const label = `line ${e.line}${e.note ? ` (${e.note})` : ''}`;
    const needsCandidate = e.divergenceClass !== null || e.candidate !== null;
    if (!productionComparable || (needsCandidate && !candidateComparable)) {
      return { line: e.line, ok: true, skipped: true, text: `${label}: skipped, the run uses other bundles than the scenario names` };
    }
    const problems: string[] = [];
    if (e.order !== null && (e.production !== null || e.candidate !== null)) {
      const o = this.outcomes.get(e.order);
      if (o === undefined) {
        problems.push(`order ${e.order} was never decided`);
      } else {
        if (e.production !== null) matchDecision('production', o.production, e.production, problems);
        if (e.candidate !== null) {
          if (!o.compared) problems.push(`order ${e.order} was not compared with the candidate`);
          else matchDecision('candidate', o.candidate ?? o.production, e.candidate, problems);
        }
      }
    }
    if (e.divergenceClass !== null) {
      let n = 0;
      for (const d of this.divergences) {
        if (e.order !== null && d.order !== e.order) continue;
        if (e.severity !== null && d.severity !== e.severity) continue;
        if (e.divergenceClass !== 'any' && e.divergenceClass !== 'none' && d.cls !== e.divergenceClass) continue;
        n++;
      }
      const what = `${e.divergenceClass}${e.severity ? `/${e.severity}` : ''} divergences${e.order ? ` for ${e.order}` : ''}`;
      if (e.divergenceClass === 'none') {
        if (n !== 0) problems.push(`expected no divergence${e.order ? ` for ${e.order}` : ''}, found ${n}`);
      } else if (e.count !== null) {
        if (n !== e.count) problems.push(`expected ${e.count} ${what}, found ${n}`);
      } else {
        const min = e.min ?? 1;
        if (n < min) problems.push(`expected at least ${min} ${what}, found ${n}`);
        if (e.max !== null && n > e.max) problems.push(`expected at most ${e.max} ${what}, found ${n}`);
      }
    }
    return problems.length === 0
      ? { line: e.line, ok: true, skipped: false, text: `${label}: met` }
      : { line: e.line, ok: false, skipped: false, text: `${label}: ${problems.join('; ')}` };
  }
}

function matchDecision(who: string, d: Decision, want: ExpectDecision, problems: string[]): void {
  if (want.action !== undefined && d.action !== want.action) problems.push(`${who} action ${d.action}, expected ${want.action}`);
  if (want.reason !== undefined && d.rejectReason !== want.reason) problems.push(`${who} reject reason ${d.rejectReason}, expected ${want.reason}`);
  if (want.lp !== undefined && d.lp !== want.lp) problems.push(`${who} LP ${d.lp}, expected ${want.lp}`);
  if (want.rule !== undefined && d.ruleId !== want.rule) problems.push(`${who} rule ${d.ruleId}, expected ${want.rule}`);
}
