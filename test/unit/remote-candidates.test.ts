// Remote candidates' reports, as a hostile tap peer would send them: only the configured ids with
// their token, consistent figures, in order, at a bounded rate; anything else is refused and
// counted, never thrown, never shown.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildCandidateReport, parseCandidateReport, type ReportInput } from '../../src/app/candidate-report.js';
import { MAX_REPORTS_PER_SECOND, RemoteCandidates } from '../../src/app/live/remote-candidates.js';
import { liveCandidates, liveConfigFrom, loadLiveConfig } from '../../src/app/live-config.js';
import { join } from 'node:path';
import { emptyTally } from '../../src/exporters/summary.js';
import { encodeUpstream } from '../../src/gateways/zmq/tap-codec.js';

const PRODUCTION = 'sha256:prod000000000000';
const TOKEN = 'a-token-of-twenty-chars';

function input(over: Partial<ReportInput> = {}): ReportInput {
  const tally = emptyTally();
  tally.byClass.markup = 3;
  tally.bySeverity.major = 3;
  return {
    id: 'far',
    instance: '0123456789abcdef',
    n: 1,
    token: TOKEN,
    name: 'candidate-x',
    hash: 'sha256:cand000000000000',
    production: PRODUCTION,
    atUs: 1_700_000_000_000_000,
    counters: { offered: 50, compared: 48, matched: 45, divergent: 3, divergences: 3, dropped: { sampled_out: 0, queue_full: 2, candidate_timeout: 0, candidate_error: 0 }, candidateRouted: 40, candidateRejected: 8, candidateRejectReasons: { no_route: 8 } },
    tally,
    latencyUs: { count: 48, p50: 3.1, p99: 9.5, p999: 12, max: 12 },
    tap: { gaps: 1, lostMessages: 7, joinedFrom: 'state', lagUsP99: 1500 },
    runFolder: '/srv/worker/run',
    ...over,
  };
}

const frame = (over: Partial<ReportInput> = {}): Buffer => encodeUpstream(buildCandidateReport(input(over)));

function remotes(): { r: RemoteCandidates; lines: string[] } {
  const lines: string[] = [];
  const r = new RemoteCandidates(
    [
      { id: 'local', path: '/some/bundle', tokenEnv: null },
      { id: 'far', path: null, tokenEnv: 'FAR_TOKEN' },
      { id: 'open', path: null, tokenEnv: null },
    ],
    PRODUCTION,
    { event: (name, fields) => lines.push(`${name} ${JSON.stringify(fields)}`) },
    { FAR_TOKEN: TOKEN },
  );
  return { r, lines };
}

