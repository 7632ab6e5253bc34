// Binary recordings: the same records as JSONL in msgpack frames. A bundled scenario converted
// to .msgpack replays byte for byte like the JSONL file; a torn tail, a bad frame or a file
// without the magic is a coded error, never a silent stop.

import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runReplay } from '../../src/app/replay.js';
import { convertJsonlToBinary } from '../../src/replay/binary-recording.js';
import { ScenarioReader } from '../../src/replay/scenario-reader.js';
import { CANDIDATE_DIR, PRODUCTION_DIR, ROOT } from '../support/builders.js';

const tmp = mkdtempSync(join(tmpdir(), 'sb-binrec-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
// The scenario headers name their bundles relative to the file (../mappings/...), as in scenarios/.
symlinkSync(join(ROOT, 'mappings'), join(tmp, 'mappings'));
mkdirSync(join(tmp, 'scenarios'));

function events(file: string): unknown[] {
  const r = new ScenarioReader(file);
  const out: unknown[] = [r.header];
  try {
    for (let e = r.next(); e !== null; e = r.next()) out.push(e);
  } finally {
    r.close();
  }
  return out;
}

describe('binary recordings', () => {
  for (const name of ['london-normal', 'lp-outage', 'symbol-mapping']) {
    it(`${name}.jsonl converted to .msgpack reads as the same events and replays to byte-identical files`, async () => {
      const jsonl = join(ROOT, 'scenarios', `${name}.jsonl`);
      const bin = join(tmp, 'scenarios', `${name}.msgpack`);
      convertJsonlToBinary(jsonl, bin);
      expect(events(bin)).toEqual(events(jsonl));
      expect(statSync(bin).size).toBeLessThan(statSync(jsonl).size * 0.7);
      const a = await runReplay({ scenario: jsonl, production: PRODUCTION_DIR, candidate: CANDIDATE_DIR, outDir: join(tmp, `${name}-jsonl`) });
      const b = await runReplay({ scenario: bin, production: PRODUCTION_DIR, candidate: CANDIDATE_DIR, outDir: join(tmp, `${name}-bin`) });
      for (const f of ['divergences.jsonl', 'orders.jsonl', 'finance.csv']) expect(readFileSync(join(tmp, `${name}-bin`, f), 'utf8'), f).toBe(readFileSync(join(tmp, `${name}-jsonl`, f), 'utf8'));
      // Everything but the wall clock: timings differ run to run, decisions never.
      const same = (x: typeof a.summary): unknown => ({ ...x, scenario: null, wallMs: 0, latencyUs: null, throughput: null, candidates: x.candidates.map((c) => ({ ...c, latencyUs: null })) });
      expect(same(b.summary)).toEqual(same(a.summary));
    });
  }

  it('refuses a file without the magic, a torn last record and a bad frame, each with a coded error', () => {
    const good = join(tmp, 'good.msgpack');
    convertJsonlToBinary(join(ROOT, 'scenarios', 'session-close.jsonl'), good);
    const jsonAsBinary = join(tmp, 'not-binary.msgpack');
    writeFileSync(jsonAsBinary, readFileSync(join(ROOT, 'scenarios', 'session-close.jsonl')));
    expect(() => new ScenarioReader(jsonAsBinary)).toThrow(/SB_ERR_SCENARIO_HEADER.*SBREC01/);
    const torn = join(tmp, 'torn.msgpack');
    writeFileSync(torn, readFileSync(good));
    truncateSync(torn, statSync(good).size - 3);
    expect(() => events(torn)).toThrow(/SB_ERR_SCENARIO_JSON.*torn last record/);
    const bad = join(tmp, 'bad.msgpack');
    writeFileSync(bad, readFileSync(good));
    appendFileSync(bad, Buffer.from([0xff, 0xff, 0xff, 0x7f]));
    expect(() => events(bad)).toThrow(/SB_ERR_SCENARIO_JSON.*frame length/);
    const empty = join(tmp, 'empty.msgpack');
    writeFileSync(empty, Buffer.from('SBREC01\n', 'latin1'));
    expect(() => new ScenarioReader(empty)).toThrow(/SB_ERR_SCENARIO_HEADER/);
  });
});
