// The rollout's core: the hash against the reference vectors, buckets and segments, gates, and
// the state machine's transitions (gates acting by themselves, operator commands, sign-offs).

import { describe, expect, it } from 'vitest';
import { bucketOf, EVERYONE, Segment } from '../../src/core/rollout/cohort.js';
import { RolloutController, type AuditEntry } from '../../src/core/rollout/controller.js';
import { RolloutMetrics } from '../../src/core/rollout/metrics.js';
import { murmur3String, murmur3x86_32 } from '../../src/core/rollout/murmur3.js';
import type { Gate, Plan } from '../../src/core/rollout/plan.js';
import { resumeFrom, type AuditedRecord } from '../../src/core/rollout/resume.js';
import { formatTimestampUs } from '../../src/core/model/timestamps.js';

const bytes = (s: string): Uint8Array => Uint8Array.from([...s].map((c) => c.charCodeAt(0)));

describe('MurmurHash3 x86_32', () => {
  it('matches the reference implementation on the published vectors', () => {
    // Austin Appleby's MurmurHash3_x86_32 (SMHasher), as commonly published.
    const vectors: [string, number, number][] = [
      ['', 0, 0],
      ['', 1, 0x514e28b7],
      ['', 0xffffffff, 0x81f16f39],
      ['\xff\xff\xff\xff', 0, 0x76293b50],
      ['\x21\x43\x65\x87', 0, 0xf55b516b],
      ['\x21\x43\x65\x87', 0x5082edee, 0x2362f9de],
      ['\x21\x43\x65', 0, 0x7e4a8634],
      ['\x21\x43', 0, 0xa0f7b07a],
      ['\x21', 0, 0x72661cf4],
      ['\0\0\0\0', 0, 0x2362f9de],
      ['\0\0\0', 0, 0x85f0b427],
      ['\0\0', 0, 0x30f4c306],
      ['\0', 0, 0x514e28b7],
    ];
    for (const [input, seed, want] of vectors) expect(murmur3x86_32(bytes(input), seed), JSON.stringify(input)).toBe(want);
    expect(murmur3String('Hello, world!')).toBe(3224780355);
    expect(murmur3String('aaaa', 0x9747b28c)).toBe(0x5a97808a);
    expect(murmur3String('abc')).toBe(0xb3dd93fa);
    expect(murmur3String('The quick brown fox jumps over the lazy dog', 0x9747b28c)).toBe(0x2fa826cd);
  });

  it('buckets an account by "salt:account" mod 10000, the same everywhere', () => {
    expect(bucketOf('go-1', '100001')).toBe(murmur3String('go-1:100001') % 10_000);
    expect(bucketOf('go-1', '100001')).not.toBe(bucketOf('go-2', '100001')); // another salt, another cohort (almost surely)
    // Spread: 20,000 accounts at 10% give about 2,000 (binomial: within 5 sigma).
    let inside = 0;
    for (let a = 0; a < 20_000; a++) if (bucketOf('spread', String(100_000 + a)) < 1_000) inside++;
    expect(Math.abs(inside - 2_000)).toBeLessThan(5 * Math.sqrt(20_000 * 0.1 * 0.9));
  });
});

