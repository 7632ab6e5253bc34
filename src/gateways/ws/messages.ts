// The messages of docs/ws-protocol.md as the domain sees them: orders and cancels decoded from
// JSON with coded problems, executions and prices encoded with decimal strings (never floats).
// Pure functions; both profiles (platform and venue) and the LP simulator share them.

import { formatE8, formatE8Short, parseE8 } from '../../core/model/scaled.js';
import type { OrderType, Side } from '../../core/model/types.js';
import { InternTable } from '../../core/util/intern-table.js';

export const PROTOCOL_VERSION = 1;

/** A message field that is not what the protocol says: the client gets this code and text. */
export interface WsProblem {
  readonly code: 'SB_WS_BAD_MESSAGE';
  readonly text: string;
  /** The clOrdId, when the message had a usable one: the order is then rejected by that id. */
  readonly clOrdId: string | null;
}

export function isWsProblem<T extends object>(value: T | WsProblem): value is WsProblem {
  return 'code' in value && (value as WsProblem).code === 'SB_WS_BAD_MESSAGE';
}

const ID = /^[\x21-\x7e]{1,64}$/;
const SYMBOL = /^[\x21-\x7e]{1,64}$/;

function problem(text: string, clOrdId: string | null = null): WsProblem {
  return { code: 'SB_WS_BAD_MESSAGE', text, clOrdId };
}

/** A positive decimal string as E8, or null (a JSON number is refused: it may be a float). */
function positiveDecimal(value: unknown): number | null {
  if (typeof value !== 'string' || value.length > 32) return null;
  try {
    const e8 = parseE8(value);
    return e8 > 0 ? e8 : null;
  } catch {
    return null;
  }
}

export function idField(value: unknown): string | null {
  return typeof value === 'string' && ID.test(value) ? value : null;
}

/** `new`, either profile: quantities are lots (platform) or units (venue); the caller knows which. */
export interface WsNewOrder {
  readonly clOrdId: string;
  readonly symbol: string;
  readonly side: Side;
  readonly qtyE8: number;
  readonly ordType: OrderType;
  readonly priceE8: number;
  readonly account: string;
  readonly possResend: boolean;
}

/** Symbols and accounts as one string each, as the FIX decoder keeps them (see InternTable). */
const symbols = new InternTable(4_096);
const accounts = new InternTable(4_096);

export function decodeNewOrder(m: Readonly<Record<string, unknown>>): WsNewOrder | WsProblem {
  const clOrdId = idField(m['clOrdId']);
  if (clOrdId === null) return problem('clOrdId must be 1-64 printable characters');
  const symbol = m['symbol'];
  if (typeof symbol !== 'string' || !SYMBOL.test(symbol)) return problem('symbol must be 1-64 printable characters', clOrdId);
  const side = m['side'];
  if (side !== 'buy' && side !== 'sell') return problem('side must be "buy" or "sell"', clOrdId);
  const ordType = m['ordType'];
  if (ordType !== 'market' && ordType !== 'limit') return problem('ordType must be "market" or "limit"', clOrdId);
  const qtyE8 = positiveDecimal(m['qty']);
  if (qtyE8 === null) return problem('qty must be a positive decimal string with at most 8 decimals ("1.5")', clOrdId);
  let priceE8 = 0;
  if (ordType === 'limit') {
    const p = positiveDecimal(m['price']);
    if (p === null) return problem('price must be a positive decimal string for a limit order', clOrdId);
    priceE8 = p;
  }
  const account = m['account'] ?? '';
  if (typeof account !== 'string' || account.length > 64) return problem('account must be a string of at most 64 characters', clOrdId);
  const possResend = m['possResend'] ?? false;
  if (typeof possResend !== 'boolean') return problem('possResend must be true or false', clOrdId);
  return { clOrdId, symbol: symbols.intern(symbol), side, qtyE8, ordType, priceE8, account: accounts.intern(account), possResend };
}

export interface WsCancel {
  readonly clOrdId: string;
  readonly origClOrdId: string;
}

