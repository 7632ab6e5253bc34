// Parses scenario lines into typed events, with a coded error naming file, line and field for
// anything malformed. Validation is hand-written: a million-line replay cannot afford a schema
// library per line, and every check here is a cheap type test.

import { BridgeError } from '../core/errors.js';
import type { LpExecution } from '../core/model/lifecycle.js';
import { parseE8 } from '../core/model/scaled.js';
import { isBridgeError } from '../core/errors.js';
import { LineReader } from './line-reader.js';
import { BinaryRecordReader, isBinaryRecording } from './binary-recording.js';
import { EVENT_TYPES, SCENARIO_SCHEMA, type ExpectDecision, type Expectation, type ScenarioEvent, type ScenarioHeader } from './scenario-types.js';
import { parseTimestampUs } from '../core/model/timestamps.js';

type Json = Record<string, unknown>;

class LineContext {
  constructor(
    readonly file: string,
    readonly line: number,
    /** A binary record: times are integer µs and decimals integers scaled by 1e8 (no strings to parse). */
    readonly numeric = false,
  ) {}

  fail(field: string, message: string): never {
    throw new BridgeError('SB_ERR_SCENARIO_EVENT', `${this.file}:${this.line} ${field}: ${message}`);
  }

  str(obj: Json, field: string): string {
    const v = obj[field];
    if (typeof v !== 'string' || v.length === 0) this.fail(field, v === undefined ? 'is missing' : `must be a non-empty string, was ${JSON.stringify(v)}`);
    return v;
  }

  optStr(obj: Json, field: string, fallback: string): string {
    const v = obj[field];
    if (v === undefined) return fallback;
    if (typeof v !== 'string') this.fail(field, `must be a string, was ${JSON.stringify(v)}`);
    return v;
  }

  oneOf<T extends string>(obj: Json, field: string, allowed: readonly T[]): T {
    const v = this.str(obj, field);
    if (!(allowed as readonly string[]).includes(v)) this.fail(field, `must be one of ${allowed.join(', ')}, was "${v}"`);
    return v as T;
  }

  dec(obj: Json, field: string): number {
    const v = obj[field];
    if (this.numeric && typeof v === 'number') {
      if (!Number.isSafeInteger(v)) this.fail(field, `must be an integer scaled by 1e8, was ${v}`);
      return v;
    }
    if (typeof v !== 'string') this.fail(field, v === undefined ? 'is missing' : `must be a decimal string like "1.08512", was ${JSON.stringify(v)}`);
    try {
      return parseE8(v);
    } catch (error) {
      if (isBridgeError(error)) this.fail(field, error.detail);
      throw error;
    }
  }

  optDec(obj: Json, field: string): number {
    return obj[field] === undefined ? 0 : this.dec(obj, field);
  }

  optInt(obj: Json, field: string): number | null {
    const v = obj[field];
    if (v === undefined) return null;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) this.fail(field, `must be a whole number >= 0, was ${JSON.stringify(v)}`);
    return v;
  }

  bool(obj: Json, field: string): boolean {
    const v = obj[field];
    if (v === undefined) return false;
    if (typeof v !== 'boolean') this.fail(field, `must be true or false, was ${JSON.stringify(v)}`);
    return v;
  }

  ts(obj: Json): number {
    const v = obj['ts'];
    if (this.numeric && typeof v === 'number') {
      if (!Number.isSafeInteger(v) || v < 0) this.fail('ts', `must be whole microseconds since the epoch, was ${v}`);
      return v;
    }
    if (typeof v !== 'string') this.fail('ts', v === undefined ? 'is missing' : 'must be an ISO-8601 UTC string');
    const us = parseTimestampUs(v);
    if (us === null) this.fail('ts', `"${v}" is not like 2026-07-02T12:30:00.250Z`);
    return us;
  }
}

function parseJsonLine(file: string, line: number, text: string): Json {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (cause) {
    throw new BridgeError('SB_ERR_SCENARIO_JSON', `${file}:${line}: ${(cause as Error).message}`, { cause });
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new BridgeError('SB_ERR_SCENARIO_JSON', `${file}:${line}: a line must be a JSON object`);
  }
  return value as Json;
}

function strList(c: LineContext, obj: Json, field: string): string[] {
  const v = obj[field];
  if (v === undefined) return [];
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) c.fail(field, 'must be an array of strings');
  return v as string[];
}

export function parseHeader(file: string, text: string | null): ScenarioHeader {
  if (text === null) throw new BridgeError('SB_ERR_SCENARIO_HEADER', `${file}:1: the file is empty`);
  return parseHeaderObject(file, parseJsonLine(file, 1, text));
}

