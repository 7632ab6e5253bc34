// A run folder being written: divergences.jsonl, orders.jsonl, shadow-faults.jsonl, summary.json.
// Everything is written to a staging folder and moved into place only when the run succeeded,
// so a failed run never leaves a folder that looks like a good one.

import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { LifecycleJournal } from '../core/engine.js';
import { BridgeError } from '../core/errors.js';
import type { LifecycleEntry } from '../core/model/lifecycle.js';
import type { DivergenceSink, ShadowFaultSink } from '../core/ports.js';
import type { DecisionContext } from '../core/shadow/context.js';
import type { DivergenceRecord, ShadowFault } from '../core/shadow/divergence.js';
import { JsonlWriter } from './jsonl-writer.js';
import { exportDivergence, exportFault, lifecycleJson } from './records.js';
import { emptyTally, type CandidateTally } from './summary.js';

export class RunFolder implements DivergenceSink, ShadowFaultSink, LifecycleJournal {
  readonly finalDir: string;
  readonly stagingDir: string;
  readonly tally: CandidateTally = emptyTally();
  private readonly divergences: JsonlWriter;
  private readonly orders: JsonlWriter;
  private readonly faults: JsonlWriter;
  /** Optional observer of every divergence (the expectation checker). */
  onDivergence: ((record: DivergenceRecord) => void) | null = null;

  /**
   * `staged` (replay): write into a side folder, publish on success. Not staged (live): write in
   * place and flush periodically, so the folder can be read while the engine runs.
   */
  constructor(outDir: string, private readonly staged = true) {
    this.finalDir = resolve(outDir);
    this.stagingDir = staged ? `${this.finalDir}.partial-${process.pid}` : this.finalDir;
    try {
      if (staged) rmSync(this.stagingDir, { recursive: true, force: true });
      mkdirSync(this.stagingDir, { recursive: true });
    } catch (cause) {
      throw new BridgeError('SB_ERR_OUTPUT_IO', `${this.stagingDir}: ${(cause as Error).message}`, { cause });
    }
    // Live (not staged): batches go to disk on the thread pool, off the routing thread, and a
    // failed disk never throws into the order path (an order already sent to its LP must not
    // turn into an error); the engine asks writeFailure() before it takes the next order.
    const background = !staged;
    const onFailure = staged ? 'throw' : 'count';
    this.divergences = new JsonlWriter(join(this.stagingDir, 'divergences.jsonl'), background, onFailure);
    this.orders = new JsonlWriter(join(this.stagingDir, 'orders.jsonl'), background, onFailure);
    this.faults = new JsonlWriter(join(this.stagingDir, 'shadow-faults.jsonl'), background, onFailure);
  }

  /** Path of a file inside the folder being written. */
  path(name: string): string {
    return join(this.stagingDir, name);
  }

  record(divergence: DivergenceRecord, context: DecisionContext): void {
    this.tally.byClass[divergence.class]++;
    this.tally.bySeverity[divergence.severity]++;
    this.divergences.write(exportDivergence(divergence, context));
    this.onDivergence?.(divergence);
  }

  fault(fault: ShadowFault): void {
    this.faults.write(exportFault(fault));
  }

  append(entry: LifecycleEntry): void {
    this.orders.writeJson(lifecycleJson(entry));
  }

  writeJson(name: string, value: unknown): void {
    writeFileSync(this.path(name), `${JSON.stringify(value, null, 2)}\n`);
  }

  writeText(name: string, text: string): void {
    writeFileSync(this.path(name), text);
  }

  /** The first file of the folder that can no longer be written, and why; null when all are fine. */
  writeFailure(): BridgeError | null {
    return this.orders.failure() ?? this.divergences.failure() ?? this.faults.failure();
  }

  /** Records that could not be written since a file failed. */
  lostRecords(): number {
    return this.orders.lost + this.divergences.lost + this.faults.lost;
  }

  /** Starts writing out buffered records (live runs call this periodically). */
  flush(): void {
    this.divergences.flush();
    this.orders.flush();
    this.faults.flush();
  }

  /** Flushes every file and moves the folder to its final place (replacing an older run). */
  publish(): void {
    this.closeWriters();
    if (!this.staged) return;
    try {
      mkdirSync(dirname(this.finalDir), { recursive: true });
      if (existsSync(this.finalDir)) rmSync(this.finalDir, { recursive: true, force: true });
      renameSync(this.stagingDir, this.finalDir);
    } catch (cause) {
      throw new BridgeError('SB_ERR_OUTPUT_IO', `${this.finalDir}: ${(cause as Error).message}`, { cause });
    }
  }

  /** Removes everything written: a failed run leaves no folder behind. */
  discard(): void {
    try {
      this.closeWriters();
    } finally {
      if (this.staged) rmSync(this.stagingDir, { recursive: true, force: true });
    }
  }

  private closeWriters(): void {
    this.divergences.close();
    this.orders.close();
    this.faults.close();
  }
}
