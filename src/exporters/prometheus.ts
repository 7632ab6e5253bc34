// Prometheus metrics (prom-client) for the live engine's /metrics: read from a snapshot at scrape
// time, so the order path is never instrumented twice. Counters are the engine's own totals;
// latencies are the HDR histograms' quantiles, exposed summary-style (quantile labels).

import { Counter, Gauge, Registry } from 'prom-client';
import { DIVERGENCE_CLASSES, SEVERITIES } from '../core/shadow/divergence.js';
import type { LatencySummaryUs } from '../telemetry/latency.js';
import type { RunSummary } from './summary.js';

export interface GateSnapshot {
  readonly id: string;
  readonly metric: string;
  readonly action: string;
  readonly verdict: string;
  readonly value: number | null;
  readonly threshold: number;
  readonly samples: number;
  readonly dryRun: boolean;
}

export interface MetricsSnapshot {
  readonly runId: string;
  readonly summary: RunSummary;
  readonly sessions: readonly { readonly side: string; readonly id: string; readonly loggedOn: boolean; readonly nextSenderSeq: number; readonly nextTargetSeq: number }[];
  readonly shadowQueue: { readonly depth: number; readonly highWater: number; readonly lagUs: LatencySummaryUs } | null;
  readonly rollout: { readonly state: string; readonly step: number; readonly exposurePercent: number; readonly gates: readonly GateSnapshot[]; readonly executed: { readonly production: number; readonly candidate: number }; readonly auditRecords: number } | null;
}

const ROLLOUT_STATES = ['shadow', 'canary', 'paused', 'frozen', 'promoted', 'rolled_back'];
const US = 1e-6;

/** A counter whose value is read from the snapshot (reset, then set to the engine's total). */
function totals(registry: Registry, name: string, help: string, labelNames: readonly string[], read: (set: (labels: Record<string, string>, value: number) => void) => void): void {
  new Counter({
    name,
    help,
    labelNames,
    registers: [registry],
    collect() {
      this.reset();
      read((labels, value) => {
        if (value > 0) this.inc(labels, value);
        else this.inc(labels, 0);
      });
    },
  });
}

function gauge(registry: Registry, name: string, help: string, labelNames: readonly string[], read: (set: (labels: Record<string, string>, value: number) => void) => void): void {
  new Gauge({
    name,
    help,
    labelNames,
    registers: [registry],
    collect() {
      this.reset();
      read((labels, value) => this.set(labels, value));
    },
  });
}

function quantiles(set: (labels: Record<string, string>, value: number) => void, base: Record<string, string>, l: LatencySummaryUs): void {
  set({ ...base, quantile: '0.5' }, l.p50 * US);
  set({ ...base, quantile: '0.99' }, l.p99 * US);
  set({ ...base, quantile: '0.999' }, l.p999 * US);
  set({ ...base, quantile: '1' }, l.max * US);
}

