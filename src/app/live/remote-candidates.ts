// The live engine's remote candidates: shadow workers on other processes or hosts report their
// figures up the tap's connection, and the engine shows them beside its own candidates. Only the
// ids the config names are taken, with their token where one is set; everything else is counted
// and refused, and a flood costs a counter, never a decode.

import { BridgeError } from '../../core/errors.js';
import { decodeUpstream } from '../../gateways/zmq/tap-codec.js';
import { candidateSummaryOf, emptyTally, type CandidateSummary } from '../../exporters/summary.js';
import { formatTimestampUs } from '../../core/model/timestamps.js';
import type { EventLog } from '../../telemetry/rate-limited-log.js';
import { countersOf, parseCandidateReport, tokenMatches, type CandidateReport } from '../candidate-report.js';
import type { LiveCandidate } from '../live-config.js';

/** Upstream messages decoded per second at most; past it they are counted and dropped unread. */
export const MAX_REPORTS_PER_SECOND = 100;
/** A worker's reports closer together than this are refused (it reports about once a second). */
export const MIN_REPORT_SPACING_MS = 20;

export type ReportRefusal = 'malformed' | 'unknown_candidate' | 'bad_token' | 'foreign_production' | 'repeat' | 'rate';

interface Slot {
  readonly id: string;
  readonly token: string | null;
  report: CandidateReport | null;
  reports: number;
  lastAtMs: number;
  receivedUs: number;
}

export class RemoteCandidates {
  private readonly slots = new Map<string, Slot>();
  readonly refused: Record<ReportRefusal, number> = { malformed: 0, unknown_candidate: 0, bad_token: 0, foreign_production: 0, repeat: 0, rate: 0 };
  private windowStartMs = 0;
  private inWindow = 0;

  /** `env`: where each tokenEnv is read (the process environment); a named one that is unset is refused now. */
  constructor(
    candidates: readonly LiveCandidate[],
    private readonly productionHash: string,
    private readonly log: EventLog,
    env: Readonly<Record<string, string | undefined>> = process.env,
  ) {
    for (const c of candidates) {
      if (c.path !== null) continue;
      let token: string | null = null;
      if (c.tokenEnv !== null) {
        token = env[c.tokenEnv] ?? null;
        if (token === null || token.length < 16) throw new BridgeError('SB_ERR_CONFIG', `run.candidates ${c.id}: the environment variable ${c.tokenEnv} must hold its worker's token (16 characters or more)`);
      }
      this.slots.set(c.id, { id: c.id, token, report: null, reports: 0, lastAtMs: 0, receivedUs: 0 });
    }
  }

  get size(): number {
    return this.slots.size;
  }

  /** One message a worker sent up the tap. Never throws. */
  onFrame(frame: Buffer, nowMs: number, nowUs: number): void {
    if (nowMs - this.windowStartMs >= 1_000) {
      this.windowStartMs = nowMs;
      this.inWindow = 0;
    }
    if (++this.inWindow > MAX_REPORTS_PER_SECOND) {
      this.refuse('rate', null, 'more than 100 upstream messages in a second');
      return;
    }
    const parsed = parseCandidateReport(decodeUpstream(frame));
    if (typeof parsed === 'string') {
      this.refuse('malformed', null, parsed);
      return;
    }
    const slot = this.slots.get(parsed.id);
    if (slot === undefined) {
      this.refuse('unknown_candidate', parsed.id, 'no remote candidate of this id in run.candidates');
      return;
    }
    if (slot.token !== null && !tokenMatches(parsed.token, slot.token)) {
      this.refuse('bad_token', parsed.id, 'missing or wrong token');
      return;
    }
    if (parsed.production !== this.productionHash) {
      this.refuse('foreign_production', parsed.id, `the worker replays production ${parsed.production}, the engine runs ${this.productionHash}`);
      return;
    }
    const previous = slot.report;
    if (previous !== null && previous.instance === parsed.instance && parsed.n <= previous.n) {
      this.refuse('repeat', parsed.id, `report ${parsed.n} after ${previous.n}`);
      return;
    }
    if (previous !== null && nowMs - slot.lastAtMs < MIN_REPORT_SPACING_MS) {
      this.refuse('rate', parsed.id, 'reports closer than 20 ms');
      return;
    }
    if (previous === null || previous.instance !== parsed.instance) this.log.event('remote_candidate_joined', { candidate: parsed.id, instance: parsed.instance, hash: parsed.hash, runFolder: parsed.runFolder });
    slot.report = parsed;
    slot.reports++;
    slot.lastAtMs = nowMs;
    slot.receivedUs = nowUs;
  }

  private refuse(why: ReportRefusal, candidate: string | null, detail: string): void {
    this.refused[why]++;
    this.log.event('remote_candidate_report_refused', { why, candidate, detail });
  }

  /** Each remote candidate as last reported (all zero, `inconclusive`, before its first report). */
  summaries(): CandidateSummary[] {
    const out: CandidateSummary[] = [];
    for (const slot of this.slots.values()) {
      const r = slot.report;
      out.push(
        candidateSummaryOf({
          id: slot.id,
          kind: 'remote',
          name: r?.name ?? '',
          hash: r?.hash ?? null,
          executes: false,
          counters: r === null ? EMPTY_COUNTERS : countersOf(r),
          tally: r === null ? EMPTY_TALLY : r.tally,
          latency: r?.latencyUs ?? { count: 0, p50: 0, p99: 0, p999: 0, max: 0 },
          files: null,
          remote: {
            reports: slot.reports,
            lastReportAt: r === null ? null : formatTimestampUs(slot.receivedUs),
            runFolder: r?.runFolder ?? null,
            tap: r === null ? null : { gaps: r.tap.gaps, lostMessages: r.tap.lostMessages, reason: 'tap_gap', joinedFrom: r.tap.joinedFrom, lagUsP99: r.tap.lagUsP99 },
          },
        }),
      );
    }
    return out;
  }
}

const EMPTY_COUNTERS = {
  offered: 0,
  compared: 0,
  matched: 0,
  divergent: 0,
  divergences: 0,
  dropped: { sampled_out: 0, queue_full: 0, candidate_timeout: 0, candidate_error: 0 },
  candidateRouted: 0,
  candidateRejected: 0,
  candidateRejectReasons: {},
};

const EMPTY_TALLY = emptyTally();
