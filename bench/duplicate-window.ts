// The duplicate-ClOrdID window at its full 1,000,000 ids: heap held, time to fill, and one full
// GC with the window alive, for the fingerprints the desk keeps (src/core/util/fingerprint-window.ts)
// against the Set of strings and insertion ring it kept before (re-created here for the comparison).
// node --expose-gc bin/run-ts.mjs bench/duplicate-window.ts [fingerprints|strings]   (one kind per process)

import { FingerprintWindow } from '../src/core/util/fingerprint-window.js';

const IDS = 1_000_000;
const kind = process.argv[2] ?? 'fingerprints';
const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error('run with node --expose-gc');
/** ClOrdID-like: about 16 characters, distinct, built per order as a decoder would hand them over. */
const idOf = (i: number): string => `C${(1e12 + i * 7919).toString(36)}-${i}`;

gc();
const before = process.memoryUsage();
const t0 = performance.now();
let held: unknown;
if (kind === 'strings') {
  const ids = new Set<string>();
  const ring: string[] = [];
  for (let i = 0; i < IDS; i++) {
    const id = idOf(i);
    ids.add(id);
    ring.push(id);
  }
  held = [ids, ring];
} else {
  const window = new FingerprintWindow(IDS);
  for (let i = 0; i < IDS; i++) window.add(idOf(i));
  held = window;
}
const fillMs = performance.now() - t0;
gc();
await new Promise((resolve) => setTimeout(resolve, 200)); // the ArrayBuffer sweeper frees grown-out arrays
gc();
const after = process.memoryUsage();
const t1 = performance.now();
gc();
const fullGcMs = performance.now() - t1;
console.log(JSON.stringify({ bench: 'duplicate-window', kind, ids: IDS, heapMB: +((after.heapUsed - before.heapUsed) / 1e6).toFixed(1), offHeapMB: +((after.arrayBuffers - before.arrayBuffers) / 1e6).toFixed(1), fillMs: Math.round(fillMs), fullGcMs: +fullGcMs.toFixed(1), held: held !== null }));
