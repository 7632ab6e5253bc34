// A module candidate in a worker, answered asynchronously (the live engine's way): crashes and
// errors become outcomes for the decisions they hit, the worker is replaced, nothing is lost.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { AsyncIsolatedCandidate } from '../../src/app/isolated-candidate.js';
import type { Decision } from '../../src/core/model/types.js';
import { context, order } from '../support/builders.js';

const tmp = mkdtempSync(join(tmpdir(), 'sb-async-cand-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('asynchronous module candidate', () => {
  it('answers in order; a crashed worker fails only the decision it was on and is replaced', async () => {
    // Decides by the order's ClOrdID: CRASH exits the worker thread, THROW throws, others reject.
    const mod = join(tmp, 'moody.mjs');
    writeFileSync(mod, [
      "const reject = (id) => ({ router: 'moody', configHash: 'x', action: 'reject', rejectReason: 'no_route', detail: id, ruleId: null, instrument: null, digits: 0, lp: null, lpSymbol: null, selectionMode: null, volumeE8: 0, lpPriceE8: 0, markupE8: 0, clientPriceE8: 0, markupProfile: null, pool: [], skipped: [], failover: false });",
      "export default { name: 'moody', decide(c) { const id = c.order.clientOrderId; if (id === 'CRASH') process.exit(3); if (id === 'THROW') throw new RangeError('bad day'); return reject(id); } };",
      '',
    ].join('\n'));
    const candidate = AsyncIsolatedCandidate.start(mod, 5_000);
    try {
      const ids = ['A', 'CRASH', 'B', 'THROW', 'C'];
      const outcomes = await Promise.all(ids.map((id) => new Promise<Decision | Error>((resolve) => {
        candidate.decideLater(context({ order: order({ clientOrderId: id, correlationId: `c-${id}` }) }), resolve);
      })));
      const shown = outcomes.map((o) => (o instanceof Error ? `${o.name}: ${o.message}` : o.detail));
      expect(shown).toEqual(['A', 'Error: candidate worker exited (code 3)', 'B', 'RangeError: bad day', 'C']);
      expect(candidate.restarts).toBe(1);
      expect(candidate.inFlight()).toBe(0);
    } finally {
      candidate.close();
    }
  });

  it('stops restarting a worker that dies while loading, and fails each later decision at once', async () => {
    // Loads once; after the crash, the marker makes every new worker exit during import.
    const marker = join(tmp, 'dead-on-load');
    const mod = join(tmp, 'dies-on-reload.mjs');
    writeFileSync(mod, [
      "import { existsSync, writeFileSync } from 'node:fs';",
      `const marker = ${JSON.stringify(marker)};`,
      'if (existsSync(marker)) process.exit(5);',
      "const reject = { router: 'dies', configHash: 'x', action: 'reject', rejectReason: 'no_route', detail: null, ruleId: null, instrument: null, digits: 0, lp: null, lpSymbol: null, selectionMode: null, volumeE8: 0, lpPriceE8: 0, markupE8: 0, clientPriceE8: 0, markupProfile: null, pool: [], skipped: [], failover: false };",
      "export default { name: 'dies', decide(c) { if (c.order.clientOrderId === 'CRASH') { writeFileSync(marker, 'x'); process.exit(3); } return reject; } };",
      '',
    ].join('\n'));
    const candidate = AsyncIsolatedCandidate.start(mod, 5_000);
    const ask = (id: string): Promise<Decision | Error> => new Promise((resolve) => candidate.decideLater(context({ order: order({ clientOrderId: id, correlationId: `c-${id}` }) }), resolve));
    try {
      const [a, crash, b] = await Promise.all([ask('A'), ask('CRASH'), ask('B')]);
      expect(a).not.toBeInstanceOf(Error);
      expect(String(crash)).toBe('Error: candidate worker exited (code 3)');
      expect(String(b)).toBe('Error: candidate worker exited while loading after a restart (code 5)');
      expect(String(await ask('C'))).toBe('Error: candidate worker exited while loading after a restart (code 5)');
      expect(candidate.restarts).toBe(1);
    } finally {
      candidate.close();
    }
  });
});

