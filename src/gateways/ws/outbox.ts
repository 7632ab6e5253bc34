// The orders channel's durable outbox, one per WebSocket client: every execution and cancel
// answer gets the next sequence number and is written to disk before it is sent, so a client
// that reconnects (or an engine that restarts) can replay from any number it missed. Writes are
// batched per event-loop turn and always land before that turn's socket writes.
// One JSON line per message; a torn last line is a crash mid-write and is dropped at load.
// Without a folder it keeps messages in memory only (the LP simulator).

import { closeSync, existsSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { BridgeError } from '../../core/errors.js';
import { atTurnEnd } from '../../fix/session/turn-batch.js';

/** Messages kept for replay per client; the file is compacted to this at start. */
export const OUTBOX_KEEP = 10_000;

export class DurableOutbox {
  private fd: number | null = null;
  private seq = 0;
  /** The last OUTBOX_KEEP messages as sent (seq ascending): a ring, oldest at `start`. */
  private readonly kept: string[] = [];
  private start = 0;
  private problem: BridgeError | null = null;
  /** Lines appended this turn: one write() at the end of the turn, before any socket write. */
  private pending = '';
  /** Lines in the file now: past 2 x keep it is rewritten with what is held (bounded on disk). */
  private linesInFile = 0;
  readonly file: string;

  constructor(dir: string | null, clientId: string, private readonly keep = OUTBOX_KEEP) {
    this.file = dir === null ? '(memory)' : join(dir, `ws-${clientId.replace(/[^A-Za-z0-9_.-]/g, '_')}.outbox.jsonl`);
    if (dir === null) return;
    try {
      mkdirSync(dir, { recursive: true });
      if (existsSync(this.file)) this.load();
      this.fd = openSync(this.file, 'a');
    } catch (cause) {
      if (cause instanceof BridgeError) throw cause;
      throw new BridgeError('SB_ERR_WS_OUTBOX', `${this.file}: ${(cause as Error).message}`, { cause });
    }
  }

  /** The last sequence number given out (0 before the first message). */
  get lastSeq(): number {
    return this.seq;
  }

  /** The oldest sequence number still held for replay (lastSeq + 1 when none). */
  get oldestSeq(): number {
    return this.seq - this.kept.length + 1;
  }

  failure(): BridgeError | null {
    return this.problem;
  }

  /**
   * Numbers a message (`channel`, `seq` go first after `type`), writes it, keeps it for replay,
   * and returns its text. A failed write is reported by failure() and the text still returned:
   * the client gets it now, only a replay of it after a restart would be lost.
   */
  append(type: string, body: Readonly<Record<string, unknown>>): string {
    const seq = ++this.seq;
    const json = JSON.stringify(body);
    const text = `{"type":${JSON.stringify(type)},"channel":"orders","seq":${seq}${json.length > 2 ? `,${json.slice(1)}` : '}'}`;
    if (this.problem === null && this.fd !== null) {
      if (this.pending === '') atTurnEnd('journal', this.flush);
      this.pending += `${text}\n`;
    }
    this.hold(text);
    return text;
  }

  /** Writes this turn's lines; runs before the turn's socket writes (turn-batch orders them). */
  readonly flush = (): void => {
    const lines = this.pending;
    this.pending = '';
    if (lines === '' || this.fd === null || this.problem !== null) return;
    try {
      writeSync(this.fd, lines);
      // Every message was written with its own newline: count them for the compaction.
      for (let i = lines.indexOf('\n'); i >= 0; i = lines.indexOf('\n', i + 1)) this.linesInFile++;
      if (this.linesInFile > 2 * this.keep) this.compact();
    } catch (cause) {
      this.problem = new BridgeError('SB_ERR_WS_OUTBOX', `${this.file}: ${(cause as Error).message}`, { cause });
    }
  };

  /** Every held message from `fromSeq` on, marked as resent; null when it is no longer held. */
  replayFrom(fromSeq: number): string[] | null {
    if (fromSeq > this.seq) return [];
    if (fromSeq < this.oldestSeq) return null;
    const out: string[] = [];
    const n = this.kept.length;
    for (let i = fromSeq - this.oldestSeq; i < n; i++) {
      const text = this.kept[(this.start + i) % n] as string;
      out.push(`${text.slice(0, -1)},"possResend":true}`);
    }
    return out;
  }

  close(): void {
    this.flush();
    if (this.fd === null) return;
    try {
      closeSync(this.fd);
    } catch {
      // already closed
    }
    this.fd = null;
  }

  private hold(text: string): void {
    if (this.kept.length < this.keep) {
      this.kept.push(text);
      return;
    }
    this.kept[this.start] = text;
    this.start = (this.start + 1) % this.keep;
  }

  /** Reads the file back: the last number, the last `keep` messages; compacts when it is long. */
  private load(): void {
    const lines = readFileSync(this.file, 'utf8').split('\n');
    const complete = lines.slice(0, -1); // the last piece has no newline: empty, or torn
    let bad = 0;
    for (const line of complete) {
      const seq = /^\{"type":"[a-z_]+","channel":"orders","seq":(\d+)[,}]/.exec(line)?.[1];
      // A compacted file starts past 1; from there on every number follows the one before.
      if (seq === undefined || (this.kept.length > 0 && Number(seq) !== this.seq + 1)) {
        bad++;
        continue;
      }
      this.seq = Number(seq);
      this.hold(line);
    }
    if (bad > 0) throw new BridgeError('SB_ERR_WS_OUTBOX', `${this.file}: ${bad} line(s) are not orders-channel messages in sequence; move the file aside to start the client's numbering again`);
    this.linesInFile = complete.length - bad;
    if (complete.length > 2 * this.keep || (lines.at(-1) ?? '') !== '') this.rewrite();
  }

  /** Rewrites the file with what is held: bounded on disk, and a torn tail removed. */
  private rewrite(): void {
    const tmp = `${this.file}.tmp`;
    const fd = openSync(tmp, 'w');
    const n = this.kept.length;
    let text = '';
    for (let i = 0; i < n; i++) text += `${this.kept[(this.start + i) % n] as string}\n`;
    writeSync(fd, text);
    closeSync(fd);
    renameSync(tmp, this.file);
    this.linesInFile = n;
  }

  /** While running: the same rewrite, then appending continues on the new file. */
  private compact(): void {
    this.rewrite();
    if (this.fd !== null) closeSync(this.fd);
    this.fd = openSync(this.file, 'a');
  }
}
