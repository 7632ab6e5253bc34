// A run folder being written: divergences.jsonl, orders.jsonl, shadow-faults.jsonl,
// reconciliation.jsonl, summary.json. A replay writes to a staging folder moved into place only
// when the run succeeded, so a failed run never leaves a folder that looks like a good one. A
// live run writes in place and never truncates an earlier run: a restart gets a folder of its
// own beside the old one, and the two are linked both ways.

import { appendFileSync, existsSync, mkdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, extname, join, resolve } from 'node:path';
import type { LifecycleJournal } from '../core/engine.js';
import { BridgeError } from '../core/errors.js';
import type { LifecycleEntry } from '../core/model/lifecycle.js';
import type { DivergenceSink, ShadowFaultSink } from '../core/ports.js';
import type { DecisionContext } from '../core/shadow/context.js';
import type { DivergenceRecord, ShadowFault } from '../core/shadow/divergence.js';
import { JsonlWriter } from './jsonl-writer.js';
import { exportDivergence, exportFault, lifecycleJson, writeDivergenceJson, writeLifecycleJson } from './records.js';
import { emptyTally, type CandidateTally } from './summary.js';

/** Files whose content says a folder already holds a run. */
const RUN_FILES = ['summary.json', 'orders.jsonl', 'divergences.jsonl'];

/** Whether `dir` holds (part of) an earlier run: a run file with something in it. */
export function holdsRun(dir: string): boolean {
  return RUN_FILES.some((f) => {
    try {
      const st = statSync(join(dir, f));
      return st.isFile() && st.size > 0;
    } catch {
      return false;
    }
  });
}

/**
 * The folder a new run writes to when `dir` is wanted: `dir` itself if it holds no run yet, else
 * the first free `dir.2`, `dir.3`, ... beside it. Nothing is ever overwritten.
 */
export function freeRunDir(dir: string): { dir: string; previous: string | null } {
  const wanted = resolve(dir);
  if (!existsSync(wanted) || !holdsRun(wanted)) return { dir: wanted, previous: null };
  let previous = wanted;
  for (let n = 2; ; n++) {
    const next = `${wanted}.${n}`;
    if (!existsSync(next) || !holdsRun(next)) return { dir: next, previous };
    previous = next;
  }
}

/** `file` if it does not exist or is empty, else the first free `name.2.ext`, `name.3.ext`... */
export function freeFilePath(file: string): string {
  const wanted = resolve(file);
  const taken = (f: string): boolean => existsSync(f) && statSync(f).size > 0;
  if (!taken(wanted)) return wanted;
  const ext = extname(wanted);
  const stem = wanted.slice(0, wanted.length - ext.length);
  for (let n = 2; ; n++) {
    const next = `${stem}.${n}${ext}`;
    if (!taken(next)) return next;
  }
}

/**
 * The divergences and faults of one more candidate, in `candidates/<id>/` of the run folder: the
 * same two files, the same record shapes as the first candidate's at the folder's top level.
 */
/** One divergence line, encoded straight into the file's buffer. */
function writeDivergence(file: JsonlWriter, divergence: DivergenceRecord, context: DecisionContext): void {
  const line = file.lineBuffer();
  if (line === null) {
    file.write(exportDivergence(divergence, context)); // closed or failed: it counts or throws
    return;
  }
  const start = line.length;
  try {
    writeDivergenceJson(line, divergence, context);
  } catch {
    // A field of a type the writer does not expect: never half a line, and the record still
    // written, by JSON.stringify (which writes any value).
    line.length = start;
    file.write(exportDivergence(divergence, context));
    return;
  }
  file.committed();
}

export class CandidateFiles implements DivergenceSink, ShadowFaultSink {
  readonly tally: CandidateTally = emptyTally();
  private readonly divergences: JsonlWriter;
  private readonly faults: JsonlWriter;
  /** Told of every divergence as it is written (the live dashboard). */
  onDivergence: ((record: DivergenceRecord) => void) | null = null;

