// kill -9 of the engine in the middle of order flow, then a restart on the same session store:
// every session resumes without a sequence error, and no order ever reaches an LP twice.

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
      sims.push(await startLpSim({ lp, host: '127.0.0.1', port: 0, bridgeCompId: 'BRIDGE', persona: { ...PERSONAS['ecn']!, ackLatencyMs: [1, 4] }, seed: 7 + k, instruments: simInstruments(productionBundle(), lp), log: silent }));
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
    await new Promise((r) => first.once('exit', r));
    const sentBeforeKill = n;
    const lpOrdersBeforeKill = sims.reduce((k, s) => k + s.stats.orders, 0);

    const second = await startEngine(config, join(tmp, 'run-2'));
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
    const log2 = readFileSync(join(tmp, 'run-2', 'engine.log'), 'utf8');
    expect(log2).not.toMatch(/MsgSeqNum too low/);
    expect(existsSync(join(tmp, 'run-2', 'summary.json'))).toBe(true);
  });
});
