// The rig for wire-to-wire benchmarks. This process plays both ends: a platform FIX client that
// sends orders at a fixed rate, and an LP FIX acceptor that streams quotes and fills every order
// at once. In between runs either the engine (its own process) or a byte relay (its own process).
// Times are read from one clock (this process), and every latency is measured from the order's
// *scheduled* send time, so a stall shows up instead of slowing the sender (coordinated omission).

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import * as hdr from 'hdr-histogram-js';
import type { LiveConfigInput as LiveConfig } from '../../src/app/live-config.js';
import { encodeSnapshot } from '../../src/fix/app/market-data.js';
import { FixMessage } from '../../src/fix/codec/message.js';
import { MsgType, Tag } from '../../src/fix/codec/tags.js';
import { formatUtcTimestamp } from '../../src/fix/codec/timestamps.js';
import { DEFAULT_SESSION_CONFIG, FixSession } from '../../src/fix/session/session.js';
import { MemorySessionStore } from '../../src/fix/session/store.js';
import { loadBundle } from '../../src/mappings/load-bundle.js';
import { FixAcceptor } from '../../src/gateways/fix/acceptor.js';
import { FixInitiator } from '../../src/gateways/fix/initiator.js';
import { PIN, cpuTicksOf, freeLoopbackPort } from './rig-host.js';
import { SINGLE_THREADED_GC_FLAG } from '../../src/app/live/gc-advice.js';

const ROOT = resolve(import.meta.dirname, '..', '..');

/** Moves this process (the rig) to core 0. */
export function pinRig(): boolean {
  if (!PIN) return false;
  return spawnSync('taskset', ['-a', '-cp', '0', String(process.pid)]).status === 0;
}
const silent = { event() {} };
const clock = { nowMs: () => Date.now() };
const nowUs = (): number => performance.now() * 1000;

/**
 * What sits between the platform and the LP: a byte relay (the floor), the engine, or a
 * pass-through bridge a broker could build instead on jspurefix or QuickFIX C++ (the peers).
 */
export type PathKind = 'relay' | 'engine' | 'jspurefix' | 'quickfix';
/** aa: production against itself; slow: 30 µs more per decision in-process; slow-worker: the same as a module in a worker. */
export type CandidateKind = 'none' | 'aa' | 'slow' | 'slow-worker';

export interface Percentiles {
  readonly count: number;
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly p999: number;
  readonly max: number;
}

export interface RateResult {
  readonly offeredPerSec: number;
  readonly sent: number;
  readonly answered: number;
  /** Platform send (scheduled) -> NewOrderSingle at the LP, µs. */
  readonly toLpUs: Percentiles;
  /** Platform send (scheduled) -> ExecutionReport back at the platform, µs. */
  readonly roundTripUs: Percentiles;
  readonly quotesPerSec: number;
  /** CPU of the process under test (every thread, /proc) while this rate's orders flowed, per order. */
  readonly cpuUsPerOrder: number;
  /** Bytes the engine allocated while this rate's orders flowed, per order (V8's GC trace; engine only). */
  readonly allocBytesPerOrder: number | null;
}

export function percentiles(h: hdr.Histogram): Percentiles {
  if (h.totalCount === 0) return { count: 0, p50: 0, p90: 0, p99: 0, p999: 0, max: 0 };
  const r = (v: number): number => Math.round(v * 10) / 10;
  return { count: h.totalCount, p50: r(h.getValueAtPercentile(50)), p90: r(h.getValueAtPercentile(90)), p99: r(h.getValueAtPercentile(99)), p999: r(h.getValueAtPercentile(99.9)), max: r(h.maxValue) };
}

export function histogram(): hdr.Histogram {
  return hdr.build({ useWebAssembly: true, lowestDiscernibleValue: 1, highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: 3 });
}

/** A process under test: its output, and (an engine) the bytes it has allocated so far. */
export interface Middle {
  readonly child: ChildProcess;
  readonly port: number;
  readonly wsPort: number;
  output(): string;
  /** Bytes V8 allocated up to the last GC it reported (engines started with allocation tracing). */
  allocatedBytes(): number;
  /** Allocation marks the process has answered ("marked"). */
  marks(): number;
}

