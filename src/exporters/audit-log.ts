// The audit log: append-only JSONL where every record carries its own sha256 (over the record
// without that field) and the sha256 of the record before it, so an edited byte, a removed line
// or a cut-off file breaks the chain at a line `verifyAudit` names. The last record's hash (the
// head) is in the summary: checking a file against it also catches lines removed from the end.

import { createHash } from 'node:crypto';
import { closeSync, existsSync, fsyncSync, openSync, readFileSync, statSync, writeSync } from 'node:fs';
import { BridgeError } from '../core/errors.js';
import { formatTimestampUs } from '../core/model/timestamps.js';
import type { AuditEntry, AuditPort } from '../core/rollout/controller.js';

export const AUDIT_GENESIS = 'sha256:0000000000000000000000000000000000000000000000000000000000000000';

function sha(text: string): string {
  return `sha256:${createHash('sha256').update(text, 'utf8').digest('hex')}`;
}

/** The record's JSON with its own hash as the last field. */
function withHash(body: string, hash: string): string {
  return `${body.slice(0, -1)},"hash":"${hash}"}`;
}

const HASH_SUFFIX = /,"hash":"(sha256:[0-9a-f]{64})"\}$/;

export interface AuditRecord {
  readonly seq: number;
  readonly at: string;
  readonly kind: string;
  readonly actor: string;
  readonly prev: string;
  readonly [field: string]: unknown;
}

export class AuditLog implements AuditPort {
  private fd: number;
  private seq = 0;
  private last = AUDIT_GENESIS;

  /**
   * Opens (or continues) the log at `file`. An existing log is verified first and continued from
   * its head; a broken one refuses to be continued. `durable`: fsync every record (live).
   */
  constructor(readonly file: string, private readonly durable = false) {
    if (existsSync(file)) {
      const verdict = verifyAudit(file);
      if (!verdict.ok) throw new BridgeError('SB_ERR_AUDIT_BROKEN', `${file}: ${verdict.problem}; it will not be continued`);
      this.seq = verdict.lines;
      this.last = verdict.head;
    }
    try {
      this.fd = openSync(file, 'a');
    } catch (cause) {
      throw new BridgeError('SB_ERR_AUDIT_IO', `${file}: ${(cause as Error).message}`, { cause });
    }
  }

  /** The hash of the last record written (what the summary reports). */
  get head(): string {
    return this.last;
  }

  get records(): number {
    return this.seq;
  }

  append(entry: AuditEntry): void {
    this.write({ at: formatTimestampUs(entry.atUs), kind: entry.kind, actor: entry.actor, state: entry.state, step: entry.step, percentBp: entry.percentBp, ...entry.detail });
  }

  /** A record outside the state machine (an admin API call, a refusal, a drill). */
  note(atUs: number, kind: string, actor: string, fields: Readonly<Record<string, unknown>>): void {
    this.write({ at: formatTimestampUs(atUs), kind, actor, ...fields });
  }

  private write(fields: Readonly<Record<string, unknown>>): void {
    this.seq++;
    const body = JSON.stringify({ seq: this.seq, ...fields, prev: this.last });
    const hash = sha(body);
    try {
      writeSync(this.fd, `${withHash(body, hash)}\n`);
      if (this.durable) fsyncSync(this.fd);
    } catch (cause) {
      throw new BridgeError('SB_ERR_AUDIT_IO', `${this.file}: ${(cause as Error).message}`, { cause });
    }
    this.last = hash;
  }

  close(): void {
    closeSync(this.fd);
  }
}

export type AuditVerdict =
  | { readonly ok: true; readonly lines: number; readonly head: string }
  | { readonly ok: false; readonly line: number; readonly problem: string };

/** Checks the chain line by line; names the first line that breaks it. */
export function verifyAudit(file: string, expectedHead?: string): AuditVerdict {
  let text: string;
  try {
    // A device (/dev/zero) would be read forever: only a regular file is an audit log.
    if (existsSync(file) && !statSync(file).isFile() && !statSync(file).isDirectory()) throw Object.assign(new Error('not a regular file'), { code: 'ENOTREG' });
    text = readFileSync(file, 'utf8');
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a folder; give the audit log file (audit.jsonl)' : (cause as Error).message;
    throw new BridgeError('SB_ERR_AUDIT_IO', `${file}: ${why}`, { cause });
  }
  if (text.length > 0 && !text.endsWith('\n')) {
    const lineNo = text.split('\n').length;
    return { ok: false, line: lineNo, problem: `line ${lineNo} is cut off (no newline at the end of the file): the file was truncated` };
  }
  const lines = text.length === 0 ? [] : text.slice(0, -1).split('\n');
  let prev = AUDIT_GENESIS;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    let record: AuditRecord;
    try {
      record = JSON.parse(line) as AuditRecord;
    } catch {
      return { ok: false, line: i + 1, problem: `line ${i + 1} is not a JSON record` };
    }
    const m = HASH_SUFFIX.exec(line);
    if (m === null) return { ok: false, line: i + 1, problem: `line ${i + 1} has no hash of its own` };
    const body = `${line.slice(0, m.index)}}`;
    if (sha(body) !== m[1]) return { ok: false, line: i + 1, problem: `line ${i + 1} was edited: its content does not match its hash` };
    if (record.seq !== i + 1) return { ok: false, line: i + 1, problem: `line ${i + 1} has seq ${String(record.seq)}: a line before it was removed or reordered` };
    if (record.prev !== prev) return { ok: false, line: i + 1, problem: `line ${i + 1} does not chain to the line before it (a line was removed or replaced)` };
    prev = m[1] as string;
  }
  if (expectedHead !== undefined && expectedHead !== prev) return { ok: false, line: lines.length + 1, problem: `the last line's hash is ${prev}, not the head ${expectedHead}: lines were removed from the end` };
  return { ok: true, lines: lines.length, head: prev };
}

/** Every record of a log whose chain verifies; a broken log is refused with the line it breaks at. */
export function readAudit(file: string): AuditRecord[] {
  const verdict = verifyAudit(file);
  if (!verdict.ok) throw new BridgeError('SB_ERR_AUDIT_BROKEN', `${file}: ${verdict.problem}`);
  const text = readFileSync(file, 'utf8');
  return text.length === 0 ? [] : text.slice(0, -1).split('\n').map((line) => JSON.parse(line) as AuditRecord);
}
