/// <reference lib="dom" />
// The live dashboard in Debian's Chromium (playwright-core): the page loads from the admin port
// with no console error, refuses a wrong token, updates live while orders flow, shows the
// divergence stream, and its Rollback button (confirmation, token) rolls the rollout back end to
// end: new orders go to production and the audit log names the operator.

import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { simInstruments } from '../../src/app/live-demo.js';
import { startLiveEngine } from '../../src/app/live-engine.js';
import { PERSONAS } from '../../src/app/lp-personas.js';
import { startLpSim, type LpSim } from '../../src/app/lp-sim.js';
import { startPlatformClient } from '../../src/app/platform-client.js';
import { CANDIDATE_DIR, PRODUCTION_DIR, productionBundle } from '../support/builders.js';
import { waitFor } from '../support/wait.js';

const CHROMIUM = '/usr/bin/chromium';
const TOKEN = 'dashboard-test-token-0123456789';
const tmp = mkdtempSync(join(tmpdir(), 'sb-dashboard-'));
const silent = { event() {} };
let browser: Browser;

beforeAll(async () => {
  expect(existsSync(CHROMIUM), 'Debian chromium at /usr/bin/chromium: run scripts/setup-chromium.sh').toBe(true);
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
}, 60_000);
afterAll(async () => {
  await browser?.close();
  rmSync(tmp, { recursive: true, force: true });
});

