// `evidence RUN_DIR --out DIR` on a staged rollout: the pack holds every file with a manifest that
// checks, the configs that ran (verified by hash), the audit log's verification; an edited audit
// log, a bundle changed since the run, or a non-empty target is refused.

import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../support/builders.js';

const exec = promisify(execFile);
const BIN = join(ROOT, 'bin', 'shadow-bridge.mjs');
const tmp = mkdtempSync(join(tmpdir(), 'sb-evidence-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await exec(process.execPath, [BIN, ...args], { cwd: tmp });
    return { code: 0, stdout, stderr };
  } catch (e) {
    return e as { code: number; stdout: string; stderr: string };
  }
}

const candidate = join(tmp, 'candidate-new-lp');
const run = join(tmp, 'run');
beforeAll(async () => {
  cpSync(join(ROOT, 'mappings', 'candidate-new-lp'), candidate, { recursive: true });
  const staged = await cli('stage', join(ROOT, 'scenarios', 'go-news-rollback.jsonl'), '--candidate', candidate, '--out', run);
  expect(staged.code).toBe(1); // rolled back by its gate
}, 60_000);

describe('evidence pack', () => {
  it('holds the run, the verified audit log, the sign-offs, the gate history and the exact configs, with a manifest that checks', async () => {
    const out = join(tmp, 'pack');
    const r = await cli('evidence', run, '--out', out);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/audit verified, 7 records/);
    const manifest = readFileSync(join(out, 'MANIFEST.sha256'), 'utf8').trim().split('\n').map((l) => l.split('  ') as [string, string]);
    const names = manifest.map(([, f]) => f);
    expect(names).toEqual(expect.arrayContaining(['summary.json', 'divergences.jsonl', 'orders.jsonl', 'audit.jsonl', 'finance.csv', 'finance-summary.csv', 'audit-verification.txt', 'gate-history.json', 'signoffs.json', 'access-log.json', 'README.md', 'config/plan.yaml', 'config/production/routes.yaml', 'config/candidate/lps.yaml']));
    for (const [hash, file] of manifest) expect(createHash('sha256').update(readFileSync(join(out, file))).digest('hex'), file).toBe(hash);
    expect(readFileSync(join(out, 'audit.jsonl'))).toEqual(readFileSync(join(run, 'audit.jsonl')));
    expect(JSON.parse(readFileSync(join(out, 'gate-history.json'), 'utf8'))).toMatchObject({ finalState: 'rolled_back' });
    expect(readFileSync(join(out, 'README.md'), 'utf8')).toMatch(/config\/candidate\/  sha256:5e0f79f855ecba1e \(verified\)/);
    expect((await cli('evidence', run, '--out', out)).stderr).toMatch(/SB_ERR_EVIDENCE: .*pack is not empty/);
  });

  it('refuses a bundle that changed since the run, and reports an edited audit log', async () => {
    writeFileSync(join(candidate, 'lps.yaml'), readFileSync(join(candidate, 'lps.yaml'), 'utf8').replace('staleMs: 1500', 'staleMs: 1400'));
    const changed = await cli('evidence', run, '--out', join(tmp, 'pack-changed'));
    expect(changed.code).toBe(1);
    expect(changed.stderr).toMatch(/SB_ERR_EVIDENCE: .*candidate-new-lp hashes to sha256:[0-9a-f]+, the run recorded sha256:5e0f79f855ecba1e: it changed since/);
    expect(readdirSync(tmp).filter((f) => f.startsWith('pack-changed'))).toEqual([]); // nothing half-written
    const original = join(tmp, 'original');
    cpSync(join(ROOT, 'mappings', 'candidate-new-lp'), original, { recursive: true });
    const edited = join(tmp, 'run-edited');
    mkdirSync(edited);
    cpSync(run, edited, { recursive: true });
    writeFileSync(join(edited, 'audit.jsonl'), readFileSync(join(edited, 'audit.jsonl'), 'utf8').replace('"to":"rolled_back"', '"to":"promoted"'));
    const broken = await cli('evidence', edited, '--out', join(tmp, 'pack-edited'), '--candidate', original);
    expect(broken.code).toBe(1);
    expect(broken.stderr).toMatch(/SB_ERR_AUDIT_BROKEN: line \d+ was edited/);
    expect(readFileSync(join(tmp, 'pack-edited', 'audit-verification.txt'), 'utf8')).toMatch(/NOT VERIFIED: line \d+ was edited/);
  });

  it('holds every candidate\'s records and verified bundle when several ran side by side', async () => {
    const good = join(tmp, 'candidate-good');
    cpSync(join(ROOT, 'mappings', 'candidate-good'), good, { recursive: true });
    const several = join(tmp, 'several');
    expect((await cli('replay', join(ROOT, 'scenarios', 'lp-outage.jsonl'), '--candidate', join(ROOT, 'mappings', 'candidate'), '--candidate', `good=${good}`, '--out', several)).code).toBe(0);
    const out = join(tmp, 'pack-several');
    const r = await cli('evidence', several, '--out', out);
    expect(r.code, r.stderr).toBe(0);
    for (const f of ['divergences.jsonl', 'shadow-faults.jsonl', 'finance.csv', 'finance-summary.csv']) {
      expect(readFileSync(join(out, 'candidates', 'good', f), 'utf8'), f).toBe(readFileSync(join(several, 'candidates', 'good', f), 'utf8'));
    }
    expect(readdirSync(join(out, 'config', 'candidates', 'good')).sort()).toEqual(readdirSync(good).sort());
    const manifest = readFileSync(join(out, 'MANIFEST.sha256'), 'utf8');
    expect(manifest).toMatch(/ {2}candidates\/good\/divergences\.jsonl$/m);
    // Changed since the run: refused, naming the candidate.
    writeFileSync(join(good, 'lps.yaml'), readFileSync(join(good, 'lps.yaml'), 'utf8').replace(/staleMs: (\d+)/, (_, n: string) => `staleMs: ${Number(n) + 1}`));
    const changed = await cli('evidence', several, '--out', join(tmp, 'pack-several-changed'));
    expect(changed.code).toBe(1);
    expect(changed.stderr).toMatch(/candidate good\) hashes to sha256:[0-9a-f]+, the run recorded/);
  }, 60_000);
});