describe('remote candidate reports', () => {
  it('shows a configured worker\'s figures, with its verdict and what the tap lost', () => {
    const { r } = remotes();
    expect(r.size).toBe(2); // the local one is not remote
    r.onFrame(frame(), 1_000, 5_000_000);
    const far = r.summaries().find((c) => c.id === 'far');
    expect(far).toMatchObject({ kind: 'remote', compared: 48, matched: 45, hash: 'sha256:cand000000000000', files: null, verdict: 'inconclusive' });
    expect(far?.coverage).toMatchObject({ offered: 50, compared: 48, ratio: 0.96 });
    expect(far?.divergences.byClass.markup).toBe(3);
    expect(far?.remote).toMatchObject({ reports: 1, runFolder: '/srv/worker/run', tap: { gaps: 1, lostMessages: 7, reason: 'tap_gap', joinedFrom: 'state' } });
    // One that never reported is listed, empty and inconclusive: silence is never a pass.
    const open = r.summaries().find((c) => c.id === 'open');
    expect(open).toMatchObject({ compared: 0, verdict: 'inconclusive', remote: { reports: 0, lastReportAt: null } });
  });

  it('refuses unknown ids, wrong or missing tokens, another production, repeats and malformed figures', () => {
    const { r, lines } = remotes();
    r.onFrame(frame({ id: 'local' }), 1_000, 1);
    r.onFrame(frame({ id: 'stranger' }), 1_100, 1);
    r.onFrame(frame({ token: 'wrong-token-of-twenty' }), 1_200, 1);
    r.onFrame(frame({ token: null }), 1_300, 1);
    r.onFrame(frame({ production: 'sha256:other00000000000' }), 1_400, 1);
    expect(r.summaries().find((c) => c.id === 'far')?.remote?.reports).toBe(0);
    r.onFrame(frame({ n: 5 }), 1_500, 1);
    r.onFrame(frame({ n: 5 }), 1_600, 1); // a replayed report
    r.onFrame(frame({ n: 4 }), 1_700, 1);
    // Figures that cannot be: more matched than compared; severities not adding up.
    r.onFrame(encodeUpstream({ ...buildCandidateReport(input({ n: 6 })), counters: { ...buildCandidateReport(input()).counters, matched: 99 } }), 1_800, 1);
    const badTally = emptyTally();
    badTally.bySeverity.critical = 1;
    r.onFrame(frame({ n: 7, tally: badTally }), 1_900, 1);
    r.onFrame(encodeUpstream({ t: 'sb_candidate_report' }), 2_000, 1);
    r.onFrame(Buffer.from([0x92, 0xc1, 0xff]), 2_100, 1);
    r.onFrame(Buffer.from('not msgpack'), 2_200, 1);
    expect(r.refused).toEqual({ unknown_candidate: 2, bad_token: 2, foreign_production: 1, repeat: 2, malformed: 5, rate: 0 });
    expect(r.summaries().find((c) => c.id === 'far')?.remote?.reports).toBe(1);
    // A refused critical never reached the verdict.
    expect(r.summaries().find((c) => c.id === 'far')?.verdict).not.toBe('critical');
    expect(lines.filter((l) => l.startsWith('remote_candidate_report_refused')).length).toBe(12);
  });

  it('takes a restarted worker\'s reports (a new instance) and bounds how many it reads a second', () => {
    const { r } = remotes();
    r.onFrame(frame({ n: 40 }), 1_000, 1);
    r.onFrame(frame({ n: 1, instance: 'fedcba9876543210', counters: { ...input().counters, compared: 2, matched: 2, divergent: 0, divergences: 0, offered: 2 }, tally: emptyTally() }), 1_050, 2);
    expect(r.summaries().find((c) => c.id === 'far')?.compared).toBe(2);
    // Reports closer than 20 ms from one worker are refused.
    r.onFrame(frame({ n: 2, instance: 'fedcba9876543210' }), 1_055, 3);
    expect(r.refused.rate).toBe(1);
    // A flood: past MAX_REPORTS_PER_SECOND in one second nothing more is even decoded.
    const { r: flooded } = remotes();
    for (let i = 0; i < MAX_REPORTS_PER_SECOND + 500; i++) flooded.onFrame(Buffer.from('x'), 10_000 + (i % 900), 1);
    expect(flooded.refused.malformed).toBe(MAX_REPORTS_PER_SECOND);
    expect(flooded.refused.rate).toBe(500);
    flooded.onFrame(frame(), 11_000, 1); // the next second
    expect(flooded.summaries().find((c) => c.id === 'far')?.remote?.reports).toBe(1);
  });

  it('refuses to start when a remote candidate\'s token variable is unset or short', () => {
    const log = { event() {} };
    expect(() => new RemoteCandidates([{ id: 'far', path: null, tokenEnv: 'NOPE' }], PRODUCTION, log, {})).toThrow(/SB_ERR_CONFIG.*NOPE/);
    expect(() => new RemoteCandidates([{ id: 'far', path: null, tokenEnv: 'SHORT' }], PRODUCTION, log, { SHORT: 'abc' })).toThrow(/16 characters/);
  });

  it('never throws on any bytes, and parses only well-formed reports', () => {
    const { r } = remotes();
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        r.onFrame(Buffer.from(bytes), 50_000, 1);
      }),
      { numRuns: 500 },
    );
    fc.assert(
      fc.property(fc.anything(), (value) => {
        expect(typeof parseCandidateReport(value)).toBe('string');
      }),
      { numRuns: 500 },
    );
    // What a worker builds parses back to itself.
    const built = buildCandidateReport(input());
    expect(parseCandidateReport(built)).toEqual(built);
  });
});

