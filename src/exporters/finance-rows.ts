// The finance ledger's rows while they are held: one per order, as columns (typed arrays for the
// figures, arrays of the strings the order already has), oldest first around a ring.
//
// Why columns: a row was two objects (the row and its executing decision) and a boxed timestamp,
// made when the order arrived and held for up to DEFAULT_MAX_ROWS orders. Each was copied twice
// by V8's scavenger (young generation, then old), and those scavenges are the live engine's
// latency tail: with the ledger's objects gone the engine's scavenges halved (bench/README.md).
// Here an order writes into slots; only the index entry is new. Rows are made into objects only
// when they are written out.

import { SlotIndex } from '../core/util/slot-index.js';

/** One router's decision, as much of it as finance needs. */
export interface Side {
  readonly lp: string | null;
  readonly clientPriceE8: number;
  readonly markupE8: number;
  readonly volumeE8: number;
  readonly instrument: string | null;
  readonly routed: boolean;
}

/** A row as it is written out. */
export interface Row {
  readonly correlationId: string;
  readonly clientOrderId: string;
  readonly atUs: number;
  readonly account: string;
  readonly group: string;
  readonly symbol: string;
  readonly side: string;
  readonly volumeE8: number;
  readonly executedBy: 'production' | 'candidate';
  readonly production: Side | null;
  readonly candidate: Side | null;
  readonly filledE8: number;
  /** The executing LP rejected the order. */
  readonly lpRejected: boolean;
  /** The USD pair that converts this order's quote currency, and its bid/ask when decided (E8). */
  readonly ratePair: string;
  readonly rateBidE8: number;
  readonly rateAskE8: number;
}

export type Router = 'production' | 'candidate';

const CANDIDATE_EXECUTED = 1;
const LP_REJECTED = 2;
const KNOWN = { production: 4, candidate: 16 } as const;
const ROUTED = { production: 8, candidate: 32 } as const;

/** Slots made at first when the most rows held is not known; doubled as needed. */
const FIRST_SLOTS = 1_024;

/** One router's decision columns. */
class SideColumns {
  lps: (string | null)[];
  instruments: (string | null)[];
  clientPricesE8: Float64Array;
  markupsE8: Float64Array;
  volumesE8: Float64Array;

  constructor(slots: number) {
    this.lps = new Array<string | null>(slots).fill(null);
    this.instruments = new Array<string | null>(slots).fill(null);
    this.clientPricesE8 = new Float64Array(slots);
    this.markupsE8 = new Float64Array(slots);
    this.volumesE8 = new Float64Array(slots);
  }

  /** The same columns in `slots` slots, row i of the result being row order[i] of these. */
  reordered(slots: number, order: (i: number) => number, count: number): SideColumns {
    const to = new SideColumns(slots);
    for (let i = 0; i < count; i++) {
      const s = order(i);
      to.lps[i] = this.lps[s] as string | null;
      to.instruments[i] = this.instruments[s] as string | null;
      to.clientPricesE8[i] = this.clientPricesE8[s] as number;
      to.markupsE8[i] = this.markupsE8[s] as number;
      to.volumesE8[i] = this.volumesE8[s] as number;
    }
    return to;
  }
}

export class FinanceRows {
  /**
   * correlation id -> slot, off the JS heap (slot-index.ts): the rows churn (one in, the oldest
   * out), and a churning Map rebuilds its whole table now and then (2-3 ms at 50,000 entries).
   */
  private index: SlotIndex;
  private readonly correlationIdAt = (slot: number): string | undefined => this.correlationIds[slot];
  private head = 0;
  private count = 0;
  private correlationIds: string[];
  private clientOrderIds: string[];
  private accounts: string[];
  private groups: string[];
  private symbols: string[];
  private sides: string[];
  private ratePairs: string[];
  private atUs: Float64Array;
  private volumesE8: Float64Array;
  private filledE8: Float64Array;
  private rateBidsE8: Float64Array;
  private rateAsksE8: Float64Array;
  private flags: Uint8Array;
  private decisions: { production: SideColumns; candidate: SideColumns };

