// FIX application messages for order flow, mapped to and from the domain: NewOrderSingle and
// OrderCancelRequest in from platforms, orders out to LPs, ExecutionReports both ways.
// Pure: field lists in, domain values or coded problems out.

import type { LpExecution } from '../../core/model/lifecycle.js';
import { InternTable } from '../../core/util/intern-table.js';
import { formatE8, formatE8Short } from '../../core/model/scaled.js';
import type { OrderRequest, Side } from '../../core/model/types.js';
import type { FixEncoder } from '../codec/encoder.js';
import type { FixMessage } from '../codec/message.js';
import { Tag } from '../codec/tags.js';
import { formatUtcTimestamp } from '../codec/timestamps.js';

export interface DecodeProblem {
  readonly refTag: number;
  readonly text: string;
}

/** Where a platform order's client group comes from: a FIX tag, or per-account/default mapping. */
export interface GroupSource {
  readonly groupTag: number | null;
  readonly accountGroups: ReadonlyMap<string, string>;
  readonly defaultGroup: string;
}

/**
 * Symbols, accounts and group names as one string each (see InternTable): held per order for as
 * long as it is remembered. Shared by every session; 4,096 distinct values of each is more than
 * a broker's instruments, and beyond it values just go uninterned.
 */
const symbols = new InternTable(4_096);
const accountsAndGroups = new InternTable(4_096);

/**
 * The longest ClOrdID, Symbol, Account or group a platform may send, as the WebSocket protocol
 * allows: each is held per order for as long as the order is remembered (the tracker's 100,000,
 * the finance rows), so a platform sending 60 KB ids (a FIX message may be 64 KiB) could make the
 * engine hold gigabytes.
 */
const MAX_ID_CHARS = 64;

/** NewOrderSingle (35=D) from a platform -> OrderRequest. OrderQty(38) is in lots. */
export function decodeNewOrderSingle(m: FixMessage, groups: GroupSource, session = ''): OrderRequest | DecodeProblem {
  const clientOrderId = m.str(Tag.ClOrdID);
  if (clientOrderId === undefined || clientOrderId === '') return { refTag: Tag.ClOrdID, text: 'ClOrdID(11) is required' };
  if (clientOrderId.length > MAX_ID_CHARS) return { refTag: Tag.ClOrdID, text: `ClOrdID(11) must be at most ${MAX_ID_CHARS} characters` };
  const symbol = m.str(Tag.Symbol);
  if (symbol === undefined || symbol === '') return { refTag: Tag.Symbol, text: 'Symbol(55) is required' };
  if (symbol.length > MAX_ID_CHARS) return { refTag: Tag.Symbol, text: `Symbol(55) must be at most ${MAX_ID_CHARS} characters` };
  const platformSymbol = symbols.intern(symbol);
  const sideCode = m.str(Tag.Side);
  const side: Side | null = sideCode === '1' ? 'buy' : sideCode === '2' ? 'sell' : null;
  if (side === null) return { refTag: Tag.Side, text: `Side(54) must be 1 or 2, was ${sideCode ?? 'missing'}` };
  const ordTypeCode = m.str(Tag.OrdType);
  const ordType = ordTypeCode === '1' ? 'market' : ordTypeCode === '2' ? 'limit' : null;
  if (ordType === null) return { refTag: Tag.OrdType, text: `OrdType(40) must be 1 (market) or 2 (limit), was ${ordTypeCode ?? 'missing'}` };
  const volumeE8 = m.e8(Tag.OrderQty);
  if (!(volumeE8 > 0)) return { refTag: Tag.OrderQty, text: 'OrderQty(38) must be a positive number of lots' };
  let priceE8 = 0;
  if (ordType === 'limit') {
    priceE8 = m.e8(Tag.Price);
    if (!(priceE8 > 0)) return { refTag: Tag.Price, text: 'Price(44) is required for a limit order' };
  }
  const accountText = m.str(Tag.Account) ?? '';
  if (accountText.length > MAX_ID_CHARS) return { refTag: Tag.Account, text: `Account(1) must be at most ${MAX_ID_CHARS} characters` };
  const account = accountsAndGroups.intern(accountText);
  const taggedGroup = groups.groupTag !== null ? m.str(groups.groupTag) : undefined;
  if (taggedGroup !== undefined && taggedGroup.length > MAX_ID_CHARS) return { refTag: groups.groupTag as number, text: `the group tag (${groups.groupTag}) must be at most ${MAX_ID_CHARS} characters` };
  const group = (taggedGroup === undefined ? undefined : accountsAndGroups.intern(taggedGroup)) ?? groups.accountGroups.get(account) ?? groups.defaultGroup;
  return { clientOrderId, session, account, group, platformSymbol, side, ordType, volumeE8, priceE8 };
}

export function isDecodeProblem<T extends object>(value: T | DecodeProblem): value is DecodeProblem {
  return 'refTag' in value;
}

/** The order production sends to its LP: IOC, quantity in units (lots x contract size). */
export interface LpOrder {
  readonly lpClOrdId: string;
  readonly lpSymbol: string;
  readonly side: Side;
  readonly unitsE8: number;
  readonly ordType: 'market' | 'limit';
  readonly priceE8: number;
  readonly priceDigits: number;
  readonly account: string;
  readonly nowMs: number;
}

export function encodeLpOrder(e: FixEncoder, o: LpOrder): void {
  e.str(Tag.Account, o.account).str(Tag.ClOrdID, o.lpClOrdId).str(Tag.OrderQty, formatE8Short(o.unitsE8)).str(Tag.OrdType, o.ordType === 'market' ? '1' : '2');
  if (o.ordType === 'limit') e.str(Tag.Price, formatE8(o.priceE8, o.priceDigits));
  e.str(Tag.Side, o.side === 'buy' ? '1' : '2').str(Tag.Symbol, o.lpSymbol).str(Tag.TimeInForce, '3').str(Tag.TransactTime, formatUtcTimestamp(o.nowMs));
}

