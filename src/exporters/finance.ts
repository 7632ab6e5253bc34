// finance.csv and finance-summary.csv: the markup revenue of both routers per order, in the quote
// currency and in USD, in exact integer arithmetic on the scaled integers (BigInt; never a float;
// decimal.js checks it in the tests; it took twice as long here). Each row is rounded once (USD to 8
// decimals, half to even); the summary adds the rounded rows, so its totals equal the sums of the
// rows to the last digit. `basis` says whether the executing router's figure comes from fills
// (`executed`) or from the decision (`modelled`); the other router's figure is modelled.
// Bounded: past `maxRows` orders held, the oldest are written to finance.csv as they stand (a live
// engine runs for days; every row kept to the end grew its heap without limit), one row for each
// order that arrives, so the cost is spread evenly over the orders.

import { writeFileSync } from 'node:fs';
import { stringify } from 'csv-stringify/sync';
import { BridgeError } from '../core/errors.js';
import { FileSink } from '../telemetry/file-sink.js';
import { csvLine } from './csv-text.js';
import type { LifecycleEntry } from '../core/model/lifecycle.js';
import { formatTimestampUs } from '../core/model/timestamps.js';
import type { Decision } from '../core/model/types.js';
import type { RoutingBundle } from '../core/routing/bundle.js';
import { FinanceRows, type Row, type Router, type Side } from './finance-rows.js';

/** n / d rounded half to even (d > 0). */
function divRound(n: bigint, d: bigint): bigint {
  const negative = n < 0n;
  const a = negative ? -n : n;
  let q = a / d;
  const r2 = (a % d) * 2n;
  if (r2 > d || (r2 === d && q % 2n === 1n)) q += 1n;
  return negative ? -q : q;
}

/** A scaled integer as exact decimal text: (123456n, 4) -> "12.3456", trailing zeros dropped. */
function fmt(v: bigint, scale: number): string {
  const negative = v < 0n;
  const digits = (negative ? -v : v).toString().padStart(scale + 1, '0');
  const whole = digits.slice(0, digits.length - scale);
  const frac = digits.slice(digits.length - scale).replace(/0+$/, '');
  return `${negative ? '-' : ''}${whole}${frac === '' ? '' : `.${frac}`}`;
}

const E16 = 10n ** 16n;
const E20 = 10n ** 20n;

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
  // LP -> LP symbol -> canonical: looked up on every quote, so no key strings are built.
  const symbols = new Map<string, Map<string, string>>();
  for (const b of bundles) {
    for (const lp of b.lps.values()) {
      const m = symbols.get(lp.id) ?? new Map<string, string>();
      for (const [canonical, lpSymbol] of lp.symbols) if (!m.has(lpSymbol)) m.set(lpSymbol, canonical);
      symbols.set(lp.id, m);
    }
  }
  return {
    instrument: (canonical) => {
      for (const b of bundles) {
        const i = b.instruments.get(canonical);
        if (i !== undefined) return i;
      }
      return undefined;
    },
    canonicalOf: (lp, lpSymbol) => symbols.get(lp)?.get(lpSymbol),
  };
}

/** The quote currency: the last three letters of a six-letter pair (USDJPY -> JPY); USD otherwise. */
export function quoteCurrencyOf(canonical: string): string {
  return /^[A-Z]{6}$/.test(canonical) ? canonical.slice(3) : 'USD';
}

function sideOf(d: Decision): Side {
  return { lp: d.lp, clientPriceE8: d.clientPriceE8, markupE8: d.markupE8, volumeE8: d.volumeE8, instrument: d.instrument, routed: d.action === 'route' && d.lp !== null };
}

/** Executed: the lots the LP filled, never more than the order (an overfill is not the client's). */
function lotsOf(r: Row, s: Side | null, isExecuting: boolean, executed: boolean): number {
  return isExecuting && executed ? Math.min(r.filledE8, s?.volumeE8 ?? 0) : (s?.volumeE8 ?? 0);
}

function clientPrice(s: Side | null): string {
  return s === null || !s.routed ? '' : fmt(BigInt(s.clientPriceE8), 8);
}

/** A USD conversion: the rate's text, and quote revenue (scale 16) -> USD (scale 8, rounded). */
interface Conversion {
  readonly text: string;
  toUsd8(revenue16: bigint): bigint;
}

const USD: Conversion = { text: '1', toUsd8: (r) => divRound(r, 100_000_000n) };

