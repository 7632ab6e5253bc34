// The readable divergence report printed by `replay` and `demo`: the verdict first, then the
// evidence (classes, severities, reject causes, latency, coverage), then examples to follow up.

import type { RunSummary } from './summary.js';

const nf = new Intl.NumberFormat('en-US');

function pct(x: number | null): string {
  return x === null ? 'n/a' : `${(x * 100).toFixed(2)}%`;
}

function counts(record: Readonly<Record<string, number | undefined>>): string {
  const parts = Object.entries(record)
    .filter(([, n]) => (n ?? 0) > 0)
    .sort((a, b) => (b[1] ?? 0) - (a[1] ?? 0) || a[0].localeCompare(b[0]))
    .map(([k, n]) => `${k} ${nf.format(n ?? 0)}`);
  return parts.length === 0 ? 'none' : parts.join(' · ');
}

export interface ReportExample {
  readonly class: string;
  readonly severity: string;
  readonly order: string;
  readonly detail: string;
}

export function renderReport(s: RunSummary, outDir: string, examples: readonly ReportExample[]): string {
  const lines: string[] = [];
  lines.push(`scenario     ${s.scenario.name}${s.scenario.description ? ` — ${s.scenario.description}` : ''}`);
  lines.push(`configs      production ${s.configs.production.hash} (${s.configs.production.name})`);
  if (s.configs.candidate !== null) lines.push(`             candidate  ${s.configs.candidate.hash} (${s.configs.candidate.name})${s.mode === 'aa' ? '  [A/A: production against itself]' : ''}`);
  lines.push(`events       ${nf.format(s.events)} (${nf.format(s.quotes)} quotes, ${nf.format(s.orders)} orders) in ${nf.format(s.throughput.wallMs)} ms, ${nf.format(s.throughput.eventsPerSec)} events/s`);
  if (s.mode !== 'production-only') {
    const ci = s.matchRateCi95 === null ? '' : `  (95% CI ${pct(s.matchRateCi95[0])} – ${pct(s.matchRateCi95[1])})`;
    lines.push(`match rate   ${pct(s.matchRate)}${ci}  ${nf.format(s.matched)} of ${nf.format(s.compared)} compared orders match`);
    lines.push(`coverage     ${pct(s.coverage.ratio)} of ${nf.format(s.coverage.offered)} production decisions compared; dropped: ${counts(s.coverage.dropped)}`);
    lines.push(`divergences  ${nf.format(s.divergences.total)} on ${nf.format(s.divergences.divergentOrders)} orders`);
    lines.push(`  by class     ${counts(s.divergences.byClass)}`);
    lines.push(`  by severity  ${counts(s.divergences.bySeverity)}`);
  }
  if (s.candidates.length > 1) {
    // Several candidates: one line each, side by side; the lines above are the first one's.
    lines.push(`candidates   ${'id'.padEnd(16)} ${'kind'.padEnd(7)} ${'compared'.padStart(8)}  ${'match'.padStart(7)}  ${'95% CI'.padEnd(15)} ${'diverg.'.padStart(7)} ${'crit'.padStart(4)}  verdict`);
    for (const c of s.candidates) {
      const ci = c.matchRateCi95 === null ? 'n/a' : `${pct(c.matchRateCi95[0])}–${pct(c.matchRateCi95[1])}`;
      const where = c.files ?? (c.remote?.runFolder === null || c.remote === undefined ? 'no report yet' : `worker: ${c.remote.runFolder}`);
      lines.push(`             ${c.id.padEnd(16)} ${c.kind.padEnd(7)} ${nf.format(c.compared).padStart(8)}  ${pct(c.matchRate).padStart(7)}  ${ci.padEnd(15)} ${nf.format(c.divergences.total).padStart(7)} ${String(c.divergences.bySeverity.critical).padStart(4)}  ${c.verdict}: ${c.why} [${where}]`);
    }
  }
  const rollout = s.rollout;
  lines.push(`executed     production ${nf.format(s.production.executed)} routed, ${nf.format(s.production.rejected)} rejected; candidate executed ${nf.format(s.candidate.executed)}${rollout === undefined ? ' (shadow only)' : ' (its cohort, in canary steps)'}`);
  lines.push(`rejects      production: ${counts(s.production.rejectReasons)}`);
  if (s.mode !== 'production-only') lines.push(`             candidate:  ${counts(s.candidate.rejectReasons)}`);
  const lat = (l: RunSummary['latencyUs']['production']): string => `p50 ${l.p50} · p99 ${l.p99} · p99.9 ${l.p999} · max ${l.max} (${nf.format(l.count)} decisions)`;
  lines.push(`latency µs   production ${lat(s.latencyUs.production)}`);
  if (s.mode !== 'production-only') lines.push(`             candidate  ${lat(s.latencyUs.candidate)}`);
  const e = s.expectations;
  if (e.checked + e.skipped > 0) {
    lines.push(`expectations ${e.met}/${e.checked} met${e.skipped > 0 ? `, ${e.skipped} skipped (other bundles)` : ''}`);
    for (const f of e.failed) lines.push(`  FAILED ${f.text}`);
  }
  if (examples.length > 0) {
    lines.push('examples');
    const seen = new Set<string>();
    for (const x of examples) {
      if (seen.has(x.class)) continue;
      seen.add(x.class);
      lines.push(`  ${x.severity.padEnd(8)} ${x.class.padEnd(13)} ${x.order}: ${x.detail}`);
    }
  }
  if (rollout !== undefined) {
    lines.push(`rollout      ${rollout.plan.name} (${rollout.plan.hash}): ${rollout.finalState}${rollout.finalState === 'canary' || rollout.finalState === 'paused' ? ` at step ${rollout.step}, ${rollout.exposurePercent}% of accounts` : ''}; orders executed by production ${nf.format(rollout.executed.production)}, by the candidate ${nf.format(rollout.executed.candidate)}`);
    for (const st of rollout.steps) {
      const why = st.gate === null ? st.action : `${st.action}: ${st.gate} ${st.value} vs ${st.threshold} on ${st.samples} samples`;
      lines.push(`  ${st.at.slice(11, 19)}  ${`${st.percent}%`.padStart(4)}  ${st.state.padEnd(11)} ${why}`);
    }
    lines.push(`audit        ${rollout.audit.path}: ${rollout.audit.records} records, head ${rollout.audit.head.slice(0, 23)}...`);
  }
  lines.push(`run folder   ${outDir}`);
  return lines.join('\n');
}