describe('segments', () => {
  it('applies groups, account lists, symbols, time windows and blackouts before any percentage', () => {
    const s = new Segment({
      groups: ['real\\pro\\*'],
      includeAccounts: [],
      excludeAccounts: ['666'],
      symbols: ['EURUSD'],
      // Off-peak only: 22:00-06:00 London, Monday to Friday nights.
      windows: [{ zone: 'Europe/London', days: [1, 2, 3, 4, 5], fromMinute: 22 * 60, toMinute: 6 * 60 }],
      blackouts: [{ name: 'NFP', fromUs: Date.UTC(2026, 6, 7, 23, 0) * 1000, toUs: Date.UTC(2026, 6, 7, 23, 30) * 1000 }],
    });
    const tue2300 = Date.UTC(2026, 6, 7, 22, 0) * 1000; // 23:00 BST on a Tuesday
    const sub = { account: '1', group: 'real\\pro\\usd', instrument: 'EURUSD' };
    expect(s.admits(sub, tue2300)).toBe(true);
    expect(s.admits({ ...sub, group: 'real\\retail\\usd' }, tue2300)).toBe(false);
    expect(s.admits({ ...sub, account: '666' }, tue2300)).toBe(false);
    expect(s.admits({ ...sub, instrument: 'XAUUSD' }, tue2300)).toBe(false);
    expect(s.admits(sub, Date.UTC(2026, 6, 7, 12, 0) * 1000)).toBe(false); // 13:00: peak
    expect(s.admits(sub, Date.UTC(2026, 6, 7, 23, 10) * 1000)).toBe(false); // in the blackout
    expect(s.admits(sub, Date.UTC(2026, 6, 8, 3, 0) * 1000)).toBe(true); // 04:00 Wednesday: Tuesday's night window
    expect(new Segment(EVERYONE).admits({ account: 'x', group: 'y', instrument: null }, 0)).toBe(true);
  });
});

function plan(over: Partial<Plan> = {}, gates: Gate[] = []): Plan {
  return {
    name: 'test',
    salt: 'salt',
    segment: EVERYONE,
    steps: [
      { percentBp: 100, minHoldMs: 60_000, minOrders: 5, signoffs: [] },
      { percentBp: 5_000, minHoldMs: 60_000, minOrders: 5, signoffs: ['cto'] },
    ],
    gates,
    entry: { maxDiscrepancy: 0.5, windowMs: 60_000, holdMs: 10_000, minOrders: 10 },
    advance: 'auto',
    inconclusive: 'wait',
    evaluateEveryMs: 1_000,
    roles: new Map([['cto', ['architecture', 'rollback safety']]]),
    hash: 'plan-h',
    source: 'test',
    ...over,
  };
}

const HASHES = { production: 'p-h', candidate: 'c-h', plan: 'plan-h' };

function rig(p: Plan) {
  const audit: AuditEntry[] = [];
  const metrics = new RolloutMetrics(10 * 60_000);
  const c = new RolloutController(p, metrics, { append: (e) => audit.push(e) }, HASHES, 0);
  let now = 0;
  /** `seconds` of flow: `perSecond` orders each second, compared, matching with `matchRate`. */
  const flow = (seconds: number, perSecond: number, opts: { matchRate?: number; critical?: boolean; lpRejectCandidate?: boolean } = {}): void => {
    for (let s = 0; s < seconds; s++) {
      for (let k = 0; k < perSecond; k++) {
        const t = now + k * 1000;
        const who = c.executorFor({ account: String(1000 + k + s * perSecond), group: 'g', instrument: 'EURUSD' }, t);
        metrics.decided(t, who, true, false);
        c.executedBy(who);
        metrics.offered(t);
        metrics.compared(t, (k % 100) / 100 < (opts.matchRate ?? 1), opts.critical === true && k === 0 ? 1 : 0, 0);
        metrics.lpExecution(t, who, opts.lpRejectCandidate === true && who === 'candidate');
      }
      now += 1_000_000;
      c.tick(now);
    }
  };
  return { c, audit, metrics, flow, now: () => now };
}

