// Go on a live engine over loopback: the CLI rolls a canary back mid-flow (new cohort orders go
// to production within a second, orders in flight at the candidate's LP finish, nothing lost or
// doubled), the admin API refuses a missing or wrong token and audits the refusal, rejects a
// stale or replayed command, and a restart continues the rollout from its audit log.

import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import type { LiveConfigInput } from '../../src/app/live-config.js';
import { simInstruments } from '../../src/app/live-demo.js';
import { startLiveEngine, type LiveEngine } from '../../src/app/live-engine.js';
import { PERSONAS } from '../../src/app/lp-personas.js';
import { startLpSim, type LpSim } from '../../src/app/lp-sim.js';
import { startPlatformClient, type PlatformClient } from '../../src/app/platform-client.js';
import { bucketOf } from '../../src/core/rollout/cohort.js';
import { MemorySessionStore } from '../../src/fix/session/store.js';
import { parseTimestampUs } from '../../src/core/model/timestamps.js';
import { verifyAudit } from '../../src/exporters/audit-log.js';
import { PRODUCTION_DIR, productionBundle, ROOT } from '../support/builders.js';
import { waitFor } from '../support/wait.js';

const exec = promisify(execFile);
const tmp = mkdtempSync(join(tmpdir(), 'sb-go-live-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const silent = { event() {} };
const TOKEN = 'go-live-test-token-0123456789';
const SALT = 'go-live-test';
const LPS = ['LP_ALPHA', 'LP_BRAVO', 'LP_CHARLIE'];
const CANDIDATE = join(ROOT, 'mappings', 'candidate-good');

function writePlan(name: string, steps: string): string {
  const file = join(tmp, `${name}.yaml`);
  writeFileSync(
    file,
    `name: ${name}
salt: ${SALT}
advance: manual
inconclusive: wait
evaluateEvery: 200ms
entry: { maxDiscrepancy: "0.005", window: 1m, hold: 1m, minOrders: "100" }
steps:
${steps}
gates:
  - { id: critical-divergence, metric: critical_divergences, window: 1m, minSamples: "1", compare: absolute, op: ">", threshold: "0", action: rollback }
roles:
  cto: [architecture, observability]
`,
  );
  return file;
}

interface Rig {
  readonly engine: LiveEngine;
  readonly client: PlatformClient;
  readonly sims: LpSim[];
  readonly url: string;
  readonly store: string;
  readonly out: string;
  stop(): Promise<void>;
}

/** Three LP simulators that take 150-250 ms to fill, the engine with a rollout, one retail platform. */
async function startSims(): Promise<LpSim[]> {
  const persona = { ...PERSONAS['ecn']!, ackLatencyMs: [150, 250] as const, rejectProbability: 0, partialProbability: 0, seqGapProbability: 0, disconnectProbability: 0 };
  const sims: LpSim[] = [];
  for (const [k, lp] of LPS.entries()) sims.push(await startLpSim({ lp, host: '127.0.0.1', port: 0, bridgeCompId: 'BRIDGE', persona, seed: 5 + k, instruments: simInstruments(productionBundle(), lp), log: silent }));
  return sims;
}

/** `shared`: LP simulators that outlive this engine (a restart keeps its LPs and their sequence numbers). */
async function rig(name: string, plan: string, o: { store?: string; candidate?: string; shared?: LpSim[]; clientStore?: MemorySessionStore } = {}): Promise<Rig> {
  const store = o.store ?? join(tmp, `${name}-store`);
  const candidate = o.candidate ?? CANDIDATE;
  const sims = o.shared ?? (await startSims());
  const out = join(tmp, `${name}-run`);
  const config: LiveConfigInput = {
    run: { production: PRODUCTION_DIR, candidate, out, flushMs: 200 },
    platform: { host: '127.0.0.1', port: 0, senderCompId: 'BRIDGE', storeDir: store, priceThrottleMs: 0, sessions: [{ targetCompId: 'MT5', defaultGroup: 'real\\retail\\usd' }] },
    lps: LPS.map((id, k) => ({ id, host: '127.0.0.1', port: sims[k]!.port, senderCompId: 'BRIDGE', targetCompId: id, heartBtIntSec: 5 })),
    admin: { host: '127.0.0.1', port: 0, token: TOKEN },
    rollout: { plan },
  };
  const engine = await startLiveEngine(config, name);
  const client = startPlatformClient({ host: '127.0.0.1', port: engine.platformPort, senderCompId: 'MT5', targetCompId: 'BRIDGE', seed: 17, log: silent, symbols: [], ...(o.clientStore === undefined ? {} : { store: o.clientStore }) });
  expect(await waitFor(() => LPS.every((lp) => engine.lpConnected(lp)), 5_000)).toBe(true);
  client.start();
  expect(await client.waitLoggedOn(5_000)).toBe(true);
  await new Promise((r) => setTimeout(r, 500)); // every LP has quoted
  return {
    engine,
    client,
    sims,
    url: `http://127.0.0.1:${engine.adminPort}`,
    store,
    out,
    async stop() {
      await client.stop();
      await engine.stop();
      if (o.shared === undefined) for (const s of sims) await s.close();
    },
  };
}

/** `shadow-bridge rollout ...` as an operator runs it; resolves with exit code and output. */
async function cli(url: string, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await exec(process.execPath, [join(ROOT, 'bin', 'shadow-bridge.mjs'), 'rollout', ...args, '--url', url], { env: { ...process.env, SB_ADMIN_TOKEN: TOKEN } });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

/** One raw HTTP call, to send what the CLI never would (no token, a wrong Host, garbage). */
function http(url: string, method: string, path: string, headers: Record<string, string>, body?: string): Promise<{ status: number; body: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = request(new URL(path, url), { method, headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>) }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const auth = { authorization: `Bearer ${TOKEN}` };

/**
 * Scrapes /metrics and parses the Prometheus text format strictly: every sample belongs to a
 * metric with HELP and TYPE, every line is `name{labels} value`. Returns name -> labels -> value.
 */
async function scrape(url: string): Promise<Map<string, Map<string, number>>> {
  const text = await new Promise<string>((resolve, reject) => {
    request(new URL('/metrics', url), { headers: auth }, (res) => {
      expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
      let t = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (t += c));
      res.on('end', () => resolve(t));
    }).on('error', reject).end();
  });
  const out = new Map<string, Map<string, number>>();
  const typed = new Set<string>();
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const meta = /^# (HELP|TYPE) ([a-z_][a-z0-9_]*) (.+)$/.exec(line);
    if (meta !== null) {
      if (meta[1] === 'TYPE') {
        expect(['counter', 'gauge']).toContain(meta[3]);
        if (meta[3] === 'counter') expect(meta[2]).toMatch(/_total$/);
        typed.add(meta[2] as string);
      }
      continue;
    }
    const m = /^([a-z_][a-z0-9_]*)(?:\{(.*)\})? (-?[0-9.e+-]+|NaN)$/.exec(line);
    expect(m, line).not.toBeNull();
    const [, name, labels = '', value] = m as RegExpExecArray;
    expect(typed.has(name as string), `${name} has no TYPE`).toBe(true);
    if (!out.has(name as string)) out.set(name as string, new Map());
    out.get(name as string)?.set(labels, Number(value));
  }
  return out;
}

const sum = (series: Map<string, number> | undefined): number => [...(series?.values() ?? [])].reduce((a, b) => a + b, 0);
const jsonAuth = { ...auth, 'content-type': 'application/json' };

interface LifecycleLine {
  step: string;
  at: string;
  correlationId: string;
  clientOrderId: string;
  account?: string;
  executedBy?: string;
}

const lines = (file: string): LifecycleLine[] => readFileSync(file, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as LifecycleLine);
const audit = (store: string): Record<string, unknown>[] => readFileSync(join(store, 'rollout-audit.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
const final = (c: PlatformClient, id: string): boolean => (c.reports.get(id) ?? []).some((r) => /:(2|8|4)$/.test(r));

describe('Go on a live engine', () => {
  it('rolls back by the CLI mid-flow: new cohort orders go to production within 1 s, in-flight candidate orders finish, none lost or doubled; /metrics agrees with the summary', async () => {
    const r = await rig('rollback', writePlan('rollback', '  - { percent: "50", hold: 1m, minOrders: "1" }\n  - { percent: "100", hold: 1m, minOrders: "1" }'));
    const accounts = Array.from({ length: 60 }, (_, i) => String(300_001 + i));
    const cohort = new Set(accounts.filter((a) => bucketOf(SALT, a) < 5_000));
    expect(cohort.size).toBeGreaterThan(10);
    const sent: string[] = [];
    let n = 0;
    const flow = setInterval(() => {
      const id = `GO-${++n}`;
      if (r.client.send({ clOrdId: id, account: accounts[n % accounts.length] as string, symbol: 'EURUSD', side: n % 2 === 0 ? 'buy' : 'sell', lots: '0.10' })) sent.push(id);
    }, 20);
    let rollbackWallMs = 0;
    try {
      const status = await cli(r.url, 'status');
      expect(status.code).toBe(0);
      expect(status.stdout).toMatch(/rollout\s+rollback .*: shadow, step 0 of 2/);
      const advanced = await cli(r.url, 'advance', '--actor', 'ops desk', '--reason', 'canary 50%');
      expect(advanced.stderr).toBe('');
      expect(advanced.code).toBe(0);
      expect(advanced.stdout).toMatch(/state canary, 50% of eligible accounts/);
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      const started = Date.now();
      const rolledBack = await cli(r.url, 'rollback', '--actor', 'ops desk', '--reason', 'drill');
      rollbackWallMs = Date.now() - started;
      expect(rolledBack.code).toBe(0);
      expect(rolledBack.stdout).toMatch(/rollback: new orders go to production/);
      await new Promise((resolve) => setTimeout(resolve, 1_000));
    } finally {
      clearInterval(flow);
    }
    expect(await waitFor(() => sent.every((id) => final(r.client, id)), 5_000)).toBe(true);
    // /metrics, parsed as Prometheus text, says what the summary says.
    const summary = (await http(r.url, 'GET', '/api/summary', auth)).body as { orders: number; divergences: { total: number }; latencyUs: { production: { p50: number; count: number } }; candidate: { executed: number } };
    const metrics = await scrape(r.url);
    expect(metrics.get('shadow_bridge_orders_total')?.get('')).toBe(summary.orders);
    expect(sum(metrics.get('shadow_bridge_divergences_total'))).toBe(summary.divergences.total);
    expect(metrics.get('shadow_bridge_executed_orders_total')?.get('router="candidate"')).toBe(summary.candidate.executed);
    expect(metrics.get('shadow_bridge_decision_latency_seconds')?.get('router="production",quantile="0.5"')).toBeCloseTo(summary.latencyUs.production.p50 * 1e-6, 12);
    expect(metrics.get('shadow_bridge_rollout_state')?.get('state="rolled_back"')).toBe(1);
    expect(metrics.get('shadow_bridge_rollout_gate_threshold')?.get('gate="critical-divergence",metric="critical_divergences",action="rollback"')).toBe(0);
    expect(metrics.get('shadow_bridge_fix_session_up')?.get('side="lp",session="LP_ALPHA"')).toBe(1);
    expect(metrics.get('shadow_bridge_fix_next_seq_num')?.get('side="platform",session="MT5",direction="target"')).toBeGreaterThan(sent.length);
    expect((await http(r.url, 'GET', '/metrics', {})).status).toBe(401);
    await r.stop();

    const records = audit(r.store);
    const rollback = records.find((x) => x['kind'] === 'state_changed' && x['to'] === 'rolled_back') as Record<string, unknown>;
    expect(rollback).toMatchObject({ actor: 'ops desk', action: 'command:rollback', from: 'canary' });
    expect(records.some((x) => x['kind'] === 'operator_command' && x['command'] === 'rollback' && x['reason'] === 'drill')).toBe(true);
    expect(verifyAudit(join(r.store, 'rollout-audit.jsonl')).ok).toBe(true);
    const rollbackUs = parseTimestampUs(rollback['at'] as string) as number;

    const life = lines(join(r.out, 'orders.jsonl'));
    const received = new Map(life.filter((l) => l.step === 'received').map((l) => [l.correlationId, l]));
    const routed = life.filter((l) => l.step === 'routed');
    // Exactly once: every order the platform sent was routed once, reached one LP once, and
    // got one final report.
    expect(routed).toHaveLength(sent.length);
    expect(new Set(routed.map((l) => l.clientOrderId)).size).toBe(sent.length);
    expect(r.sims.reduce((s, sim) => s + sim.stats.orders, 0)).toBe(sent.length);
    for (const id of sent) expect((r.client.reports.get(id) ?? []).filter((x) => /:2$/.test(x))).toHaveLength(1);

    const byCandidate = routed.filter((l) => l.executedBy === 'candidate');
    expect(byCandidate.length).toBeGreaterThan(10);
    // finance.csv: one row per order, who executed it, and every figure from a real fill.
    const finance = readFileSync(join(r.out, 'finance.csv'), 'utf8').trim().split('\n').slice(1).map((l) => l.split(','));
    expect(finance).toHaveLength(sent.length);
    expect(finance.filter((f) => f[8] === 'candidate')).toHaveLength(byCandidate.length);
    expect(finance.every((f) => f[20] === 'executed')).toBe(true);
    for (const l of byCandidate) expect(cohort.has(received.get(l.correlationId)?.account ?? '')).toBe(true);
    const atUs = (l: LifecycleLine): number => parseTimestampUs(l.at) as number;
    // After the rollback every order is production's; the first cohort order among them is
    // production's and came within a second of the command taking effect.
    const after = routed.filter((l) => atUs(l) > rollbackUs);
    expect(after.length).toBeGreaterThan(20);
    expect(after.every((l) => l.executedBy === 'production')).toBe(true);
    const firstCohort = after.find((l) => cohort.has(received.get(l.correlationId)?.account ?? '')) as LifecycleLine;
    expect(atUs(firstCohort) - rollbackUs).toBeLessThan(1_000_000);
    // Candidate orders still at their LP when the rollback came were filled, by that LP.
    const fills = new Map(life.filter((l) => l.step === 'lp_fill').map((l) => [l.correlationId, l]));
    const inFlight = byCandidate.filter((l) => atUs(l) <= rollbackUs && atUs(fills.get(l.correlationId) as LifecycleLine) > rollbackUs);
    expect(inFlight.length).toBeGreaterThan(0);
    console.log(`rollback: CLI round trip ${rollbackWallMs} ms; first cohort order to production ${((atUs(firstCohort) - rollbackUs) / 1000).toFixed(1)} ms after; ${inFlight.length} candidate orders in flight finished`);
  }, 60_000);

  it('refuses a missing or wrong token (401) and audits the refusal; bad, stale and replayed commands are refused, not executed', async () => {
    const r = await rig('admin', writePlan('admin', '  - { percent: "10", hold: 1m, minOrders: "1", signoffs: [cto] }\n  - { percent: "100", hold: 1m, minOrders: "1" }'));
    try {
      expect((await http(r.url, 'GET', '/api/rollout', {})).status).toBe(401);
      const wrong = await http(r.url, 'POST', '/api/rollout/rollback', { authorization: 'Bearer not-the-token-at-all', 'content-type': 'application/json' }, '{"actor":"mallory"}');
      expect(wrong).toMatchObject({ status: 401, body: { code: 'SB_ERR_ADMIN_AUTH', detail: 'wrong token' } });
      expect((await cli(r.url, 'status')).code).toBe(0);
      const noToken = await exec(process.execPath, [join(ROOT, 'bin', 'shadow-bridge.mjs'), 'rollout', 'status', '--url', r.url], { env: { ...process.env, SB_ADMIN_TOKEN: 'wrong-token-0123456789' } }).catch((e: { code: number; stderr: string }) => e);
      expect(noToken).toMatchObject({ code: 1 });
      expect((noToken as { stderr: string }).stderr).toMatch(/SB_ERR_ADMIN_AUTH.*wrong token/);
      // A page on another origin that reaches 127.0.0.1 by DNS rebinding sends its own Host.
      expect((await http(r.url, 'GET', '/api/rollout', { ...auth, host: 'evil.example:80' })).status).toBe(403);
      expect((await http(r.url, 'POST', '/api/rollout/pause', jsonAuth, '{not json')).status).toBe(400);
      expect((await http(r.url, 'POST', '/api/rollout/pause', { ...auth, 'content-type': 'text/plain' }, '{}')).status).toBe(415);
      expect((await http(r.url, 'POST', '/api/rollout/pause', jsonAuth, JSON.stringify({ actor: 'x'.repeat(20_000) }))).status).toBe(413);
      expect((await http(r.url, 'POST', '/api/rollout/pause', jsonAuth, JSON.stringify({ actor: 'ops\u0000' }))).status).toBe(400);
      expect((await http(r.url, 'DELETE', '/api/rollout', auth)).status).toBe(405);
      expect((await http(r.url, 'GET', '/api/nothing', auth)).status).toBe(404);

      // The step needs the CTO: advance is refused until the sign-off, then taken.
      const refused = await cli(r.url, 'advance');
      expect(refused.code).toBe(1);
      expect(refused.stderr).toMatch(/SB_ERR_ROLLOUT_REFUSED.*needs sign-offs from cto/);
      const partial = await cli(r.url, 'signoff', '--role', 'cto', '--name', 'Ada CTO', '--confirm', 'architecture');
      expect(partial.code).toBe(1);
      expect(partial.stderr).toMatch(/not confirmed: observability/);
      const signed = await cli(r.url, 'signoff', '--role', 'cto', '--name', 'Ada CTO', '--confirm-all');
      expect(signed.code).toBe(0);
      // A stale view (fromStep 1 while in shadow) is refused; a retried request id is answered
      // from memory and not executed again.
      expect((await http(r.url, 'POST', '/api/rollout/advance', jsonAuth, JSON.stringify({ actor: 'ops', fromStep: 1 }))).status).toBe(409);
      const first = await http(r.url, 'POST', '/api/rollout/advance', jsonAuth, JSON.stringify({ actor: 'ops', fromStep: 0, requestId: 'retry-0001' }));
      expect(first).toMatchObject({ status: 200, body: { state: 'canary', step: 1 } });
      const again = await http(r.url, 'POST', '/api/rollout/advance', jsonAuth, JSON.stringify({ actor: 'ops', fromStep: 0, requestId: 'retry-0001' }));
      expect(again).toMatchObject({ status: 200, body: { state: 'canary', step: 1, replayed: true } });
      const status = await http(r.url, 'GET', '/api/rollout', auth);
      expect(status.body).toMatchObject({ state: 'canary', step: 1, exposurePercent: 10 });
      // A flood of wrong tokens is counted in the audit log, not written line by line.
      for (let batch = 0; batch < 6; batch++) await Promise.all(Array.from({ length: 10 }, () => http(r.url, 'GET', '/api/rollout', { authorization: 'Bearer flood-flood-flood-flood' })));
    } finally {
      await r.stop();
    }
    const records = audit(r.store);
    const refusals = records.filter((x) => x['kind'] === 'admin_refused');
    expect(refusals.some((x) => x['status'] === 401 && x['reason'] === 'missing token')).toBe(true);
    expect(refusals.some((x) => x['status'] === 401 && x['reason'] === 'wrong token' && x['path'] === '/api/rollout/rollback')).toBe(true);
    expect(refusals.length).toBeLessThanOrEqual(20 + 20);
    const suppressed = records.filter((x) => x['kind'] === 'admin_refusals_suppressed').reduce((s, x) => s + (x['count'] as number), 0);
    expect(refusals.length + suppressed).toBeGreaterThanOrEqual(60 + 9);
    expect(records.filter((x) => x['kind'] === 'state_changed' && x['to'] === 'canary')).toHaveLength(1);
    expect(records.some((x) => x['kind'] === 'command_replayed')).toBe(true);
    expect(records.some((x) => x['kind'] === 'signoff' && x['role'] === 'cto' && x['actor'] === 'Ada CTO')).toBe(true);
    // The token is in no file the engine wrote.
    for (const f of [join(r.store, 'rollout-audit.jsonl'), join(r.out, 'engine.log'), join(r.out, 'summary.json')]) expect(readFileSync(f, 'utf8')).not.toContain(TOKEN);
    expect(verifyAudit(join(r.store, 'rollout-audit.jsonl')).ok).toBe(true);
  }, 60_000);

  it('continues the rollout after a restart from its audit log: same step, held as paused, sign-offs kept; a changed candidate starts over', async () => {
    const plan = writePlan('restart', '  - { percent: "20", hold: 1m, minOrders: "1", signoffs: [cto] }\n  - { percent: "100", hold: 1m, minOrders: "1" }');
    const store = join(tmp, 'restart-store');
    const shared = await startSims();
    const clientStore = new MemorySessionStore();
    try {
      await restartTwice(plan, store, shared, clientStore);
    } finally {
      for (const sim of shared) await sim.close();
    }
    const records = audit(store);
    expect(records.map((x) => x['kind']).filter((k) => (k as string).startsWith('rollout_'))).toEqual(['rollout_started', 'rollout_resumed', 'rollout_superseded', 'rollout_started']);
    expect(verifyAudit(join(store, 'rollout-audit.jsonl')).ok).toBe(true);
  }, 90_000);
});

describe('break-glass rollback', () => {
  it('rolls back on SIGUSR2 with no HTTP call, audited as the signal; nobody may act as "engine"', async () => {
    const plan = writePlan('signal', '  - { percent: "50", hold: 1m, minOrders: "1" }');
    const config = join(tmp, 'signal-config.yaml');
    writeFileSync(config, [
      `run: { production: ${PRODUCTION_DIR}, candidate: ${CANDIDATE}, out: ${join(tmp, 'signal-run')} }`,
      `platform: { port: 0, senderCompId: BRIDGE, storeDir: ${join(tmp, 'signal-store')}, sessions: [{ targetCompId: MT5, defaultGroup: g }] }`,
      'lps:',
      // Nothing listens there: the LP is retried, the engine runs.
      '  - { id: LP_ALPHA, port: 9, senderCompId: BRIDGE, targetCompId: LP_ALPHA }',
      'admin: { port: 0 }',
      `rollout: { plan: ${plan} }`,
      '',
    ].join('\n'));
    const child = spawn(process.execPath, [join(ROOT, 'bin', 'shadow-bridge.mjs'), 'run', '--config', config], { env: { ...process.env, SB_ADMIN_TOKEN: TOKEN }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      expect(await waitFor(() => /admin API on http:\/\/127\.0\.0\.1:\d+/.test(stdout), 15_000), stderr).toBe(true);
      const url = /admin API on (http:\/\/127\.0\.0\.1:\d+)/.exec(stdout)?.[1] as string;
      expect((await http(url, 'POST', '/api/rollout/advance', jsonAuth, JSON.stringify({ actor: 'Engine', fromStep: 0 }))).body).toMatchObject({ code: 'SB_ERR_ADMIN_REQUEST', detail: expect.stringMatching(/actor: is the engine's own name/) });
      expect((await http(url, 'POST', '/api/rollout/advance', jsonAuth, JSON.stringify({ actor: 'ops', fromStep: 0 }))).body).toMatchObject({ state: 'canary' });
      child.kill('SIGUSR2');
      let state = '';
      for (const t = Date.now(); state !== 'rolled_back' && Date.now() - t < 5_000; await new Promise((r) => setTimeout(r, 50))) state = String((await http(url, 'GET', '/api/rollout', auth)).body['state']);
      expect(state).toBe('rolled_back');
      expect(stderr).toMatch(/SIGUSR2: rolled back/);
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited, stderr).toBe(0);
    const records = audit(join(tmp, 'signal-store'));
    expect(records.find((x) => x['kind'] === 'state_changed' && x['to'] === 'rolled_back')).toMatchObject({ actor: 'signal:SIGUSR2', from: 'canary' });
  }, 60_000);
});

/** Run A signs off and advances; run B finds it paused at that step; run C has another candidate. */
async function restartTwice(plan: string, store: string, shared: LpSim[], clientStore: MemorySessionStore): Promise<void> {
  const a = await rig('restart-a', plan, { store, shared, clientStore });
  try {
    expect((await cli(a.url, 'signoff', '--role', 'cto', '--name', 'Ada', '--confirm-all')).code).toBe(0);
    expect((await cli(a.url, 'advance')).code).toBe(0);
  } finally {
    await a.stop();
  }
  const b = await rig('restart-b', plan, { store, shared, clientStore });
  try {
    const s = await http(b.url, 'GET', '/api/rollout', auth);
    expect(s.body).toMatchObject({ state: 'paused', step: 1, exposurePercent: 20 });
    expect(s.body['signoffs']).toEqual([expect.objectContaining({ role: 'cto', name: 'Ada' })]);
    expect((await cli(b.url, 'resume')).code).toBe(0);
  } finally {
    await b.stop();
  }
  // Another candidate is another rollout: it starts in shadow, the old sign-off does not count.
  const c = await rig('restart-c', plan, { store, shared, clientStore, candidate: join(ROOT, 'mappings', 'candidate-new-lp') });
  try {
    const s = await http(c.url, 'GET', '/api/rollout', auth);
    expect(s.body).toMatchObject({ state: 'shadow', step: 0, signoffs: [] });
  } finally {
    await c.stop();
  }
}