  constructor(
    readonly id: string,
    dir: string,
    background: boolean,
    onFailure: 'throw' | 'count',
    private readonly onWrite: () => void,
  ) {
    try {
      mkdirSync(dir, { recursive: true });
    } catch (cause) {
      throw new BridgeError('SB_ERR_OUTPUT_IO', `${dir}: ${(cause as Error).message}`, { cause });
    }
    this.divergences = new JsonlWriter(join(dir, 'divergences.jsonl'), background, onFailure);
    this.faults = new JsonlWriter(join(dir, 'shadow-faults.jsonl'), background, onFailure);
  }

  record(divergence: DivergenceRecord, context: DecisionContext): void {
    this.tally.byClass[divergence.class]++;
    this.tally.bySeverity[divergence.severity]++;
    writeDivergence(this.divergences, divergence, context);
    this.onDivergence?.(divergence);
    this.onWrite();
  }

  fault(fault: ShadowFault): void {
    this.faults.write(exportFault(fault));
    this.onWrite();
  }

  /** @internal the run folder's own housekeeping */
  writers(): readonly JsonlWriter[] {
    return [this.divergences, this.faults];
  }
}

/** A candidate id: a folder name in `candidates/`, a label in reports and metrics. */
export const CANDIDATE_ID = /^(?!\.{1,2}$)[A-Za-z0-9_.-]{1,64}$/;

export class RunFolder implements DivergenceSink, ShadowFaultSink, LifecycleJournal {
  readonly finalDir: string;
  readonly stagingDir: string;
  readonly tally: CandidateTally = emptyTally();
  /** The earlier run this live run continues (its folder), or null. */
  readonly previousRun: string | null;
  private readonly divergences: JsonlWriter;
  private readonly orders: JsonlWriter;
  private readonly faults: JsonlWriter;
  private readonly reconciliations: JsonlWriter;
  /** Files of the candidates after the first (`candidates/<id>/`). */
  private readonly more: CandidateFiles[] = [];
  /** Optional observer of every divergence (the expectation checker). */
  onDivergence: ((record: DivergenceRecord) => void) | null = null;
  /** Told of every lifecycle record as it is written (the finance ledger reads them). */
  onLifecycle: ((entry: LifecycleEntry) => void) | null = null;
  /**
   * Called after every record is queued (live: schedules a synchronous flush at the end of the
   * turn, before any socket write, so nothing acknowledged to a peer is lost on kill -9).
   */
  onWrite: (() => void) | null = null;