/** The header from its record, however it was stored (a JSON line, a msgpack record). */
export function parseHeaderObject(file: string, obj: Json): ScenarioHeader {
  const c: LineContext = new LineContext(file, 1);
  if (obj['type'] !== 'header') throw new BridgeError('SB_ERR_SCENARIO_HEADER', `${file}:1 type: the first line must be {"type":"header",...}`);
  if (obj['schema'] !== SCENARIO_SCHEMA) c.fail('schema', `must be "${SCENARIO_SCHEMA}", was ${JSON.stringify(obj['schema'])}`);
  const start = parseTimestampUs(c.str(obj, 'start'));
  if (start === null) c.fail('start', 'must be an ISO-8601 UTC timestamp');
  const bundles = (obj['bundles'] ?? {}) as Json;
  if (typeof bundles !== 'object' || bundles === null) c.fail('bundles', 'must be an object');
  return {
    name: c.str(obj, 'name'),
    description: c.optStr(obj, 'description', ''),
    startUs: start,
    instruments: strList(c, obj, 'instruments'),
    lps: strList(c, obj, 'lps'),
    bundles: {
      production: typeof bundles['production'] === 'string' ? bundles['production'] : null,
      candidate: typeof bundles['candidate'] === 'string' ? bundles['candidate'] : null,
    },
    rollout: obj['rollout'] === undefined ? null : c.str(obj, 'rollout'),
  };
}

function parseExpectDecision(c: LineContext, obj: Json, field: string): ExpectDecision | null {
  const v = obj[field];
  if (v === undefined) return null;
  if (v === null || typeof v !== 'object' || Array.isArray(v)) c.fail(field, 'must be an object like {"action":"reject","reason":"market_closed"}');
  const o = v as Json;
  const out: { action?: 'route' | 'reject'; reason?: string; lp?: string; rule?: string } = {};
  if (o['action'] !== undefined) out.action = c.oneOf(o, 'action', ['route', 'reject'] as const);
  if (o['reason'] !== undefined) out.reason = c.str(o, 'reason');
  if (o['lp'] !== undefined) out.lp = c.str(o, 'lp');
  if (o['rule'] !== undefined) out.rule = c.str(o, 'rule');
  return out;
}

const EXEC_TYPES = ['new', 'fill', 'partial_fill', 'reject', 'canceled', 'status'] as const;

export function parseEvent(file: string, line: number, text: string): ScenarioEvent {
  return parseEventObject(file, line, parseJsonLine(file, line, text));
}

/** An event from its record, however it was stored; `line` is its line or record number. */
export function parseEventObject(file: string, line: number, obj: Json, numeric = false): ScenarioEvent {
  const c: LineContext = new LineContext(file, line, numeric);
  const type = c.oneOf(obj, 'type', EVENT_TYPES);
  if (type === 'expect') {
    const tsUs = obj['ts'] === undefined ? -1 : c.ts(obj);
    const expectation: Expectation = {
      line,
      order: obj['order'] === undefined ? null : c.str(obj, 'order'),
      divergenceClass: obj['class'] === undefined ? null : c.str(obj, 'class'),
      severity: obj['severity'] === undefined ? null : c.oneOf(obj, 'severity', ['critical', 'major', 'minor'] as const),
      count: c.optInt(obj, 'count'),
      min: c.optInt(obj, 'min'),
      max: c.optInt(obj, 'max'),
      production: parseExpectDecision(c, obj, 'production'),
      candidate: parseExpectDecision(c, obj, 'candidate'),
      note: c.optStr(obj, 'note', ''),
    };
    if (expectation.divergenceClass === null && expectation.production === null && expectation.candidate === null) {
      c.fail('class', 'an expect needs "class", "production" or "candidate"');
    }
    return { type, tsUs, expectation };
  }
  const tsUs = c.ts(obj);
  switch (type) {
    case 'quote': {
      const bidE8 = c.dec(obj, 'bid');
      const askE8 = c.dec(obj, 'ask');
      if (bidE8 < 0 || askE8 < 0) c.fail('bid', 'prices must not be negative');
      return {
        type,
        tsUs,
        quote: {
          lp: c.str(obj, 'lp'),
          lpSymbol: c.str(obj, 'symbol'),
          bidE8,
          askE8,
          bidSizeE8: c.optDec(obj, 'bidSize'),
          askSizeE8: c.optDec(obj, 'askSize'),
          indicative: c.bool(obj, 'indicative'),
          receivedUs: tsUs,
        },
      };
    }
    case 'order': {
      const ordType = c.oneOf(obj, 'ordType', ['market', 'limit'] as const);
      const volumeE8 = c.dec(obj, 'volume');
      if (volumeE8 <= 0) c.fail('volume', 'must be greater than 0');
      const priceE8 = ordType === 'limit' ? c.dec(obj, 'price') : 0;
      return {
        type,
        tsUs,
        order: {
          clientOrderId: c.str(obj, 'id'),
          ...(obj['session'] === undefined ? {} : { session: c.str(obj, 'session') }),
          // A platform may send no account (FIX Account(1) is optional): recorded as "", replayed as "".
          account: c.optStr(obj, 'account', ''),
          group: c.str(obj, 'group'),
          platformSymbol: c.str(obj, 'symbol'),
          side: c.oneOf(obj, 'side', ['buy', 'sell'] as const),
          ordType,
          volumeE8,
          priceE8,
        },
      };
    }
    case 'cancel':
      return { type, tsUs, id: c.str(obj, 'id'), origId: c.str(obj, 'origId') };
    case 'lp_status':
      return { type, tsUs, lp: c.str(obj, 'lp'), status: c.oneOf(obj, 'status', ['up', 'down'] as const), reason: c.optStr(obj, 'reason', '') };
    case 'lp_exec': {
      const execType = c.oneOf(obj, 'execType', EXEC_TYPES);
      const exec: LpExecution = {
        lp: c.str(obj, 'lp'),
        clientOrderId: c.str(obj, 'id'),
        ...(obj['session'] === undefined ? {} : { session: c.str(obj, 'session') }),
        ...(execType === 'status' ? { cumQtyE8: c.optDec(obj, 'cumQty'), avgPxE8: c.optDec(obj, 'avgPx'), terminal: c.bool(obj, 'terminal') } : {}),
        lpOrderId: c.str(obj, 'lpOrderId'),
        execId: c.str(obj, 'execId'),
        execType,
        lastQtyE8: c.optDec(obj, 'lastQty'),
        lastPxE8: c.optDec(obj, 'lastPx'),
        text: c.optStr(obj, 'text', ''),
      };
      return { type, tsUs, exec };
    }
    case 'lp_behavior': {
      const { ts: _ts, type: _type, lp: _lp, ...behavior } = obj;
      return { type, tsUs, lp: c.str(obj, 'lp'), behavior };
    }
    case 'calendar':
      return { type, tsUs, session: c.str(obj, 'session'), event: c.str(obj, 'event') };
    case 'config_change':
      return { type, tsUs, target: c.oneOf(obj, 'target', ['production', 'candidate'] as const), bundle: c.str(obj, 'bundle') };
    case 'annotation':
      return { type, tsUs, text: c.str(obj, 'text') };
  }
}

