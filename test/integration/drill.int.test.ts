// `rollout drill` on loopback: an LP starts overfilling during a canary, the status-mismatch gate
// rolls back, new cohort orders go to production, nothing is lost or doubled; and a plan whose
// gate only watches (dry run) fails the drill.

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runDrill } from '../../src/app/drill.js';
import { PRODUCTION_DIR, ROOT } from '../support/builders.js';

const tmp = mkdtempSync(join(tmpdir(), 'sb-drill-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const PLAN = join(ROOT, 'rollouts', 'drill.yaml');
const options = (name: string, plan = PLAN) => ({ production: PRODUCTION_DIR, candidate: join(ROOT, 'mappings', 'candidate-good'), plan, outDir: join(tmp, name), ordersPerSecond: 50, phaseSeconds: 1 });

describe('rollout drill', () => {
  it('catches the injected overfill with the gate, rolls back, and loses or doubles nothing', async () => {
    const r = await runDrill(options('pass'), () => {});
    expect(r).toMatchObject({ passed: true, lost: 0, executedTwice: 0, rolledBackByCommand: false, gate: { id: 'status-mismatch', action: 'gate:rollback', state: 'rolled_back' } });
    expect(r.breachToGateMs).toBeGreaterThanOrEqual(0);
    expect(r.rollbackToFirstProductionCohortOrderMs).toBeLessThan(1_000);
    expect(r.orders.byCandidate).toBeGreaterThan(0);
    expect(r.orders.candidateAfterRollback).toBe(0);
    expect(r.orders.finalReports).toBe(r.orders.sent);
    expect(JSON.parse(readFileSync(join(tmp, 'pass', 'drill.json'), 'utf8'))).toEqual(r);
  }, 60_000);

  it('does not sign for anyone: a plan whose first step needs sign-offs is reported as not drilled', async () => {
    const r = await runDrill({ ...options('signoffs', join(ROOT, 'rollouts', 'standard.yaml')), gateWaitMs: 1_000 }, () => {});
    expect(r).toMatchObject({ passed: false, advanceRefused: expect.stringMatching(/needs sign-offs from cto, coo, compliance/), lost: 0, executedTwice: 0 });
    expect(r.orders.byCandidate).toBe(0);
  }, 60_000);

  it('fails when the gate only watches: the operator had to roll back', async () => {
    const plan = join(tmp, 'dry.yaml');
    writeFileSync(plan, readFileSync(PLAN, 'utf8').replace(/(id: status-mismatch.*action: rollback) \}/, '$1, dryRun: "true" }'));
    expect(readFileSync(plan, 'utf8')).toMatch(/dryRun/);
    const r = await runDrill({ ...options('dry', plan), gateWaitMs: 3_000 }, () => {});
    expect(r).toMatchObject({ passed: false, rolledBackByCommand: true, lost: 0, executedTwice: 0 });
    expect(r.gate.id).toBeNull();
  }, 60_000);
});