/** Orders held before the oldest are written out: 10 s at 5,000 orders/s, about 10 MB of rows. */
export const DEFAULT_MAX_ROWS = 50_000;
/** Rows written out between two readings of the LPs' fill rates (what the modelled figures use). */
const SPILL_RATES_EVERY = 256;
/**
 * Live (background) only: rows are written out when the routing thread is idle (setImmediate,
 * after the turn's orders have left), down to this many below the cap, so the work never sits
 * between an order and its LP. A flood that outruns the idle moments is held back at the cap
 * plus SPILL_SLACK by writing a row out as each order arrives.
 */
const IDLE_SPILL_BELOW_CAP = 32;
const SPILL_SLACK = 4096;

interface SummaryGroup {
  day: string;
  lp: string;
  group: string;
  symbol: string;
  basis: string;
  orders: number;
  p: bigint;
  c: bigint;
  d: bigint;
}

/** LP -> orders it answered, and how many of them it filled. */
type AnswerCounts = Map<string, { answered: number; filled: number }>;

export class FinanceLedger {
  private readonly rows: FinanceRows;
  /** The latest bid and ask of each USD pair, from any LP (canonical -> E8), updated in place. */
  private readonly mids = new Map<string, { bidE8: number; askE8: number }>();
  /** Rows already written out: the file, its writer, and how many. */
  private spillFile: string | null = null;
  private spillSink: FileSink | null = null;
  private spilledRows = 0;
  /** Why writing rows out failed (it stays failed), and the rows dropped since. */
  private spillFailure: Error | null = null;
  lostRows = 0;
  /** The fill rates the rows being written out use, read again every SPILL_RATES_EVERY rows. */
  private spillRates: Map<string, bigint> | null = null;
  private readonly maxRows: number;
  private idleSpillScheduled = false;
  /** finance-summary.csv's groups: every row written adds to its group once. */
  private readonly groups = new Map<string, SummaryGroup>();
  /**
   * Every order's executing LP that answered it (filled or rejected), counted when it first did:
   * the LPs' observed fill rates without a pass over the rows.
   */
  private readonly answers: AnswerCounts = new Map();
  private totals = { p: 0n, c: 0n };
  private written = false;

  /**
   * `spill`: the finance.csv rows go to once more than `maxRows` orders are held (the oldest, one
   * per order that arrives, with the fill rates observed up to then); without it nothing is
   * spilled. `background` (the live engine): written on the thread pool, and taken out of memory
   * when the routing thread is idle; otherwise (a replay) as each order arrives, deterministically.
   */
  constructor(
    private readonly books: FinanceBooks,
    private readonly spill: { readonly file: string; readonly maxRows?: number; readonly background?: boolean } | null = null,
  ) {
    this.maxRows = spill?.maxRows ?? DEFAULT_MAX_ROWS;
    this.rows = spill === null ? new FinanceRows() : new FinanceRows(this.maxRows + (spill.background === true ? SPILL_SLACK : 0));
  }

  /** A quote: kept when it is a USD pair, for converting revenue at the mid of the moment. */
  onQuote(lp: string, lpSymbol: string, bidE8: number, askE8: number): void {
    const canonical = this.books.canonicalOf(lp, lpSymbol);
    if (canonical === undefined || canonical.length !== 6 || !canonical.includes('USD') || !(bidE8 > 0) || !(askE8 > 0)) return;
    // Integers only, in place: this runs for every quote; decimals are made when the file is written.
    const m = this.mids.get(canonical);
    if (m === undefined) this.mids.set(canonical, { bidE8, askE8 });
    else {
      m.bidE8 = bidE8;
      m.askE8 = askE8;
    }
  }

