// Binary recordings (`.msgpack`): the same records as a JSONL scenario, encoded with msgpackr in
// sequential mode (each record shape is defined once in the stream, then referenced), each
// framed by its length. Times are integer µs and prices integers scaled by 1e8, as the engine
// holds them, so reading one parses no text. The reader hands the records to the same
// validation as JSONL lines, so a binary recording replays exactly like its JSONL twin.
// File: 8 magic bytes "SBREC01\n", then frames of [u32 little-endian length][msgpack bytes].

import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { Packr, Unpackr } from 'msgpackr';
import { BridgeError } from '../core/errors.js';
import { parseE8 } from '../core/model/scaled.js';
import { parseTimestampUs } from '../core/model/timestamps.js';
import { FileSink } from '../telemetry/file-sink.js';
import { LineReader, MAX_LINE_CHARS } from './line-reader.js';
import type { RecordSink } from './recorder.js';

export const BINARY_MAGIC = Buffer.from('SBREC01\n', 'latin1');
const CHUNK_BYTES = 1 << 20;

/** Whether a path names a binary recording (by its extension). */
export function isBinaryRecording(file: string): boolean {
  return file.endsWith('.msgpack');
}

/** Writes records as length-framed msgpack, batched like the JSONL writers. */
export class BinaryRecordWriter implements RecordSink {
  private readonly sink: FileSink;
  private readonly packr = new Packr({ sequential: true, useRecords: true });
  count = 0;

  constructor(readonly file: string, background = false, onFailure: 'throw' | 'count' = 'throw') {
    this.sink = new FileSink(file, { mode: 'truncate', background, onFailure });
    this.sink.writeBytes(BINARY_MAGIC);
  }

  failure(): BridgeError | null {
    return this.sink.failureReason;
  }

  write(record: unknown): void {
    const body = this.packr.pack(record);
    const frame = Buffer.allocUnsafe(4 + body.length);
    frame.writeUInt32LE(body.length, 0);
    body.copy(frame, 4);
    this.sink.writeBytes(frame);
    this.count++;
  }

  flush(): void {
    this.sink.flush();
  }

  close(): void {
    this.sink.close();
  }
}

/** Reads a binary recording record by record with 1 MiB chunk reads (constant memory). */
export class BinaryRecordReader {
  private readonly fd: number;
  private readonly unpackr = new Unpackr({ sequential: true, useRecords: true });
  private buffer = Buffer.alloc(0);
  private offset = 0;
  private eof = false;
  /** 1-based number of the record last returned (the header is record 1). */
  recordNumber = 0;
  bytesRead = 0;
  readonly sizeBytes: number;

  constructor(readonly file: string) {
    try {
      this.fd = openSync(file, 'r');
    } catch (cause) {
      const code = (cause as NodeJS.ErrnoException).code;
      throw new BridgeError('SB_ERR_SCENARIO_IO', `${file}: ${code === 'ENOENT' ? 'no such file' : (cause as Error).message}`, { cause });
    }
    const stat = fstatSync(this.fd);
    if (!stat.isFile()) {
      closeSync(this.fd);
      throw new BridgeError('SB_ERR_SCENARIO_IO', `${file}: not a regular file`);
    }
    this.sizeBytes = stat.size;
    this.fill(BINARY_MAGIC.length);
    if (this.buffer.length - this.offset < BINARY_MAGIC.length || !this.buffer.subarray(this.offset, this.offset + BINARY_MAGIC.length).equals(BINARY_MAGIC)) {
      closeSync(this.fd);
      throw new BridgeError('SB_ERR_SCENARIO_HEADER', `${file}: not a shadow-bridge binary recording (no SBREC01 magic); a .msgpack recording starts with it`);
    }
    this.offset += BINARY_MAGIC.length;
  }

