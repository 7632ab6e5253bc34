// The finance ledger's counterfactual: the router that did not execute gets the executing
// router's outcome when it chose the same LP, and its own LP's observed fill rate when it chose
// another; an LP's reject is an executed zero, not a modelled full fill.

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterAll, describe, expect, it } from 'vitest';
import type { LifecycleEntry } from '../../src/core/model/lifecycle.js';
import type { Decision } from '../../src/core/model/types.js';
import { FinanceLedger } from '../../src/exporters/finance.js';

const tmp = mkdtempSync(join(tmpdir(), 'sb-ledger-'));
afterAll(() => { if (!process.env['KEEP_TMP']) rmSync(tmp, { recursive: true, force: true }); });

const E8 = 100_000_000;
const decision = (router: string, lp: string | null, markupPoints: number): Decision => ({
  router, configHash: `sha256:${router}`, action: lp === null ? 'reject' : 'route', rejectReason: lp === null ? 'no_liquidity' : null, detail: null, ruleId: 'r', instrument: 'EURUSD', digits: 5,
  lp, lpSymbol: lp === null ? null : 'EURUSD', selectionMode: 'priority', volumeE8: 1 * E8, lpPriceE8: 1.085 * E8, markupE8: markupPoints * 1_000, clientPriceE8: 1.085 * E8 + markupPoints * 1_000, markupProfile: 'p', pool: [], skipped: [], failover: false,
});
let seq = 0;
const entry = (step: LifecycleEntry['step'], cid: string, fields: LifecycleEntry['fields'] = {}, lp: string | null = null): LifecycleEntry => ({ seq: ++seq, atUs: Date.UTC(2026, 6, 8, 9) * 1000 + seq, step, correlationId: cid, clientOrderId: cid, lp, rejectReason: null, fields });

function order(ledger: FinanceLedger, cid: string, production: Decision, candidate: Decision, outcome: 'fill' | 'reject' | 'none'): void {
  ledger.onLifecycle(entry('received', cid, { account: '1', group: 'g', symbol: 'EURUSD', side: 'buy', volumeE8: E8 }));
  ledger.onLifecycle(entry('routed', cid, { executedBy: 'production', instrument: 'EURUSD', clientPriceE8: production.clientPriceE8, markupE8: production.markupE8 }, production.lp));
  ledger.onCompared(cid, production, candidate);
  if (outcome === 'fill') ledger.onLifecycle(entry('lp_fill', cid, { lastQtyE8: E8 }, production.lp));
  if (outcome === 'reject') ledger.onLifecycle(entry('lp_reject', cid, {}, production.lp));
}

describe('finance ledger counterfactual', () => {
  it('uses the same outcome on the same LP, and the other LP\'s observed fill rate elsewhere', () => {
    const ledger = new FinanceLedger({ instrument: () => ({ contractSize: 100_000, digits: 5 }), canonicalOf: () => undefined });
    // LP_Y, as production's own LP, filled one order and rejected one: a fill rate of 1/2.
    order(ledger, 'y-fill', decision('production', 'LP_Y', 10), decision('candidate', 'LP_Y', 10), 'fill');
    order(ledger, 'y-reject', decision('production', 'LP_Y', 10), decision('candidate', 'LP_Y', 10), 'reject');
    // Production at LP_X (filled); the candidate would have gone to LP_Y at 6 points.
    order(ledger, 'elsewhere', decision('production', 'LP_X', 8), decision('candidate', 'LP_Y', 6), 'fill');
    // Production at LP_X, rejected by it; the candidate chose LP_X too, at 6 points.
    order(ledger, 'same-rejected', decision('production', 'LP_X', 8), decision('candidate', 'LP_X', 6), 'reject');
    // Production at LP_X, no answer yet (modelled); the candidate at LP_Z, never seen (no rate).
    order(ledger, 'unseen', decision('production', 'LP_X', 8), decision('candidate', 'LP_Z', 6), 'none');
    ledger.write(join(tmp, 'f.csv'), join(tmp, 's.csv'));
    const rows = new Map((parse(readFileSync(join(tmp, 'f.csv'), 'utf8'), { columns: true }) as Record<string, string>[]).map((r) => [r['correlation_id'], r]));
    const pick = (cid: string) => { const r = rows.get(cid) as Record<string, string>; return [r['production_revenue_usd'], r['candidate_revenue_usd'], r['basis']]; };
    // 1 lot EURUSD = 100,000 EUR... quoted in USD: 10 points = 0.0001 x 100,000 = 10 USD.
    expect(pick('y-fill')).toEqual(['10', '10', 'executed']);
    expect(pick('y-reject')).toEqual(['0', '0', 'executed']);
    expect(pick('elsewhere')).toEqual(['8', '3', 'executed']); // 6 USD x LP_Y's fill rate 1/2
    expect(pick('same-rejected')).toEqual(['0', '0', 'executed']);
    expect(pick('unseen')).toEqual(['8', '6', 'modelled']);
  });
});

