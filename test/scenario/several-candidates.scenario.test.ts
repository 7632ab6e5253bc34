// Several candidates in one replay: each is evaluated as if it were alone. Its divergences,
// faults and finance are byte-identical to a single-candidate replay of the same scenario,
// production's orders are untouched, and the summary shows every verdict side by side.

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runReplay } from '../../src/app/replay.js';
import { CANDIDATE_DIR, PRODUCTION_DIR, ROOT } from '../support/builders.js';

const tmp = mkdtempSync(join(tmpdir(), 'sb-several-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const GOOD = join(ROOT, 'mappings', 'candidate-good');
const SCENARIO = join(ROOT, 'scenarios', 'lp-outage.jsonl');

/** A module candidate that rejects every order, and throws on every fifth. */
function stubbornModule(): string {
  const file = join(tmp, 'stubborn.mjs');
  writeFileSync(file, [
    "let n = 0;",
    "const reject = { router: 'stubborn', configHash: 'sha256:stubborn', action: 'reject', rejectReason: 'no_route', detail: 'no', ruleId: null, instrument: null, digits: 0, lp: null, lpSymbol: null, selectionMode: null, volumeE8: 0, lpPriceE8: 0, markupE8: 0, clientPriceE8: 0, markupProfile: null, pool: [], skipped: [], failover: false };",
    "export default { name: 'stubborn', decide() { if (++n % 5 === 0) throw new Error('every fifth'); return reject; } };",
    '',
  ].join('\n'));
  return file;
}

const FILES = ['divergences.jsonl', 'shadow-faults.jsonl', 'finance.csv', 'finance-summary.csv'];

describe('several candidates side by side', () => {
  it('evaluates each exactly as a replay with that candidate alone would', async () => {
    const stubborn = stubbornModule();
    const together = await runReplay({
      scenario: SCENARIO,
      production: PRODUCTION_DIR,
      candidate: CANDIDATE_DIR,
      candidateId: 'wide',
      moreCandidates: [
        { id: 'good', path: GOOD },
        { id: 'aa', path: PRODUCTION_DIR },
        { id: 'stubborn', path: stubborn },
      ],
      outDir: join(tmp, 'together'),
    });
    const alone = async (path: string, name: string) => runReplay({ scenario: SCENARIO, production: PRODUCTION_DIR, candidate: path, outDir: join(tmp, name) });
    const singles = {
      wide: await alone(CANDIDATE_DIR, 'wide'),
      good: await alone(GOOD, 'good'),
      aa: await alone(PRODUCTION_DIR, 'aa'),
      stubborn: await alone(stubborn, 'stubborn'),
    };

    // Production is untouched by how many candidates shadow it.
    expect(readFileSync(join(together.outDir, 'orders.jsonl')).equals(readFileSync(join(singles.wide.outDir, 'orders.jsonl')))).toBe(true);
    // The first candidate's records are the run folder's own; the others' are in candidates/<id>/.
    for (const f of FILES) expect(readFileSync(join(together.outDir, f), 'utf8'), `wide ${f}`).toBe(readFileSync(join(singles.wide.outDir, f), 'utf8'));
    for (const id of ['good', 'aa', 'stubborn'] as const) {
      for (const f of FILES) expect(readFileSync(join(together.outDir, 'candidates', id, f), 'utf8'), `${id} ${f}`).toBe(readFileSync(join(singles[id].outDir, f), 'utf8'));
    }

    const s = together.summary;
    expect(s.candidates.map((c) => c.id)).toEqual(['wide', 'good', 'aa', 'stubborn']);
    expect(s.candidates.map((c) => c.kind)).toEqual(['bundle', 'bundle', 'bundle', 'module']);
    expect(s.candidates.map((c) => c.files)).toEqual(['divergences.jsonl', 'candidates/good/', 'candidates/aa/', 'candidates/stubborn/']);
    // The top-level figures are the first candidate's.
    expect(s.divergences.total).toBe(s.candidates[0]?.divergences.total);
    expect(s.matched).toBe(s.candidates[0]?.matched);
    for (const c of s.candidates) {
      const single = singles[c.id as keyof typeof singles].summary;
      expect(c.compared, c.id).toBe(single.compared);
      expect(c.matched, c.id).toBe(single.matched);
      expect(c.divergences.total, c.id).toBe(single.divergences.total);
      expect(c.divergences.byClass, c.id).toEqual(single.divergences.byClass);
      expect(c.coverage.dropped, c.id).toEqual(single.coverage.dropped);
      expect(c.rejectReasons, c.id).toEqual(single.candidate.rejectReasons);
      expect(c.hash, c.id).toBe(single.configs.candidate?.hash);
    }
    const by = Object.fromEntries(s.candidates.map((c) => [c.id, c]));
    // 127 orders, every one matched: too few to claim a 99.5% match rate, so not "matches".
    expect(by['aa']?.divergences.total).toBe(0);
    expect(by['aa']?.verdict).toBe('inconclusive');
    expect(by['wide']?.verdict).toBe('diverges');
    // Every fifth decision threw: a fifth of the orders uncompared is an inconclusive sample.
    expect(by['stubborn']?.coverage.dropped.candidate_error).toBe(Math.floor(s.orders / 5));
    expect(by['stubborn']?.verdict).toBe('inconclusive');
    expect(by['stubborn']?.why).toMatch(/of production decisions compared/);
  });

  it('refuses two candidates with one id, and an id that is not a folder name', async () => {
    await expect(runReplay({ scenario: SCENARIO, production: PRODUCTION_DIR, candidate: CANDIDATE_DIR, candidateId: 'x', moreCandidates: [{ id: 'x', path: GOOD }], outDir: join(tmp, 'dup') })).rejects.toThrow(/SB_ERR_CONFIG.*"x" is used twice/);
    await expect(runReplay({ scenario: SCENARIO, production: PRODUCTION_DIR, candidate: CANDIDATE_DIR, moreCandidates: [{ id: '..', path: GOOD }], outDir: join(tmp, 'dots') })).rejects.toThrow(/SB_ERR_CONFIG.*candidate id "\.\."/);
    await expect(runReplay({ scenario: SCENARIO, production: PRODUCTION_DIR, candidate: CANDIDATE_DIR, moreCandidates: [{ id: 'g', path: join(tmp, 'nope') }], outDir: join(tmp, 'missing') })).rejects.toThrow(/SB_ERR_CANDIDATE_NOT_FOUND/);
  });
});
