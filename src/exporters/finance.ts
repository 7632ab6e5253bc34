// finance.csv and finance-summary.csv: the markup revenue of both routers per order, in the quote
// currency and in USD, with decimal.js from the exact scaled integers (never a float). Each row
// is rounded once (USD to 8 decimals); the summary adds the rounded rows, so its totals equal the
// sums of the rows to the last digit. `basis` says whether the executing router's figure comes
// from fills (`executed`) or from the decision (`modelled`); the other router's is modelled.

import { writeFileSync } from 'node:fs';
import { stringify } from 'csv-stringify/sync';
import { Decimal } from 'decimal.js';
import type { LifecycleEntry } from '../core/model/lifecycle.js';
import { formatTimestampUs } from '../core/model/timestamps.js';
import type { Decision } from '../core/model/types.js';
import type { RoutingBundle } from '../core/routing/bundle.js';

const D = Decimal.clone({ precision: 60, rounding: Decimal.ROUND_HALF_EVEN });

export const FINANCE_COLUMNS = ['correlation_id', 'client_order_id', 'time', 'account', 'group', 'symbol', 'side', 'volume', 'executed_by', 'production_lp', 'candidate_lp', 'production_client_price', 'candidate_client_price', 'production_revenue_quote', 'candidate_revenue_quote', 'quote_ccy', 'usd_rate', 'production_revenue_usd', 'candidate_revenue_usd', 'delta_usd', 'basis'] as const;
export const FINANCE_SUMMARY_COLUMNS = ['day', 'lp', 'group', 'symbol', 'orders', 'production_revenue_usd', 'candidate_revenue_usd', 'delta_usd', 'basis'] as const;

/** What the ledger needs of a canonical instrument. */
export interface FinanceInstrument {
  readonly contractSize: number;
  readonly digits: number;
}

export interface FinanceBooks {
  readonly instrument: (canonical: string) => FinanceInstrument | undefined;
  /** LP symbol -> canonical instrument, for the USD pairs' quotes (USDJPY, EURUSD...). */
  readonly canonicalOf: (lp: string, lpSymbol: string) => string | undefined;
}

/** The books of the bundles in a run: production's instruments and LP symbols first. */
export function booksOf(bundles: readonly RoutingBundle[]): FinanceBooks {
  const symbols = new Map<string, string>();
  for (const b of bundles) for (const lp of b.lps.values()) for (const [canonical, lpSymbol] of lp.symbols) {
    const key = `${lp.id}\u0001${lpSymbol}`;
    if (!symbols.has(key)) symbols.set(key, canonical);
  }
  return {
    instrument: (canonical) => {
      for (const b of bundles) {
        const i = b.instruments.get(canonical);
        if (i !== undefined) return i;
      }
      return undefined;
    },
    canonicalOf: (lp, lpSymbol) => symbols.get(`${lp}\u0001${lpSymbol}`),
  };
}

/** The quote currency: the last three letters of a six-letter pair (USDJPY -> JPY); USD otherwise. */
export function quoteCurrencyOf(canonical: string): string {
  return /^[A-Z]{6}$/.test(canonical) ? canonical.slice(3) : 'USD';
}

interface Side {
  lp: string | null;
  clientPriceE8: number;
  markupE8: number;
  volumeE8: number;
  instrument: string | null;
  routed: boolean;
}

interface Row {
  readonly correlationId: string;
  readonly clientOrderId: string;
  readonly atUs: number;
  account: string;
  group: string;
  symbol: string;
  side: string;
  volumeE8: number;
  executedBy: 'production' | 'candidate';
  production: Side | null;
  candidate: Side | null;
  filledE8: number;
  /** The USD pairs' bid and ask when the order was decided (E8): its conversion rates, kept raw. */
  readonly mids: readonly (readonly [pair: string, bidE8: number, askE8: number])[];
}

function sideOf(d: Decision): Side {
  return { lp: d.lp, clientPriceE8: d.clientPriceE8, markupE8: d.markupE8, volumeE8: d.volumeE8, instrument: d.instrument, routed: d.action === 'route' && d.lp !== null };
}

const e8 = (v: number): Decimal => new D(v).div(1e8);

