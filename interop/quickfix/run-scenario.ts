// Runs inside `unshare -n` (QuickFIX acceptors bind 0.0.0.0): a QuickFIX C++ LP behind our
// engine and a QuickFIX C++ platform client sending orders through it. Prints one JSON result.

import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startLiveEngine } from '../../src/app/live-engine.js';
import { DEFAULT_CANDIDATE, DEFAULT_PRODUCTION } from '../../src/app/paths.js';

const HARNESS = resolve('build/quickfix-harness');

async function freePort(): Promise<number> {
  return new Promise((res) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => res(typeof a === 'object' && a !== null ? a.port : 0));
    });
  });
}

function run(args: string[]): { done: Promise<{ code: number; lines: Record<string, unknown>[] }> } {
  // QuickFIX's own FIX 4.4 dictionary, as shipped inside jspurefix (a devDependency).
  const env = { ...process.env, QF_DATA_DICTIONARY: resolve('node_modules/jspurefix/data/FIX44.xml') };
  const child = spawn(HARNESS, args, { stdio: ['ignore', 'pipe', 'inherit'], env });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  return {
    done: new Promise((res) =>
      child.on('exit', (code) => res({ code: code ?? 1, lines: out.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>) })),
    ),
  };
}

const tmp = mkdtempSync(join(tmpdir(), 'sb-qf-'));
try {
  const lpPort = await freePort();
  const lp = run(['lp', String(lpPort), 'LP_BRAVO', 'BRIDGE', '8']);
  await new Promise((r) => setTimeout(r, 500));
  const engine = await startLiveEngine(
    {
      run: { production: DEFAULT_PRODUCTION, candidate: DEFAULT_CANDIDATE, out: join(tmp, 'run'), record: null, flushMs: 500, maxShadowQueue: 10_000, candidateBudgetUs: 50_000 },
      platform: { host: '127.0.0.1', port: 0, senderCompId: 'BRIDGE', storeDir: join(tmp, 'store'), tls: null, priceThrottleMs: 100, sessions: [{ targetCompId: 'QFCLIENT', defaultGroup: 'real\\pro\\usd', accountGroups: {}, groupTag: null }] },
      lps: [{ id: 'LP_BRAVO', host: '127.0.0.1', port: lpPort, senderCompId: 'BRIDGE', targetCompId: 'LP_BRAVO', heartBtIntSec: 10, account: 'BRIDGE', resendMaxAgeMs: 2_000, schedule: null, resetAtScheduleStart: true, tls: null }],
    },
    'qf',
  );
  const deadline = Date.now() + 8_000;
  while (!engine.lpConnected('LP_BRAVO') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  await new Promise((r) => setTimeout(r, 500)); // the LP's snapshots
  const client = await run(['client', '127.0.0.1', String(engine.platformPort), 'QFCLIENT', 'BRIDGE', '20', 'GBPUSD.pro']).done;
  const summary = await engine.stop();
  const lpResult = await lp.done;
  console.log(JSON.stringify({ client, lp: lpResult, orders: summary.orders, executed: summary.production.executed, candidateExecuted: summary.candidate.executed, divergences: summary.divergences.total }));
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