  /** The next record as a plain object, or null at the end; a torn or bad frame is a coded error. */
  next(): Record<string, unknown> | null {
    this.fill(4);
    const left = this.buffer.length - this.offset;
    if (left === 0) return null;
    const at = `${this.file}: record ${this.recordNumber + 1} (byte ${this.bytesRead - left})`;
    if (left < 4) throw new BridgeError('SB_ERR_SCENARIO_JSON', `${at}: the file ends inside a frame header (a torn last record)`);
    const length = this.buffer.readUInt32LE(this.offset);
    if (length === 0 || length > MAX_LINE_CHARS) throw new BridgeError('SB_ERR_SCENARIO_JSON', `${at}: frame length ${length} is not a record`);
    this.fill(4 + length);
    if (this.buffer.length - this.offset < 4 + length) throw new BridgeError('SB_ERR_SCENARIO_JSON', `${at}: the file ends inside a record (a torn last record)`);
    let value: unknown;
    try {
      value = this.unpackr.unpack(this.buffer.subarray(this.offset + 4, this.offset + 4 + length));
    } catch (cause) {
      throw new BridgeError('SB_ERR_SCENARIO_JSON', `${at}: not a msgpack record: ${(cause as Error).message}`, { cause });
    }
    this.offset += 4 + length;
    this.recordNumber++;
    if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new BridgeError('SB_ERR_SCENARIO_JSON', `${at}: a record must be an object`);
    return value as Record<string, unknown>;
  }

  close(): void {
    try {
      closeSync(this.fd);
    } catch {
      // already closed
    }
  }

  /** Makes at least `bytes` unread bytes available, unless the file ends first. */
  private fill(bytes: number): void {
    while (!this.eof && this.buffer.length - this.offset < bytes) {
      const chunk = Buffer.allocUnsafe(Math.max(CHUNK_BYTES, bytes));
      const n = readSync(this.fd, chunk, 0, chunk.length, null);
      if (n === 0) {
        this.eof = true;
        break;
      }
      this.bytesRead += n;
      this.buffer = Buffer.concat([this.buffer.subarray(this.offset), chunk.subarray(0, n)]);
      this.offset = 0;
    }
  }
}

/** The fields a scenario reads as decimals: binary records hold them as E8 integers. */
const DECIMAL_FIELDS = ['bid', 'ask', 'bidSize', 'askSize', 'volume', 'price', 'lastQty', 'lastPx', 'cumQty', 'avgPx'] as const;

/** A JSONL record with its time and decimals as numbers (the header record is left as it is). */
function numericRecord(source: string, line: number, record: Record<string, unknown>): Record<string, unknown> {
  if (record['type'] === 'header') return record;
  const out = { ...record };
  try {
    if (typeof out['ts'] === 'string') {
      const us = parseTimestampUs(out['ts']);
      if (us === null) throw new BridgeError('SB_ERR_SCENARIO_EVENT', `"${out['ts']}" is not an ISO-8601 UTC timestamp`);
      out['ts'] = us;
    }
    for (const f of DECIMAL_FIELDS) if (typeof out[f] === 'string') out[f] = parseE8(out[f] as string);
  } catch (cause) {
    throw new BridgeError('SB_ERR_SCENARIO_EVENT', `${source}:${line}: ${(cause as Error).message}`, { cause });
  }
  return out;
}

/** Rewrites a JSONL scenario or recording as a binary one, record for record (comments dropped). */
export function convertJsonlToBinary(source: string, dest: string): number {
  const lines = new LineReader(source);
  const writer = new BinaryRecordWriter(dest);
  let n = 0;
  try {
    for (let text = lines.next(); text !== null; text = lines.next()) {
      if (text.length === 0 || text.trimStart().startsWith('//')) continue;
      let record: unknown;
      try {
        record = JSON.parse(text);
      } catch (cause) {
        throw new BridgeError('SB_ERR_SCENARIO_JSON', `${source}:${lines.lineNumber}: ${(cause as Error).message}`, { cause });
      }
      if (record === null || typeof record !== 'object' || Array.isArray(record)) throw new BridgeError('SB_ERR_SCENARIO_JSON', `${source}:${lines.lineNumber}: a line must be a JSON object`);
      writer.write(numericRecord(source, lines.lineNumber, record as Record<string, unknown>));
      n++;
    }
  } finally {
    lines.close();
    writer.close();
  }
  return n;
}