  /**
   * `slots`: made at once. A ledger that spills knows the most rows it holds and makes them all
   * up front: doubling 32,768 rows' columns mid-run was a stall of milliseconds on the routing
   * thread.
   */
  constructor(slots = FIRST_SLOTS) {
    if (!Number.isInteger(slots) || slots < 1) throw new RangeError(`slots must be a positive integer, got ${slots}`);
    const n = slots;
    this.index = new SlotIndex(n, this.correlationIdAt);
    this.correlationIds = new Array<string>(n).fill('');
    this.clientOrderIds = new Array<string>(n).fill('');
    this.accounts = new Array<string>(n).fill('');
    this.groups = new Array<string>(n).fill('');
    this.symbols = new Array<string>(n).fill('');
    this.sides = new Array<string>(n).fill('');
    this.ratePairs = new Array<string>(n).fill('');
    this.atUs = new Float64Array(n);
    this.volumesE8 = new Float64Array(n);
    this.filledE8 = new Float64Array(n);
    this.rateBidsE8 = new Float64Array(n);
    this.rateAsksE8 = new Float64Array(n);
    this.flags = new Uint8Array(n);
    this.decisions = { production: new SideColumns(n), candidate: new SideColumns(n) };
  }

  get size(): number {
    return this.count;
  }

  /** The slot of an order's row, or -1. */
  slotOf(correlationId: string): number {
    return this.index.get(correlationId);
  }

  /**
   * A new row for an order (executed by production, no decision, nothing filled). An order
   * already held starts again in the slot it has: its place in the order of rows is kept.
   */
  open(correlationId: string, clientOrderId: string, atUs: number, account: string, group: string, symbol: string, side: string, volumeE8: number): void {
    let s = this.index.get(correlationId);
    if (s < 0) {
      if (this.count === this.atUs.length) this.grow();
      s = (this.head + this.count) % this.atUs.length;
      this.count++;
      this.index.set(correlationId, s);
    }
    this.correlationIds[s] = correlationId;
    this.clientOrderIds[s] = clientOrderId;
    this.accounts[s] = account;
    this.groups[s] = group;
    this.symbols[s] = symbol;
    this.sides[s] = side;
    this.ratePairs[s] = '';
    this.atUs[s] = atUs;
    this.volumesE8[s] = volumeE8;
    this.filledE8[s] = 0;
    this.rateBidsE8[s] = 0;
    this.rateAsksE8[s] = 0;
    this.flags[s] = 0;
  }

  volumeE8(s: number): number {
    return this.volumesE8[s] as number;
  }

  executedBy(s: number): Router {
    return ((this.flags[s] as number) & CANDIDATE_EXECUTED) !== 0 ? 'candidate' : 'production';
  }

  setExecutedBy(s: number, who: Router): void {
    const f = this.flags[s] as number;
    this.flags[s] = who === 'candidate' ? f | CANDIDATE_EXECUTED : f & ~CANDIDATE_EXECUTED;
  }

  hasDecision(s: number, who: Router): boolean {
    return ((this.flags[s] as number) & KNOWN[who]) !== 0;
  }

  setDecision(s: number, who: Router, d: Side): void {
    const c = this.decisions[who];
    c.lps[s] = d.lp;
    c.instruments[s] = d.instrument;
    c.clientPricesE8[s] = d.clientPriceE8;
    c.markupsE8[s] = d.markupE8;
    c.volumesE8[s] = d.volumeE8;
    const f = ((this.flags[s] as number) | KNOWN[who]) & ~ROUTED[who];
    this.flags[s] = d.routed ? f | ROUTED[who] : f;
  }

  /** The executing router's LP when it routed the order, else null. */
  executingLp(s: number): string | null {
    const who = this.executedBy(s);
    return ((this.flags[s] as number) & ROUTED[who]) === 0 ? null : (this.decisions[who].lps[s] as string | null);
  }

  filled(s: number): number {
    return this.filledE8[s] as number;
  }

  addFilled(s: number, lotsE8: number): void {
    this.filledE8[s] = (this.filledE8[s] as number) + lotsE8;
  }

