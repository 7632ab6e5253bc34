// Export shapes for ops and finance: decisions and lifecycle entries with prices and volumes
// as exact decimal strings, plus the hash of the context a decision was made on.

import { hash } from 'node:crypto';
import type { LifecycleEntry } from '../core/model/lifecycle.js';
import { formatE8, formatE8Short } from '../core/model/scaled.js';
import type { Decision, Quote, SkippedLp } from '../core/model/types.js';
import type { DecisionContext } from '../core/shadow/context.js';
import type { DivergenceRecord, ShadowFault } from '../core/shadow/divergence.js';
import { formatTimestampUs, writeTimestampUs } from '../core/model/timestamps.js';
import { ByteBuilder } from '../core/util/byte-builder.js';

function price(valueE8: number, digits: number): string | null {
  return valueE8 === 0 ? null : formatE8(valueE8, digits);
}

export function exportDecision(d: Decision) {
  return {
    router: d.router,
    configHash: d.configHash,
    action: d.action,
    rejectReason: d.rejectReason,
    detail: d.detail,
    rule: d.ruleId,
    instrument: d.instrument,
    lp: d.lp,
    lpSymbol: d.lpSymbol,
    mode: d.selectionMode,
    volume: d.volumeE8 === 0 ? null : formatE8Short(d.volumeE8),
    // The LP's price at its own precision (a 6-digit LP quote on a 5-digit instrument stays whole).
    lpPrice: d.lpPriceE8 === 0 ? null : formatE8Short(d.lpPriceE8),
    // Exactly, however fine: a 2.35-point markup on a 5-digit instrument is 0.0000235.
    markup: d.action === 'route' ? formatE8Short(d.markupE8) : null,
    clientPrice: price(d.clientPriceE8, d.digits),
    markupProfile: d.markupProfile,
    pool: d.pool,
    skipped: d.skipped,
    failover: d.failover,
  };
}

/** The last context hashed and its hash: an order's divergences come one after another. */
let lastContext: DecisionContext | null = null;
let lastContextHash = '';

/**
 * sha256 over the context's content in a fixed order: equal contexts, equal hashes. Contexts are
 * immutable, so the hash of the one just hashed is reused for its order's next divergence.
 */
export function contextHash(context: DecisionContext): string {
  if (context === lastContext) return lastContextHash;
  lastContextHash = computeContextHash(context);
  lastContext = context;
  return lastContextHash;
}

/** The context's text is built here and hashed from its bytes (one per process: hashing is synchronous). */
const hashText = new ByteBuilder(4096);

function byLpThenSymbol(a: Quote, b: Quote): number {
  return a.lp === b.lp ? (a.lpSymbol < b.lpSymbol ? -1 : 1) : a.lp < b.lp ? -1 : 1;
}

function byLp(a: readonly [string, string], b: readonly [string, string]): number {
  return a[0] < b[0] ? -1 : 1;
}

/**
 * The text hashed, line by line: the order, each LP's status, each quote (sorted), numbers as
 * String() writes them. Built as bytes with no string per line or per number (a context holds
 * the whole book: 12% of a replay once went into hashing contexts as template strings).
 */
function computeContextHash(context: DecisionContext): string {
  const o = context.order;
  const t = hashText;
  t.reset();
  t.num(context.seq).byte(0x7c).num(context.nowUs).byte(0x7c).utf8(o.correlationId).byte(0x7c).utf8(o.clientOrderId).byte(0x7c).utf8(o.account).byte(0x7c).utf8(o.group).byte(0x7c);
  t.utf8(o.platformSymbol).byte(0x7c).utf8(o.side).byte(0x7c).utf8(o.ordType).byte(0x7c).num(o.volumeE8).byte(0x7c).num(o.priceE8).byte(0x0a);
  for (const [lp, status] of [...context.lpStatus].sort(byLp)) t.utf8(lp).byte(0x3d).utf8(status).byte(0x0a);
  for (const q of context.quotes.entries().sort(byLpThenSymbol)) {
    t.utf8(q.lp).byte(0x7c).utf8(q.lpSymbol).byte(0x7c).num(q.bidE8).byte(0x7c).num(q.askE8).byte(0x7c).num(q.bidSizeE8).byte(0x7c).num(q.askSizeE8).byte(0x7c);
    t.ascii(q.indicative ? 'true' : 'false').byte(0x7c).num(q.receivedUs).byte(0x0a);
  }
  // One call over the bytes (crypto.hash: no Hash object per context).
  return `sha256:${hash('sha256', t.bytes.subarray(0, t.length), 'hex').slice(0, 16)}`;
}