/** A registry whose every scrape reads `snapshot()` once. */
export function engineRegistry(snapshot: () => MetricsSnapshot): Registry {
  const registry = new Registry();
  let current: MetricsSnapshot | null = null;
  const s = (): MetricsSnapshot => (current ??= snapshot());
  // One snapshot per scrape: the first collect takes it, the metrics() wrapper below drops it.
  const metrics = registry.metrics.bind(registry);
  registry.metrics = async () => {
    current = null;
    try {
      return await metrics();
    } finally {
      current = null;
    }
  };

  gauge(registry, 'shadow_bridge_info', 'The running engine: run id and the configurations it decides with', ['run_id', 'mode', 'production_hash', 'candidate_hash'], (set) => {
    const { summary } = s();
    set({ run_id: s().runId, mode: summary.mode, production_hash: summary.configs.production.hash, candidate_hash: summary.configs.candidate?.hash ?? '' }, 1);
  });
  totals(registry, 'shadow_bridge_orders_total', 'Client orders received', [], (set) => set({}, s().summary.orders));
  totals(registry, 'shadow_bridge_decisions_total', 'Executing decisions by router and outcome', ['router', 'outcome'], (set) => {
    const { production, candidate } = s().summary;
    set({ router: 'production', outcome: 'routed' }, production.routed);
    set({ router: 'production', outcome: 'rejected' }, production.rejected);
    set({ router: 'production', outcome: 'not_sent' }, production.notSent);
    set({ router: 'candidate', outcome: 'routed' }, candidate.routed);
    set({ router: 'candidate', outcome: 'rejected' }, candidate.rejected);
  });
  totals(registry, 'shadow_bridge_executed_orders_total', 'Orders executed (sent to an LP) by router', ['router'], (set) => {
    set({ router: 'production' }, s().summary.production.executed);
    set({ router: 'candidate' }, s().summary.candidate.executed);
  });
  totals(registry, 'shadow_bridge_reject_reasons_total', 'Rejects by router and reason', ['router', 'reason'], (set) => {
    for (const router of ['production', 'candidate'] as const) for (const [reason, n] of Object.entries(s().summary[router].rejectReasons)) set({ router, reason }, n ?? 0);
  });
  totals(registry, 'shadow_bridge_compared_total', 'Production decisions the candidate decided on too', [], (set) => set({}, s().summary.compared));
  totals(registry, 'shadow_bridge_matched_total', 'Compared orders with no divergence', [], (set) => set({}, s().summary.matched));
  totals(registry, 'shadow_bridge_divergences_total', 'Divergences by class', ['class'], (set) => {
    for (const c of DIVERGENCE_CLASSES) set({ class: c }, s().summary.divergences.byClass[c] ?? 0);
  });
  totals(registry, 'shadow_bridge_divergences_by_severity_total', 'Divergences by severity', ['severity'], (set) => {
    for (const v of SEVERITIES) set({ severity: v }, s().summary.divergences.bySeverity[v] ?? 0);
  });
  gauge(registry, 'shadow_bridge_match_rate_ratio', 'Match rate of compared orders, with its 95% Wilson interval (bound="point|lower|upper")', ['bound'], (set) => {
    const { matchRate, matchRateCi95 } = s().summary;
    if (matchRate === null || matchRateCi95 === null) return;
    set({ bound: 'point' }, matchRate);
    set({ bound: 'lower' }, matchRateCi95[0]);
    set({ bound: 'upper' }, matchRateCi95[1]);
  });
  gauge(registry, 'shadow_bridge_coverage_ratio', 'Production decisions compared or dropped with a reason: the compared share', [], (set) => set({}, s().summary.coverage.ratio));
  totals(registry, 'shadow_bridge_shadow_dropped_total', 'Production decisions the candidate did not decide on, by reason', ['reason'], (set) => {
    for (const [reason, n] of Object.entries(s().summary.coverage.dropped)) set({ reason }, n);
  });
  gauge(registry, 'shadow_bridge_decision_latency_seconds', 'Decision latency by router (HDR histogram quantiles; quantile 1 is the max)', ['router', 'quantile'], (set) => {
    quantiles(set, { router: 'production' }, s().summary.latencyUs.production);
    quantiles(set, { router: 'candidate' }, s().summary.latencyUs.candidate);
  });
  totals(registry, 'shadow_bridge_decisions_timed_total', 'Decisions whose latency was timed, by router', ['router'], (set) => {
    set({ router: 'production' }, s().summary.latencyUs.production.count);
    set({ router: 'candidate' }, s().summary.latencyUs.candidate.count);
  });
  gauge(registry, 'shadow_bridge_shadow_queue_depth', 'Contexts waiting for the candidate (now, and the deepest so far)', ['which'], (set) => {
    const q = s().shadowQueue;
    if (q === null) return;
    set({ which: 'now' }, q.depth);
    set({ which: 'high_water' }, q.highWater);
  });
  gauge(registry, 'shadow_bridge_shadow_queue_lag_seconds', 'How long a context waited for the candidate (quantiles)', ['quantile'], (set) => {
    const q = s().shadowQueue;
    if (q !== null) quantiles(set, {}, q.lagUs);
  });
  gauge(registry, 'shadow_bridge_fix_session_up', 'FIX session logged on (1) or not (0)', ['side', 'session'], (set) => {
    for (const x of s().sessions) set({ side: x.side, session: x.id }, x.loggedOn ? 1 : 0);
  });
  gauge(registry, 'shadow_bridge_fix_next_seq_num', 'Next FIX sequence number, outgoing (sender) and expected incoming (target)', ['side', 'session', 'direction'], (set) => {
    for (const x of s().sessions) {
      set({ side: x.side, session: x.id, direction: 'sender' }, x.nextSenderSeq);
      set({ side: x.side, session: x.id, direction: 'target' }, x.nextTargetSeq);
    }
  });
  totals(registry, 'shadow_bridge_reconciliation_breaks_total', 'Breaks between the engine\'s view of an order and its LP\'s, by kind', ['kind'], (set) => {
    const r = (s().summary as unknown as { reconciliation?: Record<string, number> }).reconciliation ?? {};
    for (const [kind, n] of Object.entries(r)) set({ kind }, n);
  });
  totals(registry, 'shadow_bridge_ws_admission_total', 'WebSocket platform connections by what admission did (accepted, refused, closed and why)', ['event'], (set) => {
    const ws = (s().summary as unknown as { admission?: { ws?: Record<string, number> } }).admission?.ws;
    if (ws !== undefined) for (const [event, n] of Object.entries(ws)) set({ event }, n);
  });
  totals(registry, 'shadow_bridge_platform_throttled_total', 'FIX platform messages refused for rate (messagesPerSecond), per session and kind', ['session', 'kind'], (set) => {
    const throttled = (s().summary as unknown as { admission?: { throttled?: Record<string, Record<string, number>> } }).admission?.throttled ?? {};
    for (const [session, byKind] of Object.entries(throttled)) for (const [kind, n] of Object.entries(byKind)) set({ session, kind }, n);
  });
  // Every candidate side by side, in-process and remote (label `candidate`: its id).
  const candidates = (): RunSummary['candidates'] => s().summary.candidates ?? [];
  totals(registry, 'shadow_bridge_candidate_compared_total', 'Production decisions each candidate decided on too (remote: as its worker last reported)', ['candidate', 'kind'], (set) => {
    for (const c of candidates()) set({ candidate: c.id, kind: c.kind }, c.compared);
  });
  totals(registry, 'shadow_bridge_candidate_matched_total', 'Compared orders with no divergence, per candidate', ['candidate'], (set) => {
    for (const c of candidates()) set({ candidate: c.id }, c.matched);
  });
  totals(registry, 'shadow_bridge_candidate_divergences_total', 'Divergences per candidate and severity', ['candidate', 'severity'], (set) => {
    for (const c of candidates()) for (const v of SEVERITIES) set({ candidate: c.id, severity: v }, c.divergences.bySeverity[v] ?? 0);
  });
  totals(registry, 'shadow_bridge_candidate_dropped_total', 'Production decisions a candidate did not decide on, per candidate and reason (tap_gap: messages its worker lost)', ['candidate', 'reason'], (set) => {
    for (const c of candidates()) {
      for (const [reason, n] of Object.entries(c.coverage.dropped)) set({ candidate: c.id, reason }, n);
      if (c.remote?.tap !== undefined && c.remote.tap !== null) set({ candidate: c.id, reason: 'tap_gap' }, c.remote.tap.lostMessages);
    }
  });
  gauge(registry, 'shadow_bridge_candidate_match_rate_ratio', 'Match rate per candidate, with its 95% Wilson interval (bound="point|lower|upper")', ['candidate', 'bound'], (set) => {
    for (const c of candidates()) {
      if (c.matchRate === null || c.matchRateCi95 === null) continue;
      set({ candidate: c.id, bound: 'point' }, c.matchRate);
      set({ candidate: c.id, bound: 'lower' }, c.matchRateCi95[0]);
      set({ candidate: c.id, bound: 'upper' }, c.matchRateCi95[1]);
    }
  });
  gauge(registry, 'shadow_bridge_candidate_verdict', 'Each candidate\'s verdict (1 for the current one)', ['candidate', 'verdict'], (set) => {
    for (const c of candidates()) for (const v of ['matches', 'diverges', 'critical', 'inconclusive']) set({ candidate: c.id, verdict: v }, c.verdict === v ? 1 : 0);
  });
  totals(registry, 'shadow_bridge_candidate_reports_total', 'Reports received from each remote candidate\'s worker', ['candidate'], (set) => {
    for (const c of candidates()) if (c.remote !== undefined) set({ candidate: c.id }, c.remote.reports);
  });
  gauge(registry, 'shadow_bridge_rollout_state', 'Rollout state (1 for the current one)', ['state'], (set) => {
    const r = s().rollout;
    if (r !== null) for (const st of ROLLOUT_STATES) set({ state: st }, r.state === st ? 1 : 0);
  });
  gauge(registry, 'shadow_bridge_rollout_step', 'Rollout step (0 in shadow)', [], (set) => {
    const r = s().rollout;
    if (r !== null) set({}, r.step);
  });
  gauge(registry, 'shadow_bridge_rollout_exposure_ratio', 'Share of eligible accounts the candidate executes for', [], (set) => {
    const r = s().rollout;
    if (r !== null) set({}, r.exposurePercent / 100);
  });
  totals(registry, 'shadow_bridge_rollout_executed_orders_total', 'Orders executed since the rollout began (this run), by router', ['router'], (set) => {
    const r = s().rollout;
    if (r === null) return;
    set({ router: 'production' }, r.executed.production);
    set({ router: 'candidate' }, r.executed.candidate);
  });
  const gate = (name: string, help: string, pick: (g: GateSnapshot) => number | null): void =>
    gauge(registry, name, help, ['gate', 'metric', 'action'], (set) => {
      for (const g of s().rollout?.gates ?? []) {
        const v = pick(g);
        if (v !== null) set({ gate: g.id, metric: g.metric, action: g.action }, v);
      }
    });
  gate('shadow_bridge_rollout_gate_value', 'The last reading of each gate', (g) => g.value);
  gate('shadow_bridge_rollout_gate_threshold', 'Each gate\'s threshold', (g) => g.threshold);
  gate('shadow_bridge_rollout_gate_samples', 'Samples behind each gate\'s last reading', (g) => g.samples);
  gate('shadow_bridge_rollout_gate_breaching', 'Whether each gate\'s last reading breached (1), passed (0) or was inconclusive (-1)', (g) => (g.verdict === 'breach' ? 1 : g.verdict === 'pass' ? 0 : g.verdict === 'inconclusive' ? -1 : null));
  totals(registry, 'shadow_bridge_rollout_audit_records_total', 'Records in the rollout\'s audit log', [], (set) => {
    const r = s().rollout;
    if (r !== null) set({}, r.auditRecords);
  });
  return registry;
}
