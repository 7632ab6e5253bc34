// The command line as a user meets it: exit codes, one-line usage errors, coded input errors,
// the JSON summary contract, and no successful-looking run folder after a failure.

import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
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
    for (const args of [['--help'], ['replay', '--help'], ['demo', '--help'], ['shadow-worker', '--help'], ['lp-sim', '--help']]) {
      const r = await cli(...args);
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/Usage: shadow-bridge/);
    }
  });

  it('exits 2 with a one-line reason on usage errors', async () => {
    for (const args of [['frobnicate'], ['replay'], ['replay', 'a', 'b'], ['replay', scenario('london-normal'), '--bogus'], ['replay', scenario('london-normal'), '--sample-rate', '2'], ['shadow-worker', '--candidate', 'mappings/candidate'], ['shadow-worker', '--connect', 'http://x', '--candidate', 'mappings/candidate'], ['shadow-worker', '--connect', 'tcp://127.0.0.1:5999'], ['lp-sim', '--lp', 'LP_ALPHA', '--port', '0', '--ws']]) {
      const r = await cli(...args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(/^shadow-bridge: /);
    }
  });

  it('shadow-worker refuses a candidate that does not exist before it subscribes (exit 1, coded)', async () => {
    const r = await cli('shadow-worker', '--connect', 'tcp://127.0.0.1:9', '--candidate', join(tmp, 'no-such-candidate'));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/SB_ERR_CANDIDATE_NOT_FOUND/);
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

  it('evaluates several candidates side by side: --candidate repeated, ID=PATH names one', async () => {
    const out = join(tmp, 'several');
    const r = await cli('replay', scenario('london-normal'), '--candidate', join(ROOT, 'mappings', 'candidate'), '--candidate', `good=${join(ROOT, 'mappings', 'candidate-good')}`, '--out', out, '--json');
    expect(r.code, r.stderr).toBe(0);
    const s = JSON.parse(r.stdout);
    expect(s.candidates.map((c: { id: string; files: string }) => [c.id, c.files])).toEqual([['candidate', 'divergences.jsonl'], ['good', 'candidates/good/']]);
    expect(readdirSync(join(out, 'candidates', 'good')).sort()).toEqual(['divergences.jsonl', 'finance-summary.csv', 'finance.csv', 'shadow-faults.jsonl']);
    const text = await cli('replay', scenario('london-normal'), '--candidate', join(ROOT, 'mappings', 'candidate'), '--candidate', `good=${join(ROOT, 'mappings', 'candidate-good')}`, '--out', join(tmp, 'several-text'));
    expect(text.stdout).toMatch(/^candidates +id +kind/m);
    expect(text.stdout).toMatch(/^ +good +bundle +253 +100\.00% .* inconclusive: /m);
    const same = await cli('replay', scenario('london-normal'), '--candidate', join(ROOT, 'mappings', 'candidate'), '--candidate', join(tmp, 'x', 'candidate'), '--out', join(tmp, 'several-dup'));
    expect(same.code).toBe(2);
    expect(same.stderr).toMatch(/two candidates would be called "candidate": name them ID=PATH/);
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

  it('tells a newcomer what is wrong in one coded line, never a stack trace', async () => {
    const cases: [string[], number, RegExp][] = [
      [['replay', join(ROOT, 'scenarios')], 1, /^shadow-bridge: SB_ERR_SCENARIO_IO: .*scenarios is a folder; give one scenario file, e\.g\. .*\.jsonl$/],
      [['replay', join(tmp, 'nope.jsonl')], 1, /^shadow-bridge: SB_ERR_SCENARIO_IO: .*nope\.jsonl: no such file$/],
      [['run', '--config', join(tmp, 'missing.yaml')], 1, /^shadow-bridge: SB_ERR_CONFIG_IO: .*missing\.yaml: no such file$/],
      [['replay', scenario('london-normal'), '--candidate', join(tmp, 'mappings', 'candidat')], 1, /^shadow-bridge: SB_ERR_CANDIDATE_NOT_FOUND: .*candidat does not exist: a candidate is a mapping bundle folder or a Router module file$/],
      [['replay', scenario('london-normal'), '--bogus'], 2, /^shadow-bridge: unknown option --bogus \(see shadow-bridge replay --help\)$/],
      [['replay', scenario('london-normal'), '--out'], 2, /^shadow-bridge: --out needs a value \(see shadow-bridge replay --help\)$/],
      [['demo', '--json=1'], 2, /^shadow-bridge: --json takes no value \(see shadow-bridge demo --help\)$/],
    ];
    for (const [args, code, line] of cases) {
      const r = await cli(...args);
      expect(r.code, args.join(' ')).toBe(code);
      const lines = r.stderr.trim().split('\n');
      expect(lines, args.join(' ')).toHaveLength(1);
      expect(lines[0], args.join(' ')).toMatch(line);
      expect((lines[0]?.match(/"/g) ?? []).length % 2, 'balanced quotes').toBe(0);
    }
  });

  it('prints its version', async () => {
    const r = await cli('--version');
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe(`shadow-bridge ${JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version}`);
  });

  it('names the default run folder after the scenario and never overwrites one', async () => {
    // Two recordings with the same file name but different scenarios: runs/<scenario name> each.
    // (Each copy sits where its header's relative bundle paths still resolve.)
    const a = join(tmp, 'a', 'scenarios');
    const b = join(tmp, 'b', 'scenarios');
    for (const [dir, src] of [[a, 'symbol-mapping'], [b, 'session-close']] as const) {
      cpSync(scenario(src), join(dir, 'recording.jsonl'), { recursive: true });
      symlinkSync(join(ROOT, 'mappings'), join(dir, '..', 'mappings'));
    }
    expect((await cli('replay', join(a, 'recording.jsonl'), '--no-candidate')).code).toBe(0);
    expect((await cli('replay', join(b, 'recording.jsonl'), '--no-candidate')).code).toBe(0);
    expect((await cli('replay', join(a, 'recording.jsonl'), '--no-candidate')).code).toBe(0);
    expect(readdirSync(join(tmp, 'runs')).sort()).toEqual(['session-close', 'symbol-mapping', 'symbol-mapping.2']);
    // An explicit --out that holds a run is replaced only with --force.
    const r = await cli('replay', scenario('session-close'), '--no-candidate', '--out', join(tmp, 'runs', 'symbol-mapping'));
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/symbol-mapping already holds a run; pass --force to replace it/);
    expect((await cli('replay', scenario('session-close'), '--no-candidate', '--out', join(tmp, 'runs', 'symbol-mapping'), '--force')).code).toBe(0);
  });

  it('refuses a live config with duplicate sessions, duplicate LPs or LPs the bundle does not know, naming file and line', async () => {
    const config = join(tmp, 'dup.yaml');
    writeFileSync(config, [
      'run: { production: ' + PRODUCTION_DIR + ', out: ' + join(tmp, 'live-dup') + ' }',
      'platform:',
      '  port: 0',
      '  senderCompId: BRIDGE',
      '  storeDir: ' + join(tmp, 'dup-store'),
      '  sessions:',
      '    - { targetCompId: PLAT, defaultGroup: g }',
      '    - { targetCompId: PLAT, defaultGroup: g }',
      'lps:',
      '  - { id: LP_ALPHA, port: 1, senderCompId: BRIDGE, targetCompId: LP_ALPHA }',
      '  - { id: LP_ALPHA, port: 2, senderCompId: BRIDGE, targetCompId: LP_A2 }',
      '',
    ].join('\n'));
    const dup = await cli('run', '--config', config);
    expect(dup.code).toBe(1);
    expect(dup.stderr.trim().split('\n')).toHaveLength(1);
    expect(dup.stderr).toMatch(/SB_ERR_CONFIG: .*dup\.yaml:8 platform\.sessions\.1\.targetCompId: platform session targetCompId PLAT is already used at index 0/);
    expect(dup.stderr).toMatch(/dup\.yaml:11 lps\.1\.id: LP id LP_ALPHA is already used at index 0/);
    writeFileSync(config, readFileSync(config, 'utf8').replace(/    - \{ targetCompId: PLAT, defaultGroup: g \}\n(?=lps)/, '').replace('id: LP_ALPHA, port: 2', 'id: LP_ZETA, port: 2'));
    const unknown = await cli('run', '--config', config);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/SB_ERR_CONFIG: .*dup\.yaml:10 lps\.1\.id: LP_ZETA is not an LP of the production bundle/);
  });

  it('refuses a rollout it could not control or execute, in one coded line, before anything starts', async () => {
    const run = async (env: Record<string, string | undefined>, ...args: string[]) => {
      try {
        const { stdout, stderr } = await exec(process.execPath, [BIN, ...args], { cwd: tmp, env: { ...process.env, SB_ADMIN_TOKEN: undefined, ...env } });
        return { code: 0, stdout, stderr };
      } catch (e) {
        return e as { code: number; stdout: string; stderr: string };
      }
    };
    const config = (name: string, extra: string[], candidate = join(ROOT, 'mappings', 'candidate-good')): string => {
      const file = join(tmp, `${name}.yaml`);
      writeFileSync(file, [
        `run: { production: ${PRODUCTION_DIR}, candidate: ${candidate}, out: ${join(tmp, `${name}-run`)} }`,
        `platform: { port: 0, senderCompId: BRIDGE, storeDir: ${join(tmp, `${name}-store`)}, sessions: [{ targetCompId: PLAT, defaultGroup: g }] }`,
        'lps:',
        '  - { id: LP_ALPHA, port: 1, senderCompId: BRIDGE, targetCompId: LP_ALPHA }',
        ...extra,
        '',
      ].join('\n'));
      return file;
    };
    const plan = join(ROOT, 'rollouts', 'standard.yaml');
    const noAdmin = await run({}, 'run', '--config', config('no-admin', [`rollout: { plan: ${plan} }`]));
    expect(noAdmin.code).toBe(1);
    expect(noAdmin.stderr).toMatch(/^shadow-bridge: SB_ERR_CONFIG: .*no-admin\.yaml:5 rollout: needs an admin section: rollback is a command on the admin API\n$/);
    const noToken = await run({}, 'run', '--config', config('no-token', ['admin: { port: 0 }', `rollout: { plan: ${plan} }`]));
    expect(noToken.stderr).toMatch(/^shadow-bridge: SB_ERR_CONFIG: .*admin: no token; set the environment variable SB_ADMIN_TOKEN/);
    const remote = await run({ SB_ADMIN_TOKEN: 'a-token-of-sixteen-chars' }, 'run', '--config', config('remote-admin', ['admin: { host: 0.0.0.0, port: 0 }']));
    expect(remote.stderr).toMatch(/SB_ERR_CONFIG: .*remote-admin\.yaml:5 admin\.host: 0\.0\.0\.0 is not a loopback address: the admin API is plain HTTP/);
    const shortToken = await run({ SB_ADMIN_TOKEN: 'short' }, 'run', '--config', config('short-token', ['admin: { port: 0 }']));
    expect(shortToken.stderr).toMatch(/SB_ERR_CONFIG: .*must be 16-512 printable characters/);
    const badPlan = join(tmp, 'bad-plan.yaml');
    writeFileSync(badPlan, readFileSync(plan, 'utf8').replace(/threshold: "0.005"/, 'threshold: "lots"'));
    const planError = await run({ SB_ADMIN_TOKEN: 'a-token-of-sixteen-chars' }, 'run', '--config', config('with-bad-plan', ['admin: { port: 0 }', `rollout: { plan: ${badPlan} }`]));
    expect(planError.code).toBe(1);
    expect(planError.stderr).toMatch(/^shadow-bridge: SB_ERR_ROLLOUT_PLAN: .*bad-plan\.yaml:\d+ gates\.\d+\.threshold/);
    const module = join(tmp, 'module-candidate.mjs');
    writeFileSync(module, "export default { name: 'mod', configHash: 'sha256:0000000000000000', decide: () => ({ action: 'reject' }) };\n");
    const moduleCandidate = await run({ SB_ADMIN_TOKEN: 'a-token-of-sixteen-chars' }, 'run', '--config', config('go-module', ['admin: { port: 0 }', `rollout: { plan: ${plan} }`], module));
    expect(moduleCandidate.stderr).toMatch(/^shadow-bridge: SB_ERR_ROLLOUT_CANDIDATE: .*module-candidate\.mjs: a module candidate is shadow-only/);
    // Refused before anything was opened: no run folder, no store.
    for (const name of ['no-admin', 'no-token', 'with-bad-plan', 'go-module', 'remote-admin']) expect(existsSync(join(tmp, `${name}-run`)) || existsSync(join(tmp, `${name}-store`))).toBe(false);
    // The rollout client: the token comes from the environment, never from argv.
    const client = await run({}, 'rollout', 'status', '--url', 'http://127.0.0.1:9');
    expect(client.code).toBe(2);
    expect(client.stderr).toMatch(/^shadow-bridge: no token: set the environment variable SB_ADMIN_TOKEN/);
    expect((await run({ SB_ADMIN_TOKEN: 'x' }, 'rollout', 'launch')).stderr).toMatch(/unknown rollout command "launch"/);
    const down = await run({ SB_ADMIN_TOKEN: 'a-token-of-sixteen-chars' }, 'rollout', 'rollback', '--url', 'http://127.0.0.1:7071');
    expect(down.code).toBe(1);
    expect(down.stderr).toMatch(/^shadow-bridge: SB_ERR_ADMIN: .*cannot reach http:\/\/127\.0\.0\.1:7071: nothing listens there/);
  });

  it('refuses a device where a file belongs (/dev/zero reads forever), in one coded line, and ends', async () => {
    const bundle = join(tmp, 'zero-bundle');
    cpSync(join(ROOT, 'mappings', 'candidate-good'), bundle, { recursive: true });
    rmSync(join(bundle, 'lps.yaml'));
    symlinkSync('/dev/zero', join(bundle, 'lps.yaml'));
    const run = join(tmp, 'zero-run');
    expect((await cli('replay', scenario('session-close'), '--no-candidate', '--out', run)).code).toBe(0);
    rmSync(join(run, 'divergences.jsonl'));
    symlinkSync('/dev/zero', join(run, 'divergences.jsonl'));
    const cases: [string[], RegExp][] = [
      [['replay', '/dev/zero', '--out', join(tmp, 'z1')], /SB_ERR_SCENARIO_EVENT: .*\/dev\/zero:1: line longer than/],
      [['run', '--config', '/dev/zero'], /SB_ERR_CONFIG_IO: .*\/dev\/zero: is not a regular file/],
      [['stage', scenario('go-promote'), '--rollout', '/dev/zero', '--out', join(tmp, 'z2')], /SB_ERR_ROLLOUT_IO: .*is not a regular file/],
      [['replay', scenario('session-close'), '--candidate', bundle, '--out', join(tmp, 'z3')], /SB_ERR_MAPPING_IO: .*lps\.yaml: is not a regular file/],
      [['audit', 'verify', '/dev/zero'], /SB_ERR_AUDIT_IO: .*\/dev\/zero: not a regular file/],
      [['export', run], /SB_ERR_EXPORT: .*divergences\.jsonl is not a regular file/],
    ];
    for (const [args, message] of cases) {
      const r = await cli(...args);
      expect(r.code, args.join(' ')).toBe(1);
      expect(r.stderr.trim().split('\n'), args.join(' ')).toHaveLength(1);
      expect(r.stderr, args.join(' ')).toMatch(message);
    }
    // The evidence pack leaves the device out and says nothing was lost from what is a file.
    const pack = await cli('evidence', run, '--out', join(tmp, 'zero-pack'));
    expect(pack.code).toBe(0);
    expect(existsSync(join(tmp, 'zero-pack', 'divergences.jsonl'))).toBe(false);
    expect(existsSync(join(tmp, 'zero-pack', 'orders.jsonl'))).toBe(true);
  }, 60_000);

  it('draws a progress bar for a long replay on a terminal, and nothing in a log', async () => {
    const big = join(tmp, 'big.jsonl');
    const { generateBenchScenario } = await import('../../bench/support/bench-scenario.js');
    generateBenchScenario(big, 120_000);
    // `script` gives the command a pseudo-terminal, as an operator's shell would.
    const env = { ...process.env };
    delete env['CI'];
    const tty = await exec('script', ['-qec', `${process.execPath} ${BIN} replay ${big} --no-candidate --out ${join(tmp, 'big-tty')}`, '/dev/null'], { cwd: tmp, env, maxBuffer: 64 * 1024 * 1024 });
    expect(tty.stdout).toMatch(/replay \[=+-*\] \d+% · [\d,]+ events/);
    const log = await cli('replay', big, '--no-candidate', '--out', join(tmp, 'big-log'));
    expect(log.code).toBe(0);
    expect(log.stderr).toBe('');
  }, 120_000);

  it('says the platform port is in use in one coded line', async () => {
    const { createServer } = await import('node:net');
    const server = createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const port = (server.address() as { port: number }).port;
    const config = join(tmp, 'busy.yaml');
    writeFileSync(config, [
      `run: { production: ${PRODUCTION_DIR}, out: ${join(tmp, 'busy-run')} }`,
      `platform: { port: ${port}, senderCompId: BRIDGE, storeDir: ${join(tmp, 'busy-store')}, sessions: [{ targetCompId: PLAT, defaultGroup: g }] }`,
      'lps: [{ id: LP_ALPHA, port: 1, senderCompId: BRIDGE, targetCompId: LP_ALPHA }]',
      '',
    ].join('\n'));
    try {
      const r = await cli('run', '--config', config);
      expect(r.code).toBe(1);
      expect(r.stderr.trim().split('\n')).toEqual([`shadow-bridge: SB_ERR_PORT_IN_USE: Listening port is already in use: 127.0.0.1:${port} is already in use (another engine or program listens there); choose another port`]);
    } finally {
      server.close();
    }
  });
});