export function exportDivergence(r: DivergenceRecord, context: DecisionContext) {
  return {
    seq: r.seq,
    at: formatTimestampUs(r.atUs),
    correlationId: r.correlationId,
    clientOrderId: r.clientOrderId,
    account: r.account,
    group: r.group,
    symbol: r.platformSymbol,
    class: r.class,
    severity: r.severity,
    detail: r.detail,
    executedBy: r.executedBy,
    contextHash: contextHash(context),
    production: exportDecision(r.production),
    candidate: exportDecision(r.candidate),
  };
}

/** A string or null, as JSON.stringify writes it. */
function jsonStringOrNull(out: ByteBuilder, text: string | null): ByteBuilder {
  return text === null ? out.ascii('null') : out.jsonString(text);
}

function writeDecisionJson(out: ByteBuilder, d: Decision): void {
  out.ascii('{"router":').jsonString(d.router).ascii(',"configHash":').jsonString(d.configHash).ascii(',"action":').jsonString(d.action).ascii(',"rejectReason":');
  jsonStringOrNull(out, d.rejectReason).ascii(',"detail":');
  jsonStringOrNull(out, d.detail).ascii(',"rule":');
  jsonStringOrNull(out, d.ruleId).ascii(',"instrument":');
  jsonStringOrNull(out, d.instrument).ascii(',"lp":');
  jsonStringOrNull(out, d.lp).ascii(',"lpSymbol":');
  jsonStringOrNull(out, d.lpSymbol).ascii(',"mode":');
  jsonStringOrNull(out, d.selectionMode).ascii(',"volume":');
  // The numbers as exportDecision gives them (decimal strings, ASCII digits).
  if (d.volumeE8 === 0) out.ascii('null');
  else out.byte(0x22).ascii(formatE8Short(d.volumeE8)).byte(0x22);
  out.ascii(',"lpPrice":');
  if (d.lpPriceE8 === 0) out.ascii('null');
  else out.byte(0x22).ascii(formatE8Short(d.lpPriceE8)).byte(0x22);
  out.ascii(',"markup":');
  if (d.action === 'route') out.byte(0x22).ascii(formatE8Short(d.markupE8)).byte(0x22);
  else out.ascii('null');
  out.ascii(',"clientPrice":');
  if (d.clientPriceE8 === 0) out.ascii('null');
  else out.byte(0x22).ascii(formatE8(d.clientPriceE8, d.digits)).byte(0x22);
  out.ascii(',"markupProfile":');
  jsonStringOrNull(out, d.markupProfile).ascii(',"pool":[');
  for (let i = 0; i < d.pool.length; i++) {
    if (i > 0) out.byte(0x2c);
    out.jsonString(d.pool[i] as string);
  }
  out.ascii('],"skipped":[');
  for (let i = 0; i < d.skipped.length; i++) {
    const skip = d.skipped[i] as SkippedLp;
    if (i > 0) out.byte(0x2c);
    out.ascii('{"lp":').jsonString(skip.lp).ascii(',"reason":').jsonString(skip.reason).byte(0x7d);
  }
  out.ascii('],"failover":').ascii(d.failover ? 'true' : 'false').byte(0x7d);
}

/** Whether JSON.stringify would write this skip as {"lp":...,"reason":...} (a router's own are). */
function plainSkip(skip: SkippedLp): boolean {
  const keys = Object.keys(skip);
  return keys.length === 2 && keys[0] === 'lp' && keys[1] === 'reason' && typeof skip.lp === 'string' && typeof skip.reason === 'string';
}

/** Whether a decision is exactly the shape writeDecisionJson writes. */
function plainDecision(d: Decision): boolean {
  return typeof d.failover === 'boolean' && Array.isArray(d.pool) && Array.isArray(d.skipped) && d.skipped.every(plainSkip);
}

/**
 * `JSON.stringify(exportDivergence(r, context))`, byte for byte, written into `out`: a
 * divergence record is about 1 KB of JSON with two nested decisions, and building the object
 * and then its string was most of what a replay with many divergences spent writing them.
 */
