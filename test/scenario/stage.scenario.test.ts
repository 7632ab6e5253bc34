// `stage` on the bundled go-* scenarios: the harmless candidate is promoted, the one that breaks
// in a news spike is rolled back at the same step and instant every run, the overfill freezes
// the rollout; two runs give byte-identical files; A/A is promoted with zero divergences.

import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT } from '../support/builders.js';

const exec = promisify(execFile);
const tmp = mkdtempSync(join(tmpdir(), 'sb-stage-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Runs `stage --json`; the exit code is 0 when promoted (or still running), 1 when a gate failed. */
async function stage(name: string, out: string, ...extra: string[]) {
  const args = [join(ROOT, 'bin', 'shadow-bridge.mjs'), 'stage', join(ROOT, 'scenarios', `${name}.jsonl`), '--json', '--out', out, ...extra];
  let stdout: string;
  let code = 0;
  try {
    ({ stdout } = await exec(process.execPath, args, { cwd: tmp, maxBuffer: 64 * 1024 * 1024 }));
  } catch (error) {
    const e = error as { code?: number; stdout?: string };
    if (typeof e.code !== 'number' || e.stdout === undefined) throw error;
    ({ code, stdout } = { code: e.code, stdout: e.stdout });
  }
  const summary = JSON.parse(stdout);
  expect(summary.expectations.failed).toEqual([]);
  expect(code).toBe(['rolled_back', 'frozen'].includes(summary.rollout.finalState) ? 1 : 0);
  return summary;
}

const FILES = ['divergences.jsonl', 'orders.jsonl', 'shadow-faults.jsonl', 'audit.jsonl'];

describe('stage: a rollout on the replay clock', () => {
  it('promotes the harmless candidate to 100% through every step', async () => {
    const s = await stage('go-promote', join(tmp, 'promote'));
    expect(s.rollout.finalState).toBe('promoted');
    expect(s.rollout.steps.map((x: { percent: number }) => x.percent)).toEqual([1, 5, 20, 50, 100, 100]);
    expect(s.rollout.steps.at(-1).state).toBe('promoted');
    expect(s.candidate.executed).toBeGreaterThan(0);
    expect(s.rollout.executed.production + s.rollout.executed.candidate).toBe(s.orders);
    expect(s.divergences.bySeverity.critical).toBe(0);
  }, 120_000);

  it('rolls the news-spike candidate back at the same step and instant every run, byte for byte', async () => {
    const [a, b] = await Promise.all([stage('go-news-rollback', join(tmp, 'news-a')), stage('go-news-rollback', join(tmp, 'news-b'))]);
    expect(a.rollout.finalState).toBe('rolled_back');
    const last = a.rollout.steps.at(-1);
    expect(last).toMatchObject({ state: 'rolled_back', action: 'gate:rollback', gate: 'critical-divergence', percent: 0 });
    // Caught within one evaluation (5 s) of the news release at 13:30:15.
    expect(last.at >= '2026-12-02T13:30:15' && last.at < '2026-12-02T13:30:21').toBe(true);
    expect(b.rollout).toEqual(a.rollout);
    for (const f of FILES) expect(readFileSync(join(tmp, 'news-b', f)).equals(readFileSync(join(tmp, 'news-a', f))), f).toBe(true);
    // After the rollback the candidate executes nothing: its last routed order is before it.
    const routed = readFileSync(join(tmp, 'news-a', 'orders.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l)).filter((r) => r.step === 'routed' || r.step === 'rejected');
    const lastCandidate = routed.filter((r) => r.executedBy === 'candidate').at(-1);
    expect(lastCandidate.at <= last.at).toBe(true);
    const afterwards = routed.filter((r) => r.at > last.at);
    expect(afterwards.length).toBeGreaterThan(100);
    expect(afterwards.every((r) => r.executedBy === 'production')).toBe(true);
  }, 120_000);

  it('freezes on an order-state mismatch (an LP overfill)', async () => {
    const s = await stage('go-mismatch-freeze', join(tmp, 'freeze'));
    expect(s.rollout.finalState).toBe('frozen');
    expect(s.rollout.steps.at(-1)).toMatchObject({ state: 'frozen', gate: 'status-mismatch', action: 'gate:freeze' });
  }, 120_000);

  it('promotes A/A (production as its own candidate) with zero divergences', async () => {
    const s = await stage('go-promote', join(tmp, 'aa'), '--candidate', join(ROOT, 'mappings', 'production'));
    expect(s.mode).toBe('aa');
    expect(s.rollout.finalState).toBe('promoted');
    expect(s.divergences.total).toBe(0);
  }, 120_000);

  it('executes a module candidate that declares itself trusted, bound to its file hash; refuses one that does not', async () => {
    const body = (trust: boolean) =>
      `import { BundleRouter } from ${JSON.stringify(join(ROOT, 'src', 'core', 'routing', 'bundle-router.ts'))};\n` +
      `import { loadBundle } from ${JSON.stringify(join(ROOT, 'src', 'mappings', 'load-bundle.ts'))};\n` +
      (trust ? "export const trust = 'execute';\n" : '') +
      `export default new BundleRouter('module-candidate', loadBundle(${JSON.stringify(join(ROOT, 'mappings', 'candidate-good'))}));\n`;
    const trusted = join(tmp, 'trusted-candidate.mjs');
    writeFileSync(trusted, body(true));
    const s = await stage('go-promote', join(tmp, 'trusted'), '--candidate', trusted);
    expect(s.rollout.finalState).toBe('promoted');
    expect(s.candidate.executed).toBeGreaterThan(0);
    expect(s.divergences.total).toBe(0);
    // The hash sign-offs bind is the module file's, not what the module says about itself.
    expect(s.configs.candidate.hash).toBe(`sha256:${createHash('sha256').update(readFileSync(trusted)).digest('hex').slice(0, 16)}`);
    const untrusted = join(tmp, 'untrusted-candidate.mjs');
    writeFileSync(untrusted, body(false));
    const refused = await exec(process.execPath, [join(ROOT, 'bin', 'shadow-bridge.mjs'), 'stage', join(ROOT, 'scenarios', 'go-promote.jsonl'), '--candidate', untrusted, '--out', join(tmp, 'untrusted')]).catch((e: { code: number; stderr: string }) => e);
    expect(refused).toMatchObject({ code: 1 });
    expect((refused as { stderr: string }).stderr).toMatch(/^shadow-bridge: SB_ERR_ROLLOUT_CANDIDATE: .*untrusted-candidate\.mjs: a module candidate is shadow-only .* trust = 'execute'/);
  }, 120_000);

  it('writes an audit log that verifies, and whose head is the one in the summary', async () => {
    const out = join(tmp, 'audit');
    const s = await stage('go-mismatch-freeze', out);
    const { stdout } = await exec(process.execPath, [join(ROOT, 'bin', 'shadow-bridge.mjs'), 'audit', 'verify', join(out, 'audit.jsonl'), '--head', s.rollout.audit.head]);
    expect(stdout).toMatch(/chain intact; head sha256:/);
    const kinds = readFileSync(join(out, 'audit.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l).kind);
    expect(kinds[0]).toBe('rollout_started');
    expect(kinds).toContain('state_changed');
  }, 120_000);
});
