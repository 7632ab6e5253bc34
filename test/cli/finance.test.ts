// finance.csv and finance-summary.csv in a replay's run folder: the documented headers exactly,
// one row per order, every USD figure the row's own quote figure times the row's rate (decimal.js,
// rounded once), and the summary's totals equal to the sums of the rows to the last digit.

import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parse } from 'csv-parse/sync';
import { Decimal } from 'decimal.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CANDIDATE_DIR, PRODUCTION_DIR, ROOT } from '../support/builders.js';

const exec = promisify(execFile);
const tmp = mkdtempSync(join(tmpdir(), 'sb-finance-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const run = join(tmp, 'x');
type Row = Record<string, string>;
let rows: Row[];
let summary: Row[];
let rowsText: string;
let summaryText: string;

beforeAll(async () => {
  await exec(process.execPath, [join(ROOT, 'bin', 'shadow-bridge.mjs'), 'replay', join(ROOT, 'scenarios', 'london-normal.jsonl'), '--production', PRODUCTION_DIR, '--candidate', CANDIDATE_DIR, '--out', run]);
  rowsText = readFileSync(join(run, 'finance.csv'), 'utf8');
  summaryText = readFileSync(join(run, 'finance-summary.csv'), 'utf8');
  rows = parse(rowsText, { columns: true }) as Row[];
  summary = parse(summaryText, { columns: true }) as Row[];
}, 60_000);

describe('finance export', () => {
  it('has exactly the documented headers and one row per order', () => {
    expect(rowsText.split('\n')[0]).toBe('correlation_id,client_order_id,time,account,group,symbol,side,volume,executed_by,production_lp,candidate_lp,production_client_price,candidate_client_price,production_revenue_quote,candidate_revenue_quote,quote_ccy,usd_rate,production_revenue_usd,candidate_revenue_usd,delta_usd,basis');
    expect(summaryText.split('\n')[0]).toBe('day,lp,group,symbol,orders,production_revenue_usd,candidate_revenue_usd,delta_usd,basis');
    const orders = readFileSync(join(run, 'orders.jsonl'), 'utf8').split('\n').filter((l) => l.includes('"step":"received"')).length;
    expect(rows).toHaveLength(orders);
    expect(new Set(rows.map((r) => r['correlation_id'])).size).toBe(orders);
    expect(rows.filter((r) => r['basis'] === 'executed').map((r) => r['client_order_id']).sort()).toEqual(expect.arrayContaining(['LDN-FILL-1', 'LDN-PART-1']));
  });

  it('converts each row at its own written rate, and the summary adds the rows to the last digit', () => {
    for (const r of rows) {
      for (const who of ['production', 'candidate'] as const) {
        if (r[`${who}_revenue_usd`] === '') continue;
        expect(new Decimal(r[`${who}_revenue_quote`] as string).mul(r['usd_rate'] as string).toDecimalPlaces(8, Decimal.ROUND_HALF_EVEN).toFixed(), `${r['correlation_id']} ${who}`).toBe(r[`${who}_revenue_usd`]);
      }
      if (r['delta_usd'] !== '') expect(new Decimal(r['candidate_revenue_usd'] as string).minus(r['production_revenue_usd'] as string).toFixed()).toBe(r['delta_usd']);
      if (r['quote_ccy'] === 'USD') expect(r['usd_rate']).toBe('1');
      for (const v of [r['production_revenue_quote'], r['production_revenue_usd'], r['usd_rate']]) expect(v).not.toMatch(/e/i); // never exponent notation
    }
    // Independently: group the rows the way the summary says it does, and add them.
    const want = new Map<string, { orders: number; p: Decimal; c: Decimal; d: Decimal }>();
    for (const r of rows) {
      const key = [r['time']?.slice(0, 10), r['executed_by'] === 'production' ? (r['production_client_price'] === '' ? '' : r['production_lp']) : r['candidate_lp'], r['group'], r['symbol'], r['basis']].join('|');
      const g = want.get(key) ?? { orders: 0, p: new Decimal(0), c: new Decimal(0), d: new Decimal(0) };
      g.orders++;
      if (r['production_revenue_usd'] !== '') g.p = g.p.plus(r['production_revenue_usd'] as string);
      if (r['candidate_revenue_usd'] !== '') g.c = g.c.plus(r['candidate_revenue_usd'] as string);
      if (r['delta_usd'] !== '') g.d = g.d.plus(r['delta_usd'] as string);
      want.set(key, g);
    }
    expect(summary).toHaveLength(want.size);
    for (const s of summary) {
      const g = want.get([s['day'], s['lp'], s['group'], s['symbol'], s['basis']].join('|'));
      expect(g, JSON.stringify(s)).toBeDefined();
      expect(Number(s['orders'])).toBe(g?.orders);
      expect(s['production_revenue_usd']).toBe(g?.p.toFixed());
      expect(s['candidate_revenue_usd']).toBe(g?.c.toFixed());
      expect(s['delta_usd']).toBe(g?.d.toFixed());
    }
    const total = (col: string, of: Row[]): string => of.reduce((a, r) => (r[col] === '' ? a : a.plus(r[col] as string)), new Decimal(0)).toFixed();
    expect(total('production_revenue_usd', summary)).toBe(total('production_revenue_usd', rows));
    expect(total('delta_usd', summary)).toBe(total('delta_usd', rows));
    // The candidate's retail EURUSD markup cut (8 -> 6 points) shows as a negative delta there.
    const eurRetail = rows.filter((r) => r['symbol'] === 'EURUSD' && (r['group'] ?? '').startsWith('real\\retail') && r['delta_usd'] !== '');
    expect(eurRetail.length).toBeGreaterThan(0);
    for (const r of eurRetail) expect(new Decimal(r['delta_usd'] as string).isNegative()).toBe(true);
  });

  it('recomputes a row from the order: markup x lots x contract size', () => {
    const jpy = rows.find((r) => r['quote_ccy'] === 'JPY' && r['basis'] === 'modelled' && r['production_revenue_quote'] !== '0') as Row;
    expect(jpy).toBeDefined();
    const divergences = readFileSync(join(run, 'orders.jsonl'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
    const routed = divergences.find((d) => d['step'] === 'routed' && d['correlationId'] === jpy['correlation_id']) as Record<string, number>;
    const lots = new Decimal(jpy['volume'] as string);
    expect(new Decimal(routed['markupE8'] as number).div(1e8).mul(lots).mul(100_000).toFixed()).toBe(jpy['production_revenue_quote']);
  });
});
