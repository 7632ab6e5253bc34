// The frozen decision context: the order plus the market and LP state at the instant it arrived.
// Production and candidate decide on the very same context object; nothing in it ever changes.

import type { LpStatus, Order, Quote } from '../model/types.js';

/** Read-only view of the last quote per (LP, LP symbol) at the moment a context was frozen. */
export interface QuoteView {
  get(lp: string, lpSymbol: string): Quote | undefined;
  /** Every quote in the view, for hashing and export (not for the hot path). */
  entries(): Quote[];
}

/** Read-only view of LP connectivity; an LP with no entry has never been seen. */
export type LpStatusView = ReadonlyMap<string, LpStatus>;

export interface DecisionContext {
  /** Position of the triggering event in the input stream. */
  readonly seq: number;
  readonly nowUs: number;
  readonly order: Order;
  readonly quotes: QuoteView;
  readonly lpStatus: LpStatusView;
}

/**
 * Last quote per (LP, LP symbol), with copy-on-write snapshots.
 *
 * Quotes live in a flat slot array; a snapshot shares that array until the next quote arrives,
 * and only then is the array copied. So an order costs nothing when no quote follows it, and a
 * burst of quotes between two orders costs one copy, not one per quote.
 */
export class QuoteBook {
  private readonly slotIndex = new Map<string, Map<string, number>>();
  private slots: Quote[] = [];
  private shared = false;

  update(quote: Quote): void {
    let bySymbol = this.slotIndex.get(quote.lp);
    if (bySymbol === undefined) {
      bySymbol = new Map();
      this.slotIndex.set(quote.lp, bySymbol);
    }
    let index = bySymbol.get(quote.lpSymbol);
    if (this.shared) {
      this.slots = this.slots.slice();
      this.shared = false;
    }
    if (index === undefined) {
      index = this.slots.length;
      bySymbol.set(quote.lpSymbol, index);
    }
    this.slots[index] = quote;
  }

  /** Returns an immutable view of the book as it is now. */
  snapshot(): QuoteView {
    this.shared = true;
    return new QuoteSnapshot(this.slotIndex, this.slots);
  }
}

/**
 * A view over one version of the slot array. The index map only ever grows and existing slots
 * never move, so a slot number at or beyond the snapshot's length means "arrived later".
 */
class QuoteSnapshot implements QuoteView {
  constructor(
    private readonly slotIndex: ReadonlyMap<string, ReadonlyMap<string, number>>,
    private readonly slots: readonly Quote[],
  ) {}

  get(lp: string, lpSymbol: string): Quote | undefined {
    const index = this.slotIndex.get(lp)?.get(lpSymbol);
    return index === undefined ? undefined : this.slots[index];
  }

  entries(): Quote[] {
    return this.slots.slice();
  }
}

/** LP connectivity as immutable maps: a status change builds a new map, contexts keep the old. */
export class LpStatusBoard {
  private current: LpStatusView = new Map();

  set(lp: string, status: LpStatus): void {
    if (this.current.get(lp) === status) return;
    const next = new Map(this.current);
    next.set(lp, status);
    this.current = next;
  }

  view(): LpStatusView {
    return this.current;
  }
}

/**
 * Rebuilds a context from plain data, sharing no object with the original. The A/A check
 * decides on a rebuilt context: any divergence then exposes hidden state (a clock read, identity
 * comparisons, Map-order dependence) rather than a real difference.
 */
export function rebuildContext(context: DecisionContext): DecisionContext {
  const book = new QuoteBook();
  for (const quote of context.quotes.entries()) book.update({ ...quote });
  return {
    seq: context.seq,
    nowUs: context.nowUs,
    order: { ...context.order },
    quotes: book.snapshot(),
    lpStatus: new Map(context.lpStatus),
  };
}