/** Streams a scenario: the header first, then events; blank lines and //-comments are skipped. */
export class ScenarioReader {
  readonly header: ScenarioHeader;
  /** A JSONL scenario or recording, or a binary (.msgpack) recording of the same records. */
  private readonly lines: LineReader | null;
  private readonly records: BinaryRecordReader | null;
  private lastTsUs: number;

  /** How far the reader is: bytes read of the file's size. */
  progress(): { readonly readBytes: number; readonly totalBytes: number } {
    const r = this.lines ?? (this.records as BinaryRecordReader);
    return { readBytes: r.bytesRead, totalBytes: r.sizeBytes };
  }

  constructor(readonly file: string) {
    const binary = isBinaryRecording(file);
    this.records = binary ? new BinaryRecordReader(file) : null;
    this.lines = binary ? null : new LineReader(file);
    try {
      if (this.records !== null) {
        const first = this.records.next();
        if (first === null) throw new BridgeError('SB_ERR_SCENARIO_HEADER', `${file}: the recording has no header record`);
        this.header = parseHeaderObject(file, first);
      } else this.header = parseHeader(file, (this.lines as LineReader).next());
    } catch (error) {
      this.close();
      throw error;
    }
    this.lastTsUs = this.header.startUs;
  }

  get lineNumber(): number {
    return this.lines?.lineNumber ?? this.records?.recordNumber ?? 0;
  }

  /** Returns the next event, or null at the end; throws a coded error on a bad line. */
  next(): ScenarioEvent | null {
    for (;;) {
      let event: ScenarioEvent;
      if (this.records !== null) {
        const obj = this.records.next();
        if (obj === null) return null;
        event = parseEventObject(this.file, this.records.recordNumber, obj, true);
      } else {
        const lines = this.lines as LineReader;
        const text = lines.next();
        if (text === null) return null;
        if (text.length === 0 || text.trimStart().startsWith('//')) continue;
        event = parseEvent(this.file, lines.lineNumber, text);
      }
      if (event.tsUs >= 0) {
        if (event.tsUs < this.lastTsUs) {
          throw new BridgeError('SB_ERR_SCENARIO_TIME_WENT_BACKWARDS', `${this.file}:${this.lineNumber} ts: ${event.tsUs} µs is before the previous event (${this.lastTsUs} µs)`);
        }
        this.lastTsUs = event.tsUs;
      }
      return event;
    }
  }

  close(): void {
    this.lines?.close();
    this.records?.close();
  }
}