  lpRejected(s: number): boolean {
    return ((this.flags[s] as number) & LP_REJECTED) !== 0;
  }

  setLpRejected(s: number): void {
    this.flags[s] = (this.flags[s] as number) | LP_REJECTED;
  }

  ratePair(s: number): string {
    return this.ratePairs[s] as string;
  }

  setRate(s: number, pair: string, bidE8: number, askE8: number): void {
    this.ratePairs[s] = pair;
    this.rateBidsE8[s] = bidE8;
    this.rateAsksE8[s] = askE8;
  }

  /** Takes the oldest row out. */
  shift(): Row | undefined {
    if (this.count === 0) return undefined;
    const row = this.row(this.head);
    this.index.delete(row.correlationId);
    this.correlationIds[this.head] = '';
    this.head = (this.head + 1) % this.atUs.length;
    this.count--;
    return row;
  }

  /** The rows held, oldest first, as objects. */
  *rows(): IterableIterator<Row> {
    for (let i = 0; i < this.count; i++) yield this.row((this.head + i) % this.atUs.length);
  }

  private row(s: number): Row {
    const flags = this.flags[s] as number;
    const side = (who: Router): Side | null => {
      if ((flags & KNOWN[who]) === 0) return null;
      const c = this.decisions[who];
      return { lp: c.lps[s] as string | null, clientPriceE8: c.clientPricesE8[s] as number, markupE8: c.markupsE8[s] as number, volumeE8: c.volumesE8[s] as number, instrument: c.instruments[s] as string | null, routed: (flags & ROUTED[who]) !== 0 };
    };
    return {
      correlationId: this.correlationIds[s] as string,
      clientOrderId: this.clientOrderIds[s] as string,
      atUs: this.atUs[s] as number,
      account: this.accounts[s] as string,
      group: this.groups[s] as string,
      symbol: this.symbols[s] as string,
      side: this.sides[s] as string,
      volumeE8: this.volumesE8[s] as number,
      executedBy: this.executedBy(s),
      production: side('production'),
      candidate: side('candidate'),
      filledE8: this.filledE8[s] as number,
      lpRejected: (flags & LP_REJECTED) !== 0,
      ratePair: this.ratePairs[s] as string,
      rateBidE8: this.rateBidsE8[s] as number,
      rateAskE8: this.rateAsksE8[s] as number,
    };
  }

  /** Twice the slots, oldest row in slot 0; the index follows. */
  private grow(): void {
    const from = this.atUs.length;
    const n = from * 2;
    const order = (i: number): number => (this.head + i) % from;
    const strings = (a: string[]): string[] => {
      const to = new Array<string>(n).fill('');
      for (let i = 0; i < this.count; i++) to[i] = a[order(i)] as string;
      return to;
    };
    const numbers = <T extends Float64Array | Uint8Array>(a: T, to: T): T => {
      for (let i = 0; i < this.count; i++) to[i] = a[order(i)] as number;
      return to;
    };
    this.decisions = { production: this.decisions.production.reordered(n, order, this.count), candidate: this.decisions.candidate.reordered(n, order, this.count) };
    this.correlationIds = strings(this.correlationIds);
    this.clientOrderIds = strings(this.clientOrderIds);
    this.accounts = strings(this.accounts);
    this.groups = strings(this.groups);
    this.symbols = strings(this.symbols);
    this.sides = strings(this.sides);
    this.ratePairs = strings(this.ratePairs);
    this.atUs = numbers(this.atUs, new Float64Array(n));
    this.volumesE8 = numbers(this.volumesE8, new Float64Array(n));
    this.filledE8 = numbers(this.filledE8, new Float64Array(n));
    this.rateBidsE8 = numbers(this.rateBidsE8, new Float64Array(n));
    this.rateAsksE8 = numbers(this.rateAsksE8, new Float64Array(n));
    this.flags = numbers(this.flags, new Uint8Array(n));
    // A new index: the old one's entries name the old slots, and it reads keys from the new array.
    this.index = new SlotIndex(n, this.correlationIdAt);
    for (let i = 0; i < this.count; i++) this.index.set(this.correlationIds[i] as string, i);
    this.head = 0;
  }
}
