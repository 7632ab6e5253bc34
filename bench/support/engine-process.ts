// The engine under test, in its own process. argv[2] is a JSON LiveConfig; optional argv[3]:
// "slow:<µs>" makes the candidate busy-wait that long per decision (a 10x slower candidate).
// Prints "ready PORT"; on SIGTERM prints one JSON line with RSS, GC pauses and the summary.

import { writeFileSync } from 'node:fs';
import { constants, monitorEventLoopDelay, PerformanceObserver, performance } from 'node:perf_hooks';
import { writeHeapSnapshot } from 'node:v8';
import type { LiveConfigInput as LiveConfig } from '../../src/app/live-config.js';
import { startLiveEngine } from '../../src/app/live-engine.js';
import type { Router } from '../../src/core/routing/router.js';

const config = JSON.parse(process.argv[2] as string) as LiveConfig;
const variant = process.argv[3] ?? '';
const slowUs = variant.startsWith('slow:') ? Number(variant.slice(5)) : 0;
const wrap = slowUs > 0
  ? (router: Router): Router => ({
      name: router.name,
      configHash: router.configHash,
      decide(context) {
        const until = performance.now() + slowUs / 1000;
        while (performance.now() < until) {
          // busy: a candidate that costs CPU, like a heavier routing model would
        }
        return router.decide(context);
      },
    })
  : undefined;

const gcPausesMs: number[] = [];
/** Pauses by V8's kind of collection (scavenge, mark-compact...): which one a p99 stall is. */
const gcByKind: Record<string, { count: number; totalMs: number; maxMs: number }> = {};
const GC_KINDS: Record<number, string> = { [constants.NODE_PERFORMANCE_GC_MINOR]: 'scavenge', [constants.NODE_PERFORMANCE_GC_MAJOR]: 'markCompact', [constants.NODE_PERFORMANCE_GC_INCREMENTAL]: 'incrementalMarking', [constants.NODE_PERFORMANCE_GC_WEAKCB]: 'weakCallbacks' };
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) {
    gcPausesMs.push(e.duration);
    const kind = GC_KINDS[((e as { detail?: { kind?: number } }).detail)?.kind ?? -1] ?? 'other';
    const k = (gcByKind[kind] ??= { count: 0, totalMs: 0, maxMs: 0 });
    k.count++;
    k.totalMs += e.duration;
    k.maxMs = Math.max(k.maxMs, e.duration);
  }
}).observe({ entryTypes: ['gc'] });
const loopDelay = monitorEventLoopDelay({ resolution: 1 });
loopDelay.enable();
let peakRss = 0;
// CPU and orders sampled together: CPU per order over the span where orders flowed, without
// start-up (module loading, JIT warm-up) or the shutdown's forced full GC.
const cpuSamples: { cpuUs: number; orders: number }[] = [];
let engineRef: { summary(): { orders: number }; resetShadowQueueStats(): void } | null = null;
const rssTimer = setInterval(() => {
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
  if (engineRef !== null) {
    const u = process.cpuUsage();
    cpuSamples.push({ cpuUs: u.user + u.system, orders: engineRef.summary().orders });
  }
}, 250);

function steadyCpuUsPerOrder(): number | null {
  const first = cpuSamples.findIndex((x) => x.orders > 0);
  let last = cpuSamples.length - 1;
  while (last > 0 && cpuSamples[last]!.orders === cpuSamples[last - 1]!.orders) last--;
  if (first < 0 || last <= first) return null;
  const a = cpuSamples[first]!;
  const b = cpuSamples[last]!;
  return Math.round((b.cpuUs - a.cpuUs) / (b.orders - a.orders));
}

const cpuAtStart = process.cpuUsage();
const engine = await startLiveEngine(config, 'bench', wrap === undefined ? {} : { wrapCandidate: wrap });
// CPU from here on is the engine at work, without module loading and bundle compilation.
const cpuAtReady = process.cpuUsage();
engineRef = engine;
console.log(`ready ${engine.platformPort} ${engine.wsPort ?? 0}`);
// Allocation marks (bench/support/hop-rig.ts): "mark" on stdin -> a minor GC, whose trace line
// (--trace-gc-nvp) counts every byte allocated so far, then "marked".
// BENCH_HEAP_SAMPLE=FILE: V8's sampling heap profiler between the first and the second mark, every
// allocation kept (collected ones too): where the bytes of the order path are allocated.
// With BENCH_HEAP_SAMPLE_LIVE=1 only what is still alive then: what the engine holds on to.
const heapSampleFile = process.env['BENCH_HEAP_SAMPLE'];
const inspector = heapSampleFile === undefined ? null : new (await import('node:inspector')).Session();
inspector?.connect();
let marksSeen = 0;

