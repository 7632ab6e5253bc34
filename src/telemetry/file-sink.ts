// An append-only text file written in large batches: lines are collected in memory and written
// out once enough have built up (or on flush). In background mode the write runs on libuv's
// thread pool, so the event loop that routes orders never waits for the disk.
//
// Why not pino.destination (sonic-boom): it appends each line to a growing string and asks
// Buffer.byteLength of that string on every write, which flattens it each time: ~40 KB of
// garbage per order at 5 lines per order, a third of the live engine's allocations (heap
// sampling in bench/README.md). Here lines are encoded straight into a reusable byte buffer
// (two, while one is on the thread pool), and each batch is one write of its filled part.

import { closeSync, constants, fstatSync, openSync, write, writeSync } from 'node:fs';
import { BridgeError } from '../core/errors.js';
import { ByteBuilder } from '../core/util/byte-builder.js';

export interface FileSinkOptions {
  /** 'truncate' starts the file empty; 'append' continues after what it holds. */
  readonly mode: 'truncate' | 'append';
  /** Write on the thread pool (live engine) instead of on the calling thread (replay, tools). */
  readonly background: boolean;
  /** Bytes collected before a batch is written out. */
  readonly batchChars?: number;
  /**
   * 'throw' (exports): once a write has failed, every later write throws SB_ERR_OUTPUT_IO, so
   * the caller fails closed (the live engine then rejects the order it could not record).
   * 'count' (the log): lines that cannot be written are counted in `lostLines` and reported
   * once on stderr; logging never throws into the code that logs.
   */
  readonly onFailure?: 'throw' | 'count';
}

const DEFAULT_BATCH_CHARS = 64 * 1024;

interface Batch {
  readonly builder: ByteBuilder;
  readonly position: number;
}

export class FileSink {
  private readonly fd: number;
  private readonly batchChars: number;
  /** What is queued and not yet written. */
  private current = new ByteBuilder();
  /** The buffer of the last background batch, reused once it is written. */
  private spare: ByteBuilder | null = null;
  /** File offset of the next batch. Every batch is written at its own offset (pwrite). */
  private position: number;
  /** The batch on the thread pool, kept so flushSync() can make it durable at once. */
  private inFlight: Batch | null = null;
  private flushRequested = false;
  private closeWhenIdle = false;
  private closed = false;
  private failure: BridgeError | null = null;
  /** Writes given after a failure and never written (onFailure 'count'). */
  lostLines = 0;
  private reported = false;

  constructor(readonly file: string, private readonly options: FileSinkOptions) {
    this.batchChars = options.batchChars ?? DEFAULT_BATCH_CHARS;
    try {
      // Not O_APPEND: positional writes must land where we say, whichever thread runs first.
      const truncate = options.mode === 'truncate' ? constants.O_TRUNC : 0;
      this.fd = openSync(file, constants.O_WRONLY | constants.O_CREAT | truncate, 0o644);
      this.position = options.mode === 'truncate' ? 0 : fstatSync(this.fd).size;
    } catch (cause) {
      throw new BridgeError('SB_ERR_OUTPUT_IO', `${file}: ${(cause as Error).message}`, { cause });
    }
  }

  /** Why writing to the file failed (it stays failed), or null. */
  get failureReason(): BridgeError | null {
    return this.failure;
  }

  /** Queues text (one or more whole lines). After a failed write: see FileSinkOptions.onFailure. */
  write(text: string): void {
    if (!this.accepting(text)) return;
    this.current.utf8(text);
    this.afterQueued();
  }

  /** Queues `text` and a newline after it (a JSON line without a string built to hold both). */
  writeLine(text: string): void {
    // The line as one string only when it cannot be queued (rare): after close or a failure.
    if ((this.failure !== null || this.closed) && !this.accepting(`${text}\n`)) return;
    this.current.utf8(text).byte(0x0a);
    this.afterQueued();
  }

  /** Queues raw bytes (a binary record), in order with the text around them. */
  writeBytes(bytes: Uint8Array): void {
    if (!this.accepting(bytes)) return;
    this.current.copy(bytes);
    this.afterQueued();
  }

  /**
   * The buffer to encode one record straight into, or null when nothing can be queued now (the
   * file is closed or failed: give the record to write() instead, which knows what to do).
   * Call queued() after writing into it.
   */
  recordBuffer(): ByteBuilder | null {
    return this.failure !== null || this.closed ? null : this.current;
  }

  /** Ends a record written into recordBuffer(). */
  queued(): void {
    this.afterQueued();
  }

  /** False when the record is not to be queued (counted as lost, or appended after close). */
  private accepting(record: string | Uint8Array): boolean {
    if (this.failure !== null) {
      this.lostLines++;
      this.afterFailure();
      return false;
    }
    if (this.closed) {
      this.writeAfterClose(record);
      return false;
    }
    return true;
  }