const GC_TRACE_FILE = process.env['BENCH_GC_TRACE'];

/** Runs a TypeScript file under test in a Node process of its own (see startCommand). */
export function startProcess(args: string[], traceAllocation = false): Promise<Middle> {
  // BENCH_CHILD_NODE_ARGS (e.g. "--cpu-prof --cpu-prof-dir=/tmp/p") profiles the processes under test.
  const nodeArgs = (process.env['BENCH_CHILD_NODE_ARGS'] ?? '').split(' ').filter(Boolean);
  // --expose-gc lets the engine measure its live heap after a full collection at stop and take
  // an allocation mark (a minor GC, see engine-process.ts); nothing else is collected on purpose.
  // --trace-gc-nvp: V8 prints, per GC, the bytes allocated since the one before; stdbuf -oL makes
  // its (C stdio) lines arrive as they are written, so a mark reads an exact total.
  // The engine pinned to one core runs as the README says to deploy it there: GC on its own
  // thread (src/app/live/gc-advice.ts; BENCH_ENGINE_GC=default measures V8's helper threads).
  const gcFlags = PIN && args[0] === 'bench/support/engine-process.ts' && process.env['BENCH_ENGINE_GC'] !== 'default' ? [SINGLE_THREADED_GC_FLAG] : [];
  const command = [process.execPath, '--expose-gc', ...(traceAllocation ? ['--trace-gc-nvp'] : []), ...gcFlags, ...nodeArgs, join(ROOT, 'bin', 'run-ts.mjs'), ...args];
  return startCommand(traceAllocation && STDBUF ? ['stdbuf', '-oL', ...command] : command);
}
const STDBUF = spawnSync('stdbuf', ['--version']).status === 0;

/**
 * Starts a process under test on core 1 (the rig has core 0, see pinRig: otherwise the rig's busy
 * sender steals its core and we measure the scheduler) and waits for its "ready PORT [WS_PORT]".
 */
export function startCommand(command: string[]): Promise<Middle> {
  const pinned = PIN ? ['taskset', '-c', '1', ...command] : command;
  const child = spawn(pinned[0] as string, pinned.slice(1), { stdio: ['pipe', 'pipe', 'inherit'], cwd: ROOT });
  let out = '';
  let partial = '';
  let allocated = 0;
  let marks = 0;
  let ready = false;
  return new Promise((res, rej) => {
    child.stdout!.on('data', (d: Buffer) => {
      // GC trace lines are summed and dropped (an engine prints thousands); the rest is kept.
      const text = partial + d.toString();
      const lines = text.split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) {
        const a = / allocated=(\d+) /.exec(line);
        // BENCH_GC_TRACE=FILE keeps the lines (every collection's phases, survived and promoted
        // bytes) for bench/support/gc-trace-summary.ts.
        if (a !== null && GC_TRACE_FILE !== undefined) appendFileSync(GC_TRACE_FILE, `${line}\n`);
        if (a !== null) allocated += Number(a[1]);
        else if (line === 'marked') marks++;
        else out += `${line}\n`;
      }
      const m = ready ? null : /ready (\d+)(?: (\d+))?\n/.exec(out);
      if (m !== null) {
        ready = true;
        res({ child, port: Number(m[1]), wsPort: Number(m[2] ?? 0), output: () => out + partial, allocatedBytes: () => allocated, marks: () => marks });
      }
    });
    child.once('exit', (code) => rej(new Error(`${command.join(' ').slice(0, 200)} exited ${code}: ${out}`)));
  });
}

/** Asks an engine for an allocation mark: a minor GC, so the total counts every byte so far. */
export async function allocationMark(p: Middle): Promise<number | null> {
  const before = p.marks();
  p.child.stdin?.write('mark\n');
  // The GC's line precedes "marked" on the same (line-buffered) pipe.
  return (await waitFor(() => p.marks() > before, 5_000)) ? p.allocatedBytes() : null;
}