describe('rollout state machine', () => {
  it('starts the first step once the shadow discrepancy held, waits for a sign-off before the next, then promotes', () => {
    const r = rig(plan());
    r.flow(9, 20);
    expect(r.c.state).toBe('shadow');
    r.flow(12, 20); // entry met, then held 10 s
    expect(r.c.state).toBe('canary');
    expect(r.c.exposureBp).toBe(100);
    r.flow(70, 20);
    expect(r.c.step).toBe(0); // step 2 needs the CTO
    expect(r.c.signoff({ role: 'cto', name: 'Ada', atUs: r.now(), answers: { architecture: true }, hashes: HASHES }).ok).toBe(false); // a checklist item open
    expect(r.c.signoff({ role: 'cto', name: 'Ada', atUs: r.now(), answers: { architecture: true, 'rollback safety': true }, hashes: { ...HASHES, candidate: 'other' } }).detail).toMatch(/other candidate bundle/);
    expect(r.c.signoff({ role: 'cto', name: 'Ada', atUs: r.now(), answers: { architecture: true, 'rollback safety': true }, hashes: HASHES }).ok).toBe(true);
    r.flow(2, 20);
    expect(r.c.exposureBp).toBe(5_000);
    // Step 2 held with too few candidate orders is not done; then it is, and the rollout promotes.
    r.flow(70, 20);
    expect(r.c.state).toBe('promoted');
    expect(r.audit.map((e) => e.kind)).toContain('signoff_refused');
    expect(r.c.history.map((h) => `${h.state}:${h.percentBp}:${h.action}`)).toEqual(['canary:100:entry_held', 'canary:5000:step_held', 'promoted:10000:step_held']);
  });

  it('rolls back by itself on a critical divergence, and sends every later order to production', () => {
    const critical: Gate = { id: 'critical', metric: 'critical_divergences', windowMs: 60_000, minSamples: 50, kind: 'absolute', op: '>', threshold: 0, consecutive: 1, action: 'rollback', dryRun: false };
    const r = rig(plan({}, [critical]));
    r.flow(25, 20);
    expect(r.c.state).toBe('canary');
    r.flow(1, 20, { critical: true });
    expect(r.c.state).toBe('rolled_back');
    const last = r.c.history.at(-1)!;
    expect(last).toMatchObject({ state: 'rolled_back', action: 'gate:rollback', gate: 'critical', value: 1, threshold: 0 });
    for (let a = 0; a < 1_000; a++) expect(r.c.executorFor({ account: String(a), group: 'g', instrument: 'EURUSD' }, r.now())).toBe('production');
  });

  it('needs consecutive breaches, treats too few samples as inconclusive (never a pass), and records a dry run without acting', () => {
    const lpRejects: Gate = { id: 'lp-rejects', metric: 'lp_reject_rate', windowMs: 5_000, minSamples: 1_000_000, kind: 'absolute', op: '>', threshold: 0.1, consecutive: 3, action: 'pause', dryRun: false };
    const r = rig(plan({ steps: [{ percentBp: 5_000, minHoldMs: 1_000, minOrders: 1, signoffs: [] }] }, [lpRejects]));
    r.flow(25, 20, { lpRejectCandidate: true });
    // Inconclusive forever (a million samples asked): the step never completes, nothing fires.
    expect(r.c.state).toBe('canary');
    const dry = rig(plan({ steps: [{ percentBp: 5_000, minHoldMs: 1_000, minOrders: 1, signoffs: [] }] }, [{ ...lpRejects, minSamples: 5, dryRun: true }]));
    dry.flow(25, 20, { lpRejectCandidate: true });
    expect(dry.c.state).toBe('canary');
    expect(dry.audit.filter((e) => e.kind === 'gate_would_fire')).toHaveLength(1);
    const live = rig(plan({ steps: [{ percentBp: 5_000, minHoldMs: 600_000, minOrders: 1, signoffs: [] }] }, [{ ...lpRejects, minSamples: 5 }]));
    live.flow(21, 20);
    expect(live.c.state).toBe('canary');
    live.flow(2, 20, { lpRejectCandidate: true });
    expect(live.c.state).toBe('canary'); // two breaches
    live.flow(1, 20, { lpRejectCandidate: true });
    expect(live.c.state).toBe('paused'); // the third
  });

  it('takes operator commands where the state allows them and audits refusals', () => {
    const r = rig(plan({ advance: 'manual' }));
    r.flow(30, 20);
    expect(r.c.state).toBe('shadow'); // manual: eligible, but waits for an operator
    expect(r.c.command('pause', 'ops', r.now()).ok).toBe(false);
    expect(r.c.command('advance', 'ops', r.now())).toMatchObject({ ok: true, state: 'canary' });
    expect(r.c.command('advance', 'ops', r.now()).detail).toMatch(/needs sign-offs from cto/);
    expect(r.c.command('pause', 'ops', r.now()).state).toBe('paused');
    expect(r.c.command('resume', 'ops', r.now()).state).toBe('canary');
    expect(r.c.command('freeze', 'ops', r.now()).state).toBe('frozen');
    expect(r.c.exposureBp).toBe(0);
    expect(r.c.command('rollback', 'ops', r.now()).state).toBe('rolled_back');
    expect(r.c.command('rollback', 'ops', r.now()).ok).toBe(false);
    expect(r.audit.filter((e) => e.kind === 'command_refused').length).toBe(3);
  });
});

