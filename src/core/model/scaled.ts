// Exact money on the hot path: prices and volumes are integers scaled by 10^8 ("E8").
// Parsing and formatting go through strings, never binary floats, so 1.08515 stays 108515000.

import { BridgeError } from '../errors.js';

/** Every price and volume on the hot path is an integer count of 10^-8 units. */
export const E8 = 100_000_000;
export const E8_DIGITS = 8;

const POW10: readonly number[] = [1, 10, 100, 1_000, 10_000, 100_000, 1_000_000, 10_000_000, 100_000_000];

/** Returns 10^n for 0 <= n <= 8. */
export function pow10(n: number): number {
  const v = POW10[n];
  if (v === undefined) throw new RangeError(`pow10 supports 0..8, was ${n}`);
  return v;
}

const DOT = 0x2e;
const MINUS = 0x2d;
const ZERO = 0x30;

/**
 * Parses a decimal string ("1.08515", "-0.5", "2350") into an integer scaled by 10^8.
 * Throws SB_ERR_DECIMAL_INVALID for anything but digits with one optional dot and sign,
 * SB_ERR_DECIMAL_PRECISION for more than 8 fractional digits (never rounds silently).
 */
export function parseE8(text: string): number {
  const len = text.length;
  let i = 0;
  let negative = false;
  if (len > 0 && text.charCodeAt(0) === MINUS) {
    negative = true;
    i = 1;
  }
  let intPart = 0;
  let fracPart = 0;
  let fracDigits = 0;
  let digits = 0;
  let seenDot = false;
  for (; i < len; i++) {
    const c = text.charCodeAt(i);
    if (c === DOT) {
      if (seenDot) throw new BridgeError('SB_ERR_DECIMAL_INVALID', `"${text}" has two decimal points`);
      seenDot = true;
      continue;
    }
    const d = c - ZERO;
    if (d < 0 || d > 9) throw new BridgeError('SB_ERR_DECIMAL_INVALID', `"${text}" is not a decimal number`);
    digits++;
    if (seenDot) {
      if (fracDigits === E8_DIGITS) {
        if (d !== 0) throw new BridgeError('SB_ERR_DECIMAL_PRECISION', `"${text}" has more than 8 decimal places`);
        continue;
      }
      fracPart = fracPart * 10 + d;
      fracDigits++;
    } else {
      intPart = intPart * 10 + d;
    }
  }
  if (digits === 0) throw new BridgeError('SB_ERR_DECIMAL_INVALID', `"${text}" is not a decimal number`);
  const value = intPart * E8 + fracPart * (POW10[E8_DIGITS - fracDigits] as number);
  if (!Number.isSafeInteger(value)) throw new BridgeError('SB_ERR_DECIMAL_INVALID', `"${text}" is too large`);
  return negative ? -value : value;
}

/** Formats an E8 integer with exactly `digits` fractional digits (the value must be a multiple). */
export function formatE8(valueE8: number, digits = E8_DIGITS): string {
  const negative = valueE8 < 0;
  const abs = negative ? -valueE8 : valueE8;
  const unit = pow10(E8_DIGITS - digits);
  const scaled = Math.round(abs / unit);
  const divisor = pow10(digits);
  const intPart = Math.floor(scaled / divisor);
  const frac = scaled - intPart * divisor;
  const text = digits === 0 ? String(intPart) : `${intPart}.${String(frac).padStart(digits, '0')}`;
  return negative ? `-${text}` : text;
}

/** Formats an E8 integer with as few fractional digits as represent it exactly ("0.1", "2350"). */
export function formatE8Short(valueE8: number): string {
  let digits = E8_DIGITS;
  while (digits > 0 && valueE8 % pow10(E8_DIGITS - digits + 1) === 0) digits--;
  return formatE8(valueE8, digits);
}

/** Rounds a non-negative E8 value down to a multiple of `unitE8` (exact: integer remainder). */
export function floorTo(valueE8: number, unitE8: number): number {
  const r = valueE8 % unitE8;
  return r === 0 ? valueE8 : valueE8 - (r < 0 ? r + unitE8 : r);
}

/** Rounds an E8 value up to a multiple of `unitE8`. */
export function ceilTo(valueE8: number, unitE8: number): number {
  const f = floorTo(valueE8, unitE8);
  return f === valueE8 ? valueE8 : f + unitE8;
}

/** Number of fractional digits needed to write `valueE8` exactly (0..8). */
export function decimalsOf(valueE8: number): number {
  let digits = 0;
  while (digits < E8_DIGITS && valueE8 % pow10(E8_DIGITS - digits) !== 0) digits++;
  return digits;
}
