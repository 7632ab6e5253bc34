// Everything a live run writes: the run folder (continued in a linked folder after a restart),
// engine.log, the bounded log of what peers send, the recording, reconciliation breaks, and
// summary.json. Records of a turn reach the files before any socket write of that turn.

import { isAbsolute, join, relative, resolve } from 'node:path';
import type { BridgeError } from '../../core/errors.js';
import { formatTimestampUs } from '../../core/model/timestamps.js';
import type { Reconciliation } from '../../core/orders/order-desk.js';
import { JsonlWriter } from '../../exporters/jsonl-writer.js';
import { freeFilePath, RunFolder } from '../../exporters/run-folder.js';
import type { RunSummary } from '../../exporters/summary.js';
import { FinanceLedger, type FinanceBooks } from '../../exporters/finance.js';
import { writeHtmlReport } from '../../exporters/report-html.js';
import { atTurnEnd } from '../../fix/session/turn-batch.js';
import { ScenarioRecorder, type RecordSink } from '../../replay/recorder.js';
import { BinaryRecordWriter, isBinaryRecording } from '../../replay/binary-recording.js';
import { createFileLogger, type FileLogger } from '../../telemetry/logger.js';
import { RateLimitedLog } from '../../telemetry/rate-limited-log.js';

/** Session events that are rare and worth every line, however many peers misbehave. */
const ALWAYS_LOGGED = new Set(['fix_logon', 'fix_logout_received', 'fix_logout_confirmed', 'fix_sequence_reset_by_logon', 'fix_schedule_reset']);

/** `file` moved from folder `from` into folder `to` when it lies inside `from`; else unchanged. */
function rebase(file: string, from: string, to: string): string {
  const rel = relative(resolve(from), resolve(file));
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel) ? join(to, rel) : file;
}

export interface RunFilesOptions {
  readonly out: string;
  /** Where to record inbound events (null: no recording); inside `out`, it follows the folder. */
  readonly record: string | null;
  readonly runId: string;
  readonly description: string;
  readonly startUs: number;
  /** The bundles' instruments and LP symbols, for finance.csv. */
  readonly books: FinanceBooks;
  /** The event tap: every recorded event goes to it too (numeric records), recording or not. */
  readonly tap?: RecordSink | null;
}

export class LiveRunFiles {
  readonly folder: RunFolder;
  readonly logFile: FileLogger;
  /** What peers send us, logged with a bound: a flood of garbage is counted, not written. */
  readonly peerLog: RateLimitedLog;
  readonly recorder: ScenarioRecorder | null;
  readonly recordPath: string | null;
  readonly reconciliationCounts: Record<string, number> = {};
  /** Markup revenue of both routers per order, fed from the lifecycle; written at stop. */
  readonly finance: FinanceLedger;
  private summaryFailures = 0;

  constructor(o: RunFilesOptions) {
    this.folder = new RunFolder(o.out, false);
    // Bounded: past DEFAULT_MAX_ROWS orders the oldest rows go to finance.csv as the run goes.
    this.finance = new FinanceLedger(o.books, { file: this.folder.path('finance.csv'), background: true });
    this.folder.onLifecycle = (entry) => this.finance.onLifecycle(entry);
    // Background: log batches are written on the thread pool, never on the routing thread.
    this.logFile = createFileLogger(this.folder.path('engine.log'), 'info', true);
    const logger = this.logFile.logger;
    this.peerLog = new RateLimitedLog({ event: (name, fields) => logger.info({ event: name, ...fields }, name) }, { burst: 20, windowMs: 10_000, unlimited: ALWAYS_LOGGED });
    // Every run-folder record of this turn is in the files before any socket write of the turn:
    // what a platform or LP has been told is never missing from the folder after a kill -9.
    const flush = (): void => this.folder.flushSync();
    this.folder.onWrite = () => atTurnEnd('journal', flush);
    if (this.folder.previousRun !== null) logger.warn({ event: 'run_folder_continued', previousRun: this.folder.previousRun, runFolder: this.folder.finalDir }, 'run_folder_continued');
    // A recording inside the run folder follows the folder (a restart's folder gets its own).
    this.recordPath = o.record === null ? null : freeFilePath(rebase(o.record, o.out, this.folder.finalDir));
    const continues = this.folder.previousRun === null ? '' : `; continues ${this.folder.previousRun}`;
    // No LP is up at the start of a live run: each one's Logon is recorded as an lp_status event.
    const tap = o.tap ?? null;
    this.recorder = this.recordPath === null && tap === null ? null : openRecorder(this.recordPath, o.runId, `${o.description}${continues}`, o.startUs, tap);
  }

  get logger(): FileLogger['logger'] {
    return this.logFile.logger;
  }

  /** Told of every reconciliation break (the rollout's status-mismatch metric). */
  onReconcile: ((kind: string) => void) | null = null;

  /** A break between the engine's view and an LP's: written, counted, and alerted in the log. */
  reconcile(r: Reconciliation): void {
    this.reconciliationCounts[r.kind] = (this.reconciliationCounts[r.kind] ?? 0) + 1;
    this.onReconcile?.(r.kind);
    this.folder.reconciliation({ at: formatTimestampUs(r.atMs * 1000), kind: r.kind, correlationId: r.correlationId, session: r.session, clientOrderId: r.clOrdId, lp: r.lp, detail: r.detail });
    this.logger.error({ event: 'reconciliation_break', kind: r.kind, correlationId: r.correlationId, lp: r.lp, detail: r.detail }, 'reconciliation_break');
  }

  /** At stop, once every record is on disk: finance.csv, finance-summary.csv and report.html. */
  writeFinalReports(summary: RunSummary): void {
    const attempt = (event: string, write: () => void): void => {
      try {
        write();
      } catch (error) {
        this.logger.error({ event, detail: (error as Error).message }, event);
      }
    };
    attempt('finance_write_failed', () => this.finance.write(this.folder.path('finance.csv'), this.folder.path('finance-summary.csv')));
    attempt('report_write_failed', () => writeHtmlReport(this.folder.finalDir, summary));
  }

  /** summary.json, atomically; a disk that refuses it is logged once and never stops the engine. */
  writeSummary(value: RunSummary): void {
    const failure = this.folder.tryWriteJson('summary.json', value);
    if (failure !== null && this.summaryFailures++ === 0) this.logger.error({ event: 'summary_write_failed', code: failure.code, detail: failure.message }, 'summary_write_failed');
  }

  /** Starts writing out what is buffered (the periodic flush). */
  flush(): void {
    this.folder.flush();
    this.recorder?.flush();
    this.logFile.flush();
  }

  writeFailure(): BridgeError | null {
    return this.folder.writeFailure();
  }

  /** Closes the folder's files and the recording; the log stays open until closeLog(). */
  close(): void {
    this.folder.publish();
    this.recorder?.close();
    this.peerLog.flush();
  }

  closeLog(): void {
    this.logFile.close();
  }
}

/** A recording in the format its name says (`.msgpack` binary records, anything else JSONL), and/or the tap. */
function openRecorder(path: string | null, name: string, description: string, startUs: number, tap: RecordSink | null): ScenarioRecorder {
  const binary = path !== null && isBinaryRecording(path);
  const sink = path === null ? null : binary ? new BinaryRecordWriter(path, true, 'count') : new JsonlWriter(path, true, 'count');
  return new ScenarioRecorder(sink, name, description, startUs, [], binary, tap);
}
