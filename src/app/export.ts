// `shadow-bridge export RUN_DIR`: a run folder's records for ops and finance, filtered, as JSONL
// (the run's own lines, byte for byte) or CSV (fixed, documented columns, csv-stringify). Streams:
// a run of millions of orders is exported in constant memory, but for the account/group/symbol
// filters on orders, which first collect the matching correlation ids.

import { createReadStream, createWriteStream, existsSync, readFileSync, statSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { join } from 'node:path';
import type { Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { parse } from 'csv-parse';
import { stringify } from 'csv-stringify';
import { FINANCE_COLUMNS } from '../exporters/finance.js';
import { BridgeError } from '../core/errors.js';
import { CANDIDATE_ID } from '../exporters/run-folder.js';
import { formatE8Short } from '../core/model/scaled.js';
import { parseTimestampUs } from '../core/model/timestamps.js';

export type ExportWhat = 'divergences' | 'orders' | 'faults' | 'finance';
export type ExportFormat = 'csv' | 'jsonl';

export interface ExportFilters {
  readonly class?: string;
  readonly severity?: string;
  readonly account?: string;
  readonly group?: string;
  readonly symbol?: string;
  readonly sinceUs?: number;
  readonly untilUs?: number;
}

export interface ExportOptions {
  readonly runDir: string;
  readonly what: ExportWhat;
  readonly format: ExportFormat;
  readonly filters: ExportFilters;
  /** A file to write, or null for stdout. */
  readonly out: string | null;
  /** Another candidate's records (candidates/<id>/); orders are production's, the same for all. */
  readonly candidate?: string;
}

const FILES: Readonly<Record<ExportWhat, string>> = { divergences: 'divergences.jsonl', orders: 'orders.jsonl', faults: 'shadow-faults.jsonl', finance: 'finance.csv' };

type Row = Record<string, unknown>;
type Column = readonly [header: string, value: (r: Row) => unknown];

const e8 = (v: unknown): string => (typeof v === 'number' && Number.isFinite(v) ? formatE8Short(v) : '');
const decision = (who: 'production' | 'candidate'): Column[] => [
  [`${who}_action`, (r) => (r[who] as Row | null)?.['action']],
  [`${who}_lp`, (r) => (r[who] as Row | null)?.['lp']],
  [`${who}_rule`, (r) => (r[who] as Row | null)?.['rule']],
  [`${who}_reject_reason`, (r) => (r[who] as Row | null)?.['rejectReason']],
  [`${who}_instrument`, (r) => (r[who] as Row | null)?.['instrument']],
  [`${who}_lp_price`, (r) => (r[who] as Row | null)?.['lpPrice']],
  [`${who}_markup`, (r) => (r[who] as Row | null)?.['markup']],
  [`${who}_client_price`, (r) => (r[who] as Row | null)?.['clientPrice']],
  [`${who}_config_hash`, (r) => (r[who] as Row | null)?.['configHash']],
];

/** The CSV columns, in order: the README documents them. */
export const CSV_COLUMNS: Readonly<Record<ExportWhat, readonly Column[]>> = {
  divergences: [
    ['seq', (r) => r['seq']],
    ['time', (r) => r['at']],
    ['correlation_id', (r) => r['correlationId']],
    ['client_order_id', (r) => r['clientOrderId']],
    ['account', (r) => r['account']],
    ['group', (r) => r['group']],
    ['symbol', (r) => r['symbol']],
    ['class', (r) => r['class']],
    ['severity', (r) => r['severity']],
    ['detail', (r) => r['detail']],
    ['executed_by', (r) => r['executedBy']],
    ['context_hash', (r) => r['contextHash']],
    ...decision('production'),
    ...decision('candidate'),
  ],
  orders: [
    ['seq', (r) => r['seq']],
    ['time', (r) => r['at']],
    ['step', (r) => r['step']],
    ['correlation_id', (r) => r['correlationId']],
    ['client_order_id', (r) => r['clientOrderId']],
    ['lp', (r) => r['lp']],
    ['reject_reason', (r) => r['rejectReason']],
    ['executed_by', (r) => r['executedBy']],
    ['account', (r) => r['account']],
    ['group', (r) => r['group']],
    ['symbol', (r) => r['symbol']],
    ['side', (r) => r['side']],
    ['volume', (r) => e8(r['volumeE8'])],
    ['rule', (r) => r['rule']],
    ['lp_symbol', (r) => r['lpSymbol']],
    ['client_price', (r) => e8(r['clientPriceE8'])],
    ['markup', (r) => e8(r['markupE8'])],
    ['last_qty', (r) => e8(r['lastQtyE8'])],
    ['last_price', (r) => e8(r['lastPxE8'])],
    ['exec_id', (r) => r['execId']],
    ['config_hash', (r) => r['configHash']],
    ['detail', (r) => r['detail'] ?? r['text']],
  ],
  faults: [
    ['seq', (r) => r['seq']],
    ['correlation_id', (r) => r['correlationId']],
    ['reason', (r) => r['reason']],
    ['detail', (r) => r['detail']],
  ],
  // finance.csv's own columns (README, "Finance"): the export keeps them as they are.
  finance: FINANCE_COLUMNS.map((h): Column => [h, (r) => r[h]]),
};

/** Which filters each record kind can answer (others are a usage error, not an empty export). */
export const FILTERS_OF: Readonly<Record<ExportWhat, readonly (keyof ExportFilters)[]>> = {
  divergences: ['class', 'severity', 'account', 'group', 'symbol', 'sinceUs', 'untilUs'],
  orders: ['account', 'group', 'symbol', 'sinceUs', 'untilUs'],
  faults: [],
  finance: ['account', 'group', 'symbol', 'sinceUs', 'untilUs'],
};

/** finance.csv's rows as records (csv-parse), with `at` for the time filters. */
async function* financeRows(file: string): AsyncGenerator<{ text: string; line: number; row: Row }> {
  const parser = createReadStream(file).pipe(parse({ columns: true }));
  let line = 1;
  for await (const record of parser as AsyncIterable<Record<string, string>>) {
    line++;
    yield { text: JSON.stringify(record), line, row: { ...record, at: record['time'] } };
  }
}

async function* lines(file: string): AsyncGenerator<{ text: string; line: number }> {
  const rl = createInterface({ input: createReadStream(file, { encoding: 'utf8' }), crlfDelay: Number.POSITIVE_INFINITY });
  let line = 0;
  for await (const text of rl) {
    line++;
    if (text !== '') yield { text, line };
  }
}

function parseLine(file: string, line: number, text: string): Row {
  try {
    return JSON.parse(text) as Row;
  } catch {
    throw new BridgeError('SB_ERR_EXPORT', `${file}:${line}: not a JSON record; the run folder is damaged there`);
  }
}

function inTime(r: Row, f: ExportFilters): boolean {
  if (f.sinceUs === undefined && f.untilUs === undefined) return true;
  const at = typeof r['at'] === 'string' ? parseTimestampUs(r['at']) : null;
  if (at === null) return false;
  return (f.sinceUs === undefined || at >= f.sinceUs) && (f.untilUs === undefined || at < f.untilUs);
}

function matchesWho(r: Row, f: ExportFilters): boolean {
  return (f.account === undefined || r['account'] === f.account) && (f.group === undefined || r['group'] === f.group) && (f.symbol === undefined || r['symbol'] === f.symbol);
}

/** Orders: the account, group and symbol are on the `received` record; the rest follow by id. */
async function ordersOfInterest(file: string, f: ExportFilters): Promise<Set<string> | null> {
  if (f.account === undefined && f.group === undefined && f.symbol === undefined) return null;
  const ids = new Set<string>();
  for await (const { text, line } of lines(file)) {
    const r = parseLine(file, line, text);
    if (r['step'] === 'received' && matchesWho(r, f)) ids.add(String(r['correlationId']));
  }
  return ids;
}

/** Writes the export; returns how many records it wrote. */
/** The id of the run's first candidate (its records are the folder's own), from summary.json. */
function firstCandidateId(runDir: string): string | null {
  try {
    const summary = JSON.parse(readFileSync(join(runDir, 'summary.json'), 'utf8')) as { candidates?: { id?: unknown }[] };
    const id = summary.candidates?.[0]?.id;
    return typeof id === 'string' ? id : null;
  } catch {
    return null;
  }
}

export async function runExport(o: ExportOptions): Promise<number> {
  if (!existsSync(o.runDir) || !statSync(o.runDir).isDirectory()) throw new BridgeError('SB_ERR_EXPORT', `${o.runDir}: not a run folder`);
  const first = firstCandidateId(o.runDir);
  const other = o.candidate !== undefined && o.candidate !== first;
  if (other && o.what === 'orders') throw new BridgeError('SB_ERR_EXPORT', 'orders are production\'s lifecycle, the same whatever the candidate: export them without --candidate');
  if (other && !CANDIDATE_ID.test(o.candidate as string)) throw new BridgeError('SB_ERR_EXPORT', `--candidate "${o.candidate}" is not a candidate id`);
  const dir = other ? join(o.runDir, 'candidates', o.candidate as string) : o.runDir;
  const file = join(dir, FILES[o.what]);
  if (!existsSync(file)) throw new BridgeError('SB_ERR_EXPORT', other ? `${o.runDir} has no candidate "${o.candidate}" (candidates/${o.candidate}/${FILES[o.what]}); summary.json lists its candidates` : `${o.runDir} has no ${FILES[o.what]}`);
  if (!statSync(file).isFile()) throw new BridgeError('SB_ERR_EXPORT', `${file} is not a regular file`);
  const f = o.filters;
  const ids = o.what === 'orders' ? await ordersOfInterest(file, f) : null;
  const sink: Writable = o.out === null ? process.stdout : createWriteStream(o.out);
  const columns = CSV_COLUMNS[o.what];
  const csv = o.format === 'csv' ? stringify({ header: true, columns: columns.map(([h]) => h), cast: { boolean: (v) => String(v) } }) : null;
  // stdout is never ended (the process still writes its exit line); a file is, when done.
  if (csv !== null) csv.pipe(sink, { end: o.out !== null });
  let written = 0;
  let failure: Error | null = null;
  let closed = false;
  sink.on('error', (error: NodeJS.ErrnoException) => {
    // A closed pipe (`| head`) ends the export quietly; anything else is reported.
    closed = true;
    if (error.code !== 'EPIPE') failure = new BridgeError('SB_ERR_EXPORT', `${o.out ?? 'stdout'}: ${error.message}`);
  });
  const drained = (stream: Writable): Promise<void> => new Promise<void>((resolve) => {
    const done = (): void => {
      stream.off('drain', done);
      stream.off('error', done);
      resolve();
    };
    stream.once('drain', done);
    stream.once('error', done);
  });
  const source = o.what === 'finance' ? financeRows(file) : lines(file);
  for await (const item of source) {
    if (closed) break;
    const { text, line } = item;
    const r = 'row' in item ? (item.row as Row) : parseLine(file, line, text);
    if (o.what === 'finance' && !matchesWho(r, f)) continue;
    if (o.what === 'divergences') {
      if ((f.class !== undefined && r['class'] !== f.class) || (f.severity !== undefined && r['severity'] !== f.severity) || !matchesWho(r, f)) continue;
    }
    if (ids !== null && !ids.has(String(r['correlationId']))) continue;
    if (!inTime(r, f)) continue;
    written++;
    if (csv === null) {
      if (!sink.write(`${text}\n`)) await drained(sink);
    } else if (!csv.write(columns.map(([, value]) => value(r) ?? ''))) await drained(csv);
  }
  if (csv !== null) csv.end();
  if (o.out !== null) {
    if (csv === null) sink.end();
    await finished(sink).catch(() => {});
  } else if (csv !== null) await finished(csv).catch(() => {});
  if (failure !== null) throw failure;
  return written;
}
