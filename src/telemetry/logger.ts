// The pino logger factory and the order-lifecycle log: one JSON line per lifecycle step,
// with the correlation id on every line. Writes go through an async buffered destination.

import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import pino, { type Logger } from 'pino';
import { FileSink } from './file-sink.js';
import type { LifecycleEntry } from '../core/model/lifecycle.js';
import { ByteBuilder } from '../core/util/byte-builder.js';
import type { LifecycleLog } from '../core/ports.js';

export interface FileLogger {
  readonly logger: Logger;
  /** The order-lifecycle log on the same file: one line per step (see FileLifecycleLog). */
  readonly lifecycle: LifecycleLog;
  /** Starts writing out what is buffered (in the background for a background logger). */
  flush(): void;
  /** Writes out everything (synchronously) and closes; later lines are appended on the spot. */
  close(): void;
}

/**
 * A logger appending to `file` (created with its folder). `background`: batches are written on
 * the thread pool (live engine); otherwise on the calling thread when a batch fills (replay).
 */
export function createFileLogger(file: string, level: pino.LevelWithSilent = 'info', background = false): FileLogger {
  mkdirSync(dirname(file), { recursive: true });
  const sink = new FileSink(file, { mode: 'append', background, onFailure: 'count' });
  // pino takes any object with write(string) as its destination.
  // Epoch-ms timestamps: formatting an ISO date per line cost 1.4% of the engine's CPU.
  const logger = pino({ level, base: null, timestamp: pino.stdTimeFunctions.epochTime }, sink);
  return {
    logger,
    lifecycle: new FileLifecycleLog(logger, sink),
    flush: () => sink.flush(),
    close: () => sink.close(),
  };
}

/**
 * The engine's LifecycleLog on a pino logger's file. A step's line is written as pino writes
 * `logger.info({correlationId, step, seq, clientOrderId, lp, rejectReason})` (the same bytes, see
 * the logger test) but built here directly: pino's general serializer cost ~4.7 KB of garbage
 * and ~2% of the engine's CPU per order for five lines (bench/README.md). The full record
 * (prices, quantities, rule, config hash) is the same step's line in orders.jsonl.
 */
export class FileLifecycleLog implements LifecycleLog {
  private readonly enabled: boolean;
  private readonly scratch = new ByteBuilder(512);

  constructor(
    private readonly logger: Logger,
    /** A FileSink (lines encoded straight into its buffer) or anything with write(line). */
    private readonly sink: { write(line: string): void; recordBuffer?(): ByteBuilder | null; queued?(): void },
  ) {
    this.enabled = logger.isLevelEnabled('info');
  }

  step(e: LifecycleEntry): void {
    if (!this.enabled) return;
    const direct = this.sink.recordBuffer?.() ?? null;
    if (direct !== null) {
      writeStepLine(direct, e);
      this.sink.queued?.();
      return;
    }
    this.scratch.reset();
    writeStepLine(this.scratch, e);
    this.sink.write(this.scratch.text());
  }

  event(name: string, fields: Readonly<Record<string, unknown>>): void {
    this.logger.info({ event: name, ...fields }, name);
  }
}

/** The line pino would write for the step; ids escaped as JSON.stringify does, step and reason from closed sets. */
function writeStepLine(out: ByteBuilder, e: LifecycleEntry): void {
  out.ascii('{"level":30,"time":').uint(Date.now()).ascii(',"correlationId":').jsonString(e.correlationId).ascii(',"step":"').ascii(e.step).ascii('","seq":').uint(e.seq).ascii(',"clientOrderId":').jsonString(e.clientOrderId).ascii(',"lp":');
  if (e.lp === null) out.ascii('null');
  else out.jsonString(e.lp);
  out.ascii(',"rejectReason":');
  if (e.rejectReason === null) out.ascii('null');
  else out.byte(0x22).ascii(e.rejectReason).byte(0x22);
  out.ascii('}\n');
}

/** A LifecycleLog that writes nothing (benchmarks of the decision stage). */
export const silentLifecycleLog: LifecycleLog = {
  step() {},
  event() {},
};
