// FIX market data mapped to and from quotes: MarketDataRequest out to LPs and in from platforms;
// snapshots (W) and incremental refreshes (X) in from LPs kept as a top of book per symbol;
// snapshots out to platforms with production's markups.

import { formatE8 } from '../../core/model/scaled.js';
import type { FixEncoder } from '../codec/encoder.js';
import type { FixMessage } from '../codec/message.js';
import { Tag } from '../codec/tags.js';

/** Subscribe (263=1) to top of book bids and offers for `symbols`, full refreshes. */
export function encodeMarketDataRequest(e: FixEncoder, mdReqId: string, symbols: readonly string[]): void {
  e.str(Tag.MDReqID, mdReqId).str(Tag.SubscriptionRequestType, '1').int(Tag.MarketDepth, 1).int(Tag.MDUpdateType, 0);
  e.int(Tag.NoMDEntryTypes, 2).str(Tag.MDEntryType, '0').str(Tag.MDEntryType, '1');
  e.int(Tag.NoRelatedSym, symbols.length);
  for (const s of symbols) e.str(Tag.Symbol, s);
}

export interface MarketDataRequest {
  readonly mdReqId: string;
  readonly subscriptionType: string;
  readonly symbols: string[];
}

export function decodeMarketDataRequest(m: FixMessage): MarketDataRequest | null {
  const mdReqId = m.str(Tag.MDReqID);
  const subscriptionType = m.str(Tag.SubscriptionRequestType);
  if (mdReqId === undefined || subscriptionType === undefined) return null;
  const symbols: string[] = [];
  for (let i = m.indexOf(Tag.NoRelatedSym); i !== -1 && i < m.count; i++) if (m.tags[i] === Tag.Symbol) symbols.push(m.valueAt(i));
  return { mdReqId, subscriptionType, symbols };
}

export interface TopOfBook {
  bidE8: number;
  askE8: number;
  bidSizeE8: number;
  askSizeE8: number;
  indicative: boolean;
}

/**
 * Applies a W or X message to per-symbol tops of book; returns the symbols that changed.
 * X entries: 279 action (0 new, 1 change, 2 delete), 269 type (0 bid, 1 offer), 270 price, 271 size.
 * A QuoteCondition(276) other than A (open/active) makes the side indicative.
 */
export function applyMarketData(m: FixMessage, books: Map<string, TopOfBook>, accepted: ReadonlySet<string> | null = null): string[] {
  const changed: string[] = [];
  const snapshot = m.msgType === 'W';
  let symbol = snapshot ? (m.str(Tag.Symbol) ?? '') : '';
  // Only symbols we asked for get a book: an LP streaming others cannot grow memory without end.
  const take = (s: string): TopOfBook | undefined => (accepted === null || accepted.has(s) ? fresh(books, s) : undefined);
  let book: TopOfBook | undefined = snapshot ? take(symbol) : undefined;
  if (snapshot && book !== undefined) {
    book.bidE8 = 0;
    book.askE8 = 0;
    book.indicative = false;
  }
  let action = '0';
  let type = '';
  for (let i = m.indexOf(Tag.NoMDEntries) + 1; i > 0 && i < m.count; i++) {
    const tag = m.tags[i] as number;
    if (tag === Tag.MDUpdateAction) {
      action = m.valueAt(i);
    } else if (tag === Tag.MDEntryType) {
      type = m.valueAt(i);
    } else if (tag === Tag.Symbol && !snapshot) {
      symbol = m.valueAt(i);
      book = take(symbol);
    } else if (tag === Tag.MDEntryPx && book !== undefined) {
      const px = action === '2' ? 0 : m.e8At(i);
      // A price that is not a non-negative number is not a price: the entry is skipped.
      if (!Number.isSafeInteger(px) || px < 0) continue;
      if (type === '0') book.bidE8 = px;
      else if (type === '1') book.askE8 = px;
      if (!changed.includes(symbol)) changed.push(symbol);
    } else if (tag === Tag.MDEntrySize && book !== undefined) {
      const size = m.e8At(i);
      if (!Number.isSafeInteger(size) || size < 0) continue;
      if (type === '0') book.bidSizeE8 = size;
      else if (type === '1') book.askSizeE8 = size;
    } else if (tag === 276 /* QuoteCondition */ && book !== undefined) {
      book.indicative = m.valueAt(i) !== 'A';
    }
  }
  return changed;
}

function fresh(books: Map<string, TopOfBook>, symbol: string): TopOfBook {
  let b = books.get(symbol);
  if (b === undefined) {
    b = { bidE8: 0, askE8: 0, bidSizeE8: 0, askSizeE8: 0, indicative: false };
    books.set(symbol, b);
  }
  return b;
}

/** A full-refresh snapshot (W) of one symbol's top of book. */
export function encodeSnapshot(e: FixEncoder, mdReqId: string, symbol: string, bidE8: number, askE8: number, sizeE8: number, digits: number, indicative = false): void {
  e.str(Tag.MDReqID, mdReqId).str(Tag.Symbol, symbol).int(Tag.NoMDEntries, 2);
  e.str(Tag.MDEntryType, '0').str(Tag.MDEntryPx, formatE8(bidE8, digits)).str(Tag.MDEntrySize, formatE8(sizeE8, 0));
  if (indicative) e.str(276, 'B');
  e.str(Tag.MDEntryType, '1').str(Tag.MDEntryPx, formatE8(askE8, digits)).str(Tag.MDEntrySize, formatE8(sizeE8, 0));
  if (indicative) e.str(276, 'B');
}
