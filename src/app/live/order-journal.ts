// The order desk's write-ahead journal: one checksummed JSON line per record, written with one
// write() before the order, fill or report it describes leaves the process, so a kill -9 loses
// nothing the engine acted on. At start it is replayed into a fresh desk and compacted.
//
// fsync policy (what survives a power loss, not just a crash): 'always' fsyncs every record on
// the routing thread (a disk flush per order: milliseconds on most disks); 'interval' (default)
// fsyncs on the thread pool at most every `fsyncIntervalMs`, so at most that much is at risk;
// 'never' leaves it to the OS. Every policy survives kill -9: the write() has returned before
// the order is sent. Costs are measured in bench/README.md.
//
// Line format: "<crc32 of the JSON, 8 hex digits> <JSON>\n". A torn last line (a crash mid-write)
// is dropped; a bad line with good lines after it is corruption, and start-up stops with
// SB_ERR_JOURNAL_CORRUPT naming the file and byte offset unless recovery is asked for explicitly.

import { closeSync, fsync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { BridgeError } from '../../core/errors.js';
import { ByteBuilder } from '../../core/util/byte-builder.js';
import type { DeskExecution, DeskJournal, OpenOrder, OrderDesk } from '../../core/orders/order-desk.js';

export type JournalFsync = 'always' | 'interval' | 'never';

type JournalRecord =
  | { readonly t: 'id'; readonly s: string; readonly c: string }
  /** Compaction's form of the remembered ClOrdIDs: their fingerprints, oldest first, 16 hex digits each (hi, lo). */
  | { readonly t: 'fps'; readonly s: string; readonly f: string }
  | { readonly t: 'open'; readonly o: OpenOrder }
  | { readonly t: 'exec'; readonly cid: string; readonly at: number; readonly x: DeskExecution }
  | { readonly t: 'status'; readonly cid: string; readonly at: number }
  | { readonly t: 'close'; readonly cid: string; readonly why: string };

export interface JournalRecovery {
  /** Records replayed into the desk. */
  readonly records: number;
  /** A torn last record was dropped (a crash mid-write). */
  readonly tornTail: boolean;
  /** Corrupt records skipped because recovery was asked for (0 otherwise: start-up stops). */
  readonly skipped: number;
  readonly openOrders: number;
}

export class FileOrderJournal implements DeskJournal {
  readonly file: string;
  private fd: number;
  private lastSync = 0;
  private syncing = false;
  private failed: BridgeError | null = null;
  /** Records that could not be written after a failure (never thrown for executions). */
  lost = 0;

  constructor(
    dir: string,
    private readonly fsyncPolicy: JournalFsync = 'interval',
    private readonly fsyncIntervalMs = 100,
  ) {
    try {
      mkdirSync(dir, { recursive: true });
      this.file = join(dir, 'orders.journal');
      this.fd = openSync(this.file, 'a');
    } catch (cause) {
      throw new BridgeError('SB_ERR_JOURNAL_IO', `${dir}: ${(cause as Error).message}`, { cause });
    }
  }

  /** Why the journal can no longer be written (it stays failed until restart), or null. */
  failure(): BridgeError | null {
    return this.failed;
  }

  /**
   * Replays the journal into `desk` (which must be empty) and rewrites it compactly: the
   * remembered ClOrdIDs (as their fingerprints) and the records of orders still open. `recover`: skip corrupt records
   * instead of refusing to start.
   */
  load(desk: OrderDesk, recover = false): JournalRecovery {
    const data = readFileSync(this.file);
    const parsed = parseJournal(this.file, data, recover);
    desk.restore((d) => {
      for (const r of parsed.records) {
        switch (r.t) {
          case 'id':
            d.admit(r.s, r.c);
            break;
          case 'fps':
            for (let at = 0; at < r.f.length; at += 16) d.restoreFingerprint(r.s, Number.parseInt(r.f.slice(at + 8, at + 16), 16), Number.parseInt(r.f.slice(at, at + 8), 16));
            break;
          case 'open':
            d.open(r.o);
            break;
          case 'exec':
            d.onExecution(r.cid, r.x, r.at);
            break;
          case 'status':
            d.restoreStatusRequested(r.cid, r.at);
            break;
          case 'close':
            d.restoreClosed(r.cid);
            break;
        }
      }
    });
    this.compact(desk, parsed.records);
    return { records: parsed.records.length, tornTail: parsed.tornTail, skipped: parsed.skipped, openOrders: desk.openCount };
  }

  admitted(session: string, clOrdId: string): void {
    const start = this.pending.length;
    this.later({ t: 'id', s: session, c: clOrdId });
    if (this.pending.length > start) {
      this.lastIdStart = start;
      this.lastIdSession = session;
      this.lastIdClOrdId = clOrdId;
    }
  }

  /**
   * Written at once, on this thread: the order is on disk (the page cache) before a byte of it
   * leaves. Throws SB_ERR_JOURNAL_IO when it cannot be written: the order must not be sent.
   */
  opened(order: OpenOrder): void {
    // The order's own ClOrdID record, when it is the last one collected, is left out: replaying
    // the open record remembers the same id (OrderDesk.open), so the desk rebuilt is the same.
    if (this.lastIdStart >= 0 && this.lastIdSession === order.session && this.lastIdClOrdId === order.clOrdId) this.pending.length = this.lastIdStart;
    this.lastIdStart = -1;
    // With the records collected so far in front of it: one write() for all of them.
    appendLine(this.pending, { t: 'open', o: order });
    this.writePending(true);
  }

  executed(correlationId: string, exec: DeskExecution, atMs: number): void {
    this.later({ t: 'exec', cid: correlationId, at: atMs, x: exec });
  }

  statusRequested(correlationId: string, atMs: number): void {
    this.later({ t: 'status', cid: correlationId, at: atMs });
  }

  closed(correlationId: string, reason: string): void {
    this.later({ t: 'close', cid: correlationId, why: reason });
  }

  /**
   * Records that gate nothing (an execution, a close, a used ClOrdID) are collected and written
   * in one write at the end of the turn, before the turn's socket writes (`scheduleFlush` is the
   * end-of-turn hook), so a report to a platform never leaves before the record of its fill.
   */
  private readonly pending = new ByteBuilder(4096);
  private scheduled = false;
  /** Set by the owner: runs `flush` at the end of the current turn, before any socket write. */
  scheduleFlush: ((flush: () => void) => void) | null = null;
  private readonly flushPending = (): void => {
    this.scheduled = false;
    this.flushLater();
  };

  /** The last record collected, when it is a ClOrdID record: where it starts (else -1), whose it is. */
  private lastIdStart = -1;
  private lastIdSession = '';
  private lastIdClOrdId = '';

  private later(record: JournalRecord): void {
    this.lastIdStart = -1;
    appendLine(this.pending, record);
    if (this.scheduleFlush === null) {
      this.flushLater();
      return;
    }
    if (!this.scheduled) {
      this.scheduled = true;
      this.scheduleFlush(this.flushPending);
    }
  }

  /** Writes the collected records now (never throws; a failure is recorded). */
  flushLater(): void {
    if (this.pending.length === 0) return;
    this.writePending(false);
  }

  close(): void {
    this.flushLater();
    try {
      fsyncSync(this.fd);
    } catch {
      // a failed disk: the failure is already recorded, or nothing is pending
    } finally {
      closeSync(this.fd);
    }
  }

  /** Writes the collected records with one write() and empties the buffer. */
  private writePending(throwOnFailure: boolean): void {
    const bytes = this.pending.bytes;
    const length = this.pending.length;
    this.pending.reset();
    this.lastIdStart = -1;
    if (this.failed !== null) {
      this.lost++;
      if (throwOnFailure) throw this.failed;
      return;
    }
    try {
      let done = 0;
      while (done < length) done += writeSync(this.fd, bytes, done, length - done);
      if (this.fsyncPolicy === 'always') fsyncSync(this.fd);
      else if (this.fsyncPolicy === 'interval') this.maybeSync();
    } catch (cause) {
      this.failed = new BridgeError('SB_ERR_JOURNAL_IO', `${this.file}: ${(cause as Error).message}`, { cause });
      this.lost++;
      if (throwOnFailure) throw this.failed;
    }
  }

  private maybeSync(): void {
    if (this.syncing) return;
    const now = Date.now();
    if (now - this.lastSync < this.fsyncIntervalMs) return;
    this.syncing = true;
    this.lastSync = now;
    // On the thread pool: an fsync can take milliseconds and must never stall the engine.
    fsync(this.fd, (error) => {
      this.syncing = false;
      if (error !== null && this.failed === null) this.failed = new BridgeError('SB_ERR_JOURNAL_IO', `${this.file}: fsync: ${error.message}`, { cause: error });
    });
  }

  /** Rewrites the journal with what the desk still needs: remembered ids, open orders' records. */
  private compact(desk: OrderDesk, records: readonly JournalRecord[]): void {
    const open = new Set(desk.openOrders().map((o) => o.order.correlationId));
    const chunks: string[] = [];
    for (const [session, pairs] of desk.rememberedFingerprints()) {
      for (let from = 0; from < pairs.length; from += 2 * FINGERPRINTS_PER_LINE) chunks.push(line({ t: 'fps', s: session, f: hexPairs(pairs, from, Math.min(pairs.length, from + 2 * FINGERPRINTS_PER_LINE)) }));
    }
    for (const r of records) {
      if ((r.t === 'open' && open.has(r.o.correlationId)) || ((r.t === 'exec' || r.t === 'status') && open.has(r.cid))) chunks.push(line(r));
    }
    try {
      const tmp = `${this.file}.tmp`;
      const fd = openSync(tmp, 'w');
      try {
        for (let i = 0; i < chunks.length; i += 4096) writeSync(fd, chunks.slice(i, i + 4096).join(''));
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      closeSync(this.fd);
      renameSync(tmp, this.file);
      this.fd = openSync(this.file, 'a');
    } catch (cause) {
      throw new BridgeError('SB_ERR_JOURNAL_IO', `${this.file}: compaction failed: ${(cause as Error).message}`, { cause });
    }
  }
}

/** A compacted journal's fingerprint records: 64 KiB lines (a full 1,000,000-id window is 245 of them). */
const FINGERPRINTS_PER_LINE = 4096;

/** [lo, hi] pairs [from, to) as 16 hex digits each, hi first. */
function hexPairs(pairs: Uint32Array, from: number, to: number): string {
  let out = '';
  for (let i = from; i < to; i += 2) out += (pairs[i + 1] as number).toString(16).padStart(8, '0') + (pairs[i] as number).toString(16).padStart(8, '0');
  return out;
}

/** One builder for the string form (compaction at start-up). */
const scratch = new ByteBuilder(1024);

function line(record: JournalRecord): string {
  scratch.reset();
  appendLine(scratch, record);
  return scratch.text();
}

const HEX = '0123456789abcdef';

/**
 * The record as JSON, field by field: what JSON.parse gives back is what JSON.stringify of the
 * record would give (property test), for the fields the record types declare.
 */
function writeRecordJson(out: ByteBuilder, r: JournalRecord): void {
  switch (r.t) {
    case 'id':
      out.ascii('{"t":"id","s":').jsonString(r.s).ascii(',"c":').jsonString(r.c);
      break;
    case 'fps':
      out.ascii('{"t":"fps","s":').jsonString(r.s).ascii(',"f":').jsonString(r.f);
      break;
    case 'open': {
      const o = r.o;
      out.ascii('{"t":"open","o":{"correlationId":').jsonString(o.correlationId).ascii(',"session":').jsonString(o.session).ascii(',"clOrdId":').jsonString(o.clOrdId);
      out.ascii(',"platformSymbol":').jsonString(o.platformSymbol).ascii(',"side":').jsonString(o.side).ascii(',"orderQtyE8":').jsonNumber(o.orderQtyE8);
      out.ascii(',"priceDigits":').jsonNumber(o.priceDigits).ascii(',"pointE8":').jsonNumber(o.pointE8).ascii(',"markupE8":').jsonNumber(o.markupE8).ascii(',"quotedLpPxE8":').jsonNumber(o.quotedLpPxE8);
      if (o.lpLimitPxE8 !== undefined) out.ascii(',"lpLimitPxE8":').jsonNumber(o.lpLimitPxE8);
      out.ascii(',"lp":').jsonString(o.lp).ascii(',"lpSymbol":').jsonString(o.lpSymbol).ascii(',"executedBy":').jsonString(o.executedBy).ascii(',"sentAtMs":').jsonNumber(o.sentAtMs).byte(0x7d);
      break;
    }
    case 'exec': {
      const x = r.x;
      out.ascii('{"t":"exec","cid":').jsonString(r.cid).ascii(',"at":').jsonNumber(r.at);
      out.ascii(',"x":{"lp":').jsonString(x.lp).ascii(',"lpOrderId":').jsonString(x.lpOrderId).ascii(',"execId":').jsonString(x.execId).ascii(',"kind":').jsonString(x.kind);
      out.ascii(',"lastQtyE8":').jsonNumber(x.lastQtyE8).ascii(',"lastPxE8":').jsonNumber(x.lastPxE8).ascii(',"cumQtyE8":').jsonNumber(x.cumQtyE8).ascii(',"avgPxE8":').jsonNumber(x.avgPxE8);
      out.ascii(x.terminal ? ',"terminal":true,"text":' : ',"terminal":false,"text":').jsonString(x.text).byte(0x7d);
      break;
    }
    case 'status':
      out.ascii('{"t":"status","cid":').jsonString(r.cid).ascii(',"at":').jsonNumber(r.at);
      break;
    case 'close':
      out.ascii('{"t":"close","cid":').jsonString(r.cid).ascii(',"why":').jsonString(r.why);
      break;
  }
  out.byte(0x7d);
}

/**
 * A record's line appended to `out` as bytes: the JSON encoded in place, its CRC-32 computed over
 * those bytes and written into the 8 bytes left in front of it. No string for the record, none
 * for the line, none joined per turn (JSON.stringify of the records and the CRC of the strings
 * were the largest single item of the live engine's profile, bench/README.md).
 */
function appendLine(out: ByteBuilder, record: JournalRecord): void {
  const start = out.length;
  out.ascii('00000000 ');
  try {
    writeRecordJson(out, record);
  } catch {
    // A record not of its declared shape (a field missing at run time): as JSON.stringify has it.
    out.length = start + 9;
    out.utf8(JSON.stringify(record));
  }
  let crc = crc32(out.bytes.subarray(start + 9, out.length));
  for (let i = 7; i >= 0; i--) {
    out.bytes[start + i] = HEX.charCodeAt(crc & 0xf);
    crc >>>= 4;
  }
  out.byte(0x0a);
}

const RECORD_TYPES = new Set(['id', 'fps', 'open', 'exec', 'status', 'close']);
const FINGERPRINT_HEX = /^(?:[0-9a-f]{16})*$/;

/**
 * Splits and checks the journal. Bad bytes at the very end (a write cut short by a crash or a
 * power loss) are a torn tail and dropped; a bad record with good records after it is corruption.
 */
export function parseJournal(file: string, data: Buffer, recover: boolean): { records: JournalRecord[]; tornTail: boolean; skipped: number } {
  const records: JournalRecord[] = [];
  let skipped = 0;
  let badSinceGood = 0;
  let firstBad: { offset: number; line: number; why: string } | null = null;
  let offset = 0;
  let lineNo = 0;
  while (offset < data.length) {
    const nl = data.indexOf(0x0a, offset);
    lineNo++;
    if (nl === -1) {
      // An unterminated last line is a write cut short: never read, even if it parses.
      badSinceGood++;
      break;
    }
    const checked = checkLine(data.toString('utf8', offset, nl));
    if (typeof checked === 'string') {
      firstBad ??= { offset, line: lineNo, why: checked };
      badSinceGood++;
      // Only the unterminated end of the file can be a write cut short.
      if (!recover) {
        throw new BridgeError('SB_ERR_JOURNAL_CORRUPT', `${file}: byte offset ${firstBad.offset} (line ${firstBad.line}): ${firstBad.why} in a complete line, so it is not a torn write; restore the file or start with --recover-journal to skip the bad records`);
      }
    } else {
      if (badSinceGood > 0) {
        if (!recover) {
          const bad = firstBad as { offset: number; line: number; why: string };
          throw new BridgeError('SB_ERR_JOURNAL_CORRUPT', `${file}: byte offset ${bad.offset} (line ${bad.line}): ${bad.why}, and good records follow it, so it is not a torn write; restore the file or start with --recover-journal to skip the bad records`);
        }
        skipped += badSinceGood;
        badSinceGood = 0;
        firstBad = null;
      }
      records.push(checked);
    }
    offset = nl + 1;
  }
  return { records, tornTail: badSinceGood > 0, skipped: skipped + (recover ? badSinceGood : 0) };
}

function checkLine(text: string): JournalRecord | string {
  const space = text.indexOf(' ');
  if (space !== 8) return 'not "<crc32> <json>"';
  const json = text.slice(9);
  const crc = Number.parseInt(text.slice(0, 8), 16);
  if (!Number.isInteger(crc) || crc32(json) !== crc) return 'checksum does not match the record';
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    return 'not valid JSON';
  }
  if (value === null || typeof value !== 'object' || !RECORD_TYPES.has((value as { t?: unknown }).t as string)) return 'unknown record type';
  if ((value as { t: string }).t === 'fps') {
    const r = value as { s?: unknown; f?: unknown };
    if (typeof r.s !== 'string' || typeof r.f !== 'string' || !FINGERPRINT_HEX.test(r.f)) return 'fingerprint record not {s, f: 16 hex digits per id}';
  }
  return value as JournalRecord;
}

