// Reads a rollout back from its audit log: the state, step and sign-offs a previous run left, so
// a restart continues the same rollout. Only the records after the last `rollout_started` count.

import { parseTimestampUs } from '../model/timestamps.js';
import type { ApprovedHashes, ResumePoint, RolloutState, Signoff } from './controller.js';
import type { Plan } from './plan.js';

/** An audit record as read back (already chain-verified): the fields this module reads. */
export interface AuditedRecord {
  readonly kind: string;
  readonly at: string;
  readonly actor: string;
  readonly [field: string]: unknown;
}

const STATES: ReadonlySet<string> = new Set<RolloutState>(['shadow', 'canary', 'paused', 'frozen', 'promoted', 'rolled_back']);

export type ResumeOutcome =
  /** Nothing to continue: the log is empty. */
  | { readonly kind: 'fresh' }
  /** The log's last rollout ran other files: a new rollout starts; what it superseded is named. */
  | { readonly kind: 'superseded'; readonly previous: { readonly planHash: string; readonly production: string; readonly candidate: string; readonly state: string } }
  | { readonly kind: 'resume'; readonly point: ResumePoint };

/**
 * The rollout the log's records describe, if it ran exactly these files (plan, production and
 * candidate hashes). A changed file is a new rollout: its sign-offs and state do not carry over.
 */
export function resumeFrom(records: readonly AuditedRecord[], plan: Plan, hashes: ApprovedHashes): ResumeOutcome {
  let start = -1;
  for (let i = records.length - 1; i >= 0; i--) {
    if (records[i]?.kind === 'rollout_started') {
      start = i;
      break;
    }
  }
  if (start < 0) return { kind: 'fresh' };
  const started = records[start] as AuditedRecord;
  let state: RolloutState = 'shadow';
  let stepIndex = -1;
  const signoffs = new Map<string, Signoff>();
  for (const r of records.slice(start + 1)) {
    if (r.kind === 'state_changed' && typeof r['to'] === 'string' && STATES.has(r['to'])) {
      state = r['to'] as RolloutState;
      if (typeof r['step'] === 'number' && Number.isInteger(r['step'])) stepIndex = r['step'] - 1;
    } else if (r.kind === 'signoff' && typeof r['role'] === 'string') {
      const checklist = plan.roles.get(r['role']);
      if (checklist === undefined) continue;
      // A sign-off is only recorded when every item was confirmed: its answers are all true.
      signoffs.set(r['role'], {
        role: r['role'],
        name: r.actor,
        atUs: parseTimestampUs(r.at) ?? 0,
        answers: Object.fromEntries(checklist.map((item) => [item, true])),
        hashes: { production: String(r['production']), candidate: String(r['candidate']), plan: String(r['plan']) },
      });
    }
  }
  const same = started['planHash'] === hashes.plan && started['production'] === hashes.production && started['candidate'] === hashes.candidate;
  if (!same) {
    return { kind: 'superseded', previous: { planHash: String(started['planHash']), production: String(started['production']), candidate: String(started['candidate']), state } };
  }
  if (stepIndex >= plan.steps.length) stepIndex = plan.steps.length - 1;
  return { kind: 'resume', point: { state, stepIndex, signoffs: [...signoffs.values()], records: records.length - start } };
}
