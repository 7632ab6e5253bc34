// Golden replays: every bundled scenario meets its own expectations, replays byte-identically,
// and compares production with itself at zero divergences.

import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runReplay } from '../../src/app/replay.js';
import { CANDIDATE_DIR, PRODUCTION_DIR, ROOT } from '../support/builders.js';

const out = mkdtempSync(join(tmpdir(), 'sb-golden-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));
const scenarios = readdirSync(join(ROOT, 'scenarios')).filter((f) => f.endsWith('.jsonl')).sort();

/** The candidate bundle a scenario's header says its expectations were written for. */
function candidateOf(file: string): string {
  const path = join(ROOT, 'scenarios', file);
  const text = readFileSync(path, 'utf8');
  const header = JSON.parse(text.slice(0, text.indexOf('\n')));
  return header.bundles?.candidate ? resolve(dirname(path), header.bundles.candidate) : CANDIDATE_DIR;
}

describe('bundled scenarios', () => {
  it('there are at least the seven the catalogue calls for', () => {
    expect(scenarios).toEqual(expect.arrayContaining(['london-normal.jsonl', 'nfp-spike.jsonl', 'lp-outage.jsonl', 'stale-quotes.jsonl', 'session-close.jsonl', 'order-burst.jsonl', 'symbol-mapping.jsonl']));
  });

  for (const file of scenarios) {
    const name = file.replace(/\.jsonl$/, '');
    it(`${name}: meets every expectation, and replays byte-identically`, async () => {
      const run = (dir: string) => runReplay({ scenario: join(ROOT, 'scenarios', file), production: PRODUCTION_DIR, candidate: candidateOf(file), outDir: join(out, dir) });
      const first = await run(`${name}-1`);
      expect(first.summary.expectations.failed).toEqual([]);
      expect(first.summary.expectations.checked).toBeGreaterThan(5);
      expect(first.summary.expectations.skipped).toBe(0);
      expect(first.summary.candidate.executed).toBe(0);
      expect(first.summary.coverage.ratio).toBe(1);
      expect(first.summary.compared).toBe(first.summary.orders);
      const second = await run(`${name}-2`);
      for (const f of ['divergences.jsonl', 'orders.jsonl', 'shadow-faults.jsonl']) {
        expect(readFileSync(join(second.outDir, f)).equals(readFileSync(join(first.outDir, f))), f).toBe(true);
      }
      const lines = readFileSync(join(first.outDir, 'divergences.jsonl'), 'utf8').trim().split('\n').filter(Boolean);
      expect(lines.length).toBe(first.summary.divergences.total);
      for (const line of lines.slice(0, 20)) {
        const record = JSON.parse(line);
        expect(record.correlationId).toMatch(new RegExp(`^${name}-\\d+$`));
        expect(record.contextHash).toMatch(/^sha256:[0-9a-f]{16}$/);
        expect(record.production.configHash).toBe(first.summary.configs.production.hash);
        expect(record.candidate.configHash).toBe(first.summary.configs.candidate?.hash);
      }
    });

    it(`${name}: production against itself gives zero divergences`, async () => {
      const aa = await runReplay({ scenario: join(ROOT, 'scenarios', file), production: PRODUCTION_DIR, candidate: PRODUCTION_DIR, outDir: join(out, `${name}-aa`) });
      expect(aa.summary.mode).toBe('aa');
      expect(aa.summary.divergences.total).toBe(0);
      expect(aa.summary.matched).toBe(aa.summary.compared);
      expect(aa.summary.compared).toBe(aa.summary.orders);
      expect(readFileSync(join(aa.outDir, 'divergences.jsonl'), 'utf8')).toBe('');
    });
  }

  it('logs one pino line per lifecycle step, each with its correlation id', async () => {
    const r = await runReplay({ scenario: join(ROOT, 'scenarios', 'london-normal.jsonl'), production: PRODUCTION_DIR, candidate: CANDIDATE_DIR, outDir: join(out, 'log') });
    const log = readFileSync(join(r.outDir, 'engine.log'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    const steps = log.filter((l) => l.step !== undefined);
    const orders = readFileSync(join(r.outDir, 'orders.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(steps.length).toBe(orders.length);
    for (const s of steps) if (s.step !== 'exec_unknown_order') expect(s.correlationId).toMatch(/^london-normal-\d+$/);
    const fill = orders.filter((o) => o.clientOrderId === 'LDN-FILL-1').map((o) => o.step);
    expect(fill).toEqual(['received', 'routed', 'lp_fill', 'exec_duplicate']);
    const part = orders.filter((o) => o.clientOrderId === 'LDN-PART-1').map((o) => o.step);
    expect(part).toEqual(['received', 'routed', 'lp_partial_fill', 'lp_fill']);
    expect(orders.some((o) => o.step === 'cancel_requested' && o.clientOrderId === 'LDN-LMT-1')).toBe(true);
    expect(orders.some((o) => o.step === 'exec_unknown_order')).toBe(true);
  });

  it('switches the candidate bundle at a config_change event, from that event on', async () => {
    const lines = readFileSync(join(ROOT, 'scenarios', 'london-normal.jsonl'), 'utf8').trim().split('\n');
    const events = lines.slice(1).filter((l) => !l.includes('"type":"expect"'));
    const middle = Math.floor(events.length / 2);
    const ts = JSON.parse(events[middle] as string).ts as string;
    const change = JSON.stringify({ ts, type: 'config_change', target: 'candidate', bundle: join(ROOT, 'mappings', 'production') });
    const file = join(out, 'config-change.jsonl');
    writeFileSync(file, [lines[0], ...events.slice(0, middle + 1), change, ...events.slice(middle + 1)].join('\n'));
    const r = await runReplay({ scenario: file, production: PRODUCTION_DIR, candidate: CANDIDATE_DIR, outDir: join(out, 'config-change') });
    const records = readFileSync(join(r.outDir, 'divergences.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    const switchedAt = Date.parse(ts);
    expect(records.length).toBeGreaterThan(10);
    // Every divergence happened before the switch: afterwards the candidate IS production.
    for (const d of records) expect(Date.parse(d.at)).toBeLessThanOrEqual(switchedAt);
    expect(r.summary.configs.candidate?.hash).toBe(r.summary.configs.production.hash);
    const log = readFileSync(join(r.outDir, 'engine.log'), 'utf8');
    expect(log).toMatch(/"event":"config_change","target":"candidate"/);
  });
});