describe('live dashboard in Chromium', () => {
  it('loads, refuses a wrong token, updates live, streams divergences, and rolls back from its button', async () => {
    const plan = join(tmp, 'plan.yaml');
    writeFileSync(plan, ['name: dash', 'salt: dash', 'advance: manual', 'evaluateEvery: 200ms', 'entry: { maxDiscrepancy: "0.005", window: 1m, hold: 1m, minOrders: "100" }', 'steps:', '  - { percent: "50", hold: 1m, minOrders: "1" }', 'gates:', '  - { id: critical-divergence, metric: critical_divergences, window: 1m, minSamples: "1", compare: absolute, op: ">", threshold: "0", action: rollback }', ''].join('\n'));
    const lps = ['LP_ALPHA', 'LP_BRAVO', 'LP_CHARLIE'];
    const sims: LpSim[] = [];
    for (const [k, lp] of lps.entries()) sims.push(await startLpSim({ lp, host: '127.0.0.1', port: 0, bridgeCompId: 'BRIDGE', persona: { ...PERSONAS['ecn']!, rejectProbability: 0, partialProbability: 0, seqGapProbability: 0, disconnectProbability: 0 }, seed: 60 + k, instruments: simInstruments(productionBundle(), lp), log: silent }));
    const store = join(tmp, 'store');
    // The bundled candidate diverges on pro EURUSD.ecn (the .raw rename): divergences to stream.
    const engine = await startLiveEngine({
      // A second candidate, production itself, shadows beside the one the rollout executes.
      run: { production: PRODUCTION_DIR, candidates: [{ id: 'wide', path: CANDIDATE_DIR }, { id: 'aa', path: PRODUCTION_DIR }], out: join(tmp, 'run'), flushMs: 200 },
      platform: { host: '127.0.0.1', port: 0, senderCompId: 'BRIDGE', storeDir: store, priceThrottleMs: 0, sessions: [{ targetCompId: 'MT5', defaultGroup: 'real\\pro\\usd' }] },
      lps: lps.map((id, k) => ({ id, host: '127.0.0.1', port: sims[k]!.port, senderCompId: 'BRIDGE', targetCompId: id, heartBtIntSec: 5 })),
      admin: { host: '127.0.0.1', port: 0, token: TOKEN },
      rollout: { plan },
    }, 'dash');
    const client = startPlatformClient({ host: '127.0.0.1', port: engine.platformPort, senderCompId: 'MT5', targetCompId: 'BRIDGE', seed: 61, log: silent, symbols: [] });
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error' && !m.text().includes('401')) errors.push(m.text());
    });
    page.on('pageerror', (e) => errors.push(String(e)));
    let n = 0;
    let flow: NodeJS.Timeout | null = null;
    try {
      expect(await waitFor(() => lps.every((lp) => engine.lpConnected(lp)), 5_000)).toBe(true);
      client.start();
      expect(await client.waitLoggedOn(5_000)).toBe(true);
      await new Promise((r) => setTimeout(r, 400));
      const url = `http://127.0.0.1:${engine.adminPort}`;
      // Into a canary first, so that the button has something to roll back.
      const advanced = await fetch(`${url}/api/rollout/advance`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' }, body: JSON.stringify({ actor: 'setup', fromStep: 0 }) });
      expect(advanced.status).toBe(200);
      flow = setInterval(() => {
        n++;
        client.send({ clOrdId: `D-${n}`, account: String(700_000 + (n % 50)), symbol: n % 3 === 0 ? 'EURUSD.ecn' : 'GBPUSD.pro', side: 'buy', lots: '0.10' });
      }, 25);

      await page.goto(`${url}/dashboard`);
      // A wrong token is refused, and the page says so.
      await page.fill('#token', 'not-the-right-token-at-all');
      await page.click('#connect');
      await page.waitForFunction(() => (document.getElementById('status')?.textContent ?? '').startsWith('refused: 401'));
      // The right one streams: the figures move while orders flow.
      await page.fill('#token', TOKEN);
      await page.fill('#actor', 'Ada at the desk');
      await page.click('#connect');
      await page.waitForFunction(() => Number(document.body.getAttribute('data-updates') ?? '0') >= 1, null, { timeout: 10_000 });
      const first = Number(await page.textContent('#orders'));
      await page.waitForFunction((before) => Number(document.getElementById('orders')?.textContent) > before && Number(document.body.getAttribute('data-updates')) >= 3, first, { timeout: 10_000 });
      expect(await page.textContent('#state')).toBe('canary');
      expect(await page.locator('#gates tbody tr').count()).toBe(1);
      expect(await page.locator('#sessions .up').count()).toBe(4); // three LPs and the platform
      // Both candidates side by side: the executing one diverges, production against itself never.
      await page.waitForFunction(() => Number(document.querySelector('#candidates tr[data-candidate="wide"] td:nth-child(7)')?.textContent) > 0, null, { timeout: 10_000 });
      const rows = await page.$$eval('#candidates tbody tr', (trs) => trs.map((tr) => [tr.getAttribute('data-candidate'), tr.children[1]?.textContent, Number(tr.children[5]?.textContent) > 0, tr.children[6]?.textContent]));
      expect(rows).toEqual([
        ['wide', 'bundle', true, expect.stringMatching(/^[1-9]\d*$/)],
        ['aa', 'bundle', true, '0'],
      ]);
      // Divergences arrive in the stream and the filter keeps one class.
      await page.waitForFunction(() => (document.querySelector('#stream tbody')?.children.length ?? 0) > 0, null, { timeout: 10_000 });
      await page.selectOption('#fclass', 'action');
      const classes = await page.$$eval('#stream tbody tr td:nth-child(3)', (tds) => [...new Set(tds.map((td) => td.textContent))]);
      expect(classes).toEqual(['action']);
      // Rollback: the confirmation is accepted, the command goes with the token and the name.
      page.once('dialog', (d) => void d.accept());
      await page.click('#rollback');
      await page.waitForFunction(() => (document.getElementById('message')?.textContent ?? '').startsWith('rollback: done'), null, { timeout: 10_000 });
      await page.waitForFunction(() => document.getElementById('state')?.textContent === 'rolled_back', null, { timeout: 10_000 });
      const afterRollback = n;
      await new Promise((r) => setTimeout(r, 600));
      expect(n).toBeGreaterThan(afterRollback + 5);
      expect(errors).toEqual([]);
    } finally {
      if (flow !== null) clearInterval(flow);
      await page.close();
      await client.stop();
      await engine.stop();
      for (const s of sims) await s.close();
    }
    const audit = readFileSync(join(store, 'rollout-audit.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    const rollback = audit.find((r) => r['kind'] === 'state_changed' && r['to'] === 'rolled_back') as Record<string, unknown>;
    expect(rollback).toMatchObject({ actor: 'Ada at the desk', from: 'canary' });
    expect(audit.some((r) => r['kind'] === 'admin_refused' && r['reason'] === 'wrong token' && r['path'] === '/api/events')).toBe(true);
    // Orders after the rollback were executed by production only.
    const at = Date.parse(String(rollback['at']));
    const routed = readFileSync(join(tmp, 'run', 'orders.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, string>).filter((r) => r['step'] === 'routed');
    const later = routed.filter((r) => Date.parse(r['at'] as string) > at + 1);
    expect(later.length).toBeGreaterThan(5);
    expect(later.every((r) => r['executedBy'] === 'production')).toBe(true);
    // The shadowing A/A candidate was compared on every order, whoever executed it, and never diverged.
    const summary = JSON.parse(readFileSync(join(tmp, 'run', 'summary.json'), 'utf8')) as { orders: number; candidates: { id: string; compared: number; divergences: { total: number } }[] };
    const aa = summary.candidates.find((c) => c.id === 'aa');
    expect(aa?.compared).toBe(summary.orders);
    expect(aa?.divergences.total).toBe(0);
    expect(readFileSync(join(tmp, 'run', 'candidates', 'aa', 'divergences.jsonl'), 'utf8')).toBe('');
  }, 120_000);
});
