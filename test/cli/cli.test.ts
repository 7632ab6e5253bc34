// The command line as a user meets it: exit codes, one-line usage errors, coded input errors,
// the JSON summary contract, and no successful-looking run folder after a failure.

import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { PRODUCTION_DIR, ROOT } from '../support/builders.js';

const exec = promisify(execFile);
const BIN = join(ROOT, 'bin', 'shadow-bridge.mjs');
const tmp = mkdtempSync(join(tmpdir(), 'sb-cli-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await exec(process.execPath, [BIN, ...args], { cwd: tmp });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

const scenario = (name: string) => join(ROOT, 'scenarios', `${name}.jsonl`);

describe('shadow-bridge CLI', () => {
  it('prints help for every command and exits 0', async () => {
    for (const args of [['--help'], ['replay', '--help'], ['demo', '--help']]) {
      const r = await cli(...args);
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/Usage: shadow-bridge/);
    }
  });

  it('exits 2 with a one-line reason on usage errors', async () => {
    for (const args of [['frobnicate'], ['replay'], ['replay', 'a', 'b'], ['replay', scenario('london-normal'), '--bogus'], ['replay', scenario('london-normal'), '--sample-rate', '2']]) {
      const r = await cli(...args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(/^shadow-bridge: /);
    }
  });

  it('prints the summary contract with --json and writes the run folder', async () => {
    const out = join(tmp, 'json-run');
    const r = await cli('replay', scenario('symbol-mapping'), '--json', '--out', out);
    expect(r.code).toBe(0);
    const s = JSON.parse(r.stdout);
    for (const key of ['events', 'orders', 'compared', 'matched', 'matchRate', 'matchRateCi95', 'coverage']) expect(s).toHaveProperty(key);
    expect(s.divergences).toHaveProperty('total');
    expect(s.divergences).toHaveProperty('byClass');
    expect(s.divergences).toHaveProperty('bySeverity');
    expect(s.production).toHaveProperty('executed');
    expect(s.production).toHaveProperty('rejectReasons');
    expect(s.candidate.executed).toBe(0);
    expect(s.candidate).toHaveProperty('rejectReasons');
    for (const who of ['production', 'candidate']) for (const p of ['p50', 'p99', 'p999']) expect(typeof s.latencyUs[who][p]).toBe('number');
    expect(s.configs.production.hash).toMatch(/^sha256:/);
    expect(s.configs.candidate.hash).toMatch(/^sha256:/);
    for (const f of ['summary.json', 'divergences.jsonl', 'orders.jsonl', 'shadow-faults.jsonl', 'engine.log']) expect(existsSync(join(out, f)), f).toBe(true);
    expect(JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')).divergences.total).toBe(s.divergences.total);
  });

  it('prints a readable report by default', async () => {
    const r = await cli('replay', scenario('stale-quotes'), '--out', join(tmp, 'report-run'));
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/match rate\s+\d+\.\d+%\s+\(95% CI/);
    expect(r.stdout).toMatch(/by severity/);
    expect(r.stdout).toMatch(/latency µs\s+production p50/);
    expect(r.stdout).toMatch(/expectations 12\/12 met/);
  });

  it('fails a malformed scenario line with a coded error naming file and line, and leaves no run folder', async () => {
    const bad = join(tmp, 'bad.jsonl');
    const lines = readFileSync(scenario('symbol-mapping'), 'utf8').split('\n');
    lines[41] = '{"ts":"2026-07-08T10:00:05Z","type":"quote","lp":"LP_ALPHA","symbol":"EUR/USD","bid":"1,0850","ask":"1.0851"}';
    writeFileSync(bad, lines.join('\n'));
    const out = join(tmp, 'bad-run');
    const r = await cli('replay', bad, '--out', out);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/SB_ERR_SCENARIO_EVENT: .*bad\.jsonl:42 bid: "1,0850" is not a decimal number/);
    expect(readdirSync(tmp).filter((n) => n.startsWith('bad-run'))).toEqual([]); // no folder, not even a partial one
  });

  it('fails a broken mapping file with its file, line and field', async () => {
    const dir = join(tmp, 'broken-bundle');
    cpSync(PRODUCTION_DIR, dir, { recursive: true });
    const file = join(dir, 'instruments.yaml');
    writeFileSync(file, readFileSync(file, 'utf8').replace('US30: { digits: 1,', 'US30: { digits: eleven,'));
    const out = join(tmp, 'broken-run');
    const r = await cli('replay', scenario('symbol-mapping'), '--candidate', dir, '--out', out);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/SB_ERR_MAPPING_INVALID: .*instruments\.yaml:\d+ instruments\.US30\.digits: must be a whole number/);
    expect(existsSync(out)).toBe(false);
  });

  it('accepts a Router module as the candidate and isolates one that throws', async () => {
    const mod = join(tmp, 'throwing-router.mjs');
    writeFileSync(mod, `let n = 0;\nexport default { name: 'flaky', decide(context) { n++; if (n % 2 === 0) throw new Error('flaky candidate'); return { router: 'flaky', configHash: 'x', action: 'reject', rejectReason: 'no_route', detail: null, ruleId: null, instrument: null, digits: 0, lp: null, lpSymbol: null, selectionMode: null, volumeE8: 0, lpPriceE8: 0, markupE8: 0, clientPriceE8: 0, markupProfile: null, pool: [], skipped: [], failover: false }; } };\n`);
    const r = await cli('replay', scenario('symbol-mapping'), '--candidate', mod, '--json', '--out', join(tmp, 'module-run'));
    expect(r.code).toBe(0); // expectations for other bundles are skipped, not failed
    const s = JSON.parse(r.stdout);
    expect(s.coverage.dropped.candidate_error).toBe(Math.floor(s.orders / 2));
    expect(s.compared + s.coverage.dropped.candidate_error).toBe(s.orders);
    expect(s.production.executed).toBeGreaterThan(60);
    expect(s.candidate.executed).toBe(0);
    expect(s.expectations.skipped).toBeGreaterThan(0);
  });

  it('survives a candidate module that hangs: each hang is a candidate_timeout, production is untouched', async () => {
    const mod = join(tmp, 'hanging-router.mjs');
    writeFileSync(mod, `let n = 0;\nexport default { name: 'hanger', decide(context) { n++; if (n === 3) for (;;) {} return { router: 'hanger', configHash: 'x', action: 'reject', rejectReason: 'no_route', detail: null, ruleId: null, instrument: null, digits: 0, lp: null, lpSymbol: null, selectionMode: null, volumeE8: 0, lpPriceE8: 0, markupE8: 0, clientPriceE8: 0, markupProfile: null, pool: [], skipped: [], failover: false }; } };\n`);
    const alone = JSON.parse((await cli('replay', scenario('symbol-mapping'), '--no-candidate', '--json', '--out', join(tmp, 'alone-run'))).stdout);
    const r = await cli('replay', scenario('symbol-mapping'), '--candidate', mod, '--candidate-budget-us', '50000', '--json', '--out', join(tmp, 'hang-run'));
    expect(r.code).toBe(0);
    const s = JSON.parse(r.stdout);
    expect(s.coverage.dropped.candidate_timeout).toBeGreaterThanOrEqual(1);
    expect(s.compared + s.coverage.dropped.candidate_timeout).toBe(s.orders);
    expect(s.production.executed).toBe(alone.production.executed);
    expect(readFileSync(join(tmp, 'hang-run', 'orders.jsonl'), 'utf8')).toBe(readFileSync(join(tmp, 'alone-run', 'orders.jsonl'), 'utf8'));
    expect(readFileSync(join(tmp, 'hang-run', 'shadow-faults.jsonl'), 'utf8')).toMatch(/"reason":"candidate_timeout","detail":"CandidateTimedOut: no decision within 50 ms/);
  });
});
