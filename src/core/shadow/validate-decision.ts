// Checks that what a candidate returned is a Decision in every field before anything compares,
// formats or writes it. A candidate is someone else's code: it may return anything a JS value
// can be (a BigInt, NaN digits, a cyclic object, a getter that throws); every one of those is a
// counted candidate_error with the value described, never an exception in the engine.

import { REJECT_REASONS, type Decision, type RejectReason, type SkipReason } from '../model/types.js';

const SKIP_REASONS: ReadonlySet<string> = new Set<SkipReason>(['disabled', 'down', 'unknown_lp', 'off_session', 'no_symbol', 'no_quote', 'indicative', 'stale', 'volume_band', 'worse_price']);
const MAX_TEXT = 1_000;
const MAX_LIST = 256;
/** Prices and volumes are E8 integers well inside the safe range (a price of 90 million). */
const MAX_E8 = 9e15;

/** Describes a value in a few characters for a fault record (never throws, never long). */
export function describeValue(value: unknown): string {
  try {
    if (value === null) return 'null';
    switch (typeof value) {
      case 'bigint':
        return `BigInt ${String(value).slice(0, 40)}`;
      case 'string':
        return JSON.stringify(value.length > 60 ? `${value.slice(0, 60)}...` : value);
      case 'number':
      case 'boolean':
      case 'undefined':
        return String(value);
      case 'symbol':
        return 'a Symbol';
      case 'function':
        return 'a function';
      default:
        return Array.isArray(value) ? `an array of ${value.length}` : `an object with keys ${Object.keys(value as object).slice(0, 8).join(', ') || '(none)'}`;
    }
  } catch {
    return 'a value that cannot be inspected';
  }
}

/**
 * A plain copy of a valid Decision (so a getter cannot answer differently the second time it is
 * read), or what is wrong with the value: field and value, in one line.
 */
export function validateDecision(value: unknown): Decision | string {
  try {
    const problem = check(value);
    if (problem !== null) return problem;
    const d = value as Decision;
    const copy: Decision = {
      router: d.router,
      configHash: d.configHash,
      action: d.action,
      rejectReason: d.rejectReason,
      detail: d.detail,
      ruleId: d.ruleId,
      instrument: d.instrument,
      digits: d.digits,
      lp: d.lp,
      lpSymbol: d.lpSymbol,
      selectionMode: d.selectionMode,
      volumeE8: d.volumeE8,
      lpPriceE8: d.lpPriceE8,
      markupE8: d.markupE8,
      clientPriceE8: d.clientPriceE8,
      markupProfile: d.markupProfile,
      pool: [...d.pool],
      skipped: d.skipped.map((x) => ({ lp: x.lp, reason: x.reason })),
      failover: d.failover,
    };
    // Checked again on the copy: a getter may have answered differently the second time.
    const again = check(copy);
    return again ?? copy;
  } catch (error) {
    // A getter or proxy trap that throws while being looked at.
    return `inspecting the decision threw: ${error instanceof Error ? String(error.message).slice(0, 200) : describeValue(error)}`;
  }
}

function check(value: unknown): string | null {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return `the decision is ${describeValue(value)}, not an object`;
  const d = value as Record<string, unknown>;
  const problem =
    str(d, 'router', false) ??
    str(d, 'configHash', false) ??
    (d['action'] === 'route' || d['action'] === 'reject' ? null : `action is ${describeValue(d['action'])}, not "route" or "reject"`) ??
    (d['rejectReason'] === null || (typeof d['rejectReason'] === 'string' && Object.hasOwn(REJECT_REASONS, d['rejectReason'])) ? null : `rejectReason is ${describeValue(d['rejectReason'])}, not a known reason or null`) ??
    str(d, 'detail', true) ??
    str(d, 'ruleId', true) ??
    str(d, 'instrument', true) ??
    int(d, 'digits', 0, 8) ??
    str(d, 'lp', true) ??
    str(d, 'lpSymbol', true) ??
    (d['selectionMode'] === null || d['selectionMode'] === 'best_price' || d['selectionMode'] === 'priority' ? null : `selectionMode is ${describeValue(d['selectionMode'])}`) ??
    int(d, 'volumeE8', 0, MAX_E8) ??
    int(d, 'lpPriceE8', 0, MAX_E8) ??
    int(d, 'markupE8', -MAX_E8, MAX_E8) ??
    int(d, 'clientPriceE8', 0, MAX_E8) ??
    str(d, 'markupProfile', true) ??
    lpList(d['pool'], 'pool') ??
    skipList(d['skipped']) ??
    (typeof d['failover'] === 'boolean' ? null : `failover is ${describeValue(d['failover'])}, not a boolean`);
  if (problem !== null) return problem;
  const decision = value as Decision;
  if (decision.action === 'route' && (decision.lp === null || decision.instrument === null)) return 'a route decision without an LP or an instrument';
  if (decision.action === 'reject' && decision.rejectReason === null) return 'a reject decision without a rejectReason';
  return null;
}

// Module-level, not closures in check(): check runs twice per candidate decision, and a closure
// per field check is an allocation per field per decision.
function str(d: Record<string, unknown>, field: string, nullable: boolean): string | null {
  const v = d[field];
  if (nullable && v === null) return null;
  if (typeof v !== 'string') return `${field} is ${describeValue(v)}, not a string${nullable ? ' or null' : ''}`;
  if (v.length > MAX_TEXT) return `${field} is a string of ${v.length} characters (at most ${MAX_TEXT})`;
  return null;
}

function int(d: Record<string, unknown>, field: string, min: number, max: number): string | null {
  const v = d[field];
  if (typeof v !== 'number' || !Number.isSafeInteger(v)) return `${field} is ${describeValue(v)}, not an integer`;
  if (v < min || v > max) return `${field} is ${v}, outside ${min}..${max}`;
  return null;
}

function lpList(v: unknown, field: string): string | null {
  if (!Array.isArray(v)) return `${field} is ${describeValue(v)}, not an array`;
  if (v.length > MAX_LIST) return `${field} has ${v.length} entries (at most ${MAX_LIST})`;
  for (let i = 0; i < v.length; i++) if (typeof v[i] !== 'string') return `${field}[${i}] is ${describeValue(v[i])}, not a string`;
  return null;
}

function skipList(v: unknown): string | null {
  if (!Array.isArray(v)) return `skipped is ${describeValue(v)}, not an array`;
  if (v.length > MAX_LIST) return `skipped has ${v.length} entries (at most ${MAX_LIST})`;
  for (let i = 0; i < v.length; i++) {
    const s = v[i] as { lp?: unknown; reason?: unknown } | null;
    if (s === null || typeof s !== 'object' || typeof s.lp !== 'string' || typeof s.reason !== 'string' || !SKIP_REASONS.has(s.reason)) return `skipped[${i}] is ${describeValue(s)}, not {lp, reason}`;
  }
  return null;
}

export type { RejectReason };