describe('run.candidates in the live configuration', () => {
  const base = {
    run: { production: 'p', out: 'o' },
    platform: { port: 0, senderCompId: 'BRIDGE', storeDir: 's', sessions: [{ targetCompId: 'PLAT', defaultGroup: 'g' }] },
    lps: [{ id: 'LP_ALPHA', port: 1, senderCompId: 'BRIDGE', targetCompId: 'LP_ALPHA' }],
  };
  const tap = { bind: 'tcp://127.0.0.1:0' };
  const check = (over: Record<string, unknown>): string => {
    try {
      liveConfigFrom({ ...base, ...over, run: { ...base.run, ...(over['run'] as object) } } as never);
      return 'accepted';
    } catch (e) {
      return (e as Error).message;
    }
  };
  it('lists bundles, modules and remote workers in order; one candidate is the list of one', () => {
    const c = liveConfigFrom({ ...base, tap, run: { ...base.run, candidates: [{ id: 'a', path: 'x' }, { id: 'far', remote: true }] } } as never);
    expect(liveCandidates(c.run)).toEqual([
      { id: 'a', path: 'x', tokenEnv: null },
      { id: 'far', path: null, tokenEnv: null },
    ]);
    expect(liveCandidates(liveConfigFrom({ ...base, run: { ...base.run, candidate: 'mappings/candidate-good/' } } as never).run)).toEqual([{ id: 'candidate-good', path: 'mappings/candidate-good/', tokenEnv: null }]);
  });
  it('refuses what would be ambiguous or open', () => {
    expect(check({ run: { candidate: 'x', candidates: [{ id: 'a', path: 'x' }] } })).toMatch(/run.candidate or run.candidates, not both/);
    expect(check({ run: { candidates: [{ id: 'a', path: 'x' }, { id: 'a', path: 'y' }] } })).toMatch(/candidate id a is already used/);
    expect(check({ run: { candidates: [{ id: 'a' }] } })).toMatch(/a path .* or remote: true/);
    expect(check({ run: { candidates: [{ id: 'a', path: 'x', remote: true }] } })).toMatch(/one of the two/);
    expect(check({ run: { candidates: [{ id: 'far', remote: true }] } })).toMatch(/add a tap: section/);
    expect(check({ run: { candidates: [{ id: 'a', path: 'x', tokenEnv: 'T' }] } })).toMatch(/is for a remote candidate/);
    expect(check({ tap: { bind: 'tcp://10.1.2.3:5555', allowNonLoopback: true }, run: { candidates: [{ id: 'far', remote: true }] } })).toMatch(/needs a token \(tokenEnv\)/);
    expect(check({ tap: { bind: 'tcp://10.1.2.3:5555', allowNonLoopback: true }, run: { candidates: [{ id: 'far', remote: true, tokenEnv: 'FAR_TOKEN' }] } })).toBe('accepted');
    expect(check({ admin: { token: 'an-admin-token-0123' }, rollout: { plan: 'p.yaml' }, tap, run: { candidates: [{ id: 'far', remote: true }, { id: 'a', path: 'x' }] } })).toMatch(/first candidate is the one a rollout executes/);
    expect(check({ run: { candidates: [{ id: '../up', path: 'x' }] } })).toMatch(/letters, digits/);
    expect(check({ run: { candidates: Array.from({ length: 17 }, (_, i) => ({ id: `c${i}`, path: 'x' })) } })).toMatch(/candidates/);
  });
});

describe('examples/live-several.yaml', () => {
  it('is a valid config: two candidates here, one remote with a token', () => {
    const c = loadLiveConfig(join(import.meta.dirname, '..', '..', 'examples', 'live-several.yaml'));
    expect(liveCandidates(c.run).map((x) => [x.id, x.path === null ? 'remote' : 'here', x.tokenEnv])).toEqual([
      ['wide', 'here', null],
      ['good', 'here', null],
      ['far', 'remote', 'SB_WORKER_FAR_TOKEN'],
    ]);
  });
});