// BENCH_HEAP_SNAPSHOT=PREFIX: heap snapshots at the first mark (PREFIX.1) and a second later
// (PREFIX.2, while orders flow), and the order counts at both (PREFIX.orders). Objects in the
// second and not in the first are what the engine held on to from that second's orders: what its
// scavenges copy (bench/support/heap-diff.ts). BENCH_HEAP_SNAPSHOT_GAP_MS sets the gap: a short
// one also shows what lives a few turns (what a scavenge finds alive that is not held for long).
const heapSnapshotPrefix = process.env['BENCH_HEAP_SNAPSHOT'];
function snapshotTwice(prefix: string): void {
  const ordersBefore = engineRef?.summary().orders ?? 0;
  writeHeapSnapshot(`${prefix}.1`);
  setTimeout(() => {
    const ordersAfter = engineRef?.summary().orders ?? 0;
    writeHeapSnapshot(`${prefix}.2`);
    writeFileSync(`${prefix}.orders`, `${ordersBefore} ${ordersAfter}\n`);
  }, Number(process.env['BENCH_HEAP_SNAPSHOT_GAP_MS'] ?? 1_000));
}
process.stdin.setEncoding('utf8');
process.stdin.on('data', (text: string) => {
  for (const line of text.split('\n')) {
    // "measure": the rig's warm-up is over. The shadow queue's lag and depth count the measured
    // orders from here, not the backlog of a cold start (bench/README.md).
    if (line === 'measure') engineRef?.resetShadowQueueStats();
    if (line !== 'mark') continue;
    (globalThis as { gc?: (o?: unknown) => void }).gc?.({ type: 'minor', execution: 'sync' });
    marksSeen++;
    // BENCH_HEAP_SAMPLE_LIVE=1: only what is still alive at the second mark (what the engine retains).
    // BENCH_HEAP_SAMPLE_SURVIVORS=1: what outlived a scavenge (dropping only what a scavenge
    // collected): what the scavenges copy, whether it was held for long or not.
    const collectedToo = process.env['BENCH_HEAP_SAMPLE_LIVE'] === undefined;
    const minorCollectedToo = collectedToo && process.env['BENCH_HEAP_SAMPLE_SURVIVORS'] === undefined;
    if (inspector !== null && marksSeen === 1) inspector.post('HeapProfiler.startSampling', { samplingInterval: 4096, includeObjectsCollectedByMajorGC: collectedToo, includeObjectsCollectedByMinorGC: minorCollectedToo });
    if (inspector !== null && marksSeen === 2) {
      inspector.post('HeapProfiler.stopSampling', (error, result) => {
        if (error === null) writeFileSync(heapSampleFile as string, JSON.stringify((result as { profile: unknown }).profile));
      });
    }
    if (marksSeen === 1 && heapSnapshotPrefix !== undefined) snapshotTwice(heapSnapshotPrefix);
    console.log('marked');
  }
});
process.once('SIGTERM', async () => {
  clearInterval(rssTimer);
  const summary = await engine.stop();
  const shadowQueue = engine.shadowQueue();
  // With --expose-gc (BENCH_CHILD_NODE_ARGS), the live heap after a full collection: what the
  // engine really retains, as opposed to RSS, which V8 does not give back promptly.
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  const heapAfterGcMiB = gc === undefined ? null : Math.round(process.memoryUsage().heapUsed / 2 ** 20);
  const sorted = [...gcPausesMs].sort((a, b) => a - b);
  console.log(JSON.stringify({
    cpuMs: (() => {
      const u = process.cpuUsage(cpuAtStart);
      return Math.round((u.user + u.system) / 1000);
    })(),
    cpuMsAfterReady: (() => {
      const u = process.cpuUsage(cpuAtReady);
      return Math.round((u.user + u.system) / 1000);
    })(),
    cpuUsPerOrderSteady: steadyCpuUsPerOrder(),
    rssMiB: Math.round(process.memoryUsage().rss / 2 ** 20),
    heapAfterGcMiB,
    peakRssMiB: Math.round(Math.max(peakRss, process.memoryUsage().rss) / 2 ** 20),
    eventLoopDelayMs: { p50: loopDelay.percentile(50) / 1e6, p99: loopDelay.percentile(99) / 1e6, max: loopDelay.max / 1e6 },
    gc: {
      count: sorted.length,
      totalMs: Math.round(sorted.reduce((a, b) => a + b, 0)),
      p99Ms: sorted[Math.floor(sorted.length * 0.99)] ?? 0,
      maxMs: sorted.at(-1) ?? 0,
      byKind: Object.fromEntries(Object.entries(gcByKind).map(([kind, k]) => [kind, { count: k.count, totalMs: Math.round(k.totalMs), maxMs: Math.round(k.maxMs * 10) / 10 }])),
    },
    orders: summary.orders,
    admission: (summary as unknown as { admission?: unknown }).admission ?? null,
    tap: (summary as unknown as { tap?: unknown }).tap ?? null,
    executed: summary.production.executed,
    compared: summary.compared,
    dropped: summary.coverage.dropped,
    decisionUs: summary.latencyUs,
    shadowQueue,
  }));
  process.exit(0);
});
