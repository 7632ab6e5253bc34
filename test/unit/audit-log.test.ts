// The audit log's chain: every record hashes itself and the one before it, so `audit verify`
// names the first bad line for an edited byte, a removed line and a truncated file.

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { AuditLog, verifyAudit } from '../../src/exporters/audit-log.js';

const dir = mkdtempSync(join(tmpdir(), 'sb-audit-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function written(name: string, n: number): { file: string; head: string } {
  const file = join(dir, name);
  const log = new AuditLog(file);
  for (let i = 0; i < n; i++) log.append({ atUs: 1_700_000_000_000_000 + i, kind: i === 2 ? 'state_changed' : 'gate_evaluated', actor: 'engine', state: 'canary', step: 1, percentBp: 100, detail: { gate: `g${i}`, value: i / 10 } });
  const head = log.head;
  log.close();
  return { file, head };
}

describe('audit log', () => {
  it('verifies an untouched log and reports its head and length', () => {
    const { file, head } = written('ok.jsonl', 5);
    expect(verifyAudit(file, head)).toEqual({ ok: true, lines: 5, head });
  });

  it('names the line of an edited byte, even in the last line', () => {
    for (const target of [2, 5]) {
      const { file } = written(`edit-${target}.jsonl`, 5);
      const lines = readFileSync(file, 'utf8').split('\n');
      lines[target - 1] = (lines[target - 1] as string).replace('"value":0.', '"value":9.');
      writeFileSync(file, lines.join('\n'));
      expect(verifyAudit(file)).toMatchObject({ ok: false, line: target });
    }
  });

  it('names the line after a removed one, and catches a removed last line against the head', () => {
    const { file } = written('removed.jsonl', 5);
    const lines = readFileSync(file, 'utf8').split('\n');
    writeFileSync(file, [...lines.slice(0, 2), ...lines.slice(3)].join('\n'));
    expect(verifyAudit(file)).toMatchObject({ ok: false, line: 3 });
    const tail = written('tail.jsonl', 5);
    const all = readFileSync(tail.file, 'utf8').split('\n');
    writeFileSync(tail.file, `${all.slice(0, 4).join('\n')}\n`);
    expect(verifyAudit(tail.file).ok).toBe(true); // a chain alone cannot see it...
    expect(verifyAudit(tail.file, tail.head)).toMatchObject({ ok: false, line: 5 }); // ...the head can
  });

  it('names a truncated last line', () => {
    const { file } = written('cut.jsonl', 4);
    const text = readFileSync(file, 'utf8');
    writeFileSync(file, text.slice(0, text.length - 20));
    expect(verifyAudit(file)).toMatchObject({ ok: false, line: 4 });
  });

  it('continues a good log from its head, and refuses to continue a broken one', () => {
    const { file } = written('continue.jsonl', 3);
    const again = new AuditLog(file);
    again.note(1, 'operator', 'ops', { command: 'pause' });
    again.close();
    expect(verifyAudit(file)).toMatchObject({ ok: true, lines: 4 });
    writeFileSync(file, readFileSync(file, 'utf8').replace('"ops"', '"eve"'));
    expect(() => new AuditLog(file)).toThrow(/SB_ERR_AUDIT_BROKEN: .*line 4 was edited/);
  });
});
