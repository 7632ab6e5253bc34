// The order desk and its journal: identity by (platform session, ClOrdID), LP fills to client
// fills (capped, marked up, short fills finished), LP silence, and a restart from the journal
// that finishes what a crash left in flight.

import { appendFileSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_DESK_OPTIONS, OrderDesk, type DeskExecution, type DeskJournal, type OpenOrder } from '../../src/core/orders/order-desk.js';
import { FileOrderJournal, parseJournal } from '../../src/app/live/order-journal.js';
import { MAX_EXECUTION_KEYS_PER_ORDER } from '../../src/core/util/execution-key.js';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
const tempDir = (): string => {
  const d = mkdtempSync(join(tmpdir(), 'sb-desk-'));
  dirs.push(d);
  return d;
};

const memoryJournal = (): DeskJournal & { records: string[] } => {
  const records: string[] = [];
  return {
    records,
    admitted: (s, c) => records.push(`id ${s} ${c}`),
    opened: (o) => records.push(`open ${o.correlationId}`),
    executed: (cid, x) => records.push(`exec ${cid} ${x.execId}`),
    statusRequested: (cid) => records.push(`status ${cid}`),
    closed: (cid, why) => records.push(`close ${cid} ${why}`),
  };
};

const order = (cid: string, over: Partial<OpenOrder> = {}): OpenOrder => ({
  correlationId: cid,
  session: 'MT5_RETAIL',
  clOrdId: 'C1',
  platformSymbol: 'EURUSD',
  side: 'buy',
  orderQtyE8: 10_000_000, // 0.1 lots
  priceDigits: 5,
  pointE8: 1_000,
  markupE8: 2_000, // 0.2 pips
  quotedLpPxE8: 108_500_000,
  lp: 'LP_A',
  lpSymbol: 'EUR/USD',
  executedBy: 'production',
  sentAtMs: 1_000,
  ...over,
});

const fill = (execId: string, qtyE8: number, pxE8: number, kind: DeskExecution['kind'] = 'partial_fill'): DeskExecution => ({
  lp: 'LP_A', lpOrderId: 'L1', execId, kind, lastQtyE8: qtyE8, lastPxE8: pxE8, cumQtyE8: 0, avgPxE8: 0, terminal: false, text: '',
});

