// The engine as a process in a hostile environment: 300 idle TCP connections against a
// 256-descriptor limit, and a store folder on a disk that fills up (a 256 KB tmpfs in a private
// mount namespace). The engine must live, valid platforms must trade, refusals must carry a
// coded reason, and a SIGTERM must still write the run folder and exit 0.

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { simInstruments } from '../../src/app/live-demo.js';
import { PERSONAS } from '../../src/app/lp-personas.js';
import { startLpSim, type LpSim } from '../../src/app/lp-sim.js';
import { startPlatformClient } from '../../src/app/platform-client.js';
import { PRODUCTION_DIR, ROOT, productionBundle } from '../support/builders.js';
import { freePort, waitFor } from '../support/wait.js';

const tmp = mkdtempSync(join(tmpdir(), 'sb-hostile-'));
const children: ChildProcess[] = [];
afterAll(() => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  rmSync(tmp, { recursive: true, force: true });
});
const silent = { event() {} };

/** Starts `shadow-bridge run` in the shell command `wrap` builds around it; resolves once it listens. */
function startEngine(wrap: (engine: string) => string, config: string): Promise<{ child: ChildProcess; output: () => string }> {
  const command = wrap(`'${process.execPath}' '${join(ROOT, 'bin', 'shadow-bridge.mjs')}' run --config '${config}'`);
  const child = spawn('sh', ['-c', command], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let text = '';
  child.stdout!.on('data', (d: Buffer) => (text += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (text += d.toString()));
  return new Promise((resolve, reject) => {
    const timer = setInterval(() => {
      if (text.includes('platforms on')) {
        clearInterval(timer);
        resolve({ child, output: () => text });
      }
    }, 20);
    child.once('exit', (code) => {
      clearInterval(timer);
      reject(new Error(`engine exited with ${code}: ${text}`));
    });
  });
}

function writeConfig(name: string, lp: LpSim, platformPort: number, extra: { platform?: string[]; storeDir?: string } = {}): { file: string; out: string; store: string } {
  const out = join(tmp, `${name}-run`);
  const store = extra.storeDir ?? join(tmp, `${name}-store`);
  const file = join(tmp, `${name}.yaml`);
  writeFileSync(file, [
    'run:',
    `  production: ${PRODUCTION_DIR}`,
    '  candidate: null',
    `  out: ${out}`,
    '  flushMs: 200',
    'platform:',
    '  host: 127.0.0.1',
    `  port: ${platformPort}`,
    '  senderCompId: BRIDGE',
    `  storeDir: ${store}`,
    ...(extra.platform ?? []).map((l) => `  ${l}`),
    '  sessions:',
    '    - targetCompId: PLAT',
    '      defaultGroup: real\\pro\\usd',
    'lps:',
    `  - { id: LP_ALPHA, host: 127.0.0.1, port: ${lp.port}, senderCompId: BRIDGE, targetCompId: LP_ALPHA, heartBtIntSec: 5 }`,
    '',
  ].join('\n'));
  return { file, out, store };
}

async function simLp(): Promise<LpSim> {
  return startLpSim({ lp: 'LP_ALPHA', host: '127.0.0.1', port: 0, bridgeCompId: 'BRIDGE', persona: { ...PERSONAS['ecn']!, rejectProbability: 0, seqGapProbability: 0 }, seed: 5, instruments: simInstruments(productionBundle(), 'LP_ALPHA'), log: silent });
}

function openIdle(port: number, count: number): Socket[] {
  const sockets: Socket[] = [];
  for (let i = 0; i < count; i++) {
    const s = connect({ host: '127.0.0.1', port });
    s.on('error', () => {});
    sockets.push(s);
  }
  return sockets;
}

async function stopEngine(child: ChildProcess): Promise<number | null> {
  child.kill('SIGTERM');
  return new Promise((r) => child.once('exit', (code) => r(code)));
}

describe('hostile environment', () => {
  it.each([
    ['the default connection cap', [] as string[]],
    ['no useful cap, so the descriptor limit is hit (EMFILE)', ['maxConnections: 5000', 'logonTimeoutMs: 1000']],
  ])('lives through 300 idle connections under ulimit -n 256 (%s), and a valid platform trades', async (_name, platformLines) => {
    const lp = await simLp();
    const port = await freePort();
    const cfg = writeConfig(`idle-${platformLines.length}`, lp, port, { platform: platformLines });
    const { child, output } = await startEngine((engine) => `ulimit -n 256 && exec ${engine}`, cfg.file);
    const idle = openIdle(port, 300);
    const client = startPlatformClient({ host: '127.0.0.1', port, senderCompId: 'PLAT', targetCompId: 'BRIDGE', seed: 1, log: silent, symbols: [] });
    try {
      await new Promise((r) => setTimeout(r, 500));
      client.start();
      expect(await client.waitLoggedOn(15_000)).toBe(true);
      await new Promise((r) => setTimeout(r, 300));
      const ids = Array.from({ length: 5 }, (_, i) => `IDLE-${i}`);
      for (const id of ids) client.send({ clOrdId: id, account: '1', symbol: 'EURUSD', side: 'buy', lots: '0.10' });
      expect(await waitFor(() => ids.every((id) => (client.reports.get(id) ?? []).some((r) => r.endsWith(':2'))), 5_000)).toBe(true);
      expect(child.exitCode).toBeNull();
    } finally {
      for (const s of idle) s.destroy();
      await client.stop();
    }
    expect(await stopEngine(child)).toBe(0);
    await lp.close();
    const summary = JSON.parse(readFileSync(join(cfg.out, 'summary.json'), 'utf8'));
    expect(summary.orders).toBe(5);
    const admission = summary.admission as Record<string, number>;
    // The idle sockets were closed by the engine: evicted at capacity, timed out, or refused.
    expect(admission['evictedIdle']! + admission['logonTimeouts']! + admission['refusedAtCapacity']! + admission['acceptErrors']!).toBeGreaterThan(0);
    expect(output()).not.toMatch(/EMFILE.*\n\s+at /); // no stack trace
  }, 60_000);

  it('keeps running when the disk under the store fills: new orders refused with a coded reason, SIGTERM still writes the run folder', async () => {
    const lp = await simLp();
    const port = await freePort();
    const store = join(tmp, 'full-store');
    mkdirSync(store, { recursive: true });
    const cfg = writeConfig('full', lp, port, { storeDir: store });
    // A 256 KB disk, only for the engine: a private mount namespace.
    const { child, output } = await startEngine((engine) => `exec unshare -m sh -c "mount -t tmpfs -o size=256k tmpfs '${store}' && exec ${engine}"`, cfg.file);
    const client = startPlatformClient({ host: '127.0.0.1', port, senderCompId: 'PLAT', targetCompId: 'BRIDGE', seed: 2, log: silent, symbols: [] });
    try {
      client.start();
      expect(await client.waitLoggedOn(10_000)).toBe(true);
      await new Promise((r) => setTimeout(r, 300));
      let n = 0;
      const refusedFor = (): string[] => [...client.details.values()].flat().filter((d) => d.ordStatus === '8').map((d) => d.text);
      // Orders until the engine says it can no longer record them.
      while (n < 4_000 && !refusedFor().some((t) => /unavailable \(SB_ERR_(FIX_STORE|JOURNAL_IO)\)/.test(t))) {
        for (let k = 0; k < 50; k++) client.send({ clOrdId: `FULL-${n++}`, account: '1', symbol: 'EURUSD', side: n % 2 === 0 ? 'buy' : 'sell', lots: '0.10' });
        await new Promise((r) => setTimeout(r, 30));
      }
      expect(refusedFor().some((t) => /unavailable \(SB_ERR_(FIX_STORE|JOURNAL_IO)\)/.test(t))).toBe(true);
      await new Promise((r) => setTimeout(r, 500));
      expect(child.exitCode).toBeNull(); // alive
      // Orders taken before the disk filled were filled; none is left without an answer.
      expect(client.stats.filled).toBeGreaterThan(10);
    } finally {
      await client.stop();
    }
    expect(await stopEngine(child)).toBe(0);
    await lp.close();
    const summary = JSON.parse(readFileSync(join(cfg.out, 'summary.json'), 'utf8'));
    expect(summary.storage.failures.join(' ')).toMatch(/ENOSPC/);
    expect(output()).not.toMatch(/\n\s+at .*\.(ts|js):\d+/); // no stack trace
  }, 90_000);
});