export function decodeCancel(m: Readonly<Record<string, unknown>>): WsCancel | WsProblem {
  const clOrdId = idField(m['clOrdId']);
  const origClOrdId = idField(m['origClOrdId']);
  if (clOrdId === null || origClOrdId === null) return problem('cancel needs clOrdId and origClOrdId (1-64 printable characters each)');
  return { clOrdId, origClOrdId };
}

/** subscribe / unsubscribe: the symbols, at most `max` per message. */
export function decodeSymbols(m: Readonly<Record<string, unknown>>, max: number): string[] | WsProblem {
  const symbols = m['symbols'];
  if (!Array.isArray(symbols) || symbols.length === 0 || symbols.length > max) return problem(`symbols must be a list of 1-${max} symbols`);
  const out: string[] = [];
  for (const s of symbols) {
    if (typeof s !== 'string' || !SYMBOL.test(s)) return problem('each symbol must be 1-64 printable characters');
    if (!out.includes(s)) out.push(s);
  }
  return out;
}

/** FIX ExecType / OrdStatus codes as the protocol names them. */
const EXEC_TYPES: Readonly<Record<string, string>> = { A: 'pending_new', '0': 'new', F: 'trade', '1': 'trade', '2': 'trade', '8': 'rejected', '4': 'canceled', C: 'canceled', I: 'status' };
const ORD_STATUSES: Readonly<Record<string, string>> = { A: 'pending_new', '0': 'new', '1': 'partially_filled', '2': 'filled', '8': 'rejected', '4': 'canceled', C: 'canceled' };

/** OrdRejReason (103) -> the protocol's reject reason (docs/ws-protocol.md §4). */
const REJECT_NAMES: Readonly<Record<number, string>> = { 0: 'no_route', 1: 'unknown_symbol', 2: 'market_closed', 3: 'exceeds_limit', 6: 'duplicate_order', 13: 'invalid_volume', 18: 'invalid_price' };

export function rejectName(ordRejReason: number): string {
  return REJECT_NAMES[ordRejReason] ?? 'other';
}

export interface WsExecution {
  readonly clOrdId: string;
  readonly orderId: string;
  readonly execId: string;
  /** FIX ExecType code (0 A F 8 4 I). */
  readonly execType: string;
  /** FIX OrdStatus code. */
  readonly ordStatus: string;
  readonly symbol: string;
  readonly side: Side;
  readonly qtyE8: number;
  readonly lastQtyE8: number;
  readonly lastPxE8: number;
  readonly cumQtyE8: number;
  readonly avgPxE8: number;
  readonly priceDigits: number;
  readonly ordRejReason: number | null;
  readonly text: string | null;
  readonly timeMs: number;
}

/** The body of an `execution` (the outbox adds type, channel and seq in front). */
export function executionBody(x: WsExecution): Record<string, unknown> {
  const body: Record<string, unknown> = {
    clOrdId: x.clOrdId,
    orderId: x.orderId,
    execId: x.execId,
    execType: EXEC_TYPES[x.execType] ?? 'new',
    ordStatus: ORD_STATUSES[x.ordStatus] ?? 'new',
    symbol: x.symbol,
    side: x.side,
    qty: formatE8Short(x.qtyE8),
    lastQty: formatE8Short(x.lastQtyE8),
    lastPx: x.lastPxE8 === 0 ? '0' : formatE8(x.lastPxE8, x.priceDigits),
    cumQty: formatE8Short(x.cumQtyE8),
    avgPx: x.avgPxE8 === 0 ? '0' : formatE8(x.avgPxE8, x.priceDigits),
  };
  if (x.ordRejReason !== null) {
    body['reason'] = rejectName(x.ordRejReason);
    body['ordRejReason'] = x.ordRejReason;
  }
  if (x.text !== null) body['text'] = x.text;
  body['time'] = x.timeMs;
  return body;
}

