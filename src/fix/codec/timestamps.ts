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

/** Parses YYYYMMDD-HH:MM:SS[.sss[sss]] to epoch ms; NaN if malformed. */
export function parseUtcTimestamp(text: string): number {
  if (text.length < 17 || text.charCodeAt(8) !== 0x2d || text.charCodeAt(11) !== 0x3a || text.charCodeAt(14) !== 0x3a) return Number.NaN;
  const num = (from: number, to: number): number => {
    let v = 0;
    for (let i = from; i < to; i++) {
      const d = text.charCodeAt(i) - 0x30;
      if (d < 0 || d > 9) return Number.NaN;
      v = v * 10 + d;
    }
    return v;
  };
  const y = num(0, 4), mo = num(4, 6), d = num(6, 8), h = num(9, 11), mi = num(12, 14), s = num(15, 17);
  if ([y, mo, d, h, mi, s].some(Number.isNaN) || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60) return Number.NaN;
  let ms = 0;
  if (text.length > 17) {
    if (text.charCodeAt(17) !== 0x2e) return Number.NaN;
    const frac = text.slice(18);
    if (frac.length !== 3 && frac.length !== 6 && frac.length !== 9) return Number.NaN;
    const f = num(18, 21);
    if (Number.isNaN(f) || Number.isNaN(num(18, text.length))) return Number.NaN;
    ms = f;
  }
  return Date.UTC(y, mo - 1, d, h, mi, s) + ms;
}