  onLifecycle(e: LifecycleEntry): void {
    const f = e.fields;
    switch (e.step) {
      case 'received':
        if (this.spill !== null) this.makeRoom();
        this.rows.open(e.correlationId, e.clientOrderId, e.atUs, String(f['account'] ?? ''), String(f['group'] ?? ''), String(f['symbol'] ?? ''), String(f['side'] ?? ''), Number(f['volumeE8'] ?? 0));
        return;
      case 'routed':
      case 'rejected':
      case 'not_sent': {
        const s = this.rows.slotOf(e.correlationId);
        if (s < 0) return;
        const by: Router = f['executedBy'] === 'candidate' ? 'candidate' : 'production';
        this.rows.setExecutedBy(s, by);
        // The executing decision as the lifecycle knows it; the comparison, if any, replaces it
        // with the full decision (same figures) and adds the other router's.
        const instrument = typeof f['instrument'] === 'string' ? f['instrument'] : null;
        if (!this.rows.hasDecision(s, by)) this.rows.setDecision(s, by, { lp: e.step === 'routed' ? e.lp : null, clientPriceE8: Number(f['clientPriceE8'] ?? 0), markupE8: Number(f['markupE8'] ?? 0), volumeE8: this.rows.volumeE8(s), instrument, routed: e.step === 'routed' });
        if (instrument !== null) this.captureRate(s, instrument);
        return;
      }
      case 'lp_fill':
      case 'lp_partial_fill': {
        const s = this.rows.slotOf(e.correlationId);
        if (s < 0) return;
        const wasFilled = this.rows.filled(s) > 0;
        const wasAnswered = wasFilled || this.rows.lpRejected(s);
        this.rows.addFilled(s, Number(f['lastQtyE8'] ?? 0));
        if (!wasFilled && this.rows.filled(s) > 0) this.countAnswer(s, !wasAnswered);
        return;
      }
      case 'lp_reject': {
        const s = this.rows.slotOf(e.correlationId);
        if (s < 0) return;
        const wasAnswered = this.rows.filled(s) > 0 || this.rows.lpRejected(s);
        this.rows.setLpRejected(s);
        if (!wasAnswered) this.countAnswer(s, true);
        return;
      }
      default:
        return;
    }
  }

  /** Both routers' decisions on one order (shadow, or reverse shadow during a canary). */
  onCompared(correlationId: string, production: Decision, candidate: Decision): void {
    const s = this.rows.slotOf(correlationId);
    if (s < 0) return;
    this.rows.setDecision(s, 'production', sideOf(production));
    this.rows.setDecision(s, 'candidate', sideOf(candidate));
    const instrument = production.instrument ?? candidate.instrument;
    if (this.rows.ratePair(s) === '' && instrument !== null) this.captureRate(s, instrument);
  }

  /** Notes the USD pair for the instrument's quote currency and its bid/ask right now. */
  private captureRate(s: number, instrument: string): void {
    if (this.rows.ratePair(s) !== '') return;
    const ccy = quoteCurrencyOf(instrument);
    if (ccy === 'USD') {
      this.rows.setRate(s, 'USD', 0, 0);
      return;
    }
    for (const pair of [`${ccy}USD`, `USD${ccy}`]) {
      const m = this.mids.get(pair);
      if (m === undefined) continue;
      this.rows.setRate(s, pair, m.bidE8, m.askE8);
      return;
    }
  }

  /** USD per unit of `ccy` at the mid of the order's moment; null when no USD pair was quoted. */
  private rateOf(r: Row, ccy: string): Conversion | null {
    if (ccy === 'USD') return USD;
    if (r.ratePair === '' || r.ratePair === 'USD') return null;
    const sum = BigInt(r.rateBidE8) + BigInt(r.rateAskE8); // the mid is sum / 2e8
    if (r.ratePair === `${ccy}USD`) {
      // One xxx is the mid in USD: exact, (bid + ask) / 2 at 8 decimals is sum * 5 at 9.
      return { text: fmt(sum * 5n, 9), toUsd8: (rev) => divRound(rev * sum, 2n * E16) };
    }
    if (r.ratePair === `USD${ccy}`) {
      // One xxx is 1 / mid USD, rounded to 12 decimals; that written rate is what converts.
      const rate12 = divRound(2n * E20, sum);
      return { text: fmt(rate12, 12), toUsd8: (rev) => divRound(rev * rate12, E20) };
    }
    return null;
  }

  /** Markup revenue in the quote currency at scale 16: markup (E8) x lots (E8) x contract size. */
  private revenue16(s: Side | null, lotsE8: number): bigint {
    if (s === null || !s.routed || s.instrument === null) return 0n;
    const contract = this.books.instrument(s.instrument)?.contractSize ?? 0;
    return BigInt(s.markupE8) * BigInt(lotsE8) * BigInt(contract);
  }

