// The /metrics registry: one snapshot per scrape, Prometheus naming (counters end in _total,
// seconds for time), values as the snapshot says; the shipped Grafana dashboard only queries
// metrics the engine exposes.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { engineRegistry, type MetricsSnapshot } from '../../src/exporters/prometheus.js';
import { ROOT } from '../support/builders.js';

const latency = { count: 10, p50: 12.5, p99: 80, p999: 120, max: 300 };
function snapshot(orders: number): MetricsSnapshot {
  return {
    runId: 'r1',
    summary: {
      mode: 'shadow', orders, compared: orders, matched: orders - 2, matchRate: 0.98, matchRateCi95: [0.9, 0.99],
      configs: { production: { name: 'p', hash: 'sha256:p' }, candidate: { name: 'c', hash: 'sha256:c' } },
      production: { executed: orders, routed: orders, notSent: 0, rejected: 1, rejectReasons: { no_liquidity: 1 } },
      candidate: { executed: 3, routed: 3, rejected: 0, rejectReasons: {} },
      divergences: { total: 2, divergentOrders: 2, byClass: { lp: 2 }, bySeverity: { major: 2 } },
      coverage: { offered: orders, compared: orders, ratio: 1, dropped: { sampled_out: 0, queue_full: 0, candidate_timeout: 0, candidate_error: 0 } },
      latencyUs: { production: latency, candidate: latency },
      reconciliation: { overfill: 1 },
      admission: { accepted: 2, throttled: { MT5_RETAIL: { orders: 7, priceRequests: 0 } }, ws: { accepted: 3, slowConsumers: 1, authFailures: 4 } },
      candidates: [
        { id: 'wide', kind: 'bundle', verdict: 'diverges', compared: orders, matched: orders - 2, matchRate: 0.98, matchRateCi95: [0.9, 0.99], divergences: { total: 2, bySeverity: { critical: 0, major: 2, minor: 0 } }, coverage: { dropped: { sampled_out: 0, queue_full: 1, candidate_timeout: 0, candidate_error: 0 } } },
        { id: 'far', kind: 'remote', verdict: 'critical', compared: 40, matched: 39, matchRate: 0.975, matchRateCi95: [0.87, 0.99], divergences: { total: 1, bySeverity: { critical: 1, major: 0, minor: 0 } }, coverage: { dropped: { sampled_out: 0, queue_full: 0, candidate_timeout: 0, candidate_error: 0 } }, remote: { reports: 12, tap: { gaps: 1, lostMessages: 33 } } },
      ],
    } as unknown as MetricsSnapshot['summary'],
    sessions: [{ side: 'lp', id: 'LP_ALPHA', loggedOn: true, nextSenderSeq: 5, nextTargetSeq: 9 }],
    shadowQueue: { depth: 0, highWater: 4, lagUs: latency },
    rollout: { state: 'canary', step: 2, exposurePercent: 5, executed: { production: 90, candidate: 3 }, auditRecords: 7, gates: [{ id: 'critical-divergence', metric: 'critical_divergences', action: 'rollback', verdict: 'pass', value: 0, threshold: 0, samples: 40, dryRun: false }] },
  };
}

function parse(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const i = line.lastIndexOf(' ');
    out.set(line.slice(0, i), Number(line.slice(i + 1)));
  }
  return out;
}