  /**
   * `staged` (replay): write into a side folder, publish on success. Not staged (live): write in
   * place and flush periodically, so the folder can be read while the engine runs.
   */
  constructor(outDir: string, private readonly staged = true) {
    // Live: an earlier run in the folder is continued in a new folder beside it, never truncated.
    const target = staged ? { dir: resolve(outDir), previous: null } : freeRunDir(outDir);
    this.finalDir = target.dir;
    this.previousRun = target.previous;
    this.stagingDir = staged ? `${this.finalDir}.partial-${process.pid}` : this.finalDir;
    try {
      if (staged) rmSync(this.stagingDir, { recursive: true, force: true });
      mkdirSync(this.stagingDir, { recursive: true });
      if (target.previous !== null) {
        appendFileSync(join(target.previous, 'continued-in.txt'), `${this.finalDir}\n`);
        writeFileSync(join(this.finalDir, 'continues.txt'), `${target.previous}\n`);
      }
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
    this.reconciliations = new JsonlWriter(join(this.stagingDir, 'reconciliation.jsonl'), background, onFailure);
  }

  /** The files of one more candidate (`candidates/<id>/`), created now. */
  candidateFiles(id: string): CandidateFiles {
    if (!CANDIDATE_ID.test(id)) throw new BridgeError('SB_ERR_CONFIG', `candidate id "${id}": letters, digits, _ . - (1-64), not . or ..`);
    if (this.more.some((c) => c.id === id)) throw new BridgeError('SB_ERR_CONFIG', `candidate id "${id}" is used twice`);
    const files = new CandidateFiles(id, join(this.stagingDir, 'candidates', id), !this.staged, this.staged ? 'throw' : 'count', () => this.onWrite?.());
    this.more.push(files);
    return files;
  }

  /** Path of a file inside the folder being written. */
  path(name: string): string {
    return join(this.stagingDir, name);
  }

  record(divergence: DivergenceRecord, context: DecisionContext): void {
    this.tally.byClass[divergence.class]++;
    this.tally.bySeverity[divergence.severity]++;
    writeDivergence(this.divergences, divergence, context);
    this.onDivergence?.(divergence);
    this.onWrite?.();
  }

  fault(fault: ShadowFault): void {
    this.faults.write(exportFault(fault));
    this.onWrite?.();
  }

  append(entry: LifecycleEntry): void {
    const line = this.orders.lineBuffer();
    if (line === null) {
      this.orders.writeJson(lifecycleJson(entry));
    } else {
      const start = line.length;
      try {
        writeLifecycleJson(line, entry);
      } catch (error) {
        line.length = start; // never half a line in the file
        throw error;
      }
      this.orders.committed();
    }
    this.onLifecycle?.(entry);
    this.onWrite?.();
  }

  /** A reconciliation break (overfill, an LP that never answered...), one JSON line each. */
  reconciliation(record: Readonly<Record<string, unknown>>): void {
    this.reconciliations.write(record);
    this.onWrite?.();
  }

  /** Reconciliation records written so far. */
  get reconciliationCount(): number {
    return this.reconciliations.count;
  }

  writeJson(name: string, value: unknown): void {
    writeFileSync(this.path(name), `${JSON.stringify(value, null, 2)}\n`);
  }

  /**
   * Like writeJson, atomically (a reader never sees half a file) and without throwing: a live
   * engine must not stop because summary.json cannot be written. Returns the error, or null.
   */
  tryWriteJson(name: string, value: unknown): BridgeError | null {
    const file = this.path(name);
    const tmp = `${file}.tmp`;
    try {
      writeFileSync(tmp, `${JSON.stringify(value, null, 2)}\n`);
      renameSync(tmp, file);
      return null;
    } catch (cause) {
      return new BridgeError('SB_ERR_OUTPUT_IO', `${file}: ${(cause as Error).message}`, { cause });
    }
  }

  writeText(name: string, text: string): void {
    writeFileSync(this.path(name), text);
  }

  /** The first file of the folder that can no longer be written, and why; null when all are fine. */
  writeFailure(): BridgeError | null {
    for (const w of this.allWriters()) {
      const failure = w.failure();
      if (failure !== null) return failure;
    }
    return null;
  }

  /** Records that could not be written since a file failed. */
  lostRecords(): number {
    let lost = 0;
    for (const w of this.allWriters()) lost += w.lost;
    return lost;
  }

  /** Starts writing out buffered records (live runs call this periodically). */
  flush(): void {
    for (const w of this.allWriters()) w.flush();
  }

  /** Everything queued is in the files (the OS's page cache) when this returns. */
  flushSync(): void {
    for (const w of this.allWriters()) w.flushSync();
  }

  /** Orders first: the file a restart reads to finish what was in flight. */
  private allWriters(): JsonlWriter[] {
    const writers = [this.orders, this.divergences, this.faults, this.reconciliations];
    for (const c of this.more) writers.push(...c.writers());
    return writers;
  }

  /**
   * Flushes every file and moves the folder to its final place (replacing an older run).
   * `beforeMove` runs once every record is on disk (report.html reads them).
   */
  publish(beforeMove?: () => void): void {
    this.closeWriters();
    beforeMove?.();
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
    for (const w of this.allWriters()) w.close();
  }
}
