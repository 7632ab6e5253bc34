// A session store as an append-only journal, replayed at start. Every change is one record
// written with a single write() before the message it describes leaves the process, so a
// kill -9 loses nothing and numbers never go back; a torn last record is ignored on recovery.
// fsync: 'always' also survives power loss (slow); 'interval' fsyncs every N ms on the thread pool
// (never blocking the event loop); 'never' trusts the OS.
// Inbound numbers can be written 'lazily' (coalesced: the turn's last one, in the turn's write):
// a crash then makes the counterparty resend a few messages, harmless where processing is
// idempotent.
// A torn last record is a crash mid-write and is dropped; a bad record with good ones after it
// is corruption: start-up stops with SB_ERR_FIX_STORE_CORRUPT (file, byte offset) unless recovery
// is asked for, because silently stopping there would roll sequence numbers back. A write that
// fails (a full disk) never throws: the store says so through failure().

import { closeSync, existsSync, fsync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { BridgeError } from '../../core/errors.js';
import { ByteBuilder } from '../../core/util/byte-builder.js';
import { ResendWindow } from './resend-window.js';
import type { SessionStore, StoredMessage } from './store.js';
import { atTurnEnd } from './turn-batch.js';

export type FsyncPolicy = 'always' | 'interval' | 'never';

/** Default size of the in-memory resend window; older messages are gap-filled if asked for. */
export const DEFAULT_RESEND_WINDOW = 20_000;

/**
 * Record formats, one per line: "S <seq>" next sender, "T <seq>" next target, "R" reset,
 * "M <seq> <msgType> <sendingTimeMs> <bodyLength>" then the body bytes and a newline.
 */
export class FileSessionStore implements SessionStore {
  private fd: number;
  private sender = 1;
  private target = 1;
  private active = 0;
  private readonly messages: ResendWindow;
  private lastSync = 0;
  private syncing = false;
  private pendingTarget = 0;
  private skipNextSender = 0;
  /** A write of `pending` is scheduled for the end of this turn. */
  private writeScheduled = false;
  readonly file: string;

  constructor(
    dir: string,
    sessionId: string,
    private readonly fsyncPolicy: FsyncPolicy = 'interval',
    private readonly fsyncIntervalMs = 100,
    /** Write inbound sequence numbers coalesced per event-loop turn instead of one write each. */
    private readonly lazyTarget = false,
    /**
     * Sent messages kept in memory for resends. Every one kept is promoted by the GC and copied
     * on each collection; a session that gap-fills old orders anyway needs only a short window.
     */
    resendWindow = DEFAULT_RESEND_WINDOW,
    /** Skip corrupt records instead of refusing to start (an operator's explicit choice). */
    recoverCorrupt = false,
  ) {
    this.messages = new ResendWindow(resendWindow);
    try {
      mkdirSync(dir, { recursive: true });
      this.file = join(dir, `${sessionId.replace(/[^A-Za-z0-9_.-]/g, '_')}.journal`);
      if (existsSync(this.file)) {
        if (!statSync(this.file).isFile()) throw new BridgeError('SB_ERR_FIX_STORE', `${this.file} is not a regular file`);
        this.recover(readFileSync(this.file), recoverCorrupt);
      }
      this.fd = openSync(this.file, 'a');
    } catch (cause) {
      if (cause instanceof BridgeError) throw cause;
      throw new BridgeError('SB_ERR_FIX_STORE', `${dir}: ${(cause as Error).message}`, { cause });
    }
  }

  private failed: BridgeError | null = null;
  /** Records that could not be written since the store failed. */
  lostRecords = 0;

  failure(): BridgeError | null {
    return this.failed;
  }

  private recover(data: Buffer, recoverCorrupt: boolean): void {
    let i = 0;
    let bad: { offset: number; why: string } | null = null;
    const corruptUnlessRecovering = (): void => {
      if (bad === null || recoverCorrupt) return;
      throw new BridgeError('SB_ERR_FIX_STORE_CORRUPT', `${this.file}: byte offset ${bad.offset}: ${bad.why}, and good records follow it, so it is not a torn write; restore the file or start with --recover-journal to skip it`);
    };
    while (i < data.length) {
      const nl = data.indexOf(0x0a, i);
      // An unterminated last line is a write cut short ("S 95" torn to "S 9"): never read it.
      if (nl === -1) break;
      const line = data.toString('latin1', i, nl);
      const parts = line.split(' ');
      const num = (k: number): number => {
        const v = Number(parts[k]);
        return Number.isSafeInteger(v) && v >= 0 ? v : Number.NaN;
      };
      let ok = true;
      if (parts[0] === 'S' && parts.length === 2 && num(1) >= 1) this.sender = Math.max(this.sender, num(1));
      else if (parts[0] === 'T' && parts.length === 2 && num(1) >= 1) this.target = Math.max(this.target, num(1));
      else if (parts[0] === 'A' && parts.length === 2 && num(1) >= 0) this.active = Math.max(this.active, num(1));
      else if (parts[0] === 'R' && parts.length === 1) {
        this.sender = 1;
        this.target = 1;
        this.messages.clear();
      } else if (parts[0] === 'M' && parts.length === 5 && num(1) >= 1 && num(3) >= 0 && num(4) >= 0 && /^[A-Za-z0-9]{1,2}$/.test(parts[2] as string)) {
        const length = num(4);
        const bodyStart = nl + 1;
        if (bodyStart + length + 1 <= data.length && data[bodyStart + length] === 0x0a) {
          corruptUnlessRecovering();
          bad = null;
          this.messages.add({ seq: num(1), msgType: parts[2] as string, sendingTimeMs: num(3), body: data.subarray(bodyStart, bodyStart + length) });
          i = bodyStart + length + 1;
          continue;
        }
        ok = false;
      } else {
        ok = false;
      }
      if (ok) {
        corruptUnlessRecovering();
        bad = null;
      } else {
        bad ??= { offset: i, why: `record "${line.slice(0, 40)}" is not a journal record` };
        // Only the unterminated end of the file can be a write cut short: a complete line that
        // is not a record was never written by us.
        if (!(parts[0] === 'M' && nl + 1 + num(4) + 1 > data.length)) {
          bad = { ...bad, why: `${bad.why} (a complete line, not a torn write)` };
          if (!recoverCorrupt) throw new BridgeError('SB_ERR_FIX_STORE_CORRUPT', `${this.file}: byte offset ${bad.offset}: ${bad.why}; restore the file or start with --recover-journal to skip it`);
        }
      }
      i = nl + 1;
    }
    // A bad record at the very end is a torn write; rewrite compactly so it does not stay in
    // front of new records.
    this.compact();
  }

  private compact(): void {
    const tmp = `${this.file}.tmp`;
    const fd = openSync(tmp, 'w');
    writeSync(fd, `S ${this.sender}\nT ${this.target}\nA ${this.active}\n`);
    for (const m of this.messages.values()) {
      writeSync(fd, `M ${m.seq} ${m.msgType} ${m.sendingTimeMs} ${m.body.length}\n`);
      writeSync(fd, m.body);
      writeSync(fd, '\n');
    }
    fsyncSync(fd);
    closeSync(fd);
    renameSync(tmp, this.file);
  }

  /** This turn's records, encoded in place (no Buffer per record, none concatenated). */
  private readonly pending = new ByteBuilder(4096);
  private readonly flushPending = (): void => this.writePending();

  /** Queues "<kind> <n>\n"; all records of this turn go out in one write before any socket flush. */
  private appendNumber(kind: 'S' | 'T' | 'A', n: number): void {
    this.scheduleWrite();
    this.pending.ascii(kind).byte(0x20).uint(n).byte(0x0a);
  }

  /** The first record of a turn schedules the turn's write. */
  private scheduleWrite(): void {
    if (this.writeScheduled) return;
    this.writeScheduled = true;
    atTurnEnd('journal', this.flushPending);
  }

  private writePending(): void {
    this.writeScheduled = false;
    if (this.pendingTarget > 0) {
      // The turn's last inbound number, once (a lazy target: see the header).
      this.pending.ascii('T ').uint(this.pendingTarget).byte(0x0a);
      this.pendingTarget = 0;
    }
    if (this.pending.length === 0) return;
    const bytes = this.pending.bytes;
    const length = this.pending.length;
    this.pending.reset();
    if (this.failed !== null) {
      this.lostRecords++;
      return;
    }
    try {
      let done = 0;
      while (done < length) done += writeSync(this.fd, bytes, done, length - done);
      if (this.fsyncPolicy === 'always') fsyncSync(this.fd);
    } catch (cause) {
      this.failed = new BridgeError('SB_ERR_FIX_STORE', `${this.file}: ${(cause as Error).message}`, { cause });
      this.lostRecords++;
      return;
    }
    if (this.fsyncPolicy === 'interval' && !this.syncing) {
      const now = Date.now();
      if (now - this.lastSync >= this.fsyncIntervalMs) {
        this.syncing = true;
        this.lastSync = now;
        // On the thread pool: an fsync can take milliseconds and must never stall the engine.
        fsync(this.fd, (error) => {
          this.syncing = false;
          if (error !== null) this.failed ??= new BridgeError('SB_ERR_FIX_STORE', `${this.file}: fsync: ${error.message}`, { cause: error });
        });
      }
    }
  }

  lastActiveMs(): number {
    return this.active;
  }
  setLastActiveMs(ms: number): void {
    this.active = ms;
    this.appendNumber('A', ms);
  }
  nextSenderSeq(): number {
    return this.sender;
  }
  nextTargetSeq(): number {
    return this.target;
  }
  setNextSenderSeq(seq: number): void {
    this.sender = seq;
    // saveOutbound already wrote this number with its message.
    if (this.skipNextSender === seq) {
      this.skipNextSender = 0;
      return;
    }
    this.appendNumber('S', seq);
  }
  setNextTargetSeq(seq: number): void {
    this.target = seq;
    if (!this.lazyTarget) {
      this.appendNumber('T', seq);
      return;
    }
    this.pendingTarget = seq;
    this.scheduleWrite();
  }
  saveOutbound(message: StoredMessage): void {
    this.messages.add(message);
    // One write for the message and the sender number after it: the record is all there or torn
    // at the end, and it is on disk before the message is on the wire.
    this.sender = Math.max(this.sender, message.seq + 1);
    this.scheduleWrite();
    const out = this.pending;
    out.ascii('M ').uint(message.seq).byte(0x20).ascii(message.msgType).byte(0x20).uint(message.sendingTimeMs).byte(0x20).uint(message.body.length).byte(0x0a);
    out.copy(message.body).ascii('\nS ').uint(this.sender).byte(0x0a);
    this.skipNextSender = message.seq + 1;
  }
  getOutbound(begin: number, end: number): StoredMessage[] {
    return this.messages.range(begin, end);
  }
  reset(): void {
    this.sender = 1;
    this.target = 1;
    this.messages.clear();
    this.pending.reset();
    this.pendingTarget = 0; // a number from before the reset must never be written after it
    try {
      this.compact();
      closeSync(this.fd);
      this.fd = openSync(this.file, 'a');
    } catch (cause) {
      this.failed ??= new BridgeError('SB_ERR_FIX_STORE', `${this.file}: reset: ${(cause as Error).message}`, { cause });
    }
  }
  close(): void {
    this.writePending();
    try {
      fsyncSync(this.fd);
    } catch {
      // a failing disk: failure() already says so
    } finally {
      closeSync(this.fd);
    }
  }
}