  private afterQueued(): void {
    if (this.current.length >= this.batchChars) this.flush();
  }

  /** Starts writing what is queued: on the thread pool in background mode, else right now. */
  flush(): void {
    if (this.failure !== null) return this.afterFailure();
    if (this.current.length === 0) return;
    if (!this.options.background) {
      this.writeCurrentNow();
      return;
    }
    if (this.inFlight !== null) {
      this.flushRequested = true; // the one in flight starts the next when it completes
      return;
    }
    this.startBackgroundWrite();
  }

  /**
   * Everything queued is in the file (the kernel's page cache) when this returns, including a
   * batch still on the thread pool: it is written again at the same offset, which is harmless.
   */
  flushSync(): void {
    if (this.failure !== null) return this.afterFailure();
    if (this.inFlight !== null) this.writeAt(this.inFlight.builder, this.inFlight.position);
    if (this.current.length > 0) this.writeCurrentNow();
  }

  /** Flushes synchronously and closes; the descriptor stays open until a background write ends. */
  close(): void {
    if (this.closed) return;
    try {
      this.flushSync();
    } finally {
      this.closed = true;
      if (this.inFlight === null) closeSync(this.fd);
      else this.closeWhenIdle = true;
    }
  }

  /**
   * A log line that comes after close (a socket that closes late) is still appended, on the
   * spot; a truncate-mode file (an export) is complete at close, so writing to it is a bug.
   */
  private writeAfterClose(text: string | Uint8Array): void {
    if (this.options.mode !== 'append') {
      // A live export ('count') is closed at stop; a record that still arrives (a late shadow
      // answer) is counted as lost and said once, never thrown into whoever wrote it.
      if (this.options.onFailure === 'count') {
        this.lostLines++;
        this.failure ??= new BridgeError('SB_ERR_OUTPUT_IO', `${this.file}: written after close`);
        this.afterFailure();
        return;
      }
      throw new BridgeError('SB_ERR_OUTPUT_IO', `${this.file}: written after close`);
    }
    try {
      const fd = openSync(this.file, 'a');
      try {
        if (typeof text === 'string') writeSync(fd, text);
        else writeSync(fd, text);
      } finally {
        closeSync(fd);
      }
    } catch (cause) {
      throw new BridgeError('SB_ERR_OUTPUT_IO', `${this.file}: ${(cause as Error).message}`, { cause });
    }
  }

  /** Writes what is queued on this thread and empties the buffer for the next batch. */
  private writeCurrentNow(): void {
    const position = this.position;
    this.position += this.current.length;
    this.writeAt(this.current, position);
    this.current.reset();
  }

  private writeAt(builder: ByteBuilder, position: number): void {
    const bytes = builder.bytes;
    const length = builder.length;
    try {
      let done = 0;
      while (done < length) done += writeSync(this.fd, bytes, done, length - done, position + done);
    } catch (cause) {
      this.failure = new BridgeError('SB_ERR_OUTPUT_IO', `${this.file}: ${(cause as Error).message}`, { cause });
      this.afterFailure();
    }
  }

  /** Once a write has failed: an export throws; the log says so once on stderr and goes on. */
  private afterFailure(): void {
    const failure = this.failure as BridgeError;
    if (this.options.onFailure !== 'count') throw failure;
    if (this.reported) return;
    this.reported = true;
    process.stderr.write(`${failure.message}; later lines to this file are counted as lost\n`);
  }

  /** Hands the queued bytes to the thread pool and queues into the other buffer meanwhile. */
  private startBackgroundWrite(): void {
    const batch: Batch = { builder: this.current, position: this.position };
    this.position += this.current.length;
    this.current = this.spare ?? new ByteBuilder();
    this.spare = null;
    this.inFlight = batch;
    this.flushRequested = false;
    this.writeRest(batch, 0);
  }

  /** fs.write may write less than asked (rarely, for files): continue from where it stopped. */
  private writeRest(batch: Batch, done: number): void {
    const length = batch.builder.length;
    write(this.fd, batch.builder.bytes, done, length - done, batch.position + done, (error, written) => {
      if (error !== null) {
        this.failure = new BridgeError('SB_ERR_OUTPUT_IO', `${this.file}: ${error.message}`, { cause: error });
        this.inFlight = null;
        if (this.closeWhenIdle) closeSync(this.fd);
        return;
      }
      if (done + written < length) {
        this.writeRest(batch, done + written);
        return;
      }
      this.inFlight = null;
      batch.builder.reset();
      this.spare = batch.builder;
      if (this.closeWhenIdle) {
        closeSync(this.fd);
        return;
      }
      if (this.current.length > 0 && (this.flushRequested || this.current.length >= this.batchChars)) this.startBackgroundWrite();
    });
  }
}
