// Rollout plan files: the bundled ones load; a hostile or mistaken plan is refused with
// file:line:field before anything runs: a shrinking cohort, duplicate gates, unknown metrics,
// a window that would ask for gigabytes, an evaluation period that would spin.

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadPlan } from '../../src/mappings/load-plan.js';
import { ROOT } from '../support/builders.js';

const tmp = mkdtempSync(join(tmpdir(), 'sb-plan-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const standard = readFileSync(join(ROOT, 'rollouts', 'standard.yaml'), 'utf8');

function refusal(name: string, text: string): string {
  const file = join(tmp, `${name}.yaml`);
  writeFileSync(file, text);
  try {
    loadPlan(file);
  } catch (error) {
    expect((error as { code?: string }).code).toBe('SB_ERR_ROLLOUT_PLAN');
    return (error as Error).message;
  }
  throw new Error(`${name}: the plan was accepted`);
}

describe('rollout plan files', () => {
  it('loads the bundled plans with their steps, gates and roles', () => {
    const p = loadPlan(join(ROOT, 'rollouts', 'standard.yaml'));
    expect(p.steps.map((s) => s.percentBp)).toEqual([100, 500, 2_000, 5_000, 10_000]);
    expect(p.gates.find((g) => g.id === 'status-mismatch')).toMatchObject({ action: 'freeze', windowMs: 30 * 60_000 });
    expect([...p.roles.keys()]).toEqual(['cto', 'coo', 'compliance']);
    expect(p.hash).toMatch(/^sha256:[0-9a-f]{16}$/);
    for (const f of ['stage.yaml', 'drill.yaml']) expect(loadPlan(join(ROOT, 'rollouts', f)).steps.length).toBeGreaterThan(1);
  });

  it('refuses a shrinking cohort and a duplicate gate, naming the line', () => {
    expect(refusal('shrink', standard.replace('{ percent: "20", hold: 2h', '{ percent: "2", hold: 2h'))).toMatch(/shrink\.yaml:\d+ steps\.2\.percent: must be above the step before \(5%\): a cohort only grows/);
    expect(refusal('dup', standard.replace('id: error-rate', 'id: critical-divergence'))).toMatch(/dup\.yaml:\d+ gates\.1\.id: duplicate gate id "critical-divergence"/);
  });

  it('refuses windows, holds and evaluation periods out of bounds (a 400-day window would be 34 million buckets)', () => {
    expect(refusal('huge', standard.replace('window: 10m, minSamples: "1"', 'window: 400d, minSamples: "1"'))).toMatch(/huge\.yaml:\d+ gates\.0\.window: a window must be from 1s to 6h/);
    expect(refusal('zero', standard.replace('window: 10m, minSamples: "1"', 'window: 0s, minSamples: "1"'))).toMatch(/gates\.0\.window: a window must be from 1s to 6h/);
    expect(refusal('spin', standard.replace('evaluateEvery: 5s', 'evaluateEvery: 1ms'))).toMatch(/evaluateEvery: evaluateEvery must be from 100ms to 1h/);
    expect(refusal('digits', standard.replace('hold: 1d', 'hold: 99999999999999999999d'))).toMatch(/steps\.4\.hold: a hold must be from 0s to 90d/);
    expect(refusal('unit', standard.replace('evaluateEvery: 5s', 'evaluateEvery: 5 weeks'))).toMatch(/"5 weeks" is not a duration/);
  });

  it('refuses percentages, thresholds and metrics that are not what they claim', () => {
    expect(refusal('pct', standard.replace('percent: "100", hold: 1d', 'percent: "100.5", hold: 1d'))).toMatch(/percentage above 0 and at most 100/);
    expect(refusal('thr', standard.replace('threshold: "0.005"', 'threshold: "NaN"'))).toMatch(/"NaN" is not a number/);
    expect(refusal('metric', standard.replace('metric: error_rate', 'metric: profit'))).toMatch(/gates\.1\.metric/);
    expect(refusal('role', standard.replace('signoffs: [cto, coo, compliance]', 'signoffs: [cto, ceo]'))).toMatch(/role "ceo" is not under roles/);
  });
});