describe('a rollout read back from its audit log', () => {
  /** The controller's records as the audit log writes and reads them. */
  const asRecords = (entries: readonly AuditEntry[]): AuditedRecord[] => entries.map((e) => ({ at: formatTimestampUs(e.atUs), kind: e.kind, actor: e.actor, state: e.state, step: e.step, percentBp: e.percentBp, ...e.detail }));
  const signed = { role: 'cto', name: 'Ada', atUs: 5, answers: { architecture: true, 'rollback safety': true }, hashes: HASHES };

  it('resumes at the same step, held as paused, with its sign-offs; the same accounts stay in the cohort', () => {
    const p = plan({ advance: 'manual' });
    const first = rig(p);
    first.c.signoff(signed);
    first.c.command('advance', 'ops', 1);
    const cohortBefore = ['1', '2', '3', '40', '99', '12345'].map((a) => first.c.executorFor({ account: a, group: 'g', instrument: null }, 2));
    const outcome = resumeFrom(asRecords(first.audit), p, HASHES);
    expect(outcome.kind).toBe('resume');
    if (outcome.kind !== 'resume') return;
    expect(outcome.point).toMatchObject({ state: 'canary', stepIndex: 0 });
    const audit: AuditEntry[] = [];
    const again = new RolloutController(p, new RolloutMetrics(60_000), { append: (e) => audit.push(e) }, HASHES, 10, outcome.point);
    expect(again.state).toBe('paused');
    expect(again.exposureBp).toBe(100);
    expect(['1', '2', '3', '40', '99', '12345'].map((a) => again.executorFor({ account: a, group: 'g', instrument: null }, 11))).toEqual(cohortBefore);
    expect(again.missingSignoffs(1)).toEqual([]); // the CTO's sign-off stands
    expect(audit.map((e) => e.kind)).toEqual(['rollout_resumed', 'state_changed']);
    expect(again.command('resume', 'ops', 12).state).toBe('canary');
  });

  it('keeps a rolled-back rollout rolled back, and starts over when a hashed file changed', () => {
    const p = plan({ advance: 'manual' });
    const first = rig(p);
    first.c.signoff(signed);
    first.c.command('advance', 'ops', 1);
    first.c.command('rollback', 'ops', 2);
    const back = resumeFrom(asRecords(first.audit), p, HASHES);
    expect(back.kind === 'resume' && back.point.state).toBe('rolled_back');
    const changed = resumeFrom(asRecords(first.audit), p, { ...HASHES, candidate: 'new-c' });
    expect(changed).toMatchObject({ kind: 'superseded', previous: { candidate: 'c-h', state: 'rolled_back' } });
    expect(resumeFrom([], p, HASHES).kind).toBe('fresh');
  });

  it('rolls back, and takes no command, when the audit log stops taking records', () => {
    let broken = false;
    const c = new RolloutController(plan({ advance: 'manual' }), new RolloutMetrics(60_000), { append: () => { if (broken) throw new Error('ENOSPC: no space left on device'); } }, HASHES, 0);
    expect(c.command('advance', 'ops', 1).state).toBe('canary');
    broken = true;
    c.command('pause', 'ops', 2); // the record fails: the rollout does not go on unaudited
    expect(c.state).toBe('rolled_back');
    expect(c.exposureBp).toBe(0);
    expect(c.auditFailure).toMatch(/ENOSPC/);
    expect(c.executorFor({ account: '1', group: 'g', instrument: null }, 3)).toBe('production');
    expect(c.command('resume', 'ops', 4)).toMatchObject({ ok: false, detail: expect.stringMatching(/audit log cannot be written/) });
  });
});
