// One quote fan-out run outside the full bench, for before/after checks of a single change:
// node --expose-gc bin/run-ts.mjs bench/quotes-once.ts RATE [SECONDS]   (10 subscribers)

import { runQuoteRig } from './support/quote-rig.js';

const [rate = '10000', seconds = '3'] = process.argv.slice(2);
const { rates, engine } = await runQuoteRig([Number(rate)], Number(seconds));
const e = engine as { cpuUsPerOrderSteady?: unknown; cpuMsAfterReady?: number } | null;
console.log(JSON.stringify({ ...rates[0], engineCpuMsAfterReady: e?.cpuMsAfterReady ?? null }));
