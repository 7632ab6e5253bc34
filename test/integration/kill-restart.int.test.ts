// kill -9 of the engine in the middle of order flow, then a restart on the same session store and
// the same run folder: every session resumes without a sequence error, no order ever reaches an LP
// twice, every order acknowledged before the kill is in the first run's orders.jsonl (never
// truncated), and every fill an LP delivers after the restart reaches its platform.

import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { simInstruments } from '../../src/app/live-demo.js';
import { PERSONAS } from '../../src/app/lp-personas.js';
import { startLpSim, type LpSim } from '../../src/app/lp-sim.js';
import { startPlatformClient } from '../../src/app/platform-client.js';
import { CANDIDATE_DIR, PRODUCTION_DIR, ROOT, productionBundle } from '../support/builders.js';
import { freePort, waitFor } from '../support/wait.js';

const tmp = mkdtempSync(join(tmpdir(), 'sb-kill-'));
const children: ChildProcess[] = [];
afterAll(() => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  rmSync(tmp, { recursive: true, force: true });
});
const silent = { event() {} };
const LPS = ['LP_ALPHA', 'LP_BRAVO', 'LP_CHARLIE'];


function startEngine(config: string, out: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, [join(ROOT, 'bin', 'shadow-bridge.mjs'), 'run', '--config', config, '--out', out], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  return new Promise((resolve, reject) => {
    let text = '';
    child.stdout!.on('data', (d: Buffer) => {
      text += d.toString();
      if (text.includes('platforms on')) resolve(child);
    });
    child.once('exit', (code) => reject(new Error(`engine exited with ${code}: ${text}`)));
  });
}


