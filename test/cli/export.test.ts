// `export RUN_DIR`: the JSONL export of a run is its divergences.jsonl byte for byte; CSV has the
// documented header, one row per record, and parses back (csv-parse) to the same values; every
// filter keeps exactly the records it names; filters that do not apply are usage errors.

import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CSV_COLUMNS } from '../../src/app/export.js';
import { CANDIDATE_DIR, PRODUCTION_DIR, ROOT } from '../support/builders.js';

const exec = promisify(execFile);
const tmp = mkdtempSync(join(tmpdir(), 'sb-export-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const run = join(tmp, 'run');

async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await exec(process.execPath, [join(ROOT, 'bin', 'shadow-bridge.mjs'), ...args], { cwd: tmp, maxBuffer: 256 * 1024 * 1024 });
    return { code: 0, stdout, stderr };
  } catch (e) {
    return e as { code: number; stdout: string; stderr: string };
  }
}

const records = (file: string): Record<string, unknown>[] => readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);

beforeAll(async () => {
  expect((await cli('replay', join(ROOT, 'scenarios', 'london-normal.jsonl'), '--production', PRODUCTION_DIR, '--candidate', CANDIDATE_DIR, '--out', run)).code).toBe(0);
}, 60_000);

describe('export', () => {
  it('round-trips: the JSONL export is divergences.jsonl, and the CSV parses back to its values', async () => {
    const jsonl = await cli('export', run, '--format', 'jsonl');
    expect(jsonl.stdout).toBe(readFileSync(join(run, 'divergences.jsonl'), 'utf8'));
    const csv = await cli('export', run);
    const rows = parse(csv.stdout, { columns: true }) as Record<string, string>[];
    const source = records(join(run, 'divergences.jsonl'));
    expect(csv.stdout.split('\n')[0]).toBe(CSV_COLUMNS.divergences.map(([h]) => h).join(','));
    expect(rows).toHaveLength(source.length);
    for (const [i, r] of source.entries()) {
      const row = rows[i] as Record<string, string>;
      expect(row['correlation_id']).toBe(r['correlationId']);
      expect(row['class']).toBe(r['class']);
      expect(row['detail']).toBe(r['detail']);
      expect(row['group']).toBe(r['group']);
      expect(row['candidate_client_price']).toBe(String((r['candidate'] as Record<string, unknown>)['clientPrice'] ?? ''));
    }
  }, 60_000);

  it('keeps exactly what each filter names', async () => {
    const source = records(join(run, 'divergences.jsonl'));
    const markup = parse((await cli('export', run, '--class', 'markup')).stdout, { columns: true }) as Record<string, string>[];
    expect(markup.length).toBe(source.filter((r) => r['class'] === 'markup').length);
    expect(markup.length).toBeGreaterThan(0);
    const account = String(source[0]?.['account']);
    const mine = parse((await cli('export', run, '--account', account, '--severity', 'major')).stdout, { columns: true }) as Record<string, string>[];
    expect(mine.map((r) => r['seq'])).toEqual(source.filter((r) => r['account'] === account && r['severity'] === 'major').map((r) => String(r['seq'])));
    const since = String(source[Math.floor(source.length / 2)]?.['at']);
    const late = (await cli('export', run, '--since', since, '--format', 'jsonl')).stdout.trim().split('\n');
    expect(late).toHaveLength(source.filter((r) => String(r['at']) >= since).length);
    // Orders: every lifecycle step of the account's orders, the received one first.
    const orders = records(join(run, 'orders.jsonl'));
    const ids = new Set(orders.filter((r) => r['step'] === 'received' && r['account'] === account).map((r) => r['correlationId']));
    const steps = parse((await cli('export', run, '--what', 'orders', '--account', account)).stdout, { columns: true }) as Record<string, string>[];
    expect(steps.length).toBe(orders.filter((r) => ids.has(r['correlationId'])).length);
    expect(steps.some((r) => r['step'] === 'routed' && r['client_price'] !== '')).toBe(true);
    const file = join(tmp, 'gold.csv');
    const written = await cli('export', run, '--symbol', 'GOLD', '--out', file);
    expect(written.stderr).toMatch(/export: \d+ divergences records to .*gold\.csv/);
    expect((parse(readFileSync(file, 'utf8'), { columns: true }) as Record<string, string>[]).every((r) => r['symbol'] === 'GOLD')).toBe(true);
  }, 60_000);

  it('exports finance.csv as it is, or filtered, or as JSONL objects', async () => {
    expect((await cli('export', run, '--what', 'finance')).stdout).toBe(readFileSync(join(run, 'finance.csv'), 'utf8'));
    const all = parse(readFileSync(join(run, 'finance.csv'), 'utf8'), { columns: true }) as Record<string, string>[];
    const gold = (await cli('export', run, '--what', 'finance', '--symbol', 'GOLD', '--format', 'jsonl')).stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, string>);
    expect(gold).toEqual(all.filter((r) => r['symbol'] === 'GOLD'));
    expect(gold.length).toBeGreaterThan(0);
  }, 60_000);

  it('refuses what it cannot answer, in one line', async () => {
    expect((await cli('export', run, '--what', 'faults', '--class', 'lp')).stderr).toMatch(/^shadow-bridge: --class does not apply to faults/);
    expect((await cli('export', run, '--since', 'yesterday')).stderr).toMatch(/--since must be an ISO-8601 UTC time/);
    expect((await cli('export', run, '--what', 'profits')).code).toBe(2);
    const missing = await cli('export', join(tmp, 'nope'));
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^shadow-bridge: SB_ERR_EXPORT: .*nope: not a run folder/);
  }, 60_000);
});

describe('export with several candidates', () => {
  it('exports another candidate\'s records with --candidate ID; orders are production\'s, one set', async () => {
    const several = join(tmp, 'several');
    expect((await cli('replay', join(ROOT, 'scenarios', 'lp-outage.jsonl'), '--production', PRODUCTION_DIR, '--candidate', `wide=${CANDIDATE_DIR}`, '--candidate', `good=${join(ROOT, 'mappings', 'candidate-good')}`, '--out', several)).code).toBe(0);
    expect((await cli('export', several, '--candidate', 'good', '--format', 'jsonl')).stdout).toBe(readFileSync(join(several, 'candidates', 'good', 'divergences.jsonl'), 'utf8'));
    expect((await cli('export', several, '--candidate', 'good', '--what', 'faults', '--format', 'jsonl')).stdout).toBe(readFileSync(join(several, 'candidates', 'good', 'shadow-faults.jsonl'), 'utf8'));
    const finance = parse((await cli('export', several, '--candidate', 'good', '--what', 'finance')).stdout, { columns: true }) as Record<string, string>[];
    expect(finance.length).toBe(parse(readFileSync(join(several, 'candidates', 'good', 'finance.csv'), 'utf8'), { columns: true }).length);
    // The first candidate by its id is the folder's own files.
    expect((await cli('export', several, '--candidate', 'wide', '--format', 'jsonl')).stdout).toBe(readFileSync(join(several, 'divergences.jsonl'), 'utf8'));
    for (const [args, why] of [
      [['--candidate', 'nope'], /no candidate "nope"/],
      [['--candidate', '../wide'], /not a candidate id/],
      [['--candidate', 'good', '--what', 'orders'], /orders are production's lifecycle/],
    ] as const) {
      const r = await cli('export', several, ...args);
      expect(r.code, args.join(' ')).toBe(1);
      expect(r.stderr).toMatch(why);
    }
  }, 60_000);
});
