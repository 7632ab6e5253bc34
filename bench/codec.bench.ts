// What it measures: ns per message to parse (frame, validate, index, read the fields routing
// needs) and to encode NewOrderSingle, ExecutionReport and MarketDataIncrementalRefresh (3
// entries): ours against jspurefix 5.11.4 on the same bytes, in the same process and run, and
// QuickFIX C++ on the same bytes (build/quickfix-codec-timing, run right after, same machine).
// Regressing it means every FIX message costs more before routing starts.

import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { FixEncoder } from '../src/fix/codec/encoder.js';
import { FixFramer } from '../src/fix/codec/framer.js';
import { FixMessage } from '../src/fix/codec/message.js';
import { spreadOf, type Spread } from './support/stats.js';

const require = createRequire(import.meta.url);
require('reflect-metadata');
/* eslint-disable @typescript-eslint/no-explicit-any */
const jsfix = require('jspurefix') as any;
const { makeSessionScope } = require('jspurefix/dist/runtime/session-scope') as any;
const { DITokens } = require('jspurefix/dist/runtime/di-tokens') as any;
const { AsciiParser } = require('jspurefix/dist/buffer/ascii/ascii-parser') as any;
const { AsciiMsgTransmitter } = require('jspurefix/dist/transport/ascii/ascii-msg-transmitter') as any;

const TS = '20260708-09:00:00.123';
function nos(e: FixEncoder): Buffer {
  return e.begin().str(35, 'D').int(34, 1234).str(49, 'PLAT').str(52, TS).str(56, 'BRIDGE').str(1, '100234').str(11, 'ORD-000123').str(21, '1').str(38, '100000').str(40, '2').str(44, '1.08512').str(54, '1').str(55, 'EUR/USD').str(59, '3').str(60, TS).finish();
}
function er(e: FixEncoder): Buffer {
  return e.begin().str(35, '8').int(34, 1235).str(49, 'LP').str(52, TS).str(56, 'BRIDGE').str(6, '1.08514').str(11, 'ORD-000123').str(14, '100000').str(17, 'EX-77').str(31, '1.08514').str(32, '100000').str(37, 'LPO-9').str(38, '100000').str(39, '2').str(54, '1').str(55, 'EUR/USD').str(60, TS).str(150, 'F').str(151, '0').finish();
}
function mdx(e: FixEncoder): Buffer {
  return e.begin().str(35, 'X').int(34, 1236).str(49, 'LP').str(52, TS).str(56, 'BRIDGE').str(262, 'md-1').int(268, 3)
    .str(279, '1').str(269, '0').str(278, 'b1').str(55, 'EUR/USD').str(270, '1.08512').str(271, '1000000')
    .str(279, '1').str(269, '1').str(278, 'a1').str(55, 'EUR/USD').str(270, '1.08514').str(271, '1000000')
    .str(279, '2').str(269, '0').str(278, 'b0').str(55, 'EUR/USD').finish();
}

interface Case {
  readonly name: string;
  readonly bytes: Buffer;
  readonly read: (m: FixMessage) => number;
  readonly readJs: (view: any) => number;
  readonly encode: (e: FixEncoder) => Buffer;
  readonly jsType: string;
  readonly jsObject: () => Record<string, unknown>;
}

