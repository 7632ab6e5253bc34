// FIX UTCTimestamp text: YYYYMMDD-HH:MM:SS.sss out, with or without millis in.
// Formatting caches the per-second prefix: a session sends many messages per second.

let cachedSecond = Number.NaN;
let cachedPrefix = '';

/** Formats epoch milliseconds as a FIX UTCTimestamp with milliseconds. */
export function formatUtcTimestamp(ms: number): string {
  const second = Math.floor(ms / 1000);
  if (second !== cachedSecond) {
    cachedSecond = second;
    const iso = new Date(second * 1000).toISOString(); // 2026-07-08T09:00:00.000Z
    cachedPrefix = `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}-${iso.slice(11, 19)}.`;
  }
  const millis = ms - second * 1000;
  return `${cachedPrefix}${millis < 10 ? '00' : millis < 100 ? '0' : ''}${millis}`;
}

/** Digits text[from, to) as a number; NaN if any is not a digit. */
function digitsAt(text: string, from: number, to: number): number {
  let v = 0;
  for (let i = from; i < to; i++) {
    const d = text.charCodeAt(i) - 0x30;
    if (d < 0 || d > 9) return Number.NaN;
    v = v * 10 + d;
  }
  return v;
}

/**
 * Parses YYYYMMDD-HH:MM:SS[.sss[sss[sss]]] to epoch ms; NaN if malformed. Runs for every
 * SendingTime the session checks, so it allocates nothing (no closure, no array).
 */
export function parseUtcTimestamp(text: string): number {
  const len = text.length;
  if (len < 17 || text.charCodeAt(8) !== 0x2d || text.charCodeAt(11) !== 0x3a || text.charCodeAt(14) !== 0x3a) return Number.NaN;
  const y = digitsAt(text, 0, 4);
  const mo = digitsAt(text, 4, 6);
  const d = digitsAt(text, 6, 8);
  const h = digitsAt(text, 9, 11);
  const mi = digitsAt(text, 12, 14);
  const s = digitsAt(text, 15, 17);
  // NaN fails every comparison, so each check is written to be false for NaN.
  if (!(mo >= 1 && mo <= 12 && d >= 1 && d <= 31 && h <= 23 && mi <= 59 && s <= 60 && y >= 0)) return Number.NaN;
  let ms = 0;
  if (len > 17) {
    const fracDigits = len - 18;
    if (text.charCodeAt(17) !== 0x2e || (fracDigits !== 3 && fracDigits !== 6 && fracDigits !== 9)) return Number.NaN;
    if (Number.isNaN(digitsAt(text, 18, len))) return Number.NaN;
    ms = digitsAt(text, 18, 21);
  }
  return Date.UTC(y, mo - 1, d, h, mi, s) + ms;
}