/** Exact text, no exponent ("0.00000001", "-12.5"). */
const text = (d: Decimal): string => d.toFixed();

export class FinanceLedger {
  private readonly rows = new Map<string, Row>();
  /** The latest bid and ask of each USD pair, from any LP (canonical -> [bid, ask] E8). */
  private readonly mids = new Map<string, readonly [number, number]>();

  constructor(private readonly books: FinanceBooks) {}

  /** A quote: kept when it is a USD pair, for converting revenue at the mid of the moment. */
  onQuote(lp: string, lpSymbol: string, bidE8: number, askE8: number): void {
    const canonical = this.books.canonicalOf(lp, lpSymbol);
    if (canonical === undefined || canonical.length !== 6 || !canonical.includes('USD') || !(bidE8 > 0) || !(askE8 > 0)) return;
    // Integers only here: this runs for every quote; decimals are made when the file is written.
    this.mids.set(canonical, [bidE8, askE8]);
  }

  onLifecycle(e: LifecycleEntry): void {
    const f = e.fields;
    switch (e.step) {
      case 'received':
        this.rows.set(e.correlationId, {
          correlationId: e.correlationId,
          clientOrderId: e.clientOrderId,
          atUs: e.atUs,
          account: String(f['account'] ?? ''),
          group: String(f['group'] ?? ''),
          symbol: String(f['symbol'] ?? ''),
          side: String(f['side'] ?? ''),
          volumeE8: Number(f['volumeE8'] ?? 0),
          executedBy: 'production',
          production: null,
          candidate: null,
          filledE8: 0,
          mids: [...this.mids].map(([pair, [bid, ask]]) => [pair, bid, ask] as const),
        });
        return;
      case 'routed':
      case 'rejected':
      case 'not_sent': {
        const row = this.rows.get(e.correlationId);
        if (row === undefined) return;
        const by = f['executedBy'] === 'candidate' ? 'candidate' : 'production';
        row.executedBy = by;
        // The executing decision as the lifecycle knows it; the comparison, if any, replaces it
        // with the full decision (same figures) and adds the other router's.
        const side: Side = { lp: e.step === 'routed' ? e.lp : null, clientPriceE8: Number(f['clientPriceE8'] ?? 0), markupE8: Number(f['markupE8'] ?? 0), volumeE8: row.volumeE8, instrument: typeof f['instrument'] === 'string' ? f['instrument'] : null, routed: e.step === 'routed' };
        row[by] ??= side;
        return;
      }
      case 'lp_fill':
      case 'lp_partial_fill': {
        const row = this.rows.get(e.correlationId);
        if (row !== undefined) row.filledE8 += Number(f['lastQtyE8'] ?? 0);
        return;
      }
      default:
        return;
    }
  }

  /** Both routers' decisions on one order (shadow, or reverse shadow during a canary). */
  onCompared(correlationId: string, production: Decision, candidate: Decision): void {
    const row = this.rows.get(correlationId);
    if (row === undefined) return;
    row.production = sideOf(production);
    row.candidate = sideOf(candidate);
  }

  /** USD per unit of `ccy` at the mid of the order's moment; null when no USD pair was quoted. */
  private rateOf(r: Row, ccy: string): Decimal | null {
    if (ccy === 'USD') return new D(1);
    for (const [pair, bid, ask] of r.mids) {
      const mid = new D(bid).plus(ask).div(2e8);
      // xxxUSD: one xxx is `mid` USD. USDxxx: one xxx is 1/mid USD, rounded to 12 decimals.
      if (pair === `${ccy}USD`) return mid;
      if (pair === `USD${ccy}`) return new D(1).div(mid).toDecimalPlaces(12);
    }
    return null;
  }

  /** Markup revenue in the quote currency: markup x lots x contract size (filled lots when executed). */
  private revenue(s: Side | null, lotsE8: number): Decimal {
    if (s === null || !s.routed || s.instrument === null) return new D(0);
    const contract = this.books.instrument(s.instrument)?.contractSize ?? 0;
    return e8(s.markupE8).mul(e8(lotsE8)).mul(contract);
  }

