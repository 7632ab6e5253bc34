// `shadow-bridge rollout drill`: a rollout drill on loopback. LP simulators, the live engine
// with a rollout, platform flow; the operator advances to a canary, an LP starts overfilling (a
// failure the status-mismatch gate must catch and roll back). It reports what a broker asks of a
// rollback: how fast the gate acted, how fast new cohort orders went back to production, and that
// no order was lost or executed twice. The report is drill.json in the run folder.

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { bucketOf } from '../core/rollout/cohort.js';
import { parseTimestampUs } from '../core/model/timestamps.js';
import type { SessionLog } from '../fix/session/session.js';
import { loadBundle } from '../mappings/load-bundle.js';
import { loadPlan } from '../mappings/load-plan.js';
import { verifyAudit } from '../exporters/audit-log.js';
import { AdminClient } from './admin-client.js';
import { simInstruments } from './live-demo.js';
import { startLiveEngine } from './live-engine.js';
import { PERSONAS } from './lp-personas.js';
import { startLpSim, type LpSim } from './lp-sim.js';
import { displayPath } from './paths.js';
import { startPlatformClient } from './platform-client.js';

export interface DrillOptions {
  readonly production: string;
  readonly candidate: string;
  readonly plan: string;
  readonly outDir: string;
  readonly ordersPerSecond: number;
  /** Seconds of canary before the fault, and of flow after the rollback. */
  readonly phaseSeconds: number;
  /** How long the gate gets to act on the fault before the drill calls it missed (default 15 s). */
  readonly gateWaitMs?: number;
}

export interface DrillReport {
  readonly schema: 'shadow-bridge/drill@1';
  readonly at: string;
  readonly plan: { readonly name: string; readonly hash: string };
  readonly production: string;
  readonly candidate: string;
  readonly injected: string;
  /** Why the canary never started (the plan's first step needs sign-offs), or null. */
  readonly advanceRefused: string | null;
  /** From the first overfill the engine booked to the gate's action (ms). */
  readonly breachToGateMs: number | null;
  readonly gate: { readonly id: string | null; readonly action: string | null; readonly state: string | null };
  /** From the candidate being stopped (the gate's freeze or rollback, else the operator's rollback) to the first new cohort order routed by production (ms). */
  readonly rollbackToFirstProductionCohortOrderMs: number | null;
  /** Whether the operator had to roll back (the gate did not), and that command's round trip (ms). */
  readonly rolledBackByCommand: boolean;
  readonly rollbackCommandMs: number;
  readonly orders: { readonly sent: number; readonly finalReports: number; readonly byCandidate: number; readonly byProduction: number; readonly candidateAfterRollback: number };
  /** Orders the platform sent that never got a final report (must be 0). */
  readonly lost: number;
  /** Orders that reached an LP more than once (must be 0). */
  readonly executedTwice: number;
  readonly audit: { readonly file: string; readonly records: number; readonly verified: boolean };
  readonly passed: boolean;
}

