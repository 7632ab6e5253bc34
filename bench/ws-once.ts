// The WebSocket benchmarks outside the full bench, for before/after checks of one change:
// node --expose-gc bin/run-ts.mjs bench/ws-once.ts [hop|fanout] [RUNS] [SECONDS]
// hop: web platform order hop and the bare ws echo at 1,000 and 5,000/s; fanout: 8 readers with
// and without a stalled ninth client, and the bare ws broadcast.

import { runWsEchoFanout, runWsEchoHop, runWsFanout, runWsHop } from './support/ws-rig.js';

const [what = 'hop', runsArg = '3', secondsArg = '5'] = process.argv.slice(2);
const runs = Number(runsArg);
const seconds = Number(secondsArg);
for (let r = 0; r < runs; r++) {
  if (what === 'hop') {
    const hop = await runWsHop([1_000, 5_000], seconds, 1);
    const echo = await runWsEchoHop([1_000, 5_000], seconds, 1);
    console.log(JSON.stringify({ run: r, engine: hop.rates.map((x) => ({ rate: x.offeredPerSec, answered: x.answered, ...x.roundTripUs })), cpuUsPerOrder: hop.engine?.['cpuUsPerOrderSteady'], bareWs: echo.map((x) => ({ rate: x.offeredPerSec, ...x.roundTripUs })) }));
  } else {
    const plain = await runWsFanout(8, false, 1_000, seconds, 500);
    const stalled = await runWsFanout(8, true, 1_000, seconds, 500);
    const echo = await runWsEchoFanout(8, 1_000, seconds);
    const row = (x: typeof plain): Record<string, unknown> => ({ priceP50: x.priceUs.p50, priceP99: x.priceUs.p99, orderP50: x.orderRoundTripUs.p50, orderP99: x.orderRoundTripUs.p99, gaps: x.priceGaps, cut: x.slowConsumersDisconnected, peakRssMiB: x.engine?.['peakRssMiB'] });
    console.log(JSON.stringify({ run: r, plain: row(plain), stalled: row(stalled), bareWs: { p50: echo.p50, p99: echo.p99 } }));
  }
}
