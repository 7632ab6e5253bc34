// Compares production's and the candidate's decisions for one order into typed divergences.
// Pure: the result depends on the two decisions and the LP state they were made on, nothing else.

import { formatE8, formatE8Short, pow10 } from '../model/scaled.js';
import { REJECT_REASONS, type Decision } from '../model/types.js';
import type { LpStatusView } from './context.js';
import type { ComparePolicy, Divergence, DivergenceClass, Severity } from './divergence.js';

function px(valueE8: number, digits: number): string {
  return formatE8(valueE8, Math.min(Math.max(digits, 0), 8));
}

/** An LP price as the LP gave it: every digit it has, never rounded to the instrument's. */
function lpPx(valueE8: number): string {
  return formatE8Short(valueE8);
}

function pointE8(digits: number): number {
  return pow10(8 - Math.min(Math.max(digits, 0), 8));
}

/** A markup (E8 price units) in points of a `digits` instrument, exactly ("2.3", "-0.5"). */
function points(markupE8: number, digits: number): string {
  return formatE8Short(markupE8 * pow10(Math.min(Math.max(digits, 0), 8)));
}

/** Returns every divergence between two decisions for the same order; empty when they match. */
export function compareDecisions(
  production: Decision,
  candidate: Decision,
  lpStatus: LpStatusView,
  knownLps: ReadonlySet<string>,
  policy: ComparePolicy,
): Divergence[] {
  const out: Divergence[] = [];
  const add = (cls: DivergenceClass, severity: Severity, detail: string): void => {
    out.push({ class: cls, severity, detail });
  };

  if (production.action !== candidate.action) {
    if (candidate.action === 'route') {
      const reason = production.rejectReason;
      const risk = reason !== null && REJECT_REASONS[reason].category === 'risk';
      add('action', risk ? 'critical' : 'major',
        `candidate routes to ${candidate.lp} what production rejected (${reason})${risk ? ': a risk/limit reject overridden' : ''}`);
    } else {
      add('action', 'major', `candidate rejects (${candidate.rejectReason}) what production routes to ${production.lp}`);
    }
    if (candidate.action === 'route') checkCandidateLp(candidate, lpStatus, knownLps, add);
    return out;
  }

  if (production.action === 'reject') {
    if (production.rejectReason !== candidate.rejectReason) {
      add('reject_reason', 'major', `reject reason ${production.rejectReason} -> ${candidate.rejectReason}`);
    }
    return out;
  }

  // Both route.
  if (production.instrument !== candidate.instrument) {
    add('instrument', 'critical', `order maps to ${candidate.instrument} instead of ${production.instrument}`);
    checkCandidateLp(candidate, lpStatus, knownLps, add);
    return out;
  }
  checkCandidateLp(candidate, lpStatus, knownLps, add);
  const digits = production.digits;
  if (production.lp !== candidate.lp) {
    const bothFailedOver = production.failover && candidate.failover;
    add(bothFailedOver ? 'failover' : 'lp', 'major',
      bothFailedOver
        ? `failover target ${production.lp} -> ${candidate.lp}`
        : `LP ${production.lp} -> ${candidate.lp}${candidate.failover ? ' (candidate failed over)' : production.failover ? ' (production failed over)' : ''}`);
  } else if (production.lpSymbol !== candidate.lpSymbol) {
    add('lp_symbol', 'major', `LP symbol ${production.lpSymbol} -> ${candidate.lpSymbol} at ${production.lp}`);
  }
  if (production.volumeE8 !== candidate.volumeE8) {
    add('quantity', 'major', `volume ${px(production.volumeE8, 8)} -> ${px(candidate.volumeE8, 8)} lots`);
  }
  if (production.lpPriceE8 !== candidate.lpPriceE8) {
    const deltaPoints = Math.abs(production.lpPriceE8 - candidate.lpPriceE8) / pointE8(digits);
    add('price', deltaPoints > policy.priceBandPoints ? 'major' : 'minor',
      `LP price ${lpPx(production.lpPriceE8)} -> ${lpPx(candidate.lpPriceE8)}`);
  }
  if (production.markupE8 !== candidate.markupE8) {
    const flipped = (production.markupE8 > 0 && candidate.markupE8 < 0) || (production.markupE8 < 0 && candidate.markupE8 > 0);
    const deltaPoints = Math.abs(production.markupE8 - candidate.markupE8) / pointE8(digits);
    add('markup', flipped ? 'critical' : deltaPoints >= policy.markupMajorPoints ? 'major' : 'minor',
      `markup ${points(production.markupE8, digits)} -> ${points(candidate.markupE8, digits)} points${flipped ? ' (sign flipped)' : ''} (profile ${production.markupProfile} -> ${candidate.markupProfile})`);
  }
  return out;
}

function checkCandidateLp(
  candidate: Decision,
  lpStatus: LpStatusView,
  knownLps: ReadonlySet<string>,
  add: (cls: DivergenceClass, severity: Severity, detail: string) => void,
): void {
  const lp = candidate.lp;
  if (lp === null) return;
  if (!knownLps.has(lp)) add('lp', 'critical', `candidate routes to ${lp}, an LP production does not know`);
  else if (lpStatus.get(lp) !== 'up') add('lp', 'critical', `candidate routes to ${lp}, which is ${lpStatus.get(lp) ?? 'not connected'}`);
}
