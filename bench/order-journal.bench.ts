// What the order desk's write-ahead journal costs per order, by fsync policy: an order opened
// (journaled before its send) and its fill booked and closed, on the run's own disk, timed on the
// thread that routes. 'always' puts a disk flush on that thread for every record.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { FileOrderJournal, type JournalFsync } from '../src/app/live/order-journal.js';
import { DEFAULT_DESK_OPTIONS, OrderDesk, type OpenOrder } from '../src/core/orders/order-desk.js';
import { spreadOf, type Spread } from './support/stats.js';

export interface JournalBenchResult {
  /** µs per order (open + fill + close: three records), per policy. */
  readonly perOrderUs: Record<JournalFsync, Spread>;
  readonly orders: Record<JournalFsync, number>;
}

function onePass(policy: JournalFsync, orders: number): number {
  const dir = mkdtempSync(join(tmpdir(), 'sb-journal-bench-'));
  try {
    const journal = new FileOrderJournal(dir, policy);
    const desk = new OrderDesk(journal, { ...DEFAULT_DESK_OPTIONS, duplicateWindow: 100_000 });
    journal.load(desk);
    const base: Omit<OpenOrder, 'correlationId' | 'clOrdId'> = { session: 'PLAT', platformSymbol: 'EURUSD', side: 'buy', orderQtyE8: 10_000_000, priceDigits: 5, pointE8: 1_000, markupE8: 2_000, quotedLpPxE8: 108_500_000, lp: 'LP_A', lpSymbol: 'EUR/USD', executedBy: 'production', sentAtMs: Date.now() };
    const start = performance.now();
    for (let i = 0; i < orders; i++) {
      const cid = `bench-${i}`;
      desk.open({ ...base, correlationId: cid, clOrdId: `C${i}` });
      desk.onExecution(cid, { lp: 'LP_A', lpOrderId: `L${i}`, execId: `X${i}`, kind: 'fill', lastQtyE8: 10_000_000, lastPxE8: 108_500_000, cumQtyE8: 0, avgPxE8: 0, terminal: false, text: '' }, Date.now());
    }
    const us = ((performance.now() - start) * 1000) / orders;
    journal.close();
    return us;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function runJournalBench(quick: boolean): JournalBenchResult {
  const rounds = quick ? 1 : 3;
  const orders: Record<JournalFsync, number> = { never: quick ? 5_000 : 20_000, interval: quick ? 5_000 : 20_000, always: quick ? 200 : 1_000 };
  const perOrderUs = {} as Record<JournalFsync, Spread>;
  for (const policy of ['never', 'interval', 'always'] as const) {
    const runs: number[] = [];
    for (let r = 0; r < rounds; r++) runs.push(onePass(policy, orders[policy]));
    perOrderUs[policy] = spreadOf(runs);
  }
  return { perOrderUs, orders };
}