describe('finance ledger, a disk that refuses finance.csv', () => {
  it.each([false, true])('keeps taking orders, stays bounded, counts the rows it could not write, and fails at write() (background %s)', async (background) => {
    const books = { instrument: () => ({ contractSize: 100_000, digits: 5 }), canonicalOf: () => undefined };
    const rowsFile = join(tmp, 'no-such-dir', 'finance.csv');
    const ledger = new FinanceLedger(books, { file: rowsFile, maxRows: 8, background });
    for (let i = 0; i < 50; i++) {
      // Never a throw into the order path, nor (live) out of the idle moment that writes rows out.
      expect(() => order(ledger, `d-${i}`, decision('production', 'LP_X', 10), decision('candidate', 'LP_X', 7), 'fill')).not.toThrow();
      if (background) await new Promise((resolve) => setImmediate(resolve));
      expect((ledger as unknown as { rows: { size: number } }).rows.size).toBeLessThanOrEqual(8);
    }
    expect(ledger.lostRows).toBeGreaterThanOrEqual(42);
    expect(() => ledger.write(rowsFile, join(tmp, 'no-such-dir', 'summary.csv'))).toThrow(/SB_ERR_OUTPUT_IO: .*finance rows could not be written out, \d+ lost: .*ENOENT/);
  });
});

describe('finance ledger, bounded', () => {
  // background: the live engine's ledger writes rows out when idle and on the thread pool; close()
  // finishes the batch in flight. Otherwise (a replay) one row goes out as each new order comes in.
  it.each([false, true])('holds at most maxRows orders: the oldest are written out as the run goes, every row once, the summary still their exact sum (background %s)', async (background) => {
    const books = { instrument: () => ({ contractSize: 100_000, digits: 5 }), canonicalOf: () => undefined };
    const rowsFile = join(tmp, `bounded-${background}.csv`);
    const summaryFile = join(tmp, `bounded-summary-${background}.csv`);
    const ledger = new FinanceLedger(books, { file: rowsFile, maxRows: 8, background });
    const unbounded = new FinanceLedger(books);
    let peak = 0;
    const held: number[] = [];
    for (let i = 0; i < 100; i++) {
      // The same entries (the same times) to both ledgers.
      const calls: ((l: FinanceLedger) => void)[] = [];
      const recorder = { onLifecycle: (e: LifecycleEntry) => calls.push((l) => l.onLifecycle(e)), onCompared: (cid: string, p: Decision, c: Decision) => calls.push((l) => l.onCompared(cid, p, c)) } as unknown as FinanceLedger;
      order(recorder, `o-${i}`, decision('production', 'LP_X', 10 + (i % 3)), decision('candidate', i % 4 === 0 ? 'LP_Y' : 'LP_X', 7), i % 5 === 0 ? 'reject' : 'fill');
      for (const l of [ledger, unbounded]) for (const call of calls) call(l);
      if (background) await new Promise((resolve) => setImmediate(resolve)); // the routing thread goes idle
      peak = Math.max(peak, (ledger as unknown as { rows: Map<string, unknown> }).rows.size);
      held.push((ledger as unknown as { rows: Map<string, unknown> }).rows.size);
    }
    expect(peak).toBeLessThanOrEqual(8);
    // Replay: past the cap, each order in takes one row out, so the held count stays put. Live: at
    // each idle moment the rows past the cap (and some below it) go out.
    if (!background) expect(held).toEqual(Array.from({ length: 100 }, (_, i) => Math.min(i + 1, 8)));
    else expect(held.slice(8).every((n) => n <= 8) && held.slice(8).some((n) => n < 8)).toBe(true);
    expect(peak).toBeGreaterThan(0);
    const totals = ledger.write(rowsFile, summaryFile);
    unbounded.write(join(tmp, 'unbounded.csv'), join(tmp, 'unbounded-summary.csv'));
    const rows = parse(readFileSync(rowsFile, 'utf8'), { columns: true }) as Record<string, string>[];
    expect(totals.rows).toBe(100);
    expect(rows.map((r) => r['correlation_id'])).toEqual(Array.from({ length: 100 }, (_, i) => `o-${i}`));
    // Every order here was answered before it was written out: the rows are the unbounded ledger's
    // (the candidate's LP_Y figures use LP_Y's fill rate, which no production order gives: no rate).
    expect(readFileSync(rowsFile, 'utf8')).toBe(readFileSync(join(tmp, 'unbounded.csv'), 'utf8'));
    expect(readFileSync(summaryFile, 'utf8')).toBe(readFileSync(join(tmp, 'unbounded-summary.csv'), 'utf8'));
    // The summary is the rows' exact sum.
    const summary = parse(readFileSync(summaryFile, 'utf8'), { columns: true }) as Record<string, string>[];
    const cents = (v: string): bigint => BigInt(v.replace('.', '').padEnd(v.includes('.') ? v.indexOf('.') + 9 : v.length + 8, '0'));
    const sum = (list: Record<string, string>[], k: string): bigint => list.reduce((n, r) => n + (r[k] === '' ? 0n : cents(r[k] as string)), 0n);
    expect(sum(summary, 'production_revenue_usd')).toBe(sum(rows, 'production_revenue_usd'));
    expect(sum(summary, 'orders') / 100_000_000n).toBe(100n);
    expect(() => ledger.write(rowsFile, summaryFile)).toThrow(/already written/);
  });
});