/** An LP's ExecutionReport (35=8) -> LpExecution. Accepts FIX 4.2 (1/2) and 4.4 (F) fills. */
export function decodeExecutionReport(m: FixMessage, lp: string, contractSize: (lpSymbol: string) => number): LpExecution | DecodeProblem {
  const clOrdId = m.str(Tag.ClOrdID);
  if (clOrdId === undefined) return { refTag: Tag.ClOrdID, text: 'ClOrdID(11) is required' };
  const execType = m.str(Tag.ExecType);
  const ordStatus = m.str(Tag.OrdStatus);
  let kind: LpExecution['execType'];
  switch (execType) {
    case 'F':
    case '1':
    case '2':
      kind = ordStatus === '2' || execType === '2' ? 'fill' : 'partial_fill';
      break;
    case '8':
      kind = 'reject';
      break;
    case '4':
    case 'C':
      kind = 'canceled';
      break;
    case '0':
    case 'A':
      kind = 'new';
      break;
    case 'I':
      kind = 'status';
      break;
    default:
      return { refTag: Tag.ExecType, text: `ExecType(150) ${execType ?? 'missing'} is not handled` };
  }
  const units = m.e8(Tag.LastQty);
  const size = contractSize(m.str(Tag.Symbol) ?? '');
  if (kind === 'status') {
    // An answer to our OrderStatusRequest: the LP's view of the whole order.
    const cum = m.e8(Tag.CumQty);
    const avg = m.e8(Tag.AvgPx);
    return {
      lp,
      clientOrderId: clOrdId,
      lpOrderId: m.str(Tag.OrderID) ?? '',
      execId: m.str(Tag.ExecID) ?? '',
      execType: 'status',
      lastQtyE8: 0,
      lastPxE8: 0,
      text: m.str(Tag.Text) ?? `OrdStatus ${ordStatus ?? '?'}`,
      cumQtyE8: Number.isFinite(cum) && size > 0 ? Math.round(cum / size) : 0,
      avgPxE8: Number.isFinite(avg) ? avg : 0,
      terminal: ordStatus === '2' || ordStatus === '3' || ordStatus === '4' || ordStatus === '8' || ordStatus === 'C',
    };
  }
  return {
    lp,
    clientOrderId: clOrdId,
    lpOrderId: m.str(Tag.OrderID) ?? '',
    execId: m.str(Tag.ExecID) ?? '',
    execType: kind,
    lastQtyE8: Number.isFinite(units) && size > 0 ? Math.round(units / size) : 0,
    lastPxE8: Number.isFinite(m.e8(Tag.LastPx)) ? m.e8(Tag.LastPx) : 0,
    text: m.str(Tag.Text) ?? (kind === 'reject' ? `OrdRejReason ${m.str(Tag.OrdRejReason) ?? '?'}` : ''),
  };
}

export interface PlatformExecution {
  readonly orderId: string;
  readonly execId: string;
  readonly clOrdId: string;
  readonly symbol: string;
  readonly side: Side;
  readonly execType: '0' | 'A' | 'F' | '8' | '4';
  readonly ordStatus: '0' | 'A' | '1' | '2' | '8' | '4';
  readonly orderQtyE8: number;
  readonly lastQtyE8: number;
  readonly lastPxE8: number;
  readonly cumQtyE8: number;
  readonly avgPxE8: number;
  readonly priceDigits: number;
  readonly ordRejReason: number | null;
  readonly text: string | null;
  readonly nowMs: number;
}

/** ExecutionReport to a platform: quantities in lots, prices in client terms. Fields ascending. */
export function encodePlatformExecution(e: FixEncoder, x: PlatformExecution): void {
  const leaves = x.execType === '8' || x.execType === '4' ? 0 : Math.max(0, x.orderQtyE8 - x.cumQtyE8);
  e.str(Tag.AvgPx, formatE8(x.avgPxE8, x.priceDigits)).str(Tag.ClOrdID, x.clOrdId).str(Tag.CumQty, formatE8Short(x.cumQtyE8)).str(Tag.ExecID, x.execId);
  if (x.lastPxE8 > 0) e.str(Tag.LastPx, formatE8(x.lastPxE8, x.priceDigits));
  if (x.lastQtyE8 > 0) e.str(Tag.LastQty, formatE8Short(x.lastQtyE8));
  e.str(Tag.OrderID, x.orderId).str(Tag.OrderQty, formatE8Short(x.orderQtyE8)).str(Tag.OrdStatus, x.ordStatus).str(Tag.Side, x.side === 'buy' ? '1' : '2').str(Tag.Symbol, x.symbol);
  if (x.text !== null) e.str(Tag.Text, x.text);
  e.str(Tag.TransactTime, formatUtcTimestamp(x.nowMs));
  if (x.ordRejReason !== null) e.int(Tag.OrdRejReason, x.ordRejReason);
  e.str(Tag.ExecType, x.execType).str(Tag.LeavesQty, formatE8Short(leaves));
}

/** OrderStatusRequest (35=H) to an LP for an order it has not answered: by our ClOrdID. */
export function encodeOrderStatusRequest(e: FixEncoder, o: { readonly lpClOrdId: string; readonly lpOrderId: string | null; readonly lpSymbol: string; readonly side: Side }): void {
  e.str(Tag.ClOrdID, o.lpClOrdId);
  if (o.lpOrderId !== null && o.lpOrderId !== '') e.str(Tag.OrderID, o.lpOrderId);
  e.str(Tag.Side, o.side === 'buy' ? '1' : '2').str(Tag.Symbol, o.lpSymbol);
}