export function writeDivergenceJson(out: ByteBuilder, r: DivergenceRecord, context: DecisionContext): void {
  // Anything not of the declared shape (a field of another type throws below) is written by
  // JSON.stringify instead: see RunFolder.record.
  if (!plainDecision(r.production) || !plainDecision(r.candidate)) {
    out.utf8(JSON.stringify(exportDivergence(r, context)));
    return;
  }
  out.ascii('{"seq":').jsonNumber(r.seq).ascii(',"at":"');
  writeTimestampUs(out, r.atUs);
  out.ascii('","correlationId":').jsonString(r.correlationId).ascii(',"clientOrderId":').jsonString(r.clientOrderId).ascii(',"account":').jsonString(r.account);
  out.ascii(',"group":').jsonString(r.group).ascii(',"symbol":').jsonString(r.platformSymbol).ascii(',"class":').jsonString(r.class).ascii(',"severity":').jsonString(r.severity);
  out.ascii(',"detail":').jsonString(r.detail).ascii(',"executedBy":').jsonString(r.executedBy).ascii(',"contextHash":"').ascii(contextHash(context)).ascii('","production":');
  writeDecisionJson(out, r.production);
  out.ascii(',"candidate":');
  writeDecisionJson(out, r.candidate);
  out.byte(0x7d);
}

export function exportFault(f: ShadowFault) {
  return { seq: f.seq, correlationId: f.correlationId, reason: f.reason, detail: f.detail };
}

/** The fields every lifecycle record has, in their order. */
function lifecycleHead(e: LifecycleEntry) {
  return {
    seq: e.seq,
    at: formatTimestampUs(e.atUs),
    step: e.step,
    correlationId: e.correlationId,
    clientOrderId: e.clientOrderId,
    lp: e.lp,
    rejectReason: e.rejectReason,
  };
}

export function exportLifecycle(e: LifecycleEntry) {
  return { ...lifecycleHead(e), ...e.fields };
}

const LIFECYCLE_KEYS = new Set(['seq', 'at', 'step', 'correlationId', 'clientOrderId', 'lp', 'rejectReason']);

/** One builder for the string form below (tools and tests; the run folder writes bytes). */
const scratch = new ByteBuilder(1024);

/** `JSON.stringify(exportLifecycle(e))`, byte for byte (see writeLifecycleJson). */
export function lifecycleJson(e: LifecycleEntry): string {
  scratch.reset();
  writeLifecycleJson(scratch, e);
  return scratch.text();
}

/**
 * `JSON.stringify(exportLifecycle(e))`, byte for byte, written into `out` without the object
 * spread and without a string per line: the fields differ in shape from step to step, so the
 * spread took V8's generic copy (~10 µs per line in the live engine's profile), and the line as
 * a string was built, joined with the others and copied into a Buffer (bench/README.md).
 */
export function writeLifecycleJson(out: ByteBuilder, e: LifecycleEntry): void {
  const start = out.length;
  for (const key in e.fields) {
    // A field that overrides a fixed key, or an integer-like key (those enumerate first), gets
    // the spread's exact meaning. Our own steps use neither.
    const first = key.charCodeAt(0);
    if (LIFECYCLE_KEYS.has(key) || (first >= 0x30 && first <= 0x39)) {
      out.utf8(JSON.stringify(exportLifecycle(e)));
      return;
    }
  }
  // The fixed part written out: seq is an integer, at an ISO timestamp, step and rejectReason
  // come from closed sets; the ids and the LP are escaped as JSON.stringify would.
  out.ascii('{"seq":').uint(e.seq).ascii(',"at":"');
  writeTimestampUs(out, e.atUs);
  out.ascii('","step":"').ascii(e.step).ascii('","correlationId":').jsonString(e.correlationId).ascii(',"clientOrderId":').jsonString(e.clientOrderId).ascii(',"lp":');
  if (e.lp === null) out.ascii('null');
  else out.jsonString(e.lp);
  out.ascii(',"rejectReason":');
  if (e.rejectReason === null) out.ascii('null');
  else out.byte(0x22).ascii(e.rejectReason).byte(0x22);
  // The fields one by one, as JSON.stringify writes them: a string per line through it was 1.6 KB
  // of the ~14 KB the live engine allocated per order (bench/README.md). A value of any other
  // kind (an object, a BigInt) sends the whole line through JSON.stringify instead.
  for (const key in e.fields) {
    const value = e.fields[key];
    if (value === undefined) continue; // JSON.stringify leaves such a key out
    out.byte(0x2c).jsonString(key).byte(0x3a);
    if (typeof value === 'string') out.jsonString(value);
    else if (typeof value === 'number') out.jsonNumber(value);
    else if (typeof value === 'boolean') out.ascii(value ? 'true' : 'false');
    else if (value === null) out.ascii('null');
    else {
      out.length = start;
      out.utf8(JSON.stringify(exportLifecycle(e)));
      return;
    }
  }
  out.byte(0x7d);
}