describe('order desk', () => {
  it('classes an LP fill after the platform was told the order was rejected, and passes nothing on; a resend of a booked report stays a duplicate', () => {
    const desk = new OrderDesk(memoryJournal());
    desk.open(order('r-1'));
    const rejected = desk.onExecution('r-1', { ...fill('E1', 0, 0, 'reject'), text: 'Off quotes' }, 2_000);
    expect(rejected.reports.map((r) => r.ordStatus)).toEqual(['8']);
    const late = desk.onExecution('r-1', fill('E2', 10_000_000, 108_510_000, 'fill'), 3_000);
    expect(late.reports).toEqual([]);
    expect(late.reconciliations).toEqual([expect.objectContaining({ kind: 'fill_after_final', correlationId: 'r-1', clOrdId: 'C1', detail: expect.stringMatching(/told was rejected; not passed on/) })]);
    expect(desk.onExecution('r-1', { ...fill('E1', 0, 0, 'reject'), text: 'Off quotes' }, 3_500)).toMatchObject({ kind: 'duplicate', reconciliations: [] });
    // Filled, then a second fill: the platform was told filled at 0.1; the LP's extra is a break.
    desk.open(order('r-2', { clOrdId: 'C2' }));
    desk.onExecution('r-2', fill('F1', 10_000_000, 108_510_000, 'fill'), 4_000);
    expect(desk.onExecution('r-2', fill('F1', 10_000_000, 108_510_000, 'fill'), 4_100).kind).toBe('duplicate');
    expect(desk.onExecution('r-2', fill('F2', 10_000_000, 108_510_000, 'fill'), 4_200).reconciliations[0]).toMatchObject({ kind: 'fill_after_final', detail: expect.stringMatching(/told was filled at 10000000 E8/) });
    // A status answer that agrees with the final state is no break; one that disagrees is.
    expect(desk.onExecution('r-2', { ...fill('S1', 0, 0, 'status'), cumQtyE8: 10_000_000, terminal: true }, 4_300).reconciliations).toEqual([]);
    expect(desk.onExecution('r-2', { ...fill('S2', 0, 0, 'status'), cumQtyE8: 20_000_000, terminal: true }, 4_400).reconciliations[0]?.kind).toBe('lp_status_mismatch');
    // Another LP reporting on it is still an unknown execution.
    expect(desk.onExecution('r-2', { ...fill('X1', 10_000_000, 1, 'fill'), lp: 'LP_B' }, 4_500).reconciliations[0]?.kind).toBe('unknown_execution');
  });

  it('keeps two platforms that use the same ClOrdID apart: each gets its own fill', () => {
    const desk = new OrderDesk(memoryJournal());
    desk.open(order('r-1', { session: 'MT5_RETAIL', clOrdId: 'SAME' }));
    desk.open(order('r-2', { session: 'MT5_PRO', clOrdId: 'SAME' }));
    expect(desk.findByClient('MT5_RETAIL', 'SAME')?.correlationId).toBe('r-1');
    expect(desk.findByClient('MT5_PRO', 'SAME')?.correlationId).toBe('r-2');
    const a = desk.onExecution('r-1', fill('X1', 10_000_000, 108_500_000, 'fill'), 2_000);
    const b = desk.onExecution('r-2', fill('X1', 10_000_000, 108_510_000, 'fill'), 2_000);
    expect(a.reports.map((r) => [r.order.session, r.ordStatus, r.lastPxE8])).toEqual([['MT5_RETAIL', '2', 108_502_000]]);
    expect(b.reports.map((r) => [r.order.session, r.ordStatus, r.lastPxE8])).toEqual([['MT5_PRO', '2', 108_512_000]]);
    expect(desk.isDuplicate('MT5_RETAIL', 'SAME')).toBe(true);
    expect(desk.isDuplicate('MT5_OTHER', 'SAME')).toBe(false);
  });

  it('never passes on more than the order quantity: an overfill is capped and is a reconciliation break', () => {
    const desk = new OrderDesk(memoryJournal());
    desk.open(order('r-1'));
    const out = desk.onExecution('r-1', fill('X1', 20_000_000, 108_500_000, 'fill'), 2_000);
    expect(out.reports).toHaveLength(1);
    expect(out.reports[0]).toMatchObject({ execType: 'F', ordStatus: '2', lastQtyE8: 10_000_000, cumQtyE8: 10_000_000 });
    expect(out.reconciliations.map((r) => r.kind)).toEqual(['overfill']);
    expect(out.finished).toBe(true);
  });

  it('never gives the client a price beyond its limit when the LP fills beyond the limit sent: the client gets the limit, the LP\'s price is a break', () => {
    const desk = new OrderDesk(memoryJournal());
    // A buy limit: the LP was sent 1.08500 (the client's 1.08502 less the 0.2-pip markup).
    desk.open(order('r-1', { lpLimitPxE8: 108_500_000 }));
    const over = desk.onExecution('r-1', fill('X1', 10_000_000, 108_600_000, 'fill'), 2_000);
    expect(over.reports.map((r) => [r.ordStatus, r.lastPxE8])).toEqual([['2', 108_502_000]]);
    expect(over.reconciliations).toEqual([expect.objectContaining({ kind: 'lp_limit_breached', correlationId: 'r-1', detail: expect.stringMatching(/bought at 108600000 E8, beyond the order's limit 108500000 E8/) })]);
    // A sell limit filled below it, the same; a fill inside the limit (price improvement) is passed on as it is.
    desk.open(order('r-2', { clOrdId: 'C2', side: 'sell', lpLimitPxE8: 108_500_000 }));
    expect(desk.onExecution('r-2', fill('X2', 10_000_000, 108_400_000, 'fill'), 2_000).reports[0]?.lastPxE8).toBe(108_498_000);
    desk.open(order('r-3', { clOrdId: 'C3', lpLimitPxE8: 108_500_000 }));
    const better = desk.onExecution('r-3', fill('X3', 10_000_000, 108_490_000, 'fill'), 2_000);
    expect(better.reports[0]?.lastPxE8).toBe(108_492_000);
    expect(better.reconciliations).toEqual([]);
    // A market order (no limit, or a journal from before the limit was kept) has nothing to breach.
    desk.open(order('r-4', { clOrdId: 'C4' }));
    expect(desk.onExecution('r-4', fill('X4', 10_000_000, 108_900_000, 'fill'), 2_000).reconciliations).toEqual([]);
  });

  it('passes on a fill priced far from the quote the order was decided on, and says so: an lp_price_outlier break', () => {
    const desk = new OrderDesk(memoryJournal(), { ...DEFAULT_DESK_OPTIONS, fillOutlierPercent: 5 });
    desk.open(order('r-1')); // a market buy decided on a 1.08500 quote
    const wild = desk.onExecution('r-1', fill('X1', 10_000_000, 119_350_000, 'fill'), 2_000); // 10% above
    expect(wild.reports.map((r) => [r.ordStatus, r.lastPxE8])).toEqual([['2', 119_352_000]]);
    expect(wild.reconciliations).toEqual([expect.objectContaining({ kind: 'lp_price_outlier', detail: expect.stringMatching(/LP price 119350000 E8 is 10\.00% from the 108500000 E8 quote .* \(alert at 5%\); passed on/) })]);
    // Just inside the threshold (4.99%): nothing to say; at it, a break; below the quote counts the same.
    desk.open(order('r-2', { clOrdId: 'C2' }));
    expect(desk.onExecution('r-2', fill('X2', 10_000_000, 113_914_150, 'fill'), 2_000).reconciliations).toEqual([]);
    desk.open(order('r-3', { clOrdId: 'C3' }));
    expect(desk.onExecution('r-3', fill('X3', 10_000_000, 113_925_000, 'fill'), 2_000).reconciliations.map((r) => r.kind)).toEqual(['lp_price_outlier']);
    desk.open(order('r-4', { clOrdId: 'C4' }));
    expect(desk.onExecution('r-4', fill('X4', 10_000_000, 103_075_000, 'fill'), 2_000).reconciliations.map((r) => r.kind)).toEqual(['lp_price_outlier']);
  });

  it('finishes a short fill: the fill, then the rest canceled', () => {
    const desk = new OrderDesk(memoryJournal());
    desk.open(order('r-1'));
    const out = desk.onExecution('r-1', fill('X1', 4_000_000, 108_500_000, 'fill'), 2_000);
    expect(out.reports.map((r) => [r.execType, r.ordStatus, r.cumQtyE8])).toEqual([['F', '1', 4_000_000], ['4', '4', 4_000_000]]);
    expect(desk.openCount).toBe(0);
  });

  it('books each (LP OrderID, ExecID) once, and numbers the reports so no ExecID repeats', () => {
    const desk = new OrderDesk(memoryJournal());
    desk.open(order('r-1'));
    const first = desk.onExecution('r-1', fill('X1', 3_000_000, 108_500_000), 2_000);
    expect(desk.onExecution('r-1', fill('X1', 3_000_000, 108_500_000), 2_001).kind).toBe('duplicate');
    const second = desk.onExecution('r-1', fill('X2', 7_000_000, 108_501_000), 2_002);
    expect([...first.reports, ...second.reports].map((r) => r.number)).toEqual([1, 2]);
    expect(second.reports[0]).toMatchObject({ ordStatus: '2', cumQtyE8: 10_000_000 });
    // Average client price: (1.08502 x 0.03 + 1.08503 x 0.07) / 0.1, exactly.
    expect(second.reports[0]?.avgPxE8).toBe(108_502_700);
  });

  it('remembers a bounded number of acknowledgements per order, and still books every fill exactly once past it (a hostile LP)', () => {
    const desk = new OrderDesk(memoryJournal());
    desk.open(order('r-1'));
    const ack = (n: number): DeskExecution => ({ ...fill(`A${n}-${'x'.repeat(2_000)}`, 0, 0, 'new') });
    for (let n = 0; n < MAX_EXECUTION_KEYS_PER_ORDER + 50; n++) expect(desk.onExecution('r-1', ack(n), 2_000).kind).toBe('booked');
    // Early acknowledgements are remembered; ones past the bound are not (booking one again changes nothing).
    expect(desk.onExecution('r-1', ack(3), 2_001).kind).toBe('duplicate');
    expect(desk.onExecution('r-1', ack(MAX_EXECUTION_KEYS_PER_ORDER + 10), 2_001).kind).toBe('booked');
    // Fills past the bound are remembered: a resent one is never passed on twice.
    const first = desk.onExecution('r-1', fill('F1', 3_000_000, 108_500_000), 2_002);
    expect(first.reports[0]?.cumQtyE8).toBe(3_000_000);
    expect(desk.onExecution('r-1', fill('F1', 3_000_000, 108_500_000), 2_003).kind).toBe('duplicate');
    const last = desk.onExecution('r-1', fill('F2', 7_000_000, 108_500_000), 2_004);
    expect(last.reports[0]).toMatchObject({ ordStatus: '2', cumQtyE8: 10_000_000 });
    // And after the order is finished, a resent fill is still recognised.
    expect(desk.onExecution('r-1', fill('F1', 3_000_000, 108_500_000), 2_005).kind).toBe('duplicate');
  });

  it('says an execution for an order it does not hold is a reconciliation break, and for the wrong LP too', () => {
    const desk = new OrderDesk(memoryJournal());
    desk.open(order('r-1'));
    expect(desk.onExecution('r-9', fill('X1', 1, 1), 2_000).reconciliations[0]?.kind).toBe('unknown_execution');
    expect(desk.onExecution('r-1', { ...fill('X1', 1, 1), lp: 'LP_B' }, 2_000).kind).toBe('unknown_order');
  });

  it('asks a silent LP for the order status, tells the platform it is pending, then flags it unresolved and still passes on a late fill', () => {
    const journal = memoryJournal();
    const desk = new OrderDesk(journal, { ...DEFAULT_DESK_OPTIONS, lpTimeoutMs: 3_000, unresolvedAfterMs: 10_000, duplicateWindow: 100, maxOpenOrders: 100 });
    desk.open(order('r-1'));
    expect(desk.due(3_999)).toEqual([]);
    const [ask] = desk.due(4_000);
    expect(ask?.kind).toBe('request_status');
    expect(ask?.report).toMatchObject({ execType: 'A', ordStatus: 'A', number: 1 });
    expect(desk.due(5_000)).toEqual([]);
    const [gone] = desk.due(14_000);
    expect(gone?.kind).toBe('unresolved');
    expect(gone?.reconciliation?.kind).toBe('lp_unanswered');
    const late = desk.onExecution('r-1', fill('X1', 10_000_000, 108_500_000, 'fill'), 60_000);
    expect(late.reports.map((r) => [r.execType, r.ordStatus, r.number])).toEqual([['F', '2', 2]]);
    expect(journal.records).toContain('status r-1');
  });

  it('passes on fills the LP reports in a status answer but never sent, at the price that makes its average', () => {
    const desk = new OrderDesk(memoryJournal());
    desk.open(order('r-1'));
    desk.onExecution('r-1', fill('X1', 4_000_000, 108_500_000), 2_000);
    const status: DeskExecution = { lp: 'LP_A', lpOrderId: 'L1', execId: 'S1', kind: 'status', lastQtyE8: 0, lastPxE8: 0, cumQtyE8: 10_000_000, avgPxE8: 108_506_000, terminal: true, text: 'filled' };
    const out = desk.onExecution('r-1', status, 9_000);
    // The missing 0.06 lots were filled at (1.08506 x 0.1 - 1.085 x 0.04) / 0.06 = 1.0851.
    expect(out.reports.map((r) => [r.ordStatus, r.lastQtyE8, r.lastPxE8])).toEqual([['2', 6_000_000, 108_512_000]]);
    expect(out.reconciliations.map((r) => r.kind)).toEqual(['lp_status_mismatch']);
    expect(out.finished).toBe(true);
  });

  it('holds at most maxOpenOrders, forgetting the oldest with a reconciliation record', () => {
    const desk = new OrderDesk(memoryJournal(), { ...DEFAULT_DESK_OPTIONS, lpTimeoutMs: 1_000, unresolvedAfterMs: 1_000, duplicateWindow: 10, maxOpenOrders: 2 });
    desk.open(order('r-1', { clOrdId: 'A' }));
    desk.open(order('r-2', { clOrdId: 'B' }));
    expect(desk.open(order('r-3', { clOrdId: 'C' }))?.kind).toBe('evicted_unfinished');
    expect(desk.openOrders().map((o) => o.order.correlationId)).toEqual(['r-2', 'r-3']);
  });

  it('never reports more than the order quantity, whatever the LP sends (property)', () => {
    const exec = fc.record({
      kind: fc.constantFrom<DeskExecution['kind']>('new', 'fill', 'partial_fill', 'reject', 'canceled', 'status'),
      execId: fc.constantFrom('A', 'B', 'C', 'D', 'E', 'F'),
      qty: fc.integer({ min: 0, max: 30_000_000 }),
      px: fc.integer({ min: 1, max: 200_000_000 }),
      terminal: fc.boolean(),
    });
    fc.assert(fc.property(fc.array(exec, { maxLength: 12 }), (execs) => {
      const desk = new OrderDesk(memoryJournal(), { ...DEFAULT_DESK_OPTIONS, lpTimeoutMs: 1_000, unresolvedAfterMs: 1_000, duplicateWindow: 16, maxOpenOrders: 16 });
      desk.open(order('r-1'));
      let passedOn = 0;
      let last = 0;
      for (const e of execs) {
        const out = desk.onExecution('r-1', { lp: 'LP_A', lpOrderId: 'L', execId: e.execId, kind: e.kind, lastQtyE8: e.qty, lastPxE8: e.px, cumQtyE8: e.qty, avgPxE8: e.px, terminal: e.terminal, text: '' }, 2_000);
        for (const r of out.reports) {
          passedOn += r.lastQtyE8;
          expect(r.cumQtyE8).toBe(passedOn);
          expect(r.number).toBe(++last);
          if (r.execType === 'F') {
            expect(r.lastPxE8).toBeGreaterThan(0); // never a non-positive price to a client
            expect(r.lastPxE8 % 1_000).toBe(0); // on the instrument's point
          }
        }
      }
      expect(passedOn).toBeLessThanOrEqual(10_000_000);
    }), { numRuns: 500 });
  });
});

describe('order journal', () => {
  it('rebuilds the desk after a crash: open orders, fills so far, duplicate ids, and report numbers continue', () => {
    const dir = tempDir();
    const j1 = new FileOrderJournal(dir, 'never');
    const d1 = new OrderDesk(j1);
    j1.load(d1);
    d1.admit('MT5_RETAIL', 'REJECTED-1');
    d1.open(order('r-1', { clOrdId: 'A' }));
    d1.open(order('r-2', { clOrdId: 'B' }));
    d1.onExecution('r-1', fill('X1', 4_000_000, 108_500_000), 2_000);
    d1.onExecution('r-2', fill('X1', 10_000_000, 108_500_000, 'fill'), 2_000);
    // kill -9: no close, nothing flushed but what write() already put in the file.
    const j2 = new FileOrderJournal(dir, 'never');
    const d2 = new OrderDesk(j2);
    const recovery = j2.load(d2);
    expect(recovery).toMatchObject({ openOrders: 1, tornTail: false, skipped: 0 });
    expect(d2.openOrders()).toEqual([{ order: order('r-1', { clOrdId: 'A' }), cumQtyE8: 4_000_000, reports: 1 }]);
    expect(d2.isDuplicate('MT5_RETAIL', 'REJECTED-1')).toBe(true);
    expect(d2.isDuplicate('MT5_RETAIL', 'B')).toBe(true);
    // The LP resends the fill it sent before the crash, then the rest.
    expect(d2.onExecution('r-1', fill('X1', 4_000_000, 108_500_000), 3_000).kind).toBe('duplicate');
    const rest = d2.onExecution('r-1', fill('X2', 6_000_000, 108_500_000), 3_001);
    expect(rest.reports.map((r) => [r.number, r.ordStatus, r.cumQtyE8])).toEqual([[2, '2', 10_000_000]]);
    j2.close();
    // Compacted: the finished order's records are gone, the ids stay.
    const j3 = new FileOrderJournal(dir, 'never');
    const d3 = new OrderDesk(j3);
    j3.load(d3);
    expect(d3.openCount).toBe(0);
    expect(d3.isDuplicate('MT5_RETAIL', 'A')).toBe(true);
    expect(d3.isDuplicate('MT5_RETAIL', 'REJECTED-1')).toBe(true);
    expect(d3.isDuplicate('MT5_RETAIL', 'C')).toBe(false);
    expect(d3.isDuplicate('OTHER_SESSION', 'A')).toBe(false);
    j3.close();
  });

  it('compacts the remembered ClOrdIDs to fingerprints that keep the window\'s order, and refuses a malformed one', () => {
    const dir = tempDir();
    const options = { ...DEFAULT_DESK_OPTIONS, duplicateWindow: 3 };
    const j1 = new FileOrderJournal(dir, 'never');
    const d1 = new OrderDesk(j1, options);
    j1.load(d1);
    for (const id of ['A', 'B', 'C']) d1.admit('S', id);
    j1.close();
    const j2 = new FileOrderJournal(dir, 'never');
    j2.load(new OrderDesk(j2, options)); // compacts
    j2.close();
    const lines = readFileSync(j2.file, 'utf8').trim().split('\n');
    expect(lines.map((l) => (JSON.parse(l.slice(9)) as { t: string }).t)).toEqual(['fps']);
    expect((JSON.parse((lines[0] as string).slice(9)) as { f: string }).f).toMatch(/^[0-9a-f]{48}$/);
    // Restored from fingerprints, the window forgets its oldest first, as before the restart.
    const j3 = new FileOrderJournal(dir, 'never');
    const d3 = new OrderDesk(j3, options);
    j3.load(d3);
    d3.admit('S', 'D');
    expect(['A', 'B', 'C', 'D'].map((id) => d3.isDuplicate('S', id))).toEqual([false, true, true, true]);
    j3.close();
    // A fingerprint record whose checksum holds but whose hex does not is corruption, not a torn write.
    const bad = '{"t":"fps","s":"S","f":"xyz"}';
    writeFileSync(j3.file, `${crc32(bad).toString(16).padStart(8, '0')} ${bad}\n${lines[0]}\n`);
    const j4 = new FileOrderJournal(dir, 'never');
    expect(() => j4.load(new OrderDesk(j4, options))).toThrow(/SB_ERR_JOURNAL_CORRUPT: .*fingerprint record/);
    j4.close();
  });

  it('reads back every record it wrote, whatever the ids hold (checksums over the bytes written)', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.string({ unit: 'binary', maxLength: 24 }), fc.string({ unit: 'binary', maxLength: 24 })), { minLength: 1, maxLength: 12 }), (ids) => {
        const dir = tempDir();
        const j1 = new FileOrderJournal(dir, 'never');
        const d1 = new OrderDesk(j1);
        j1.load(d1);
        ids.forEach(([clOrdId, symbol], i) => {
          d1.admit('S', `id-${clOrdId}`);
          d1.open(order(`r-${i}`, { clOrdId, platformSymbol: symbol }));
        });
        // kill -9: what write() put in the file is all there is.
        const j2 = new FileOrderJournal(dir, 'never');
        const d2 = new OrderDesk(j2);
        expect(j2.load(d2)).toMatchObject({ openOrders: ids.length, tornTail: false, skipped: 0 });
        expect(d2.openOrders().map((o) => o.order)).toEqual(ids.map(([clOrdId, symbol], i) => order(`r-${i}`, { clOrdId, platformSymbol: symbol })));
        for (const [clOrdId] of ids) expect(d2.isDuplicate('S', `id-${clOrdId}`)).toBe(true);
        j1.close();
        j2.close();
      }),
      { numRuns: 60 },
    );
  });

  it('writes an order\'s ClOrdID once, inside its open record; a ClOrdID never opened keeps its own record', () => {
    const dir = tempDir();
    const j1 = new FileOrderJournal(dir, 'never');
    const d1 = new OrderDesk(j1);
    j1.load(d1);
    let flush: (() => void) | null = null;
    j1.scheduleFlush = (f) => void (flush = f); // the live engine's end of turn
    d1.admit('MT5_RETAIL', 'REJECTED-1');
    d1.admit('MT5_RETAIL', 'A');
    d1.open(order('r-1', { clOrdId: 'A' }));
    d1.admit('MT5_RETAIL', 'B');
    (flush as (() => void) | null)?.();
    const kinds = readFileSync(j1.file, 'utf8').trim().split('\n').map((l) => (JSON.parse(l.slice(9)) as { t: string; c?: string }));
    expect(kinds.map((r) => (r.t === 'id' ? `id:${r.c}` : r.t))).toEqual(['id:REJECTED-1', 'open', 'id:B']);
    const j2 = new FileOrderJournal(dir, 'never');
    const d2 = new OrderDesk(j2);
    j2.load(d2);
    for (const id of ['REJECTED-1', 'A', 'B']) expect(d2.isDuplicate('MT5_RETAIL', id)).toBe(true);
    expect(d2.openCount).toBe(1);
    j1.close();
    j2.close();
  });

  it('writes records field by field that read back as JSON.stringify of the record would (any text, any number)', () => {
    const text = fc.oneof(fc.string({ unit: 'binary', maxLength: 16 }), fc.string({ maxLength: 8 }));
    const num = fc.oneof(fc.integer(), fc.double(), fc.constantFrom(0, -0, Number.MAX_SAFE_INTEGER, 2 ** 60, -1e21, Number.NaN, Number.POSITIVE_INFINITY));
    // lpLimitPxE8 absent: an open record from a journal written before the limit was kept.
    const openOrder = fc.record({ correlationId: text, session: text, clOrdId: text, platformSymbol: text, side: fc.constantFrom('buy', 'sell'), orderQtyE8: num, priceDigits: num, pointE8: num, markupE8: num, quotedLpPxE8: num, lpLimitPxE8: num, lp: text, lpSymbol: text, executedBy: text, sentAtMs: num }, { requiredKeys: ['correlationId', 'session', 'clOrdId', 'platformSymbol', 'side', 'orderQtyE8', 'priceDigits', 'pointE8', 'markupE8', 'quotedLpPxE8', 'lp', 'lpSymbol', 'executedBy', 'sentAtMs'] }) as fc.Arbitrary<OpenOrder>;
    const exec = fc.record({ lp: text, lpOrderId: text, execId: text, kind: fc.constantFrom('new', 'fill', 'partial_fill', 'reject', 'canceled', 'status'), lastQtyE8: num, lastPxE8: num, cumQtyE8: num, avgPxE8: num, terminal: fc.boolean(), text }) as fc.Arbitrary<DeskExecution>;
    const record = fc.oneof(
      fc.record({ t: fc.constant('id' as const), s: text, c: text }),
      fc.record({ t: fc.constant('open' as const), o: openOrder }),
      fc.record({ t: fc.constant('exec' as const), cid: text, at: num, x: exec }),
      fc.record({ t: fc.constant('status' as const), cid: text, at: num }),
      fc.record({ t: fc.constant('close' as const), cid: text, why: text }),
    );
    fc.assert(
      fc.property(fc.array(record, { minLength: 1, maxLength: 8 }), (records) => {
        const dir = tempDir();
        const j = new FileOrderJournal(dir, 'never');
        for (const r of records) {
          if (r.t === 'id') j.admitted(r.s, r.c);
          else if (r.t === 'open') j.opened(r.o);
          else if (r.t === 'exec') j.executed(r.cid, r.x, r.at);
          else if (r.t === 'status') j.statusRequested(r.cid, r.at);
          else j.closed(r.cid, r.why);
        }
        j.close();
        // Without an end-of-turn hook every record is written as it comes (no id record left out).
        const expected = records;
        const read = parseJournal(j.file, readFileSync(j.file), false);
        expect(read.records).toEqual(expected.map((r) => JSON.parse(JSON.stringify(r)) as unknown));
        expect(read.tornTail).toBe(false);
      }),
      { numRuns: 300 },
    );
  });

  it('drops a torn last record, and refuses to start on a corrupt one in the middle, naming file and offset', () => {
    const dir = tempDir();
    const j1 = new FileOrderJournal(dir, 'never');
    const d1 = new OrderDesk(j1);
    j1.load(d1);
    d1.open(order('r-1', { clOrdId: 'A' }));
    d1.open(order('r-2', { clOrdId: 'B' }));
    j1.close();
    appendFileSync(j1.file, '1234abcd {"t":"open","o":{"corr'); // a write cut short
    const torn = new FileOrderJournal(dir, 'never');
    expect(torn.load(new OrderDesk(torn))).toMatchObject({ tornTail: true, openOrders: 2 });
    torn.close();
    const lines = readFileSync(j1.file, 'utf8').split('\n');
    const at = lines.findIndex((l) => l.includes('"r-2"'));
    const offset = lines.slice(0, at).reduce((n, l) => n + l.length + 1, 0);
    // That record no longer matches its checksum, and a good record follows it.
    lines[at] = (lines[at] as string).replace('r-2', 'r-X');
    writeFileSync(j1.file, [...lines.slice(0, -1), lines[0], ''].join('\n'));
    const corrupt = new FileOrderJournal(dir, 'never');
    expect(() => corrupt.load(new OrderDesk(corrupt))).toThrow(new RegExp(`SB_ERR_JOURNAL_CORRUPT: .*orders\\.journal: byte offset ${offset} \\(line ${at + 1}\\): checksum`));
    corrupt.close();
    const recovering = new FileOrderJournal(dir, 'never');
    expect(recovering.load(new OrderDesk(recovering), true)).toMatchObject({ skipped: 1 });
    recovering.close();
  });

  it('refuses an order it cannot journal (a full disk), and keeps running', () => {
    const journal = new FileOrderJournal(tempDir(), 'never');
    const desk = new OrderDesk(journal);
    journal.load(desk);
    // Point the journal at /dev/full: every write fails with ENOSPC.
    (journal as unknown as { fd: number }).fd = openSync('/dev/full', 'w');
    expect(() => desk.open(order('r-1'))).toThrow(/SB_ERR_JOURNAL_IO: .*ENOSPC/);
    expect(desk.openCount).toBe(0);
    expect(journal.failure()?.code).toBe('SB_ERR_JOURNAL_IO');
  });
});