/** A price message (snapshot or update): built as text, it is the most frequent message. */
export function priceText(type: 'snapshot' | 'update', symbol: string, seq: number, bidE8: number, askE8: number, digits: number, timeMs: number, sizes: { bidE8: number; askE8: number } | null = null): string {
  const sized = sizes === null ? '' : `,"bidSize":"${formatE8Short(sizes.bidE8)}","askSize":"${formatE8Short(sizes.askE8)}"`;
  return `{"type":"${type}","channel":"prices","symbol":${JSON.stringify(symbol)},"seq":${seq},"bid":"${formatE8(bidE8, digits)}","ask":"${formatE8(askE8, digits)}"${sized},"time":${timeMs}}`;
}

/** A price as received (venue profile): decimal strings back to E8, or null if malformed. */
export interface WsPrice {
  readonly type: 'snapshot' | 'update';
  readonly symbol: string;
  readonly seq: number;
  readonly bidE8: number;
  readonly askE8: number;
  readonly bidSizeE8: number;
  readonly askSizeE8: number;
}

export function decodePrice(m: Readonly<Record<string, unknown>>): WsPrice | null {
  const type = m['type'];
  const symbol = m['symbol'];
  const seq = m['seq'];
  if ((type !== 'snapshot' && type !== 'update') || typeof symbol !== 'string' || !SYMBOL.test(symbol) || typeof seq !== 'number' || !Number.isSafeInteger(seq) || seq < 1) return null;
  const bidE8 = positiveDecimal(m['bid']);
  const askE8 = positiveDecimal(m['ask']);
  if (bidE8 === null || askE8 === null) return null;
  const bidSizeE8 = m['bidSize'] === undefined ? 0 : positiveDecimal(m['bidSize']);
  const askSizeE8 = m['askSize'] === undefined ? 0 : positiveDecimal(m['askSize']);
  if (bidSizeE8 === null || askSizeE8 === null) return null;
  return { type, symbol, seq, bidE8, askE8, bidSizeE8, askSizeE8 };
}

/** An `execution` as received (venue profile), FIX codes restored; null if malformed. */
export interface WsExecutionIn {
  readonly seq: number;
  readonly clOrdId: string;
  readonly orderId: string;
  readonly execId: string;
  readonly execType: 'new' | 'trade' | 'rejected' | 'canceled' | 'status' | 'pending_new';
  readonly ordStatus: string;
  readonly symbol: string;
  readonly lastQtyE8: number;
  readonly lastPxE8: number;
  readonly cumQtyE8: number;
  readonly avgPxE8: number;
  readonly text: string;
}

function nonNegativeDecimal(value: unknown): number | null {
  if (value === '0' || value === undefined) return 0;
  return positiveDecimal(value);
}

export function decodeExecution(m: Readonly<Record<string, unknown>>): WsExecutionIn | null {
  const seq = m['seq'];
  const clOrdId = idField(m['clOrdId']);
  const execType = m['execType'];
  if (typeof seq !== 'number' || !Number.isSafeInteger(seq) || clOrdId === null) return null;
  if (execType !== 'new' && execType !== 'trade' && execType !== 'rejected' && execType !== 'canceled' && execType !== 'status' && execType !== 'pending_new') return null;
  const lastQtyE8 = nonNegativeDecimal(m['lastQty']);
  const lastPxE8 = nonNegativeDecimal(m['lastPx']);
  const cumQtyE8 = nonNegativeDecimal(m['cumQty']);
  const avgPxE8 = nonNegativeDecimal(m['avgPx']);
  if (lastQtyE8 === null || lastPxE8 === null || cumQtyE8 === null || avgPxE8 === null) return null;
  const text = typeof m['text'] === 'string' ? (m['text'] as string).slice(0, 256) : '';
  return {
    seq,
    clOrdId,
    orderId: typeof m['orderId'] === 'string' ? (m['orderId'] as string).slice(0, 64) : '',
    execId: typeof m['execId'] === 'string' ? (m['execId'] as string).slice(0, 64) : '',
    execType,
    ordStatus: typeof m['ordStatus'] === 'string' ? (m['ordStatus'] as string) : '',
    symbol: typeof m['symbol'] === 'string' ? (m['symbol'] as string).slice(0, 64) : '',
    lastQtyE8,
    lastPxE8,
    cumQtyE8,
    avgPxE8,
    text,
  };
}