  /**
   * Each LP's observed fill rate in this run: of the orders it answered, the share it filled
   * (scale 1e8). An LP with no answered order has no rate: its orders are modelled as filled.
   */
  private observedFillRates(): Map<string, bigint> {
    return new Map([...this.answers].map(([lp, c]) => [lp, (BigInt(c.filled) * 100_000_000n) / BigInt(c.answered)]));
  }

  /** The executing LP answered the order in slot `s`: a new answer (`answered`), and a fill if it has filled. */
  private countAnswer(s: number, answered: boolean): void {
    const lp = this.rows.executingLp(s);
    if (lp === null) return;
    const c = this.answers.get(lp) ?? { answered: 0, filled: 0 };
    if (answered) c.answered++;
    if (this.rows.filled(s) > 0) c.filled++;
    this.answers.set(lp, c);
  }

  /**
   * The router that did not execute: when it chose the LP that did, the same outcome (the LP's
   * fills or reject); when it chose another LP, its revenue times that LP's observed fill rate
   * (modelled). The executing router's figure is what happened.
   */
  private counterfactual(r: Row, who: 'production' | 'candidate', revenue16: bigint, executed: boolean, fillRates: ReadonlyMap<string, bigint>): bigint {
    if (r.executedBy === who) return revenue16;
    const mine = r[who];
    const executing = r.executedBy === 'production' ? r.production : r.candidate;
    if (mine === null || !mine.routed || mine.lp === null) return revenue16;
    if (executing?.routed === true && executing.lp === mine.lp) {
      // Same LP: the same outcome (its fills or its reject), in this router's own markup and quantity.
      return executed ? this.revenue16(mine, Math.min(r.filledE8, mine.volumeE8)) : revenue16;
    }
    const rate = fillRates.get(mine.lp);
    return rate === undefined ? revenue16 : divRound(revenue16 * rate, 100_000_000n);
  }

  /** Before a new row: writes the oldest out now (replay, or a flood past the slack) or when idle (live). */
  private makeRoom(): void {
    const size = this.rows.size;
    if (this.spill?.background !== true) {
      if (size >= this.maxRows) this.spillOldest();
      return;
    }
    if (size >= this.maxRows + SPILL_SLACK) this.spillOldest();
    else if (size >= this.maxRows && !this.idleSpillScheduled) {
      this.idleSpillScheduled = true;
      setImmediate(this.idleSpill);
    }
  }

  private readonly idleSpill = (): void => {
    this.idleSpillScheduled = false;
    if (this.written) return;
    while (this.rows.size > this.maxRows - IDLE_SPILL_BELOW_CAP && this.rows.size > 0) this.spillOldest();
  };

  /**
   * Writes the oldest row held to the spill file (its header first), as it stands. One row per
   * order past the cap: 256 at a time took milliseconds every 256 orders on the routing thread,
   * the live engine's worst pauses once a run passed the cap (bench/README.md).
   */
  private spillOldest(): void {
    const r = this.rows.shift();
    if (r === undefined) return;
    if (this.spillFailure !== null) {
      this.lostRows++;
      return;
    }
    try {
      if (this.spillRates === null || this.spilledRows % SPILL_RATES_EVERY === 0) this.spillRates = this.observedFillRates();
      const sink = this.spillSink ?? this.openSpill();
      sink.write(csvLine(this.rowOut(r, this.spillRates)));
      this.spilledRows++;
    } catch (error) {
      // A disk that refuses finance.csv must never stop orders (this may run in setImmediate,
      // where a throw would end the process): from here on the rows past the cap are counted as
      // lost, memory stays bounded, and write() says so at the end of the run.
      this.spillFailure = error instanceof Error ? error : new Error(String(error));
      this.lostRows++;
    }
  }

  private openSpill(): FileSink {
    const spill = this.spill as { readonly file: string; readonly background?: boolean };
    const sink = new FileSink(spill.file, { mode: 'truncate', background: spill.background === true, onFailure: 'throw' });
    sink.write(csvLine(FINANCE_COLUMNS));
    this.spillSink = sink;
    this.spillFile = spill.file;
    return sink;
  }