describe('kill -9 and restart', () => {
  it('resumes every session without a sequence error and never sends an order twice', async () => {
    const sims: LpSim[] = [];
    for (const [k, lp] of LPS.entries()) {
      // LP_ALPHA holds every order 100-300 ms (last look): at the kill, orders are in flight there.
      const persona = lp === 'LP_ALPHA' ? { ...PERSONAS['ecn']!, ackLatencyMs: [1, 4] as const, holdMs: [100, 300] as const } : { ...PERSONAS['ecn']!, ackLatencyMs: [1, 4] as const };
      sims.push(await startLpSim({ lp, host: '127.0.0.1', port: 0, bridgeCompId: 'BRIDGE', persona, seed: 7 + k, instruments: simInstruments(productionBundle(), lp), log: silent }));
    }
    const platformPort = await freePort();
    const config = join(tmp, 'live.yaml');
    writeFileSync(config, [
      'run:',
      `  production: ${PRODUCTION_DIR}`,
      `  candidate: ${CANDIDATE_DIR}`,
      `  out: ${join(tmp, 'out')}`,
      '  flushMs: 200',
      'platform:',
      '  host: 127.0.0.1',
      `  port: ${platformPort}`,
      '  senderCompId: BRIDGE',
      `  storeDir: ${join(tmp, 'store')}`,
      '  sessions:',
      '    - targetCompId: PLAT',
      '      defaultGroup: real\\pro\\usd',
      'lps:',
      ...LPS.flatMap((id, k) => [`  - id: ${id}`, '    host: 127.0.0.1', `    port: ${sims[k]!.port}`, '    senderCompId: BRIDGE', `    targetCompId: ${id}`, '    heartBtIntSec: 5']),
    ].join('\n'));

    const first = await startEngine(config, join(tmp, 'run-1'));
    const client = startPlatformClient({ host: '127.0.0.1', port: platformPort, senderCompId: 'PLAT', targetCompId: 'BRIDGE', seed: 3, log: silent, symbols: [] });
    client.start();
    expect(await client.waitLoggedOn(10_000)).toBe(true);
    await new Promise((r) => setTimeout(r, 700)); // LP logons and first quotes
    let n = 0;
    const symbols = ['EURUSD.pro', 'GBPUSD.pro', 'USDJPY.pro', 'GOLD.pro'];
    const timer = setInterval(() => {
      const id = `K-${n}`;
      if (client.send({ clOrdId: id, account: '1', symbol: symbols[n % symbols.length] as string, side: n % 2 === 0 ? 'buy' : 'sell', lots: '0.10' })) n++;
    }, 4);
    await waitFor(() => n >= 150, 10_000);
    first.kill('SIGKILL'); // mid-flow: orders are in flight on every side
    // What the platform had been told when the engine died (reports still on the wire may add to
    // it, which only makes the check below stricter).
    const acknowledged = [...client.reports.keys()];
    await new Promise((r) => first.once('exit', r));
    const sentBeforeKill = n;
    const lpOrdersBeforeKill = sims.reduce((k, s) => k + s.stats.orders, 0);

    // The same run folder again, as examples/live.yaml does: the first run's files stay whole.
    const second = await startEngine(config, join(tmp, 'run-1'));
    expect(await waitFor(() => client.session.isLoggedOn && n >= sentBeforeKill + 150, 15_000)).toBe(true);
    clearInterval(timer);
    await new Promise((r) => setTimeout(r, 500));
    await client.stop();
    second.kill('SIGTERM');
    await new Promise((r) => second.once('exit', r));
    await Promise.all(sims.map((s) => s.close()));

    // No order reached an LP twice.
    for (const s of sims) for (const [id, count] of s.ordersByClOrdId) expect(count, id).toBe(1);
    expect(sims.reduce((k, s) => k + s.stats.orders, 0)).toBeGreaterThan(lpOrdersBeforeKill);
    // No LP saw a sequence problem: the bridge came back with the numbers it had persisted.
    const lpEvents = sims.flatMap((s) => s.events);
    expect(lpEvents.filter((e) => JSON.stringify(e.fields).includes('too low'))).toEqual([]);
    const relogons = lpEvents.filter((e) => e.name === 'fix_logon' && (e.fields['nextTargetSeq'] as number) > 2);
    expect(relogons.length).toBe(LPS.length); // each LP session resumed, not reset
    // The platform session resumed too, and orders after the restart were answered.
    expect(client.stats.filled + client.stats.rejected).toBeGreaterThan(sentBeforeKill);
    // The restart continued in a folder of its own, linked both ways; the first one is whole.
    const run1 = join(tmp, 'run-1');
    const run2 = join(tmp, 'run-1.2');
    expect(readFileSync(join(run2, 'continues.txt'), 'utf8').trim()).toBe(run1);
    expect(readFileSync(join(run1, 'continued-in.txt'), 'utf8').trim()).toBe(run2);
    const log2 = readFileSync(join(run2, 'engine.log'), 'utf8');
    expect(log2).not.toMatch(/MsgSeqNum too low/);
    expect(existsSync(join(run2, 'summary.json'))).toBe(true);
    const records = (dir: string) => readFileSync(join(dir, 'orders.jsonl'), 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as { step: string; correlationId: string; clientOrderId: string });
    const before = records(run1);
    const after = records(run2);
    // Every order the platform heard about before the kill is in the first run's orders.jsonl.
    const taken = new Set(before.filter((r) => r.step === 'received').map((r) => r.clientOrderId));
    expect(acknowledged.filter((id) => !taken.has(id))).toEqual([]);
    // Every order an LP received got its final answer to the platform, the ones in flight at the
    // kill included: their fills arrived after the restart and were matched from the journal.
    const platformIdOf = new Map([...before, ...after].filter((r) => r.step === 'received').map((r) => [r.correlationId, r.clientOrderId]));
    const lpOrders = sims.flatMap((s) => [...s.ordersByClOrdId.keys()]);
    const unanswered = lpOrders.filter((cid) => !(client.reports.get(platformIdOf.get(cid) ?? '?') ?? []).some((r) => /:(2|8|4)$/.test(r)));
    expect(unanswered).toEqual([]);
    const recovered = after.filter((r) => r.step.startsWith('lp_') && platformIdOf.get(r.correlationId) !== undefined && before.some((b) => b.correlationId === r.correlationId));
    expect(log2).toMatch(/"event":"live_start".*"recoveredOrders":\d+/);
    expect(after.filter((r) => r.step === 'exec_unknown_order')).toEqual([]);
    // The kill did catch orders in flight (at LP_ALPHA): their fills were booked by the second run.
    expect(recovered.length).toBeGreaterThan(0);
  });
});
