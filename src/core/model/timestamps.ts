// ISO-8601 UTC timestamps <-> epoch microseconds, exact to the microsecond.
// Date.parse only keeps milliseconds, so the sub-millisecond digits are parsed by hand.

import type { ByteBuilder } from '../util/byte-builder.js';

/** Parses "2026-07-02T12:30:00.123456Z" (0-6 fractional digits, Z required); null if invalid. */
export function parseTimestampUs(text: string): number | null {
  const len = text.length;
  if (len < 20 || text.charCodeAt(10) !== 0x54 /* T */ || text.charCodeAt(len - 1) !== 0x5a /* Z */) return null;
  const seconds = Date.parse(`${text.slice(0, 19)}Z`);
  if (Number.isNaN(seconds)) return null;
  let micros = 0;
  if (len > 20) {
    if (text.charCodeAt(19) !== 0x2e /* . */) return null;
    const frac = text.slice(20, len - 1);
    if (frac.length === 0 || frac.length > 6) return null;
    for (let i = 0; i < frac.length; i++) {
      const d = frac.charCodeAt(i) - 0x30;
      if (d < 0 || d > 9) return null;
    }
    micros = Number(frac.padEnd(6, '0'));
  } else if (len !== 20) {
    return null;
  }
  return seconds * 1000 + micros;
}

let cachedSecond = Number.NaN;
let cachedPrefix = '';

/** "YYYY-MM-DDTHH:MM:SS." of the second `second` (epoch seconds). */
function prefixOf(second: number): string {
  if (second !== cachedSecond) {
    // Records come in time order, so the prefix changes once a second.
    cachedSecond = second;
    cachedPrefix = new Date(second * 1000).toISOString().slice(0, 20);
  }
  return cachedPrefix;
}

/** formatTimestampUs written into `out`, without the string. */
export function writeTimestampUs(out: ByteBuilder, us: number): void {
  const second = Math.floor(us / 1_000_000);
  out.ascii(prefixOf(second)).uintPadded(us - second * 1_000_000, 6).byte(0x5a /* Z */);
}

/** Formats epoch microseconds as ISO-8601 UTC with microseconds. */
export function formatTimestampUs(us: number): string {
  const second = Math.floor(us / 1_000_000);
  return `${prefixOf(second)}${String(us - second * 1_000_000).padStart(6, '0')}Z`;
}
