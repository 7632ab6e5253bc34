// The order tracker for the life of a process: orders tracked and booked one after another past
// its 100,000-order bound (each new one forgets the oldest), one execution each, as the live
// engine does. Mean and worst time per order, and how many orders took over 0.5 ms: a stall on
// the routing thread shows here as the worst, not in the mean.
// node bin/run-ts.mjs bench/tracker-churn.ts [ORDERS=1000000] [MAX=100000]

import type { LpExecution } from '../src/core/model/lifecycle.js';
import { OrderTracker } from '../src/core/shadow/order-tracker.js';

const ORDERS = Number(process.argv[2] ?? 1_000_000);
const MAX = Number(process.argv[3] ?? 100_000);
const tracker = new OrderTracker(MAX);
let totalNs = 0;
let worstNs = 0;
let over = 0;
for (let i = 0; i < ORDERS; i++) {
  const correlationId = `bench-${i}`;
  const exec: LpExecution = { lp: 'LP_A', clientOrderId: `C${i}`, lpOrderId: `L${i}`, execId: `E${i}`, execType: 'fill', lastQtyE8: 100_000_000, lastPxE8: 108_500_000, text: '' };
  const t0 = process.hrtime.bigint();
  tracker.track({ correlationId, clientOrderId: `C${i}`, session: 'S1', lp: 'LP_A', volumeE8: 100_000_000, cumQtyE8: 0, status: 'working' });
  tracker.book(correlationId, exec);
  const ns = Number(process.hrtime.bigint() - t0);
  if (i < MAX) continue; // filling: not the steady state
  totalNs += ns;
  if (ns > worstNs) worstNs = ns;
  if (ns > 500_000) over++;
}
console.log(JSON.stringify({ bench: 'tracker-churn', orders: ORDERS - MAX, maxOrders: MAX, meanNs: Math.round(totalNs / (ORDERS - MAX)), worstUs: Math.round(worstNs / 1000), ordersOver500us: over }));
