// npm run bench [-- --quick]: every benchmark, figures with their spread, targets met or missed.
// Writes bench/results/latest.json and bench/results/latest.md and prints the headline ratios.
// --quick: fewer rounds, shorter runs, smaller replay (under 3 minutes on the 2-core machine);
// its figures go to a scratch folder (bench/results/quick/, ignored by git), never over the
// committed results of a full run.

import { writeFileSync, mkdirSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { runCodecBench, type CodecResult } from './codec.bench.js';
import { spawnSync } from 'node:child_process';
import type { CandidateKind, PathKind, RateResult, RigOptions, RigResult } from './support/hop-rig.js';
import { runQuoteRig } from './support/quote-rig.js';
import { fmt, machine, show, spreadOf, type Spread } from './support/stats.js';
import { runReplayBench, type ReplayBenchResult } from './replay-decision-stage.js';
import { runJournalBench, type JournalBenchResult } from './order-journal.bench.js';
import { runRecordingFormatBench } from './recording-format.bench.js';
import { runWorkerLag } from './worker-lag.js';
import { runTapThroughput } from './tap-throughput.js';
import { runWsEchoFanout, runWsEchoHop, runWsFanout, runWsHop, type WsFanoutResult, type WsHopResult } from './support/ws-rig.js';

const quick = process.argv.includes('--quick');
const ROOT = resolve(import.meta.dirname, '..');
const started = Date.now();
const log = (line: string): void => console.log(line);

// ---- parameters ----------------------------------------------------------------------------
const RUNS = quick ? 1 : 3;
const HOP_RATES = quick ? [1_000, 5_000] : [1_000, 5_000, 20_000];
const SECONDS = quick ? 2 : 5;
const WARMUP = quick ? 0.5 : 1;
const QUOTES = 2_000;
const SLOW_US = 30; // production decides in ~3 µs: a candidate ten times slower
const THROUGHPUT_RATES = quick ? [2_000, 10_000] : [2_000, 5_000, 10_000, 20_000, 30_000];

type Pct = 'p50' | 'p90' | 'p99' | 'p999' | 'max';
const PCTS: Pct[] = ['p50', 'p90', 'p99', 'p999', 'max'];

type PerRate = { toLp: Record<Pct, Spread>; roundTrip: Record<Pct, Spread>; answered: number; sent: number; cpuUsPerOrder: Spread; allocBytesPerOrder: Spread | null };

/**
 * One rig run in a fresh process (bench/rig-once.ts): the rig's own heap and GC stay out of the
 * latency it measures. The QuickFIX peer's rig runs in a private network namespace. Throws with
 * the reason when the run fails.
 */
function runRig(o: RigOptions): RigResult {
  const node = `'${process.execPath}' --expose-gc '${join(ROOT, 'bin', 'run-ts.mjs')}' '${join(ROOT, 'bench', 'rig-once.ts')}' '${JSON.stringify(o)}'`;
  const x = o.path === 'quickfix' ? spawnSync('unshare', ['-n', 'sh', '-c', `ip link set lo up && exec ${node}`], { encoding: 'utf8', cwd: ROOT, maxBuffer: 256 * 1024 * 1024 }) : spawnSync('sh', ['-c', `exec ${node}`], { encoding: 'utf8', cwd: ROOT, maxBuffer: 256 * 1024 * 1024, stdio: ['ignore', 'pipe', 'inherit'] });
  const line = x.stdout?.trim().split('\n').at(-1) ?? '';
  if (x.status !== 0 || !line.startsWith('{')) throw new Error(`rig ${o.path} exited ${x.status}: ${(x.stderr ?? '').trim().split('\n').slice(-2).join(' ')}`);
  return JSON.parse(line) as RigResult;
}

/** Runs a rig configuration RUNS times; returns, per rate, the spread of each percentile. */
async function repeated(path: PathKind, candidate: CandidateKind, rates: number[], seconds = SECONDS): Promise<{ perRate: Map<number, PerRate>; engines: (Record<string, unknown> | null)[] }> {
  const runs: RigResult[] = [];
  for (let r = 0; r < RUNS; r++) runs.push(runRig({ path, candidate, rates, seconds, warmupSeconds: WARMUP, quotesPerSec: QUOTES, slowCandidateUs: SLOW_US }));
  return summarise(runs, rates);
}

function summarise(runs: readonly RigResult[], rates: readonly number[]): { perRate: Map<number, PerRate>; engines: (Record<string, unknown> | null)[] } {
  const perRate = new Map<number, PerRate>();
  for (const rate of rates) {
    const rr = runs.map((x) => x.rates.find((y) => y.offeredPerSec === rate) as RateResult);
    const toLp = {} as Record<Pct, Spread>;
    const roundTrip = {} as Record<Pct, Spread>;
    for (const p of PCTS) {
      toLp[p] = spreadOf(rr.map((x) => x.toLpUs[p]));
      roundTrip[p] = spreadOf(rr.map((x) => x.roundTripUs[p]));
    }
    const alloc = rr.map((x) => x.allocBytesPerOrder).filter((x): x is number => x !== null);
    perRate.set(rate, { toLp, roundTrip, answered: rr.reduce((n, x) => n + x.answered, 0), sent: rr.reduce((n, x) => n + x.sent, 0), cpuUsPerOrder: spreadOf(rr.map((x) => x.cpuUsPerOrder ?? Number.NaN)), allocBytesPerOrder: alloc.length === 0 ? null : spreadOf(alloc) });
  }
  return { perRate, engines: runs.map((x) => x.engine) };
}

const results: Record<string, unknown> = { bench: 'shadow-bridge', quick, machine: machine(), runsPerFigure: RUNS, startedAt: new Date(started).toISOString() };
const md: string[] = [];
md.push(`# shadow-bridge benchmark results${quick ? ' (quick)' : ''}`, '', `Machine: ${machine().cpu} x${machine().cores} cores, ${machine().memoryGiB} GiB, Node ${machine().node}. ${RUNS} run(s) per figure; each cell is the median with (min-max) across runs; UNSTABLE marks a spread over 50%. Method: bench/README.md.`, '');

// ---- 1. codec -------------------------------------------------------------------------------
log('codec: ours vs jspurefix on the same bytes ...');
const codec: CodecResult[] = await runCodecBench(quick);
results['codec'] = codec;
md.push('## 1. Codec: ns per message, ours vs jspurefix 5.11.4 (same bytes, same process) and QuickFIX C++ (same bytes, same run)', '', 'Rounds alternate between ours and jspurefix; a ratio is the median (min-max) of the per-round ratios. QuickFIX C++ 1.15 (Debian libquickfix, -O2): build/quickfix-codec-timing parses with its data dictionary and reads the same fields, and encodes by setting the same fields and toString(); its figure is the median of its own rounds, its ratio against our median (above 1: ours is faster).', '', '| message | bytes | parse ours | parse jspurefix | ratio | parse QuickFIX C++ | ratio | encode ours | encode jspurefix | ratio | encode QuickFIX C++ | ratio |', '|---|---|---|---|---|---|---|---|---|---|---|---|');
const ratioCell = (r: Spread): string => `${fmt(r.median)}x (${fmt(r.min)}-${fmt(r.max)}x)`;
const qfCell = (c: CodecResult, which: 'parse' | 'encode'): string => ('parseNs' in c.quickfix ? `${c.quickfix[`${which}Ns`]} | ${fmt(c.quickfix[`${which}Ratio`], 2)}x` : `unavailable (${c.quickfix.unavailable}) |`);
for (const c of codec) md.push(`| ${c.message} | ${c.bytes} | ${show(c.parseNs.ours, 0)} | ${show(c.parseNs.jspurefix, 0)} | ${ratioCell(c.parseNs.ratioSpread)} | ${qfCell(c, 'parse')} | ${show(c.encodeNs.ours, 0)} | ${show(c.encodeNs.jspurefix, 0)} | ${ratioCell(c.encodeNs.ratioSpread)} | ${qfCell(c, 'encode')} |`);
const nosQf = codec[0]?.quickfix;
md.push('', `Target: parse at least 10x faster than jspurefix on NewOrderSingle: ${(codec[0]?.parseNs.ratio ?? 0) >= 10 ? 'met' : 'MISSED'} (${fmt(codec[0]?.parseNs.ratio ?? 0)}x). Target: NewOrderSingle parse no slower than QuickFIX C++ on the same bytes: ${nosQf !== undefined && 'parseNs' in nosQf ? `${nosQf.parseRatio >= 1 ? 'met' : 'MISSED'} (${fmt(codec[0]?.parseNs.ours.median ?? 0, 0)} vs ${nosQf.parseNs} ns)` : 'not measured (QuickFIX unavailable)'}.`, '');

// ---- 2. hop latency vs relay and peers -----------------------------------------------------
log('hop latency: relay floor ...');
const relay = await repeated('relay', 'none', HOP_RATES);
log('hop latency: engine, no candidate ...');
const engine = await repeated('engine', 'none', HOP_RATES);
// Bytes allocated per order come from V8's GC trace, whose `allocated` counter is only right with
// V8's default GC: under --single-threaded-gc (how the pinned engine runs, see gc-advice.ts) it
// also counts garbage not yet swept (43 vs 14 KB per order at 5,000/s, the same number of
// scavenges, the same CPU). So the engine runs once more per round at 5,000/s with the default
// GC, for that figure alone.
log('allocation: engine at 5,000/s with V8\'s default GC ...');
process.env['BENCH_ENGINE_GC'] = 'default';
const engineDefaultGc = await repeated('engine', 'none', [5_000]);
delete process.env['BENCH_ENGINE_GC'];
log('hop latency: peers (jspurefix and QuickFIX C++ pass-through bridges) ...');
const peerJs = await repeated('jspurefix', 'none', HOP_RATES);
const peerQf = await repeated('quickfix', 'none', HOP_RATES).catch((e: Error) => e.message);
const peers: [string, { perRate: Map<number, PerRate> } | string][] = [['jspurefix', peerJs], ['quickfix', peerQf]];
md.push('## 2. Hop latency: platform -> engine -> LP, against a byte relay and two peer bridges on the same path', '', `Latency in µs from each order's scheduled send time (coordinated omission corrected) to the NewOrderSingle arriving at the LP, with a concurrent stream of ${QUOTES} quotes/s. Engine, relay and peers each run pinned to one core, the rig on the other. The peers are pass-through FIX bridges a broker could build instead (bench/support/peer-jspurefix.ts on jspurefix 5.11.4; interop/quickfix/bridge.cpp on QuickFIX C++ 1.15, -O2): NewOrderSingles to the LP session, ExecutionReports back, each with its library's session handling, its file store on and its dictionary, as shipped.`, '');
md.push('| orders/s | path | p50 | p90 | p99 | p99.9 | max |', '|---|---|---|---|---|---|---|');
const hopRatios: Record<number, Record<Pct, number>> = {};
const peerRatios: Record<string, Record<number, Record<Pct, number>>> = {};
for (const rate of HOP_RATES) {
  const rl = relay.perRate.get(rate)!;
  const en = engine.perRate.get(rate)!;
  md.push(`| ${rate} | relay | ${PCTS.map((p) => show(rl.toLp[p], 0)).join(' | ')} |`);
  md.push(`| ${rate} | engine | ${PCTS.map((p) => show(en.toLp[p], 0)).join(' | ')} |`);
  for (const [name, runs] of peers) {
    const pr = typeof runs === 'string' ? undefined : runs.perRate.get(rate);
    if (pr === undefined) {
      md.push(`| ${rate} | ${name} | unavailable: ${typeof runs === 'string' ? runs : 'no figure'} | | | | |`);
      continue;
    }
    md.push(`| ${rate} | ${name}${pr.answered < pr.sent ? ` (answered ${pr.answered}/${pr.sent})` : ''} | ${PCTS.map((p) => show(pr.toLp[p], 0)).join(' | ')} |`);
    (peerRatios[name] ??= {})[rate] = Object.fromEntries(PCTS.map((p) => [p, en.toLp[p].median / Math.max(1, pr.toLp[p].median)])) as Record<Pct, number>;
  }
  hopRatios[rate] = Object.fromEntries(PCTS.map((p) => [p, en.toLp[p].median / Math.max(1, rl.toLp[p].median)])) as Record<Pct, number>;
  md.push(`| ${rate} | engine / relay | ${PCTS.map((p) => `${fmt(hopRatios[rate]![p])}x`).join(' | ')} |`);
  for (const [name] of peers) if (peerRatios[name]?.[rate] !== undefined) md.push(`| ${rate} | engine / ${name} | ${PCTS.map((p) => `${fmt(peerRatios[name]![rate]![p])}x`).join(' | ')} |`);
}
const rt5 = engine.perRate.get(5_000);
md.push('', `Round trip (order out to ExecutionReport back at the platform) at 5,000/s: p50 ${rt5 ? show(rt5.roundTrip.p50, 0) : 'n/a'} µs, p99 ${rt5 ? show(rt5.roundTrip.p99, 0) : 'n/a'} µs.`);
const peerP99 = (name: string): number | null => {
  const runs = peers.find(([n]) => n === name)?.[1];
  return typeof runs === 'string' || runs === undefined ? null : (runs.perRate.get(5_000)?.toLp.p99.median ?? null);
};
const enP99 = engine.perRate.get(5_000)?.toLp.p99.median ?? Number.POSITIVE_INFINITY;
const belowPeers = peers.every(([name]) => peerP99(name) !== null && enP99 < (peerP99(name) as number));
md.push('', `Targets: engine p99 at most 1.5x the relay p99 at 5,000 orders/s: ${(hopRatios[5_000]?.p99 ?? 99) <= 1.5 ? 'met' : 'MISSED'} (${fmt(hopRatios[5_000]?.p99 ?? 0)}x); below both peers' p99: ${belowPeers ? 'met' : 'MISSED'} (engine ${fmt(enP99, 0)} µs; ${peers.map(([name]) => `${name} ${peerP99(name) === null ? 'n/a' : `${fmt(peerP99(name) as number, 0)} µs`}`).join(', ')}).`, '');

// CPU and allocation per order at 5,000/s: every thread of the process under test (/proc) while
// the orders flowed, quotes and session upkeep included; the engine's allocation from V8's GC trace.
const at5 = (x: { perRate: Map<number, PerRate> } | string): PerRate | null => (typeof x === 'string' ? null : (x.perRate.get(5_000) ?? null));
const en5Measured = at5(engine);
const en5 = en5Measured === null ? null : { ...en5Measured, allocBytesPerOrder: at5(engineDefaultGc)?.allocBytesPerOrder ?? null };
const rl5 = at5(relay);
const js5 = at5(peerJs);
const qf5 = at5(peerQf);
md.push('### CPU and allocation per order at 5,000 orders/s', '', 'Bytes allocated per order: from V8\'s GC trace in runs of their own with V8\'s default GC (the trace\'s counter also counts unswept garbage under --single-threaded-gc, with which the engine runs in every other row; bench/README.md).', '', '| path | CPU µs per order (all threads) | bytes allocated per order | to-LP p50 µs | p99 µs |', '|---|---|---|---|---|');
for (const [name, x] of [['engine', en5], ['relay', rl5], ['jspurefix', js5], ['quickfix', qf5]] as const) {
  md.push(x === null ? `| ${name} | unavailable | | | |` : `| ${name} | ${show(x.cpuUsPerOrder, 0)} | ${x.allocBytesPerOrder === null ? '' : show(x.allocBytesPerOrder, 0)} | ${show(x.toLp.p50, 0)} | ${show(x.toLp.p99, 0)} |`);
}
const cpuOf = (x: PerRate | null): number | null => (x === null ? null : x.cpuUsPerOrder.median);
const enCpu = cpuOf(en5) ?? Number.POSITIVE_INFINITY;
md.push('', `Engine CPU per order against the relay ${fmt(enCpu / Math.max(1, cpuOf(rl5) ?? 1), 1)}x, against jspurefix ${cpuOf(js5) === null ? 'n/a' : `${fmt(enCpu / (cpuOf(js5) as number), 2)}x`}, against QuickFIX C++ ${cpuOf(qf5) === null ? 'n/a' : `${fmt(enCpu / (cpuOf(qf5) as number), 2)}x`}. Targets: engine CPU per order at most 35 µs: ${enCpu <= 35 ? 'met' : 'MISSED'} (${fmt(enCpu, 0)}); less than each peer's: ${[js5, qf5].every((x) => cpuOf(x) !== null && enCpu < (cpuOf(x) as number)) ? 'met' : 'MISSED'}; bytes allocated per order at most 2 KB: ${(en5?.allocBytesPerOrder?.median ?? Number.POSITIVE_INFINITY) <= 2_048 ? 'met' : 'MISSED'} (${fmt(en5?.allocBytesPerOrder?.median ?? Number.NaN, 0)}).`, '');
const peerFigures = (x: PerRate | null) => (x === null ? null : { p50Us: x.toLp.p50.median, p99Us: x.toLp.p99.median, cpuUsPerOrder: x.cpuUsPerOrder.median, answered: x.answered, sent: x.sent });
results['hop'] = { rates: HOP_RATES, relay: Object.fromEntries(relay.perRate), engine: Object.fromEntries(engine.perRate), jspurefix: Object.fromEntries(peerJs.perRate), quickfix: typeof peerQf === 'string' ? { unavailable: peerQf } : Object.fromEntries(peerQf.perRate), ratios: hopRatios, peerRatios, engineProcess: engine.engines };
results['hop5000'] = {
  engineCpuUsPerOrder: cpuOf(en5),
  relayCpuUsPerOrder: cpuOf(rl5),
  allocBytesPerOrder: en5?.allocBytesPerOrder?.median ?? null,
  engine: peerFigures(en5),
  relay: peerFigures(rl5),
  peers: { jspurefix: peerFigures(js5) ?? { unavailable: 'no figure' }, quickfix: peerFigures(qf5) ?? { unavailable: typeof peerQf === 'string' ? peerQf : 'no figure' } },
};

// ---- 3. shadow overhead -----------------------------------------------------------------------
log('shadow overhead: A/A, slow, and slow-in-a-worker candidates ...');
const SHADOW_RATE = 5_000;
const aa = await repeated('engine', 'aa', [SHADOW_RATE]);
const slow = await repeated('engine', 'slow', [SHADOW_RATE]);
const slowWorker = await repeated('engine', 'slow-worker', [SHADOW_RATE]);
const base = engine.perRate.get(SHADOW_RATE)!;
const ratio = (x: typeof base, p: Pct): number => x.toLp[p].median / Math.max(1, base.toLp[p].median);
const aaR = aa.perRate.get(SHADOW_RATE)!;
const slowR = slow.perRate.get(SHADOW_RATE)!;
const slowWorkerR = slowWorker.perRate.get(SHADOW_RATE)!;
/** Shadow drops summed over the runs, by reason ("none" when every reason is zero). */
const drops = (engines: (Record<string, unknown> | null)[]): string => {
  const total = new Map<string, number>();
  for (const e of engines) for (const [reason, n] of Object.entries((e?.['dropped'] ?? {}) as Record<string, number>)) total.set(reason, (total.get(reason) ?? 0) + n);
  const nonZero = [...total].filter(([, n]) => n > 0);
  return nonZero.length === 0 ? 'none' : nonZero.map(([reason, n]) => `${reason} ${n}`).join(' · ');
};
/** Candidate queue lag (context offered -> candidate decides), the worst run's p99 and max, and the deepest queue. */
const queueLag = (engines: (Record<string, unknown> | null)[]): string => {
  const stats = engines.map((e) => e?.['shadowQueue'] as { highWater: number; lagUs: { p99: number; max: number } } | null | undefined).filter((q) => q != null);
  if (stats.length === 0) return 'n/a';
  const worst = (f: (q: (typeof stats)[number]) => number): number => Math.max(...stats.map(f));
  return `p99 ${fmt(worst((q) => q.lagUs.p99), 0)} · max ${fmt(worst((q) => q.lagUs.max), 0)} · depth ${worst((q) => q.highWater)}`;
};
const compared = (engines: (Record<string, unknown> | null)[]): number => engines.reduce((n, e) => n + Number(e?.['compared'] ?? 0), 0);
md.push(`## 3. Shadow overhead at ${SHADOW_RATE} orders/s (production to-LP latency, µs)`, '', '| candidate | p50 | p99 | p99.9 | p99 / no-candidate | p99.9 / no-candidate | compared | drops | candidate queue lag µs (worst run) |', '|---|---|---|---|---|---|---|---|---|');
md.push(`| none | ${show(base.toLp.p50, 0)} | ${show(base.toLp.p99, 0)} | ${show(base.toLp.p999, 0)} | 1.0x | 1.0x | - | - | - |`);
md.push(`| A/A (production against itself) | ${show(aaR.toLp.p50, 0)} | ${show(aaR.toLp.p99, 0)} | ${show(aaR.toLp.p999, 0)} | ${fmt(ratio(aaR, 'p99'), 2)}x | ${fmt(ratio(aaR, 'p999'), 2)}x | ${compared(aa.engines)} | ${drops(aa.engines)} | ${queueLag(aa.engines)} |`);
md.push(`| ${SLOW_US} µs per decision (10x slower) | ${show(slowR.toLp.p50, 0)} | ${show(slowR.toLp.p99, 0)} | ${show(slowR.toLp.p999, 0)} | ${fmt(ratio(slowR, 'p99'), 2)}x | ${fmt(ratio(slowR, 'p999'), 2)}x | ${compared(slow.engines)} | ${drops(slow.engines)} | ${queueLag(slow.engines)} |`);
md.push(`| the same, as a Router module in a worker (answers asynchronously) | ${show(slowWorkerR.toLp.p50, 0)} | ${show(slowWorkerR.toLp.p99, 0)} | ${show(slowWorkerR.toLp.p999, 0)} | ${fmt(ratio(slowWorkerR, 'p99'), 2)}x | ${fmt(ratio(slowWorkerR, 'p999'), 2)}x | ${compared(slowWorker.engines)} | ${drops(slowWorker.engines)} | ${queueLag(slowWorker.engines)} |`);
md.push('', `Targets: A/A p99 at most 1.05x: ${ratio(aaR, 'p99') <= 1.05 ? 'met' : 'MISSED'}; slow candidate p99 at most 1.10x: ${ratio(slowR, 'p99') <= 1.1 ? 'met' : 'MISSED'}. Every production order reached its LP in every run: ${[aaR, slowR, slowWorkerR].every((x) => x.answered === x.sent) ? 'yes' : 'NO'}. The worker row is the path third-party candidate modules take live; its worker shares the engine's one pinned core here.`, '');
results['shadow'] = { rate: SHADOW_RATE, none: base, aa: aaR, slow: slowR, slowWorker: slowWorkerR, aaEngine: aa.engines, slowEngine: slow.engines, slowWorkerEngine: slowWorker.engines };

// ---- 4. throughput, memory, GC ----------------------------------------------------------------
log('throughput: rising order rates ...');
const tput = runRig({ path: 'engine', candidate: 'aa', rates: THROUGHPUT_RATES, seconds: quick ? 2 : 4, warmupSeconds: 0.5, quotesPerSec: QUOTES, slowCandidateUs: SLOW_US });
md.push('## 4. Throughput (A/A candidate shadowing): highest offered rate with p99 under 1 ms', '', '| offered orders/s | answered | to-LP p50 µs | p99 µs | p99 < 1 ms | keeping up (all answered, p50 < 1 ms) |', '|---|---|---|---|---|---|');
let sustained = 0;
let keepingUp = 0;
for (const r of tput.rates) {
  const ok = r.answered === r.sent && r.toLpUs.p99 < 1_000;
  // Not the target, but what the engine can carry on this VM, where even the byte relay's p99
  // is in milliseconds: every order answered, and the median not queueing.
  const keeps = r.answered === r.sent && r.toLpUs.p50 < 1_000;
  if (ok) sustained = r.offeredPerSec;
  if (keeps) keepingUp = r.offeredPerSec;
  md.push(`| ${r.offeredPerSec} | ${r.answered}/${r.sent} | ${fmt(r.toLpUs.p50, 0)} | ${fmt(r.toLpUs.p99, 0)} | ${ok ? 'yes' : 'no'} | ${keeps ? 'yes' : 'no'} |`);
}
const e = tput.engine ?? {};
md.push('', `Highest sustained: ${sustained > 0 ? `${sustained} orders/s` : 'none of the offered rates'} (target 20,000: ${sustained >= 20_000 ? 'met' : 'MISSED'}). Highest rate the engine kept up with: ${keepingUp > 0 ? `${keepingUp} orders/s` : 'none'}. Engine process over the rising-rate run: CPU ${String(e['cpuMs'] ?? '?')} ms for ${String(e['orders'] ?? '?')} orders.`, '');
results['throughput'] = { rates: tput.rates, sustainedOrdersPerSec: sustained, keepingUpOrdersPerSec: keepingUp, engine: tput.engine };

// Memory and GC over a steady run: the rising-rate run above ends in overload, which says
// nothing about how the heap behaves at a rate the engine sustains.
const SOAK_RATE = 5_000;
const SOAK_SECONDS = quick ? 10 : 60;
log(`soak: ${SOAK_RATE} orders/s for ${SOAK_SECONDS} s with the A/A candidate ...`);
const soak = runRig({ path: 'engine', candidate: 'aa', rates: [SOAK_RATE], seconds: SOAK_SECONDS, warmupSeconds: 1, quotesPerSec: QUOTES, slowCandidateUs: SLOW_US });
const soakRate = soak.rates[0];
const se = (soak.engine ?? {}) as { heapAfterGcMiB?: number | null; peakRssMiB?: number; rssMiB?: number; cpuMs?: number; cpuUsPerOrderSteady?: number | null; orders?: number; gc?: { count: number; totalMs: number; p99Ms: number; maxMs: number }; eventLoopDelayMs?: { p50: number; p99: number; max: number } };
md.push(`### Memory and GC: ${SOAK_SECONDS} s at ${SOAK_RATE} orders/s, A/A candidate, ${QUOTES} quotes/s`, '', '| answered | to-LP p50 µs | p99 µs | peak RSS MiB | RSS at end MiB | live heap after GC at end MiB | GC pauses | GC total ms (share of CPU) | GC p99 / max ms | event-loop delay p99 / max ms | engine CPU µs per order (all threads, while orders flowed) |', '|---|---|---|---|---|---|---|---|---|---|---|');
if (soakRate !== undefined && se.gc !== undefined && se.cpuMs !== undefined && se.orders !== undefined && se.eventLoopDelayMs !== undefined) {
  const cpuShare = se.cpuMs > 0 ? `${fmt((100 * se.gc.totalMs) / se.cpuMs, 0)}%` : 'n/a';
  md.push(`| ${soakRate.answered}/${soakRate.sent} | ${fmt(soakRate.toLpUs.p50, 0)} | ${fmt(soakRate.toLpUs.p99, 0)} | ${String(se.peakRssMiB)} | ${String(se.rssMiB)} | ${String(se.heapAfterGcMiB ?? 'n/a')} | ${se.gc.count} | ${se.gc.totalMs} (${cpuShare}) | ${fmt(se.gc.p99Ms, 1)} / ${fmt(se.gc.maxMs, 1)} | ${fmt(se.eventLoopDelayMs.p99, 1)} / ${fmt(se.eventLoopDelayMs.max, 1)} | ${se.cpuUsPerOrderSteady != null ? fmt(se.cpuUsPerOrderSteady, 0) : se.orders > 0 ? fmt((1000 * se.cpuMs) / se.orders, 0) : 'n/a'} |`, '');
} else {
  md.push('| the engine process did not report (see the log above) | | | | | | | | | | |', '');
}
results['soak'] = { rate: SOAK_RATE, seconds: SOAK_SECONDS, result: soakRate ?? null, engine: soak.engine };

log('quotes: fan-out to 10 subscribers ...');
const QUOTE_RATES = quick ? [2_000, 10_000] : [2_000, 10_000, 20_000, 25_000, 50_000];
const quotes = await runQuoteRig(QUOTE_RATES, quick ? 2 : 4, 10);
md.push('### Quotes in from the LP, marked-up quotes out to 10 platform subscribers (no candidate)', '', '| offered quotes/s | delivered snapshots/s (10 subscribers) | LP send -> subscriber p50 µs | p99 µs | p99.9 µs | p99 < 1 ms | keeping up (delivered, p50 < 1 ms) |', '|---|---|---|---|---|---|---|');
let sustainedQuotes = 0;
let keepingUpQuotesOut = 0;
for (const q of quotes.rates) {
  const delivered = q.deliveredPerSec >= q.offeredPerSec * q.subscribers * 0.95;
  const ok = q.latencyUs.p99 > 0 && q.latencyUs.p99 < 1_000 && delivered;
  const keeps = delivered && q.latencyUs.count > 0 && q.latencyUs.p50 < 1_000;
  if (ok) sustainedQuotes = q.offeredPerSec;
  if (keeps) keepingUpQuotesOut = q.offeredPerSec * q.subscribers;
  const lat = (v: number): string => (q.latencyUs.count === 0 ? 'n/a (saturated)' : String(v));
  md.push(`| ${q.offeredPerSec} | ${q.deliveredPerSec} | ${lat(q.latencyUs.p50)} | ${lat(q.latencyUs.p99)} | ${lat(q.latencyUs.p999)} | ${ok ? 'yes' : 'no'} | ${keeps ? 'yes' : 'no'} |`);
}
md.push('', `Highest sustained: ${sustainedQuotes > 0 ? `${sustainedQuotes} quotes/s` : 'none of the offered rates'} (target 200,000: ${sustainedQuotes >= 200_000 ? 'met' : 'MISSED'}). Highest rate kept up with: ${keepingUpQuotesOut > 0 ? `${keepingUpQuotesOut} marked-up quotes/s out (${keepingUpQuotesOut / 10} in)` : 'none'}. The rig decodes every subscriber's copy on one core, so above ~10k quotes/s in (100k out) it is the rig, not only the engine, that saturates.`, '');
results['quotes'] = { rates: quotes.rates, sustainedQuotesPerSec: sustainedQuotes, keepingUpQuotesOutPerSec: keepingUpQuotesOut, engine: quotes.engine };

// ---- 4b. WebSocket -----------------------------------------------------------------------------
log('WebSocket: order hop and price fan-out against bare ws ...');
const WS_RATES = quick ? [1_000] : [1_000, 5_000];
const wsHop: WsHopResult[][] = [];
const wsEcho: WsHopResult[][] = [];
const wsHopEngine: (Record<string, unknown> | null)[] = [];
for (let r = 0; r < RUNS; r++) {
  const h = await runWsHop(WS_RATES, SECONDS, WARMUP);
  wsHop.push(h.rates);
  wsHopEngine.push(h.engine);
  wsEcho.push(await runWsEchoHop(WS_RATES, SECONDS, WARMUP));
}
md.push('## 4b. WebSocket: web platform order hop and price fan-out, against a bare `ws` process on the same path', '', `Order hop: a web platform's \`new\` -> engine -> LP (FIX) -> engine -> \`execution\`, timed from each order's scheduled send, with ${QUOTES} quotes/s from the LP; the floor is a bare ws server answering the same message at once (one hop where the engine has two, so the ratio also holds the LP leg). The FIX figures for the same path are section 2.`, '');
md.push('| orders/s | path | round trip p50 µs | p99 µs | p99.9 µs | answered |', '|---|---|---|---|---|---|');
const wsRatios: Record<number, { p50: number; p99: number }> = {};
for (const [i, rate] of WS_RATES.entries()) {
  const en = { p50: spreadOf(wsHop.map((x) => x[i]!.roundTripUs.p50)), p99: spreadOf(wsHop.map((x) => x[i]!.roundTripUs.p99)), p999: spreadOf(wsHop.map((x) => x[i]!.roundTripUs.p999)) };
  const ec = { p50: spreadOf(wsEcho.map((x) => x[i]!.roundTripUs.p50)), p99: spreadOf(wsEcho.map((x) => x[i]!.roundTripUs.p99)), p999: spreadOf(wsEcho.map((x) => x[i]!.roundTripUs.p999)) };
  md.push(`| ${rate} | bare ws echo | ${show(ec.p50, 0)} | ${show(ec.p99, 0)} | ${show(ec.p999, 0)} | ${wsEcho.reduce((n, x) => n + x[i]!.answered, 0)}/${wsEcho.reduce((n, x) => n + x[i]!.sent, 0)} |`);
  md.push(`| ${rate} | engine over WebSocket | ${show(en.p50, 0)} | ${show(en.p99, 0)} | ${show(en.p999, 0)} | ${wsHop.reduce((n, x) => n + x[i]!.answered, 0)}/${wsHop.reduce((n, x) => n + x[i]!.sent, 0)} |`);
  wsRatios[rate] = { p50: en.p50.median / Math.max(1, ec.p50.median), p99: en.p99.median / Math.max(1, ec.p99.median) };
  md.push(`| ${rate} | engine / bare ws | ${fmt(wsRatios[rate]!.p50)}x | ${fmt(wsRatios[rate]!.p99)}x | | |`);
}
const cpuWs = wsHopEngine.map((e) => (e?.['cpuUsPerOrderSteady'] as number | null | undefined) ?? null).filter((x): x is number => x !== null);
md.push('', `Engine CPU per order over WebSocket (all threads, while orders flowed, quotes included): ${cpuWs.length > 0 ? `${cpuWs.join(', ')} µs` : 'n/a'}.`, '');
const FAN_CLIENTS = 8;
const FAN_QUOTES = 1_000;
const STALL_SECONDS = quick ? SECONDS : 40;
const fan: WsFanoutResult[] = [];
const fanStalled: WsFanoutResult[] = [];
const fanEcho: { p50: number; p99: number; p999: number }[] = [];
for (let r = 0; r < RUNS; r++) {
  fan.push(await runWsFanout(FAN_CLIENTS, false, FAN_QUOTES, SECONDS, 500));
  // Long enough for the stalled client's kernel buffers (~4 MB at ~150 KB/s) to fill, be conflated and cut.
  fanStalled.push(await runWsFanout(FAN_CLIENTS, true, FAN_QUOTES, STALL_SECONDS, 500));
  fanEcho.push(await runWsEchoFanout(FAN_CLIENTS, FAN_QUOTES, SECONDS));
}
const fanRow = (name: string, rows: WsFanoutResult[]): string => {
  const rss = rows.map((x) => (x.engine?.['peakRssMiB'] as number | undefined) ?? 0);
  return `| ${name} | ${show(spreadOf(rows.map((x) => x.priceUs.p50)), 0)} | ${show(spreadOf(rows.map((x) => x.priceUs.p99)), 0)} | ${show(spreadOf(rows.map((x) => x.orderRoundTripUs.p50)), 0)} | ${show(spreadOf(rows.map((x) => x.orderRoundTripUs.p99)), 0)} | ${rows.reduce((n, x) => n + x.priceGaps, 0)} | ${rows.reduce((n, x) => n + Math.max(0, x.slowConsumersDisconnected), 0)} / ${rows.reduce((n, x) => n + Math.max(0, x.livenessTimeouts), 0)} | ${Math.max(...rss)} |`;
};
md.push(`Price fan-out: ${FAN_QUOTES} quotes/s from the LP, each marked up and sent to ${FAN_CLIENTS} web platforms (LP send -> platform receive, µs, over all ${FAN_CLIENTS}), while one more platform sends 500 orders/s; then the same with a ninth platform that stops reading. The floor is a bare ws server broadcasting one message to ${FAN_CLIENTS} clients.`, '');
md.push('| setup | price p50 | price p99 | order round trip p50 | order p99 | price gaps (readers) | cut: slow consumer / no pong | engine peak RSS MiB |', '|---|---|---|---|---|---|---|---|');
md.push(`| bare ws broadcast | ${show(spreadOf(fanEcho.map((x) => x.p50)), 0)} | ${show(spreadOf(fanEcho.map((x) => x.p99)), 0)} | | | | | |`);
md.push(fanRow('engine, 8 readers', fan), fanRow('engine, 8 readers + 1 stalled', fanStalled));
const fanRatio = spreadOf(fan.map((x) => x.priceUs.p50)).median / Math.max(1, spreadOf(fanEcho.map((x) => x.p50)).median);
const stallCost = spreadOf(fanStalled.map((x) => x.priceUs.p99)).median / Math.max(1, spreadOf(fan.map((x) => x.priceUs.p99)).median);
md.push('', `Fan-out p50 against bare ws: ${fmt(fanRatio)}x. A stalled client costs the readers' price p99 ${fmt(stallCost)}x (within noise is about 1x; this machine's spread is in the cells). The stalled client is cut by whichever comes first: no pong to two pings (10-20 s; a client that does not read does not answer) or its send buffer staying full past \`slowConsumerMs\` once its ~4 MB of kernel buffers have filled; the stalled runs last ${STALL_SECONDS} s so that one of them happens${quick ? ' (not in --quick)' : ''}.`, '');
results['websocket'] = { hop: { rates: WS_RATES, engine: wsHop, bareWs: wsEcho, ratios: wsRatios, cpuUsPerOrder: cpuWs }, fanout: { clients: FAN_CLIENTS, quotesPerSec: FAN_QUOTES, engine: fan.map((x) => ({ ...x, engine: null, peakRssMiB: x.engine?.['peakRssMiB'] ?? null })), stalled: fanStalled.map((x) => ({ ...x, engine: null, peakRssMiB: x.engine?.['peakRssMiB'] ?? null })), bareWs: fanEcho, ratioP50: fanRatio, stalledP99Cost: stallCost } };

// ---- 4c. event tap and remote candidates ------------------------------------------------------
log('event tap: the hop with 0 and with remote candidates, and shadow workers\' lag ...');
const TAP_RATE = quick ? 2_000 : 5_000;
const TAP_REMOTE = 3;
const tapRuns: { remote: number; result: RigResult }[] = [];
for (let r = 0; r < RUNS; r++) for (const remote of [0, TAP_REMOTE]) tapRuns.push({ remote, result: runRig({ path: 'engine', candidate: 'none', rates: [TAP_RATE], seconds: SECONDS, warmupSeconds: WARMUP, quotesPerSec: QUOTES, slowCandidateUs: SLOW_US, tapSinks: remote }) });
const tapRow = (remote: number): { p50: Spread; p99: Spread; cpu: Spread; published: number; messages: number; dropped: number; sinkGaps: number; sinkRigCorePct: number[] } => {
  const rows = tapRuns.filter((x) => x.remote === remote);
  const taps = rows.map((x) => (x.result.engine?.['tap'] as { published?: number; messages?: number; dropped?: number } | null) ?? null);
  const sinks = rows.flatMap((x) => (x.result.sinks ?? []) as { gaps?: number; rigCorePct?: number }[]);
  return {
    p50: spreadOf(rows.map((x) => x.result.rates[0]!.toLpUs.p50)),
    p99: spreadOf(rows.map((x) => x.result.rates[0]!.toLpUs.p99)),
    cpu: spreadOf(rows.map((x) => (x.result.engine?.['cpuUsPerOrderSteady'] as number | null) ?? 0)),
    published: taps.reduce((n, t) => n + (t?.published ?? 0), 0),
    messages: taps.reduce((n, t) => n + (t?.messages ?? 0), 0),
    dropped: taps.reduce((n, t) => n + (t?.dropped ?? 0), 0),
    sinkGaps: sinks.reduce((n, x) => n + (x.gaps ?? 0), 0),
    sinkRigCorePct: sinks.map((x) => x.rigCorePct ?? 0),
  };
};
const tap0 = tapRow(0);
const tapN = tapRow(TAP_REMOTE);
const perSec = (n: number): string => fmt(n / (RUNS * SECONDS), 0);
md.push(`## 4c. Remote candidates: production with 0 and with ${TAP_REMOTE} remote candidates on the tap, ${TAP_RATE} orders/s, ${QUOTES} quotes/s`, '', 'A remote candidate as the engine sees it: a process that subscribes to the tap, receives every message and reports its figures once a second (bench/support/tap-sink.ts; the engine lists it in run.candidates and parses its reports). Its replay runs on another host: section 4d measures that part.', '');
md.push('| remote candidates | to-LP p50 µs | p99 µs | engine CPU µs/order | tap records published | messages | records/s | dropped | gaps at the candidates |', '|---|---|---|---|---|---|---|---|---|');
md.push(`| 0 | ${show(tap0.p50, 0)} | ${show(tap0.p99, 0)} | ${show(tap0.cpu, 0)} | | | | | |`);
md.push(`| ${TAP_REMOTE} | ${show(tapN.p50, 0)} | ${show(tapN.p99, 0)} | ${show(tapN.cpu, 0)} | ${tapN.published} | ${tapN.messages} | ${perSec(tapN.published)} | ${tapN.dropped} | ${tapN.sinkGaps} |`);
const p99Ratio = tapN.p99.median / Math.max(1, tap0.p99.median);
md.push('', `With ${TAP_REMOTE} remote candidates against none: p99 ${fmt(p99Ratio, 2)}x, p50 ${fmt(tapN.p50.median / Math.max(1, tap0.p50.median), 2)}x, engine CPU per order ${fmt(tapN.cpu.median / Math.max(1, tap0.cpu.median), 2)}x. The stand-ins took ${tapN.sinkRigCorePct.join(', ')}% of the rig's core.`, '');

log('shadow workers\' lag at 5,000 orders/s and 20,000 quotes/s ...');
const LAG_SECONDS = quick ? 3 : 10;
const lag1 = await runWorkerLag(5_000, 20_000, LAG_SECONDS, 1);
const lag3 = quick ? null : await runWorkerLag(5_000, 20_000, LAG_SECONDS, 3);
md.push(`## 4d. Shadow workers' lag at 5,000 orders/s and 20,000 quotes/s (${LAG_SECONDS} s)`, '', 'The live engine\'s own tap and recorder publish a synthetic session at those rates on core 0; shadow workers (full replays: production and a candidate decide, compare, write their run folder) on core 1. Lag: an event\'s stamp to the worker taking it up (one host, one clock). bench/worker-lag.ts.', '');
md.push('| workers on one core | orders sent | records/s published | dropped | worker | compared | gaps | lag p50 ms | lag p99 ms | lag max ms | CPU % of a core |', '|---|---|---|---|---|---|---|---|---|---|---|');
for (const l of [lag1, lag3]) {
  if (l === null) continue;
  l.perWorker.forEach((w, i) => md.push(`| ${i === 0 ? l.workers : ''} | ${i === 0 ? l.ordersSent : ''} | ${i === 0 ? l.eventsPerSecAchieved : ''} | ${i === 0 ? l.dropped : ''} | ${i + 1} | ${w.compared} | ${w.gaps} | ${fmt(w.lagMs.p50, 1)} | ${fmt(w.lagMs.p99, 1)} | ${fmt(w.lagMs.max, 1)} | ${w.cpuPct} |`));
}
md.push('');
log('tap capacity: records/s through the tap to one subscriber ...');
const TAP_RECORDS = quick ? 200_000 : 1_000_000;
const capacity = [await runTapThroughput(TAP_RECORDS, 0), await runTapThroughput(TAP_RECORDS, 2)];
md.push(`### Tap capacity: ${TAP_RECORDS.toLocaleString()} quote records published as fast as the event loop allows, to one subscriber in another process`, '', '| tap.batchMs | records/s published | records/s received | ZeroMQ messages | dropped at the tap | gaps at the subscriber |', '|---|---|---|---|---|---|');
for (const c of capacity) md.push(`| ${c.batchMs === 0 ? '0 (a message per record)' : c.batchMs} | ${c.publishedPerSec.toLocaleString()} | ${c.receivedPerSec.toLocaleString()} | ${c.messages.toLocaleString()} | ${c.droppedAtTap} | ${c.gapsAtSubscriber} |`);
md.push('');
results['tap'] = { rate: TAP_RATE, remoteCandidates: TAP_REMOTE, none: tap0, withRemote: tapN, p99Ratio, workerLag: { one: lag1, three: lag3 }, capacity };

// ---- 5. replay --------------------------------------------------------------------------------
log('replay decision stage ...');
const replay: ReplayBenchResult = await runReplayBench(quick ? 200_000 : 1_000_000, quick ? 3 : 5);
md.push(`## 5. Replay decision stage (${replay.events.toLocaleString()} generated events)`, '', '| stage | events/s |', '|---|---|');
md.push(`| production only | ${show(replay.productionOnly, 0)} |`, `| production + candidate | ${show(replay.withCandidate, 0)} |`, `| full file replay (read, parse, decide, compare, write) | ${fmt(replay.fullFileEventsPerSec, 0)} (1 run) |`);
md.push('', `Target: at least 500,000 events/s in the decision stage: ${replay.withCandidate.median >= 500_000 ? 'met' : 'MISSED'} with the candidate (${fmt(replay.withCandidate.median, 0)}), ${replay.productionOnly.median >= 500_000 ? 'met' : 'MISSED'} production only.`, '');
results['replay'] = replay;

log('recording formats: JSONL and binary ...');
const recfmt = await runRecordingFormatBench(quick ? 100_000 : 1_000_000, quick ? 2 : 5);
md.push(`### Recording formats (${recfmt.events.toLocaleString()} generated events)`, '', '| format | bytes | bytes/event | read events/s (read, decode, validate) | full file replay events/s (1 run) |', '|---|---|---|---|---|');
md.push(`| JSONL | ${recfmt.bytes.jsonl.toLocaleString()} | ${(recfmt.bytes.jsonl / recfmt.events).toFixed(1)} | ${show(recfmt.readEventsPerSec.jsonl, 0)} | ${recfmt.fullReplayEventsPerSec.jsonl.toLocaleString()} |`);
md.push(`| binary (.msgpack) | ${recfmt.bytes.msgpack.toLocaleString()} | ${(recfmt.bytes.msgpack / recfmt.events).toFixed(1)} | ${show(recfmt.readEventsPerSec.msgpack, 0)} | ${recfmt.fullReplayEventsPerSec.msgpack.toLocaleString()} |`);
md.push('', `Binary against JSONL: ${fmt(recfmt.bytes.jsonl / recfmt.bytes.msgpack)}x smaller, ${fmt(recfmt.readEventsPerSec.msgpack.median / Math.max(1, recfmt.readEventsPerSec.jsonl.median))}x faster to read; the full replay is bound by deciding and writing, not reading.`, '');
results['recordingFormats'] = recfmt;

// ---- 6. order journal -------------------------------------------------------------------------
log('order journal ...');
const journal: JournalBenchResult = runJournalBench(quick);
md.push('## 6. Order journal (write-ahead, per order: open + fill + close)', '', '| fsync policy | µs per order on the routing thread | orders |', '|---|---|---|');
for (const policy of ['never', 'interval', 'always'] as const) md.push(`| ${policy}${policy === 'interval' ? ' (default)' : ''} | ${show(journal.perOrderUs[policy], 1)} | ${journal.orders[policy].toLocaleString()} |`);
md.push('', 'Every policy survives kill -9 (each record is written before the order, fill or report it describes leaves); interval and always also bound what a power loss can take (100 ms, nothing).', '');
results['orderJournal'] = journal;

results['durationSec'] = Math.round((Date.now() - started) / 1000);
const resultsDir = quick ? join(ROOT, 'bench', 'results', 'quick') : join(ROOT, 'bench', 'results');
mkdirSync(resultsDir, { recursive: true });
writeFileSync(join(resultsDir, 'latest.json'), `${JSON.stringify(results, null, 2)}\n`);
writeFileSync(join(resultsDir, 'latest.md'), `${md.join('\n')}\n`);
log('');
log(md.filter((l) => l.startsWith('Target') || l.startsWith('Targets') || l.startsWith('Highest')).join('\n'));
log(`\nbench: ${results['durationSec']} s; wrote ${relative(ROOT, join(resultsDir, 'latest.json'))} and ${relative(ROOT, join(resultsDir, 'latest.md'))}`);