  /** Writes both files; returns the rows' and the summary's USD totals (they are equal). */
  write(rowsFile: string, summaryFile: string): { rows: number; productionUsd: string; candidateUsd: string } {
    const out: string[][] = [];
    const groups = new Map<string, { day: string; lp: string; group: string; symbol: string; basis: string; orders: number; p: Decimal; c: Decimal; d: Decimal }>();
    let totalP = new D(0);
    let totalC = new D(0);
    for (const r of this.rows.values()) {
      const executing = r.executedBy === 'production' ? r.production : r.candidate;
      const executed = executing !== null && executing.routed && r.filledE8 > 0;
      // Executed: the lots the LP filled, never more than the order (an overfill is not the client's).
      const lotsOf = (s: Side | null, isExecuting: boolean): number => (isExecuting && executed ? Math.min(r.filledE8, s?.volumeE8 ?? 0) : (s?.volumeE8 ?? 0));
      const pQuote = this.revenue(r.production, lotsOf(r.production, r.executedBy === 'production'));
      const cQuote = this.revenue(r.candidate, lotsOf(r.candidate, r.executedBy === 'candidate'));
      const instrument = executing?.instrument ?? r.production?.instrument ?? r.candidate?.instrument ?? null;
      const ccy = instrument === null ? 'USD' : quoteCurrencyOf(instrument);
      const rate = this.rateOf(r, ccy);
      const usd = (q: Decimal): Decimal | null => (rate === null ? null : q.mul(rate).toDecimalPlaces(8));
      const pUsd = usd(pQuote);
      const cUsd = r.candidate === null ? null : usd(cQuote);
      const basis = executed ? 'executed' : 'modelled';
      const price = (s: Side | null): string => (s === null || !s.routed ? '' : text(e8(s.clientPriceE8)));
      out.push([
        r.correlationId, r.clientOrderId, formatTimestampUs(r.atUs), r.account, r.group, r.symbol, r.side, text(e8(r.volumeE8)), r.executedBy,
        r.production?.lp ?? '', r.candidate?.lp ?? '', price(r.production), price(r.candidate),
        text(pQuote), r.candidate === null ? '' : text(cQuote), ccy, rate === null ? '' : text(rate),
        pUsd === null ? '' : text(pUsd), cUsd === null ? '' : text(cUsd), pUsd === null || cUsd === null ? '' : text(cUsd.minus(pUsd)), basis,
      ]);
      const day = formatTimestampUs(r.atUs).slice(0, 10);
      const lp = executing?.routed === true ? (executing.lp ?? '') : '';
      const key = `${day}\u0001${lp}\u0001${r.group}\u0001${r.symbol}\u0001${basis}`;
      const g = groups.get(key) ?? { day, lp, group: r.group, symbol: r.symbol, basis, orders: 0, p: new D(0), c: new D(0), d: new D(0) };
      g.orders++;
      // Each column adds the rows' own figures: a row without a USD rate (no quote of the pair
      // yet) or without a candidate figure counts as an order and adds nothing to that column.
      if (pUsd !== null) g.p = g.p.plus(pUsd);
      if (cUsd !== null) g.c = g.c.plus(cUsd);
      if (pUsd !== null && cUsd !== null) g.d = g.d.plus(cUsd.minus(pUsd));
      groups.set(key, g);
      if (pUsd !== null) totalP = totalP.plus(pUsd);
      if (cUsd !== null) totalC = totalC.plus(cUsd);
    }
    writeFileSync(rowsFile, stringify(out, { header: true, columns: [...FINANCE_COLUMNS] }));
    const summary = [...groups.values()].sort((a, b) => (a.day + a.lp + a.group + a.symbol + a.basis < b.day + b.lp + b.group + b.symbol + b.basis ? -1 : 1));
    writeFileSync(summaryFile, stringify(summary.map((g) => [g.day, g.lp, g.group, g.symbol, String(g.orders), text(g.p), text(g.c), text(g.d), g.basis]), { header: true, columns: [...FINANCE_SUMMARY_COLUMNS] }));
    return { rows: out.length, productionUsd: text(totalP), candidateUsd: text(totalC) };
  }
}