/** utime + stime of a process (every thread), in µs, from /proc; 0 where there is none. */
export function processCpuUs(pid: number | undefined): number {
  if (pid === undefined) return 0;
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    return (Number(fields[11]) + Number(fields[12])) * 10_000; // clock ticks of 10 ms
  } catch {
    return 0;
  }
}

export async function stopProcess(p: { child: ChildProcess; output: () => string }): Promise<Record<string, unknown> | null> {
  p.child.stdin?.end();
  if (p.child.exitCode !== null) return null;
  p.child.kill('SIGTERM');
  await new Promise((r) => p.child.once('exit', r));
  const last = p.output().trim().split('\n').at(-1) ?? '';
  try {
    return JSON.parse(last) as Record<string, unknown>;
  } catch {
    return null;
  }
}

export async function waitFor(cond: () => boolean, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (!cond() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  return cond();
}

/** The LP end: an acceptor that fills at once and streams quotes at `quotesPerSec`. */
export class LpEnd {
  /** Fan-out mode: only GBPUSD, its mid one point higher each quote, each send time kept. */
  monotonic = false;
  readonly quoteTimes: number[] = [];
  session: FixSession;
  acceptor: FixAcceptor;
  /**
   * When each order reached the LP: by the platform's order number where the path keeps the
   * platform's ClOrdID (B<k>: the relay, the peers), else in arrival order (the engine sends its
   * own ids; it keeps order, and it never resends an order).
   */
  arrivals: number[] = [];
  private inOrder = 0;
  quotesSent = 0;
  private timer: NodeJS.Timeout | null = null;
  private mdReqId: string | null = null;
  private execs = 0;

  constructor(sender: string, target: string, private readonly quotesPerSec: number, streamWithoutSubscription: boolean) {
    this.session = new FixSession(
      { ...DEFAULT_SESSION_CONFIG, senderCompId: sender, targetCompId: target, role: 'acceptor', maxLatencySec: 0 },
      new MemorySessionStore(1_000),
      {
        onLogon: () => {
          // Unasked prices start half a second after the Logon: jspurefix fails its session on
          // market data that arrives while it is still settling its logon sequence.
          if (streamWithoutSubscription) setTimeout(() => (this.mdReqId = 'bench'), 500).unref();
        },
        fromApp: (s, m) => {
          if (m.msgType === MsgType.MarketDataRequest) this.mdReqId = m.str(Tag.MDReqID) ?? 'md';
          else if (m.msgType === MsgType.NewOrderSingle) {
            const at = nowUs();
            const id = m.str(Tag.ClOrdID) ?? '';
            // By the order's own number, not its position: a path that resends or reorders
            // (a PossDup copy, a resend after a gap) must not shift every later order's time.
            const k = /^B\d+$/.test(id) ? Number(id.slice(1)) : this.inOrder++;
            if (this.arrivals[k] === undefined) this.arrivals[k] = at;
            const qty = m.str(Tag.OrderQty) ?? '1';
            s.sendApp(MsgType.ExecutionReport, (e) =>
              e.str(Tag.AvgPx, '1.27003').str(Tag.ClOrdID, id).str(Tag.CumQty, qty).str(Tag.ExecID, `X${++this.execs}`).str(Tag.LastPx, '1.27003').str(Tag.LastQty, qty)
                .str(Tag.OrderID, `O${this.execs}`).str(Tag.OrderQty, qty).str(Tag.OrdStatus, '2').str(Tag.Side, m.str(Tag.Side) ?? '1').str(Tag.Symbol, m.str(Tag.Symbol) ?? '')
                .str(Tag.ExecType, 'F').str(Tag.LeavesQty, '0'),
            );
          }
        },
      },
      clock,
      silent,
      () => new FixMessage(),
    );
    this.acceptor = new FixAcceptor({ host: '127.0.0.1', port: 0, findSession: (s, t) => (s === sender && t === target ? this.session : null), allSessions: () => [this.session], log: silent });
  }

  async listen(): Promise<number> {
    const port = await this.acceptor.listen();
    const symbols = ['GBPUSD', 'EURUSD', 'USDJPY', 'AUDUSD', 'USDCAD', 'USDCHF', 'XAUUSD', 'US30'];
    let k = 0;
    let mid = 127_000_000;
    let last = performance.now();
    let owed = 0;
    this.timer = setInterval(() => {
      if (this.mdReqId === null || !this.session.isLoggedOn) return;
      const now = performance.now();
      owed += ((now - last) / 1000) * this.quotesPerSec;
      last = now;
      while (owed >= 1) {
        owed--;
        const symbol = this.monotonic ? 'GBPUSD' : (symbols[k++ % symbols.length] as string);
        if (this.monotonic) {
          mid += 1000;
          this.quoteTimes.push(nowUs());
        } else mid += k % 2 === 0 ? 1000 : -1000;
        this.session.sendApp(MsgType.MarketDataSnapshotFullRefresh, (e) => encodeSnapshot(e, this.mdReqId as string, symbol, mid - 2000, mid + 2000, 100_000_000_000_000, 5));
        this.quotesSent++;
      }
    }, 1);
    return port;
  }

  async close(): Promise<void> {
    if (this.timer !== null) clearInterval(this.timer);
    await this.acceptor.close();
  }
}

/** The platform end: sends orders on a fixed schedule and times every report. */
class PlatformEnd {
  session: FixSession;
  initiator: FixInitiator;
  scheduled: number[] = [];
  answered = 0;
  private roundTrip = histogram();
  private warmupUntil = 0;

  constructor(port: number) {
    this.session = new FixSession(
      { ...DEFAULT_SESSION_CONFIG, senderCompId: 'PLAT', targetCompId: 'BRIDGE', role: 'initiator', heartBtIntSec: 30, maxLatencySec: 0 },
      new MemorySessionStore(1_000),
      {
        fromApp: (_s, m) => {
          if (m.msgType !== MsgType.ExecutionReport) return;
          const status = m.str(Tag.OrdStatus);
          if (status !== '2' && status !== '8') return;
          const k = Number((m.str(Tag.ClOrdID) ?? 'B-1').slice(1));
          const at = this.scheduled[k];
          if (at === undefined) return;
          this.answered++;
          if (at >= this.warmupUntil) this.roundTrip.recordValue(Math.max(1, Math.round(nowUs() - at)));
        },
      },
      clock,
      silent,
      () => new FixMessage(),
    );
    this.initiator = new FixInitiator({ host: '127.0.0.1', port, session: this.session, log: silent });
  }

  /** Offers `perSecond` orders for `seconds`; the first `warmupSeconds` are not measured. */
  async offer(perSecond: number, seconds: number, warmupSeconds: number): Promise<{ sent: number; roundTrip: Percentiles; firstIndex: number; warmupUntil: number }> {
    this.roundTrip.reset();
    const firstIndex = this.scheduled.length;
    const start = nowUs() + 2_000;
    this.warmupUntil = start + warmupSeconds * 1e6;
    const total = Math.round(perSecond * seconds);
    const intervalUs = 1e6 / perSecond;
    let next = 0;
    await new Promise<void>((done) => {
      const pump = (): void => {
        const now = nowUs();
        while (next < total && start + next * intervalUs <= now) {
          const k = this.scheduled.length;
          this.scheduled.push(start + next * intervalUs);
          this.session.sendApp(MsgType.NewOrderSingle, (e) =>
            e.str(Tag.Account, '1').str(Tag.ClOrdID, `B${k}`).str(Tag.OrderQty, '1').str(Tag.OrdType, '1').str(Tag.Side, k % 2 === 0 ? '1' : '2').str(Tag.Symbol, 'GBPUSD.pro').str(Tag.TransactTime, formatUtcTimestamp(Date.now())),
          );
          next++;
        }
        if (next >= total) done();
        else setImmediate(pump);
      };
      pump();
    });
    const expected = firstIndex + total;
    await waitFor(() => this.answered >= expected, 5_000);
    return { sent: total, roundTrip: percentiles(this.roundTrip), firstIndex, warmupUntil: this.warmupUntil };
  }

  destroy(): void {
    this.roundTrip.destroy();
  }
}

export interface RigOptions {
  readonly path: PathKind;
  readonly candidate: CandidateKind;
  readonly rates: readonly number[];
  readonly seconds: number;
  readonly warmupSeconds: number;
  readonly quotesPerSec: number;
  /** µs the slow candidate spends per decision. */
  readonly slowCandidateUs: number;
  /** Shadow workers (other processes, on the rig's core) fed by the engine's event tap. */
  readonly tapWorkers?: number;
  /**
   * Remote candidates as the engine sees them (bench/support/tap-sink.ts: subscribe, receive
   * everything, report once a second), listed in run.candidates: the engine's cost of feeding
   * them, without N full replays competing with the rig for its core.
   */
  readonly tapSinks?: number;
}

export interface RigResult {
  /** Each worker's summary.tap (lag, gaps) and its order count, with tapWorkers. */
  readonly workers?: readonly Record<string, unknown>[];
  /** Each tap sink's counts (received, gaps) and the rig core's CPU they took, with tapSinks. */
  readonly sinks?: readonly Record<string, unknown>[];
  readonly path: PathKind;
  readonly candidate: CandidateKind;
  readonly rates: RateResult[];
  readonly engine: Record<string, unknown> | null;
}

/** One path, one engine (or relay) process, every rate in turn. */
export async function runRig(o: RigOptions): Promise<RigResult> {
  await hdr.initWebAssembly();
  pinRig();
  const tmp = mkdtempSync(join(tmpdir(), 'sb-hop-'));
  const engineSide = o.path === 'engine';
  // The relay forwards bytes, so the LP end talks to the platform end itself; the engine and the
  // peers are FIX sessions of their own to each (BRIDGE). The engine subscribes to prices; the
  // peers are sent them unasked, and parse them.
  const relay = o.path === 'relay';
  const lp = new LpEnd(relay ? 'BRIDGE' : 'LP_BRAVO', relay ? 'PLAT' : 'BRIDGE', o.quotesPerSec, !engineSide);
  const lpPort = await lp.listen();
  let middle: Middle;
  const workers: ChildProcess[] = [];
  const sinkProcs: { child: ChildProcess; output: () => string }[] = [];
  if (engineSide) {
    const config: LiveConfig = {
      run: {
        production: join(ROOT, 'mappings', 'production'),
        candidate: o.candidate === 'none' ? null : o.candidate === 'slow-worker' ? join(ROOT, 'bench', 'support', 'slow-module-candidate.ts') : join(ROOT, 'mappings', 'production'),
        out: join(tmp, 'run'),
        record: null,
        flushMs: Number(process.env['BENCH_FLUSH_MS'] ?? 1_000),
        maxShadowQueue: 10_000,
        candidateBudgetUs: 50_000,
        // BENCH_JOURNAL_FSYNC=never (with SB_FSYNC=never for the FIX stores): what fsync costs the tail.
        orderJournalFsync: (process.env['BENCH_JOURNAL_FSYNC'] as 'never' | undefined) ?? 'interval',
      },
      // The path is measured, not the per-session rate limit (2,000/s by default): the throughput stage offers 30,000/s.
      platform: { host: '127.0.0.1', port: 0, senderCompId: 'BRIDGE', storeDir: join(tmp, 'store'), tls: null, priceThrottleMs: 100, sessions: [{ targetCompId: 'PLAT', defaultGroup: 'real\\pro\\usd', accountGroups: {}, groupTag: null, messagesPerSecond: 1_000_000 }] },
      lps: [{ id: 'LP_BRAVO', host: '127.0.0.1', port: lpPort, senderCompId: 'BRIDGE', targetCompId: 'LP_BRAVO', heartBtIntSec: 30, account: 'BRIDGE', resendMaxAgeMs: 2_000, schedule: null, resetAtScheduleStart: true, tls: null }],
    };
    process.env['BENCH_SLOW_US'] = String(o.slowCandidateUs); // read by the worker module
    const sinks = o.tapSinks ?? 0;
    if (sinks > 0) {
      const tapPort = await freeLoopbackPort();
      (config as { tap?: unknown }).tap = { bind: `tcp://127.0.0.1:${tapPort}`, waitForSubscribers: sinks, waitForSubscribersMs: 20_000, batchMs: Number(process.env['BENCH_TAP_BATCH_MS'] ?? 2) };
      (config.run as { candidates?: unknown }).candidates = Array.from({ length: sinks }, (_, i) => ({ id: `sink-${i}`, remote: true }));
      const productionHash = loadBundle(join(ROOT, 'mappings', 'production')).hash;
      for (let i = 0; i < sinks; i++) {
        const args = [join(ROOT, 'bin', 'run-ts.mjs'), join(ROOT, 'bench', 'support', 'tap-sink.ts'), `tcp://127.0.0.1:${tapPort}`, `sink-${i}`, productionHash];
        const command = PIN ? ['taskset', '-c', '0', process.execPath, ...args] : [process.execPath, ...args];
        const child = spawn(command[0] as string, command.slice(1), { stdio: ['ignore', 'pipe', 'inherit'], cwd: ROOT });
        let out = '';
        child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
        sinkProcs.push({ child, output: () => out });
      }
    }
    if ((o.tapWorkers ?? 0) > 0) {
      const tapPort = await freeLoopbackPort();
      (config as { tap?: unknown }).tap = { bind: `tcp://127.0.0.1:${tapPort}`, waitForSubscribers: o.tapWorkers, waitForSubscribersMs: 20_000, batchMs: Number(process.env['BENCH_TAP_BATCH_MS'] ?? 2) };
      // Workers stand for other hosts: on the rig's core, so the engine's core stays its own.
      for (let w = 0; w < (o.tapWorkers ?? 0); w++) {
        const args = [join(ROOT, 'bin', 'shadow-bridge.mjs'), 'shadow-worker', '--connect', `tcp://127.0.0.1:${tapPort}`, '--candidate', join(ROOT, 'mappings', w % 2 === 0 ? 'candidate' : 'candidate-good'), '--out', join(tmp, `worker-${w}`)];
        const command = PIN ? ['taskset', '-c', '0', process.execPath, ...args] : [process.execPath, ...args];
        workers.push(spawn(command[0] as string, command.slice(1), { stdio: 'ignore', cwd: ROOT }));
      }
    }
    middle = await startProcess(['bench/support/engine-process.ts', JSON.stringify(config), o.candidate === 'slow' ? `slow:${o.slowCandidateUs}` : ''], true);
    await waitFor(() => lp.session.isLoggedOn, 10_000);
  } else if (o.path === 'jspurefix') {
    middle = await startProcess(['bench/support/peer-jspurefix.ts', String(await freeLoopbackPort()), String(lpPort), join(tmp, 'store')]);
  } else if (o.path === 'quickfix') {
    // Its acceptor binds every address: the caller runs this rig in a private network namespace.
    middle = await startCommand([join(ROOT, 'build', 'quickfix-bridge'), String(await freeLoopbackPort()), '127.0.0.1', String(lpPort), join(tmp, 'store'), join(ROOT, 'node_modules', 'jspurefix', 'data', 'FIX44.xml')]);
  } else {
    middle = await startProcess(['bench/support/relay.ts', '0', String(lpPort)]);
  }
  const platform = new PlatformEnd(middle.port);
  platform.initiator.start();
  await waitFor(() => platform.session.isLoggedOn, 10_000);
  await new Promise((r) => setTimeout(r, 300)); // quotes flowing
  const rates: RateResult[] = [];
  const sinkCpuBefore = sinkProcs.map((p) => cpuTicksOf(p.child.pid ?? 0));
  const sinkT0 = performance.now();
  try {
    for (const rate of o.rates) {
      const quotesBefore = lp.quotesSent;
      const allocBefore = engineSide ? await allocationMark(middle) : null;
      const cpuBefore = processCpuUs(middle.child.pid);
      const t0 = performance.now();
      // The engine counts its shadow queue's lag from the end of the warm-up, as the rig counts latency.
      const measuring = engineSide ? setTimeout(() => middle.child.stdin?.write('measure\n'), o.warmupSeconds * 1000) : null;
      const offered = await platform.offer(rate, o.seconds, o.warmupSeconds);
      if (measuring !== null) clearTimeout(measuring);
      const cpuAfter = processCpuUs(middle.child.pid);
      const cpuUsPerOrder = cpuBefore === 0 || cpuAfter === 0 ? Number.NaN : Math.round((cpuAfter - cpuBefore) / Math.max(1, offered.sent));
      const allocAfter = engineSide ? await allocationMark(middle) : null;
      const allocBytesPerOrder = allocBefore === null || allocAfter === null ? null : Math.round((allocAfter - allocBefore) / Math.max(1, offered.sent));
      const elapsed = (performance.now() - t0) / 1000;
      const toLp = histogram();
      for (let i = 0; i < offered.sent; i++) {
        const arrival = lp.arrivals[offered.firstIndex + i];
        const at = platform.scheduled[offered.firstIndex + i];
        if (arrival !== undefined && at !== undefined && at >= offered.warmupUntil) toLp.recordValue(Math.max(1, Math.round(arrival - at)));
      }
      // BENCH_LATENCY_DUMP=FILE: every order's scheduled send (µs from the first) and its latency to the LP, to find when a tail happens.
      const dump = process.env['BENCH_LATENCY_DUMP'];
      if (dump !== undefined) {
        const first = platform.scheduled[offered.firstIndex] ?? 0;
        const rows: string[] = [];
        for (let i = 0; i < offered.sent; i++) {
          const arrival = lp.arrivals[offered.firstIndex + i];
          const at = platform.scheduled[offered.firstIndex + i];
          if (arrival !== undefined && at !== undefined) rows.push(`${Math.round(at - first)} ${Math.round(arrival - at)}`);
        }
        writeFileSync(`${dump}.${rate}`, `${rows.join('\n')}\n`);
      }
      rates.push({ offeredPerSec: rate, sent: offered.sent, answered: Math.min(offered.sent, platform.answered - offered.firstIndex), toLpUs: percentiles(toLp), roundTripUs: offered.roundTrip, quotesPerSec: Math.round((lp.quotesSent - quotesBefore) / elapsed), cpuUsPerOrder, allocBytesPerOrder });
      toLp.destroy();
    }
  } finally {
    await platform.initiator.stop(300);
    platform.destroy();
  }
  const sinkCpuAfter = sinkProcs.map((p) => cpuTicksOf(p.child.pid ?? 0));
  const sinkSeconds = (performance.now() - sinkT0) / 1000;
  const engine = await stopProcess(middle);
  await lp.close();
  const sinkResults: Record<string, unknown>[] = [];
  for (const [i, p] of sinkProcs.entries()) {
    const counts = await stopProcess(p);
    sinkResults.push({ ...(counts ?? {}), rigCorePct: Math.round((((sinkCpuAfter[i] ?? 0) - (sinkCpuBefore[i] ?? 0)) / 100 / sinkSeconds) * 100) });
  }
  const workerSummaries: Record<string, unknown>[] = [];
  for (const [w, child] of workers.entries()) {
    child.kill('SIGTERM');
    await new Promise((r) => (child.exitCode !== null ? r(null) : child.once('exit', r)));
    try {
      const s = JSON.parse(readFileSync(join(tmp, `worker-${w}`, 'summary.json'), 'utf8')) as { orders: number; tap: Record<string, unknown> };
      workerSummaries.push({ orders: s.orders, ...s.tap });
    } catch {
      workerSummaries.push({ error: 'no summary' });
    }
  }
  rmSync(tmp, { recursive: true, force: true });
  return { path: o.path, candidate: o.candidate, rates, engine, ...(workers.length > 0 ? { workers: workerSummaries } : {}), ...(sinkProcs.length > 0 ? { sinks: sinkResults } : {}) };
}

