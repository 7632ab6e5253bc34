// The pino logger factory and the order-lifecycle log: one JSON line per lifecycle step,
// with the correlation id on every line. Writes go through an async buffered destination.

import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import pino, { type Logger } from 'pino';
import { FileSink } from './file-sink.js';
import type { LifecycleEntry } from '../core/model/lifecycle.js';
import type { LifecycleLog } from '../core/ports.js';

export interface FileLogger {
  readonly logger: Logger;
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
    flush: () => sink.flush(),
    close: () => sink.close(),
  };
}

/** Adapts a pino logger to the engine's LifecycleLog port. */
export class PinoLifecycleLog implements LifecycleLog {
  constructor(private readonly logger: Logger) {}

  /**
   * One line per step with what identifies it; the full record (prices, quantities, rule, config
   * hash) is the same step's line in orders.jsonl. Spreading every field here cost 11% of the CPU.
   */
  step(entry: LifecycleEntry): void {
    this.logger.info({ correlationId: entry.correlationId, step: entry.step, seq: entry.seq, clientOrderId: entry.clientOrderId, lp: entry.lp, rejectReason: entry.rejectReason });
  }

  event(name: string, fields: Readonly<Record<string, unknown>>): void {
    this.logger.info({ event: name, ...fields }, name);
  }
}

/** A LifecycleLog that writes nothing (benchmarks of the decision stage). */
export const silentLifecycleLog: LifecycleLog = {
  step() {},
  event() {},
};
