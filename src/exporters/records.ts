// Export shapes for ops and finance: decisions and lifecycle entries with prices and volumes
// as exact decimal strings, plus the hash of the context a decision was made on.

import { hash } from 'node:crypto';
import type { LifecycleEntry } from '../core/model/lifecycle.js';
import { formatE8, formatE8Short } from '../core/model/scaled.js';
import type { Decision } from '../core/model/types.js';
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

function computeContextHash(context: DecisionContext): string {
  const o = context.order;
  let text = `${context.seq}|${context.nowUs}|${o.correlationId}|${o.clientOrderId}|${o.account}|${o.group}|${o.platformSymbol}|${o.side}|${o.ordType}|${o.volumeE8}|${o.priceE8}\n`;
  for (const [lp, status] of [...context.lpStatus].sort((a, b) => (a[0] < b[0] ? -1 : 1))) text += `${lp}=${status}\n`;
  const quotes = context.quotes.entries().sort((a, b) => (a.lp === b.lp ? (a.lpSymbol < b.lpSymbol ? -1 : 1) : a.lp < b.lp ? -1 : 1));
  for (const q of quotes) text += `${q.lp}|${q.lpSymbol}|${q.bidE8}|${q.askE8}|${q.bidSizeE8}|${q.askSizeE8}|${q.indicative}|${q.receivedUs}\n`;
  // One string, hashed in one call (crypto.hash: no Hash object per context; 0.8 vs 1.3 µs).
  return `sha256:${hash('sha256', text, 'hex').slice(0, 16)}`;
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
  const fields = JSON.stringify(e.fields);
  if (fields === '{}') {
    out.byte(0x7d);
    return;
  }
  // The fields' own "{" becomes the comma after the fixed part.
  const at = out.length;
  out.utf8(fields);
  out.bytes[at] = 0x2c;
}