describe('Prometheus registry', () => {
  it('reads the snapshot once per scrape and names every series by convention', async () => {
    let taken = 0;
    let orders = 100;
    const registry = engineRegistry(() => {
      taken++;
      return snapshot(orders);
    });
    const first = parse(await registry.metrics());
    expect(taken).toBe(1);
    expect(first.get('shadow_bridge_orders_total')).toBe(100);
    expect(first.get('shadow_bridge_divergences_total{class="lp"}')).toBe(2);
    expect(first.get('shadow_bridge_divergences_total{class="price"}')).toBe(0);
    expect(first.get('shadow_bridge_match_rate_ratio{bound="lower"}')).toBe(0.9);
    expect(first.get('shadow_bridge_decision_latency_seconds{router="production",quantile="0.5"}')).toBeCloseTo(12.5e-6, 15);
    expect(first.get('shadow_bridge_rollout_state{state="canary"}')).toBe(1);
    // Every candidate side by side, remote ones included.
    expect(first.get('shadow_bridge_candidate_compared_total{candidate="wide",kind="bundle"}')).toBe(100);
    expect(first.get('shadow_bridge_candidate_compared_total{candidate="far",kind="remote"}')).toBe(40);
    expect(first.get('shadow_bridge_candidate_divergences_total{candidate="far",severity="critical"}')).toBe(1);
    expect(first.get('shadow_bridge_candidate_match_rate_ratio{candidate="far",bound="lower"}')).toBe(0.87);
    expect(first.get('shadow_bridge_candidate_verdict{candidate="far",verdict="critical"}')).toBe(1);
    expect(first.get('shadow_bridge_candidate_verdict{candidate="wide",verdict="critical"}')).toBe(0);
    expect(first.get('shadow_bridge_candidate_dropped_total{candidate="far",reason="tap_gap"}')).toBe(33);
    expect(first.get('shadow_bridge_candidate_dropped_total{candidate="wide",reason="queue_full"}')).toBe(1);
    expect(first.get('shadow_bridge_candidate_reports_total{candidate="far"}')).toBe(12);
    expect(first.has('shadow_bridge_candidate_reports_total{candidate="wide"}')).toBe(false);
    expect(first.get('shadow_bridge_rollout_state{state="shadow"}')).toBe(0);
    expect(first.get('shadow_bridge_rollout_exposure_ratio')).toBe(0.05);
    expect(first.get('shadow_bridge_rollout_gate_breaching{gate="critical-divergence",metric="critical_divergences",action="rollback"}')).toBe(0);
    expect(first.get('shadow_bridge_fix_next_seq_num{side="lp",session="LP_ALPHA",direction="target"}')).toBe(9);
    expect(first.get('shadow_bridge_reconciliation_breaks_total{kind="overfill"}')).toBe(1);
    expect(first.get('shadow_bridge_ws_admission_total{event="slowConsumers"}')).toBe(1);
    expect(first.get('shadow_bridge_ws_admission_total{event="authFailures"}')).toBe(4);
    expect(first.get('shadow_bridge_platform_throttled_total{session="MT5_RETAIL",kind="orders"}')).toBe(7);
    expect(first.get('shadow_bridge_platform_throttled_total{session="MT5_RETAIL",kind="priceRequests"}')).toBe(0);
    orders = 250;
    const second = parse(await registry.metrics());
    expect(taken).toBe(2);
    expect(second.get('shadow_bridge_orders_total')).toBe(250);
    const text = await registry.metrics();
    for (const m of text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
      if (m[2] === 'counter') expect(m[1]).toMatch(/_total$/);
      expect(m[1]).toMatch(/^shadow_bridge_[a-z0-9_]+$/);
    }
  });

  it('ships a Grafana dashboard that queries only metrics the engine exposes', async () => {
    const registry = engineRegistry(() => snapshot(1));
    const exposed = new Set([...(await registry.metrics()).matchAll(/^# TYPE (\S+) /gm)].map((m) => m[1]));
    const dashboard = JSON.parse(readFileSync(join(ROOT, 'grafana', 'shadow-bridge.json'), 'utf8')) as { panels: { title: string; targets: { expr: string }[] }[] };
    expect(dashboard.panels.length).toBeGreaterThan(10);
    for (const p of dashboard.panels) {
      for (const t of p.targets) {
        const names = [...t.expr.matchAll(/\b(shadow_bridge_[a-z0-9_]+)/g)].map((m) => m[1]);
        expect(names.length, p.title).toBeGreaterThan(0);
        for (const n of names) expect(exposed, `${p.title}: ${n}`).toContain(n);
      }
    }
  });
});