const silent: SessionLog = { event() {} };
const LPS = ['LP_ALPHA', 'LP_BRAVO', 'LP_CHARLIE'];
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export async function runDrill(o: DrillOptions, say: (line: string) => void): Promise<DrillReport> {
  const production = loadBundle(o.production);
  const plan = loadPlan(o.plan);
  const store = mkdtempSync(join(tmpdir(), 'sb-drill-store-'));
  const token = randomBytes(24).toString('hex');
  // The injected failure, switched on mid-drill: LP_CHARLIE (the retail pool's first choice)
  // starts filling twice the quantity asked, an order-state mismatch.
  const charlieFaults: { overfill: number } = { overfill: 0 };
  const sims: LpSim[] = [];
  try {
    for (const [k, lp] of LPS.entries()) {
      const persona = { ...(PERSONAS['ecn'] as (typeof PERSONAS)[string]), ackLatencyMs: [60, 120] as const, rejectProbability: 0, partialProbability: 0, disconnectProbability: 0, seqGapProbability: 0 };
      sims.push(await startLpSim({ lp, host: '127.0.0.1', port: 0, bridgeCompId: 'BRIDGE', persona, seed: 41 + k, instruments: simInstruments(production, lp), log: silent, ...(lp === 'LP_CHARLIE' ? { faults: charlieFaults } : {}) }));
    }
    const engine = await startLiveEngine({
      run: { production: o.production, candidate: o.candidate, out: o.outDir, flushMs: 500 },
      platform: { host: '127.0.0.1', port: 0, senderCompId: 'BRIDGE', storeDir: store, priceThrottleMs: 250, sessions: [{ targetCompId: 'MT5_RETAIL', defaultGroup: 'real\\retail\\usd' }] },
      lps: LPS.map((id, k) => ({ id, host: '127.0.0.1', port: (sims[k] as LpSim).port, senderCompId: 'BRIDGE', targetCompId: id, heartBtIntSec: 10 })),
      admin: { host: '127.0.0.1', port: 0, token },
      rollout: { plan: o.plan },
    }, `drill-${randomBytes(3).toString('hex')}`);
    const admin = new AdminClient({ url: `http://127.0.0.1:${engine.adminPort}`, token });
    say(`drill: LPs ${LPS.join(', ')} simulated on 127.0.0.1; engine :${engine.platformPort}, admin :${engine.adminPort}; plan ${plan.name} (${plan.hash})`);
    const client = startPlatformClient({ host: '127.0.0.1', port: engine.platformPort, senderCompId: 'MT5_RETAIL', targetCompId: 'BRIDGE', seed: 43, log: silent, symbols: [] });
    for (let t = Date.now(); !LPS.every((lp) => engine.lpConnected(lp)) && Date.now() - t < 5_000; ) await sleep(20);
    client.start();
    await client.waitLoggedOn(5_000);
    await sleep(400);

    const accounts = Array.from({ length: 200 }, (_, i) => String(500_001 + i));
    const firstPercentBp = plan.steps[0]?.percentBp ?? 0;
    const inCohort = (account: string): boolean => bucketOf(plan.salt, account) < firstPercentBp;
    const sent: string[] = [];
    let n = 0;
    const flow = setInterval(() => {
      const id = `DRILL-${++n}`;
      if (client.send({ clOrdId: id, account: accounts[n % accounts.length] as string, symbol: 'EURUSD', side: n % 2 === 0 ? 'buy' : 'sell', lots: '0.10' })) sent.push(id);
    }, Math.max(1, Math.round(1_000 / o.ordersPerSecond)));

    const status = await admin.get('/api/rollout');
    const advanced = await admin.post('/api/rollout/advance', { actor: 'drill', reason: 'drill: canary', fromStep: status.body['step'], requestId: randomBytes(9).toString('base64url') });
    say(`  advance   ${String(advanced.body['detail'])}`);
    // A drill signs for nobody: a plan whose first step needs sign-offs cannot be drilled as is.
    const advanceRefused = advanced.status === 200 ? null : String(advanced.body['detail']);
    await sleep(o.phaseSeconds * 1_000);
    charlieFaults.overfill = 2;
    say('  inject    LP_CHARLIE fills twice the quantity asked (an order-state mismatch)');
    let gateState: string | null = null;
    for (const t = Date.now(); Date.now() - t < (o.gateWaitMs ?? 15_000); ) {
      await sleep(50);
      gateState = String((await admin.get('/api/rollout')).body['state']);
      if (gateState !== 'canary') break;
    }
    charlieFaults.overfill = 0;
    say(`  gate      the rollout is ${gateState}`);
    // If the gate did not roll back by itself, the operator does (and the drill says so).
    const started = Date.now();
    // A gate that froze is followed by the operator's rollback, as on a desk; one that did
    // nothing leaves the rollback to the operator, and the drill fails.
    const byCommand = gateState !== 'rolled_back' && gateState !== 'frozen';
    if (gateState !== 'rolled_back') {
      const rolledBack = await admin.post('/api/rollout/rollback', { actor: 'drill', reason: gateState === 'frozen' ? 'drill: frozen by the gate, rolled back' : 'drill: the gate did not act', requestId: randomBytes(9).toString('base64url') });
      say(`  rollback  by command: ${String(rolledBack.body['detail'])}`);
    }
    const rollbackCommandMs = byCommand ? Date.now() - started : 0;
    await sleep(o.phaseSeconds * 1_000);
    clearInterval(flow);
    const final = (id: string): boolean => (client.reports.get(id) ?? []).some((r) => /:(2|8|4)$/.test(r));
    for (const t = Date.now(); !sent.every(final) && Date.now() - t < 5_000; ) await sleep(50);
    await client.stop();
    await engine.stop();

    // The verdict, from what the engine wrote: the lifecycle records and the audit log.
    const life = readFileSync(join(engine.outDir, 'orders.jsonl'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, string>);
    const auditFile = join(engine.outDir, 'audit.jsonl');
    const audit = readFileSync(auditFile, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
    const us = (at: unknown): number => parseTimestampUs(String(at)) ?? 0;
    const gateRecord = audit.find((r) => r['kind'] === 'state_changed' && String(r['action']).startsWith('gate:'));
    // The moment the candidate stopped taking new orders: the gate's freeze or rollback, or the
    // operator's rollback when the gate did not act.
    const stopped = (r: Record<string, unknown>): boolean => r['kind'] === 'state_changed' && (r['to'] === 'rolled_back' || r['to'] === 'frozen');
    const rollbackRecord = audit.find(stopped);
    const account = new Map(life.filter((l) => l['step'] === 'received').map((l) => [l['correlationId'], l['account'] as string]));
    const routed = life.filter((l) => l['step'] === 'routed');
    const breaks = readFileSync(join(engine.outDir, 'reconciliation.jsonl'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, string>);
    const firstOverfill = breaks.find((b) => b['kind'] === 'overfill');
    const rollbackUs = rollbackRecord === undefined ? null : us(rollbackRecord['at']);
    const afterRollback = rollbackUs === null ? [] : routed.filter((l) => us(l['at']) > rollbackUs);
    const firstCohort = afterRollback.find((l) => inCohort(account.get(l['correlationId']) ?? '') && l['executedBy'] === 'production');
    const perLp = new Map<string, number>();
    for (const s of sims) for (const [id, k] of s.ordersByClOrdId) perLp.set(id, (perLp.get(id) ?? 0) + k);
    const lost = sent.filter((id) => !final(id)).length;
    const executedTwice = [...perLp.values()].filter((k) => k > 1).length + (routed.length - new Set(routed.map((l) => l['clientOrderId'])).size);
    const verdict = verifyAudit(auditFile);
    const report: DrillReport = {
      schema: 'shadow-bridge/drill@1',
      at: new Date().toISOString(),
      plan: { name: plan.name, hash: plan.hash },
      production: displayPath(o.production),
      candidate: displayPath(o.candidate),
      injected: 'LP_CHARLIE overfill x2 (order-state mismatch)',
      advanceRefused,
      breachToGateMs: firstOverfill === undefined || gateRecord === undefined ? null : round((us(gateRecord['at']) - us(firstOverfill['at'])) / 1000),
      gate: { id: (gateRecord?.['gate'] as string | undefined) ?? null, action: (gateRecord?.['action'] as string | undefined) ?? null, state: (gateRecord?.['to'] as string | undefined) ?? null },
      rollbackToFirstProductionCohortOrderMs: rollbackUs === null || firstCohort === undefined ? null : round((us(firstCohort['at']) - rollbackUs) / 1000),
      rolledBackByCommand: byCommand,
      rollbackCommandMs,
      orders: {
        sent: sent.length,
        finalReports: sent.filter(final).length,
        byCandidate: routed.filter((l) => l['executedBy'] === 'candidate').length,
        byProduction: routed.filter((l) => l['executedBy'] === 'production').length,
        candidateAfterRollback: afterRollback.filter((l) => l['executedBy'] === 'candidate').length,
      },
      lost,
      executedTwice,
      audit: { file: displayPath(auditFile), records: audit.length, verified: verdict.ok },
      passed: false,
    };
    const passed = report.gate.id === 'status-mismatch' && (report.gate.state === 'rolled_back' || report.gate.state === 'frozen') && report.rollbackToFirstProductionCohortOrderMs !== null && report.rollbackToFirstProductionCohortOrderMs < 1_000 && lost === 0 && executedTwice === 0 && report.orders.candidateAfterRollback === 0 && verdict.ok;
    const done = { ...report, passed };
    writeFileSync(join(engine.outDir, 'drill.json'), `${JSON.stringify(done, null, 2)}\n`);
    say(`  run       ${displayPath(engine.outDir)} (drill.json, audit.jsonl, orders.jsonl)`);
    return done;
  } finally {
    await Promise.all(sims.map((s) => s.close()));
    rmSync(store, { recursive: true, force: true });
  }
}

function round(x: number): number {
  return Math.round(x * 10) / 10;
}

/** The drill's verdict as an operator reads it. */
export function renderDrill(r: DrillReport): string {
  return [
    ...(r.advanceRefused === null ? [] : [`not drilled        the canary did not start: ${r.advanceRefused} (a drill signs for nobody; drill a plan without sign-offs on its first step)`]),
    `breach -> gate      ${r.breachToGateMs === null ? 'the gate did not act' : `${r.breachToGateMs} ms`} (${r.gate.id ?? '-'}: ${r.gate.action ?? '-'} -> ${r.gate.state ?? '-'})`,
    `rollback -> first   ${r.rollbackToFirstProductionCohortOrderMs === null ? 'no new cohort order after the candidate was stopped' : `${r.rollbackToFirstProductionCohortOrderMs} ms to the first new cohort order routed by production, after the ${r.rolledBackByCommand ? `operator's rollback (round trip ${r.rollbackCommandMs} ms)` : `gate's ${r.gate.state === 'frozen' ? 'freeze (then rolled back by command)' : 'rollback'}`}`}`,
    `orders              ${r.orders.sent} sent, ${r.orders.finalReports} final reports; executed by candidate ${r.orders.byCandidate}, by production ${r.orders.byProduction}; by the candidate after the rollback ${r.orders.candidateAfterRollback}`,
    `lost                ${r.lost}`,
    `executed twice      ${r.executedTwice}`,
    `audit               ${r.audit.file}: ${r.audit.records} records, ${r.audit.verified ? 'chain intact' : 'CHAIN BROKEN'}`,
    `drill               ${r.passed ? 'PASSED' : 'FAILED'}`,
  ].join('\n');
}