  /**
   * Writes both files (after what was spilled), once, at the end of the run; returns the rows'
   * USD totals (the summary's add up to the same).
   */
  write(rowsFile: string, summaryFile: string): { rows: number; productionUsd: string; candidateUsd: string } {
    if (this.written) throw new Error('the finance ledger was already written');
    this.written = true;
    if (this.spillFailure !== null) {
      try {
        this.spillSink?.close();
      } catch {
        // the same failure, again
      }
      throw new BridgeError('SB_ERR_OUTPUT_IO', `${this.spillFile ?? this.spill?.file ?? rowsFile}: finance rows could not be written out, ${this.lostRows} lost: ${this.spillFailure.message}`, { cause: this.spillFailure });
    }
    const fillRates = this.observedFillRates();
    let rows = 0;
    const sink = this.spillSink;
    if (sink !== null && this.spillFile === rowsFile) {
      for (const r of this.rows.rows()) {
        sink.write(csvLine(this.rowOut(r, fillRates)));
        rows++;
      }
      sink.close();
    } else {
      sink?.close();
      const lines = [csvLine(FINANCE_COLUMNS)];
      for (const r of this.rows.rows()) lines.push(csvLine(this.rowOut(r, fillRates)));
      rows = lines.length - 1;
      writeFileSync(rowsFile, lines.join(''));
    }
    const summary = [...this.groups.entries()].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)).map(([, g]) => g);
    writeFileSync(summaryFile, stringify(summary.map((g) => [g.day, g.lp, g.group, g.symbol, String(g.orders), fmt(g.p, 8), fmt(g.c, 8), fmt(g.d, 8), g.basis]), { header: true, columns: [...FINANCE_SUMMARY_COLUMNS] }));
    return { rows: this.spilledRows + rows, productionUsd: fmt(this.totals.p, 8), candidateUsd: fmt(this.totals.c, 8) };
  }

  /** One order's finance.csv row, added to the summary's groups and totals as it is made. */
  private rowOut(r: Row, fillRates: ReadonlyMap<string, bigint>): string[] {
    const executing = r.executedBy === 'production' ? r.production : r.candidate;
    // Executed: the LP answered, with fills (capped at the order) or a reject (nothing earned).
    const executed = executing !== null && executing.routed && (r.filledE8 > 0 || r.lpRejected);
    const pQuote = this.counterfactual(r, 'production', this.revenue16(r.production, lotsOf(r, r.production, r.executedBy === 'production', executed)), executed, fillRates);
    const cQuote = this.counterfactual(r, 'candidate', this.revenue16(r.candidate, lotsOf(r, r.candidate, r.executedBy === 'candidate', executed)), executed, fillRates);
    const instrument = executing?.instrument ?? r.production?.instrument ?? r.candidate?.instrument ?? null;
    const ccy = instrument === null ? 'USD' : quoteCurrencyOf(instrument);
    const rate = this.rateOf(r, ccy);
    const pUsd = rate === null ? null : rate.toUsd8(pQuote);
    const cUsd = rate === null || r.candidate === null ? null : rate.toUsd8(cQuote);
    const basis = executed ? 'executed' : 'modelled';
    const time = formatTimestampUs(r.atUs);
    const row = [
      r.correlationId, r.clientOrderId, time, r.account, r.group, r.symbol, r.side, fmt(BigInt(r.volumeE8), 8), r.executedBy,
      r.production?.lp ?? '', r.candidate?.lp ?? '', clientPrice(r.production), clientPrice(r.candidate),
      fmt(pQuote, 16), r.candidate === null ? '' : fmt(cQuote, 16), ccy, rate === null ? '' : rate.text,
      pUsd === null ? '' : fmt(pUsd, 8), cUsd === null ? '' : fmt(cUsd, 8), pUsd === null || cUsd === null ? '' : fmt(cUsd - pUsd, 8), basis,
    ];
    const day = time.slice(0, 10);
    const lp = executing?.routed === true ? (executing.lp ?? '') : '';
    const key = `${day}\u0001${lp}\u0001${r.group}\u0001${r.symbol}\u0001${basis}`;
    const g = this.groups.get(key) ?? { day, lp, group: r.group, symbol: r.symbol, basis, orders: 0, p: 0n, c: 0n, d: 0n };
    g.orders++;
    // Each column adds the rows' own figures: a row without a USD rate (no quote of the pair
    // yet) or without a candidate figure counts as an order and adds nothing to that column.
    if (pUsd !== null) g.p += pUsd;
    if (cUsd !== null) g.c += cUsd;
    if (pUsd !== null && cUsd !== null) g.d += cUsd - pUsd;
    this.groups.set(key, g);
    if (pUsd !== null) this.totals.p += pUsd;
    if (cUsd !== null) this.totals.c += cUsd;
    return row;
  }
}