const encoder = new FixEncoder();
const cases: Case[] = [
  {
    name: 'NewOrderSingle',
    bytes: Buffer.from(nos(encoder)),
    read: (m) => (m.str(11)?.length ?? 0) + (m.str(55)?.length ?? 0) + m.int(54) + m.e8(38) + m.e8(44) + m.int(34),
    readJs: (v) => (v.getString(11)?.length ?? 0) + (v.getString(55)?.length ?? 0) + Number(v.getString(54)) + v.getTyped(38) + v.getTyped(44) + v.getTyped(34),
    encode: nos,
    jsType: 'D',
    jsObject: () => ({ Account: '100234', ClOrdID: 'ORD-000123', HandlInst: '1', OrderQtyData: { OrderQty: 100000 }, OrdType: '2', Price: 1.08512, Side: '1', Instrument: { Symbol: 'EUR/USD' }, TimeInForce: '3', TransactTime: new Date() }),
  },
  {
    name: 'ExecutionReport',
    bytes: Buffer.from(er(encoder)),
    read: (m) => (m.str(11)?.length ?? 0) + (m.str(17)?.length ?? 0) + m.e8(31) + m.e8(32) + (m.str(150)?.length ?? 0) + (m.str(39)?.length ?? 0),
    readJs: (v) => (v.getString(11)?.length ?? 0) + (v.getString(17)?.length ?? 0) + v.getTyped(31) + v.getTyped(32) + (v.getString(150)?.length ?? 0) + (v.getString(39)?.length ?? 0),
    encode: er,
    jsType: '8',
    jsObject: () => ({ AvgPx: 1.08514, ClOrdID: 'ORD-000123', CumQty: 100000, ExecID: 'EX-77', LastPx: 1.08514, LastQty: 100000, OrderID: 'LPO-9', OrderQtyData: { OrderQty: 100000 }, OrdStatus: '2', Side: '1', Instrument: { Symbol: 'EUR/USD' }, TransactTime: new Date(), ExecType: 'F', LeavesQty: 0 }),
  },
  {
    name: 'MarketDataIncrementalRefresh (3 entries)',
    bytes: Buffer.from(mdx(encoder)),
    read: (m) => {
      let sum = 0;
      for (let i = 0; i < m.count; i++) if (m.tags[i] === 270) sum += m.e8At(i);
      return sum;
    },
    readJs: (v) => {
      const g = v.getView('MDIncGrp.NoMDEntries');
      let sum = 0;
      for (let i = 0; i < 3; i++) sum += g?.getGroupInstance(i)?.getTyped(270) ?? 0;
      return sum;
    },
    encode: mdx,
    jsType: 'X',
    jsObject: () => ({ MDReqID: 'md-1', MDIncGrp: { NoMDEntries: [
      { MDUpdateAction: '1', MDEntryType: '0', MDEntryID: 'b1', Instrument: { Symbol: 'EUR/USD' }, MDEntryPx: 1.08512, MDEntrySize: 1000000 },
      { MDUpdateAction: '1', MDEntryType: '1', MDEntryID: 'a1', Instrument: { Symbol: 'EUR/USD' }, MDEntryPx: 1.08514, MDEntrySize: 1000000 },
      { MDUpdateAction: '2', MDEntryType: '0', MDEntryID: 'b0', Instrument: { Symbol: 'EUR/USD' } },
    ] } }),
  },
];

/** ns per operation over `perRound` operations. */
function timeOne(op: () => void, perRound: number): number {
  const t0 = performance.now();
  for (let i = 0; i < perRound; i++) op();
  return ((performance.now() - t0) * 1e6) / perRound;
}

/**
 * Ours and jspurefix in alternating rounds, each pair back to back: a neighbour's burst on this
 * shared machine then hits both sides of a pair instead of one side's whole series, and the
 * ratio is the median of the per-pair ratios.
 */
function pairedRounds(ours: () => void, theirs: () => void, perRound: number, theirsPerRound: number, rounds: number): { ours: Spread; theirs: Spread; ratio: Spread } {
  for (let i = 0; i < 20_000; i++) ours(); // warm-up: let the JIT settle
  for (let i = 0; i < 2_000; i++) theirs();
  const a: number[] = [];
  const b: number[] = [];
  const ratios: number[] = [];
  for (let r = 0; r < rounds; r++) {
    (globalThis as { gc?: () => void }).gc?.();
    const x = timeOne(ours, perRound);
    (globalThis as { gc?: () => void }).gc?.();
    const y = timeOne(theirs, theirsPerRound);
    a.push(x);
    b.push(y);
    ratios.push(y / x);
  }
  return { ours: spreadOf(a), theirs: spreadOf(b), ratio: spreadOf(ratios) };
}

export interface CodecResult {
  readonly message: string;
  readonly bytes: number;
  /** ratio: median of per-round jspurefix/ours ratios (rounds alternate, see pairedRounds). */
  readonly parseNs: { ours: Spread; jspurefix: Spread; ratio: number; ratioSpread: Spread };
  readonly encodeNs: { ours: Spread; jspurefix: Spread; ratio: number; ratioSpread: Spread };
  /** QuickFIX C++ on the same bytes (median ns over its rounds), and ours against it (>1: ours is faster). */
  readonly quickfix: { readonly parseNs: number; readonly encodeNs: number; readonly parseRatio: number; readonly encodeRatio: number } | { readonly unavailable: string };
}

const ROOT = resolve(import.meta.dirname, '..');
const QUICKFIX_TIMING = join(ROOT, 'build', 'quickfix-codec-timing');

/** QuickFIX C++ timing the same messages; null with the reason when it cannot run here. */
function quickfixTimings(messages: readonly { name: string; bytes: Buffer }[], quick: boolean): Map<string, { parseNs: number; encodeNs: number }> | string {
  if (!existsSync(QUICKFIX_TIMING)) return `${QUICKFIX_TIMING} is not built (scripts/setup-quickfix.sh)`;
  const input = messages.map((m) => `${m.name}\t${m.bytes.toString('hex')}`).join('\n');
  const r = spawnSync(QUICKFIX_TIMING, [join(ROOT, 'node_modules', 'jspurefix', 'data', 'FIX44.xml'), String(quick ? 20_000 : 100_000), String(quick ? 5 : 9)], { input, encoding: 'utf8' });
  if (r.status !== 0) return `quickfix-codec-timing exited ${r.status}: ${r.stdout}${r.stderr}`.trim();
  const out = new Map<string, { parseNs: number; encodeNs: number }>();
  for (const line of r.stdout.trim().split('\n')) {
    const x = JSON.parse(line) as { message: string; parseNs: number; encodeNs: number };
    out.set(x.message, { parseNs: x.parseNs, encodeNs: x.encodeNs });
  }
  return out;
}

