import { cpSync, mkdtempSync as makeTemp, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BridgeError } from '../../src/core/errors.js';
import { Decimal } from 'decimal.js';
import { parseE8 } from '../../src/core/model/scaled.js';
import { loadBundle, markupPointsToE8 } from '../../src/mappings/load-bundle.js';
import { PRODUCTION_DIR } from '../support/builders.js';

const made: string[] = [];
function mkdtempSync(prefix: string): string {
  const dir = makeTemp(prefix);
  made.push(dir);
  return dir;
}
afterAll(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

/** Copies the production bundle, applies one edit, and returns the load error. */
function brokenBundle(file: string, edit: (text: string) => string): BridgeError {
  const dir = mkdtempSync(join(tmpdir(), 'sb-bundle-'));
  cpSync(PRODUCTION_DIR, dir, { recursive: true });
  const path = join(dir, file);
  writeFileSync(path, edit(readFileSync(path, 'utf8')));
  try {
    loadBundle(dir);
  } catch (error) {
    if (error instanceof BridgeError) return error;
    throw error;
  }
  throw new Error('the broken bundle loaded');
}

function lineOf(file: string, needle: string): number {
  return readFileSync(join(PRODUCTION_DIR, file), 'utf8').split('\n').findIndex((l) => l.includes(needle)) + 1;
}

describe('mapping bundles', () => {
  it('loads both bundled configurations with distinct, stable hashes', () => {
    const a = loadBundle(PRODUCTION_DIR);
    expect(a.hash).toMatch(/^sha256:[0-9a-f]{16}$/);
    expect(loadBundle(PRODUCTION_DIR).hash).toBe(a.hash);
    expect(loadBundle(join(PRODUCTION_DIR, '..', 'candidate')).hash).not.toBe(a.hash);
    expect(a.instruments.size).toBe(8);
    expect(a.lps.size).toBe(3);
  });

  it('keeps the hash when only comments change', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sb-bundle-'));
    cpSync(PRODUCTION_DIR, dir, { recursive: true });
    writeFileSync(join(dir, 'lps.yaml'), `# an extra comment\n${readFileSync(join(dir, 'lps.yaml'), 'utf8')}`);
    expect(loadBundle(dir).hash).toBe(loadBundle(PRODUCTION_DIR).hash);
  });

  it('names the file, line and field of a bad value', () => {
    const e = brokenBundle('lps.yaml', (t) => t.replace('staleMs: 1000', 'staleMs: fast'));
    expect(e.code).toBe('SB_ERR_MAPPING_INVALID');
    expect(e.detail).toContain(`lps.yaml:${lineOf('lps.yaml', 'staleMs: 1000')} lps.LP_BRAVO.staleMs: must be a whole number`);
  });

  it('reports every problem at once, including broken references', () => {
    const e = brokenBundle('routes.yaml', (t) => t.replace('pool: [LP_ALPHA, LP_BRAVO, LP_CHARLIE]', 'pool: [LP_ALPHA, LP_DELTA]').replace('markup: index', 'markup: indices'));
    expect(e.code).toBe('SB_ERR_MAPPING_INVALID');
    expect(e.detail).toMatch(/routes\.yaml:\d+ rules\.4\.pool\.1: "LP_DELTA" is not an LP in lps\.yaml/);
    expect(e.detail).toMatch(/routes\.yaml:\d+ rules\.2\.markup: no markup profile "indices"/);
  });

  it('refuses decimals finer than the instrument allows', () => {
    const e = brokenBundle('instruments.yaml', (t) => t.replace('tickSize: "0.01", contractSize: "100"', 'tickSize: "0.001", contractSize: "100"'));
    expect(e.detail).toContain(`instruments.yaml:${lineOf('instruments.yaml', 'XAUUSD:')} instruments.XAUUSD.tickSize: 0.001 is finer than 2 digits`);
  });

  it('rejects unknown time zones and malformed YAML with codes', () => {
    expect(brokenBundle('sessions.yaml', (t) => t.replace('timeZone: America/New_York', 'timeZone: America/Gotham')).detail).toMatch(/sessions\.yaml:\d+ sessions\.fx\.timeZone: "America\/Gotham" is not an IANA time zone/);
    const yaml = brokenBundle('markups.yaml', (t) => t.replace('  pro:', '  pro: [oops'));
    expect(yaml.code).toBe('SB_ERR_MAPPING_YAML');
    expect(yaml.detail).toMatch(/markups\.yaml:\d+/);
    expect(brokenBundle('routes.yaml', (t) => t.replace('mode: priority', 'mode: cheapest')).detail).toMatch(/rules\.0\.mode/);
  });

  it('reports a missing file with a code', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sb-bundle-'));
    expect(() => loadBundle(dir)).toThrow(/SB_ERR_MAPPING_IO/);
  });
});

describe('markup points to price units', () => {
  it('converts every markup from 0.1 to 30.0 points exactly on 2-, 3- and 5-digit instruments', () => {
    for (const digits of [2, 3, 5]) {
      for (let tenths = 1; tenths <= 300; tenths++) {
        const text = `${Math.floor(tenths / 10)}.${tenths % 10}`;
        // The price is points x 10^-digits: as a decimal string, shifting the point.
        const expected = new Decimal(text).div(new Decimal(10).pow(digits)).mul(100_000_000);
        expect(markupPointsToE8(parseE8(text), digits), `${text} points, ${digits} digits`).toBe(expected.toNumber());
        expect(expected.isInteger()).toBe(true);
      }
    }
    // 2.3 points on USDJPY (3 digits) and 4.1 on XAUUSD (2 digits): refused as too fine before.
    expect(markupPointsToE8(parseE8('2.3'), 3)).toBe(230_000);
    expect(markupPointsToE8(parseE8('4.1'), 2)).toBe(4_100_000);
    // Finer than 1e-8 in price is refused, not rounded: 0.1 point on an 8-digit instrument.
    expect(markupPointsToE8(parseE8('0.1'), 8)).toBeNull();
  });
});