export async function runCodecBench(quick: boolean): Promise<CodecResult[]> {
  const sys = new jsfix.SessionContainer();
  sys.registerGlobal('error');
  const container = await sys.makeSystem({ application: { type: 'initiator', name: 'bench', tcp: { host: '127.0.0.1', port: 1 }, protocol: 'ascii', dictionary: 'qf44' }, SenderCompId: 'PLAT', TargetCompID: 'BRIDGE', BeginString: 'FIX.4.4', HeartBtInt: 30 });
  const config = container.resolve(DITokens.IJsFixConfig);
  config.definitions = await new jsfix.DefinitionFactory().getDefinitions('qf44');
  const rounds = quick ? 5 : 9;
  const perRound = quick ? 20_000 : 50_000;
  const results: CodecResult[] = [];
  const qf = quickfixTimings(cases.map((c) => ({ name: c.name, bytes: c.bytes })), quick);
  let sink = 0;
  for (const c of cases) {
    // Ours: frame (BodyLength + CheckSum) + tokenize + read.
    const m = new FixMessage();
    // As the gateways use it: the framer defers the CheckSum to the parser's single pass.
    const framer = new FixFramer({ onFrame: (b, s, e) => { if (!m.parse(b, s, e, true)) throw new Error('garbled'); sink += c.read(m); }, onGarbled: () => { throw new Error('garbled'); } }, undefined, true);
    // jspurefix: its session parser on the same bytes, reading the same fields from the view.
    const scoped = makeSessionScope(config);
    const sc = scoped.sessionContainer;
    const parser = new AsciiParser(scoped, null, sc.resolve(DITokens.ParseBuffer), sc.resolve(DITokens.maxMessageLen));
    let decoded = 0;
    parser.on('msg', (_: string, view: any) => { decoded++; sink += c.readJs(view); });
    parser.parseBuffer(c.bytes);
    if (decoded !== 1) throw new Error(`jspurefix did not decode ${c.name}`);
    const parse = pairedRounds(() => framer.push(c.bytes), () => parser.parseBuffer(c.bytes), perRound, Math.floor(perRound / 5), rounds);
    // Encode: ours into a reused buffer; jspurefix's transmitter as its send path does.
    const e = new FixEncoder();
    const tx = new AsciiMsgTransmitter(makeSessionScope(config));
    const obj = c.jsObject();
    const encode = pairedRounds(() => { sink += c.encode(e).length; }, () => { tx.encoder.reset(); tx.encodeMessage(c.jsType, obj); sink += tx.encoder.trim().length; }, perRound, Math.floor(perRound / 10), rounds);
    results.push({
      message: c.name,
      bytes: c.bytes.length,
      parseNs: { ours: parse.ours, jspurefix: parse.theirs, ratio: parse.ratio.median, ratioSpread: parse.ratio },
      encodeNs: { ours: encode.ours, jspurefix: encode.theirs, ratio: encode.ratio.median, ratioSpread: encode.ratio },
      quickfix: typeof qf === 'string' || !qf.has(c.name) ? { unavailable: typeof qf === 'string' ? qf : 'no figure' } : (() => {
        const q = qf.get(c.name) as { parseNs: number; encodeNs: number };
        return { parseNs: Math.round(q.parseNs), encodeNs: Math.round(q.encodeNs), parseRatio: q.parseNs / parse.ours.median, encodeRatio: q.encodeNs / encode.ours.median };
      })(),
    });
  }
  if (sink === 42) console.log('');
  return results;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const r of await runCodecBench(process.argv.includes('--quick'))) {
    const q = 'parseNs' in r.quickfix ? ` | QuickFIX C++ parse ${r.quickfix.parseNs} ns (${r.quickfix.parseRatio.toFixed(2)}x ours), encode ${r.quickfix.encodeNs} ns (${r.quickfix.encodeRatio.toFixed(2)}x)` : ` | QuickFIX: ${r.quickfix.unavailable}`;
    console.log(`${r.message.padEnd(42)} parse ours ${r.parseNs.ours.median.toFixed(0)} ns, jspurefix ${r.parseNs.jspurefix.median.toFixed(0)} ns, ${r.parseNs.ratio.toFixed(1)}x | encode ours ${r.encodeNs.ours.median.toFixed(0)} ns, jspurefix ${r.encodeNs.jspurefix.median.toFixed(0)} ns, ${r.encodeNs.ratio.toFixed(1)}x${q}`);
  }
}
