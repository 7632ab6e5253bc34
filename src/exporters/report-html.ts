// report.html: one self-contained page per run folder (uPlot and its CSS inlined, no network,
// opens from disk). The verdict first, then match rate over time with its interval, divergences
// over time, latency, rejects, finance, the top divergences with their why, the rollout timeline.
// Every string from a run (accounts, groups, details) is escaped; the data is JSON in a script
// tag with "<" escaped, so nothing a platform sent can become markup.

import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { parseTimestampUs } from '../core/model/timestamps.js';
import { wilson95 } from '../core/stats/wilson.js';
import type { RunSummary } from './summary.js';

const require = createRequire(import.meta.url);

/** Files larger than this are summarised, not charted over time (the report stays small). */
const MAX_SERIES_BYTES = 256 * 1024 * 1024;
const TOP_DIVERGENCES = 25;
const SEVERITY_RANK: Readonly<Record<string, number>> = { critical: 0, major: 1, minor: 2 };
const NICE_BUCKETS_S = [1, 5, 10, 30, 60, 300, 600, 900, 1800, 3600, 7200, 21600, 86400];

type Json = Record<string, unknown>;

/** A regular file of at most `max` bytes (a device such as /dev/full would read forever). */
function readable(file: string, max: number): boolean {
  try {
    const st = statSync(file);
    return st.isFile() && st.size <= max;
  } catch {
    return false;
  }
}

function jsonLines(file: string): Json[] | null {
  if (!existsSync(file)) return [];
  if (!readable(file, MAX_SERIES_BYTES)) return null;
  const text = readFileSync(file, 'utf8');
  const out: Json[] = [];
  for (const line of text.split('\n')) {
    if (line === '') continue;
    try {
      out.push(JSON.parse(line) as Json);
    } catch {
      // A torn last line of a killed live run: the report shows what is whole.
    }
  }
  return out;
}

/**
 * The lines of `file` that hold `marker`, parsed, found by searching the text for the marker
 * instead of splitting every line: orders.jsonl has three or four steps per order and the report
 * needs one (parsing every line was 14% of a 1M-event replay). A line whose marker text sits in a
 * value is parsed too: the caller checks what it parsed. With `headEnd` (a key, as `,"key":`),
 * only the line's head before that key is parsed, closed as an object: inside a JSON string the
 * key's quotes would be escaped, so its first bare occurrence is the key (the received lines'
 * head is what the report reads of them, a third of the line).
 */
function linesWith(file: string, marker: string, headEnd: string | null = null): Json[] | null {
  if (!existsSync(file)) return [];
  if (!readable(file, MAX_SERIES_BYTES)) return null;
  const text = readFileSync(file, 'utf8');
  const out: Json[] = [];
  let from = 0;
  for (;;) {
    const at = text.indexOf(marker, from);
    if (at < 0) break;
    const start = text.lastIndexOf('\n', at) + 1;
    let end = text.indexOf('\n', at);
    if (end < 0) end = text.length;
    const cut = headEnd === null ? -1 : text.indexOf(headEnd, start);
    try {
      // Not for an unterminated last line: a killed run's torn line is skipped whole, as before.
      const head = cut > at && cut < end && end < text.length ? (JSON.parse(`${text.slice(start, cut)}}`) as Json) : null;
      // A head without the fields the report reads (keys in another order): the whole line.
      out.push(head !== null && 'at' in head && 'correlationId' in head ? head : (JSON.parse(text.slice(start, end)) as Json));
    } catch {
      // a torn last line of a killed live run
    }
    from = end;
  }
  return out;
}

/** A divergence line's head: the fields before its (long) detail and decisions. */
interface DivergenceHead {
  readonly at: string;
  readonly correlationId: string;
  readonly class: string;
  readonly severity: string;
}

/**
 * What the report needs of divergences.jsonl without parsing every decision in it: each line's
 * head (the text before `,"detail":` closed as an object: inside a JSON string that key's quotes
 * would be escaped, so its first bare occurrence is the key), and the first TOP_DIVERGENCES lines
 * of each severity in full, from which the top table is taken.
 */
function divergenceLines(file: string): { heads: DivergenceHead[]; top: Json[] } | null {
  if (!existsSync(file)) return { heads: [], top: [] };
  if (!readable(file, MAX_SERIES_BYTES)) return null;
  const text = readFileSync(file, 'utf8');
  const heads: DivergenceHead[] = [];
  const firstOf = new Map<number, { index: number; line: string }[]>();
  let start = 0;
  while (start < text.length) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    const cut = text.indexOf(',"detail":', start);
    if (end > start && cut > start && cut < end) {
      try {
        const h = JSON.parse(`${text.slice(start, cut)}}`) as Json;
        const head: DivergenceHead = { at: String(h['at']), correlationId: String(h['correlationId']), class: String(h['class']), severity: String(h['severity']) };
        const rank = SEVERITY_RANK[head.severity] ?? 3;
        const kept = firstOf.get(rank) ?? [];
        if (kept.length < TOP_DIVERGENCES) kept.push({ index: heads.length, line: text.slice(start, end) });
        firstOf.set(rank, kept);
        heads.push(head);
      } catch {
        // a torn last line of a killed live run
      }
    }
    start = end + 1;
  }
  const top: Json[] = [];
  for (const rank of [...firstOf.keys()].sort((a, b) => a - b)) {
    for (const { line } of firstOf.get(rank) ?? []) {
      if (top.length >= TOP_DIVERGENCES) break;
      try {
        top.push(JSON.parse(line) as Json);
      } catch {
        // the head parsed but the rest did not: a torn line
      }
    }
  }
  return { heads, top };
}

function csvRows(file: string): Record<string, string>[] {
  if (!readable(file, MAX_SERIES_BYTES)) return [];
  const [head, ...lines] = readFileSync(file, 'utf8').trim().split('\n');
  if (head === undefined) return [];
  const cols = splitCsv(head);
  return lines.map((l) => Object.fromEntries(splitCsv(l).map((v, i) => [cols[i] ?? String(i), v])));
}

/** One CSV line (RFC 4180 quoting). */
function splitCsv(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i] as string;
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') {
        cur += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cur += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      out.push(cur);
      cur = '';
    } else cur += ch;
  }
  out.push(cur);
  return out;
}

export interface ReportData {
  readonly title: string;
  readonly summary: RunSummary;
  /** Bucket starts (s since epoch) and per bucket: compared, matched, CI bounds, divergences. */
  readonly series: {
    readonly bucketS: number;
    readonly t: number[];
    readonly matchRate: (number | null)[];
    readonly low: (number | null)[];
    readonly high: (number | null)[];
    readonly byClass: Record<string, number[]>;
    readonly bySeverity: Record<string, number[]>;
  } | null;
  readonly top: readonly Json[];
  readonly finance: { readonly byGroup: FinanceLine[]; readonly bySymbol: FinanceLine[] };
}

interface FinanceLine {
  readonly key: string;
  readonly basis: string;
  readonly orders: number;
  readonly production: string;
  readonly candidate: string;
  readonly delta: string;
}

/** Decimal text addition without floats (finance columns have at most 8 decimals). */
function addDecimal(a: string, b: string): string {
  const scale = 8;
  const toInt = (s: string): bigint => {
    if (s === '') return 0n;
    const neg = s.startsWith('-');
    const [w, f = ''] = (neg ? s.slice(1) : s).split('.');
    const v = BigInt(w ?? '0') * 10n ** BigInt(scale) + BigInt((f + '0'.repeat(scale)).slice(0, scale) || '0');
    return neg ? -v : v;
  };
  const v = toInt(a) + toInt(b);
  const neg = v < 0n;
  const digits = (neg ? -v : v).toString().padStart(scale + 1, '0');
  const frac = digits.slice(-scale).replace(/0+$/, '');
  return `${neg ? '-' : ''}${digits.slice(0, -scale)}${frac === '' ? '' : `.${frac}`}`;
}

function financeBy(rows: readonly Record<string, string>[], key: (r: Record<string, string>) => string): FinanceLine[] {
  const m = new Map<string, { key: string; basis: string; orders: number; production: string; candidate: string; delta: string }>();
  for (const r of rows) {
    const k = `${key(r)}\u0001${r['basis']}`;
    const g = m.get(k) ?? { key: key(r), basis: r['basis'] ?? '', orders: 0, production: '0', candidate: '0', delta: '0' };
    g.orders += Number(r['orders'] ?? 0);
    g.production = addDecimal(g.production, r['production_revenue_usd'] ?? '');
    g.candidate = addDecimal(g.candidate, r['candidate_revenue_usd'] ?? '');
    g.delta = addDecimal(g.delta, r['delta_usd'] ?? '');
    m.set(k, g);
  }
  return [...m.values()].sort((a, b) => (a.key === b.key ? a.basis.localeCompare(b.basis) : a.key.localeCompare(b.key)));
}

export function collectReport(runDir: string, summary: RunSummary): ReportData {
  const orders = linesWith(join(runDir, 'orders.jsonl'), '"step":"received"', ',"clientOrderId":');
  const divergenceFile = divergenceLines(join(runDir, 'divergences.jsonl'));
  const divergences = divergenceFile?.heads ?? null;
  const faults = jsonLines(join(runDir, 'shadow-faults.jsonl'));
  let series: ReportData['series'] = null;
  if (orders !== null && divergences !== null && faults !== null) {
    const received = orders.filter((o) => o['step'] === 'received');
    const times = received.map((o) => parseTimestampUs(String(o['at'])) ?? 0);
    if (times.length > 0) {
      // Orders are received in time order (the replay clock and live stamps never go back).
      const first = times[0] as number;
      const last = times[times.length - 1] as number;
      const spanS = Math.max(1, (last - first) / 1e6);
      const bucketS = NICE_BUCKETS_S.find((b) => spanS / b <= 150) ?? 86_400;
      const startS = Math.floor(first / 1e6 / bucketS) * bucketS;
      const n = Math.floor((last / 1e6 - startS) / bucketS) + 1;
      const at = (us: number): number => Math.min(n - 1, Math.max(0, Math.floor((us / 1e6 - startS) / bucketS)));
      const offered = new Array<number>(n).fill(0);
      const bucketOf = new Map<string, number>();
      received.forEach((o, i) => {
        const b = at(times[i] as number);
        offered[b] = (offered[b] ?? 0) + 1;
        bucketOf.set(String(o['correlationId']), b);
      });
      const dropped = new Array<number>(n).fill(0);
      for (const f of faults) {
        const b = bucketOf.get(String(f['correlationId']));
        if (b !== undefined) dropped[b] = (dropped[b] ?? 0) + 1;
      }
      const divergent = new Array<Set<string>>(n).fill(null as unknown as Set<string>).map(() => new Set<string>());
      const byClass: Record<string, number[]> = {};
      const bySeverity: Record<string, number[]> = {};
      for (const d of divergences) {
        const b = at(parseTimestampUs(d.at) ?? first);
        divergent[b]?.add(d.correlationId);
        const c = d.class;
        const s = d.severity;
        (byClass[c] ??= new Array<number>(n).fill(0))[b]! += 1;
        (bySeverity[s] ??= new Array<number>(n).fill(0))[b]! += 1;
      }
      const matchRate: (number | null)[] = [];
      const low: (number | null)[] = [];
      const high: (number | null)[] = [];
      for (let b = 0; b < n; b++) {
        const compared = (offered[b] ?? 0) - (dropped[b] ?? 0);
        if (compared <= 0 || summary.configs.candidate === null) {
          matchRate.push(null);
          low.push(null);
          high.push(null);
          continue;
        }
        const matched = compared - (divergent[b]?.size ?? 0);
        const ci = wilson95(matched, compared);
        matchRate.push(matched / compared);
        low.push(ci.low);
        high.push(ci.high);
      }
      series = { bucketS, t: Array.from({ length: n }, (_, b) => startS + b * bucketS), matchRate, low, high, byClass, bySeverity };
    }
  }
  const top = divergenceFile?.top ?? [];
  const fin = csvRows(join(runDir, 'finance-summary.csv'));
  return {
    title: `${summary.scenario.name}: shadow-bridge report`,
    summary,
    series,
    top,
    finance: { byGroup: financeBy(fin, (r) => r['group'] ?? ''), bySymbol: financeBy(fin, (r) => r['symbol'] ?? '') },
  };
}

function esc(v: unknown): string {
  return String(v ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);
}

const pct = (x: number | null | undefined): string => (x === null || x === undefined ? '–' : `${(x * 100).toFixed(2)}%`);

function bars(rows: readonly { label: string; values: readonly number[] }[], legend: readonly string[]): string {
  const max = Math.max(1, ...rows.flatMap((r) => r.values));
  return `<table class="bars"><tr><th></th>${legend.map((l, i) => `<th><span class="key k${i}"></span>${esc(l)}</th>`).join('')}</tr>${rows
    .map((r) => `<tr><td>${esc(r.label)}</td>${r.values.map((v, i) => `<td><div class="bar k${i}" style="width:${((v / max) * 100).toFixed(1)}%"></div><span>${esc(v)}</span></td>`).join('')}</tr>`)
    .join('')}</table>`;
}

function why(d: Json): string {
  const side = (who: string): string => {
    const x = (d[who] ?? {}) as Json;
    const skipped = Array.isArray(x['skipped']) ? (x['skipped'] as Json[]).map((s) => `${esc(s['lp'])} (${esc(s['reason'])})`).join(', ') : '';
    return `<div><b>${who}</b> ${esc(x['action'])}${x['lp'] ? ` → ${esc(x['lp'])}` : ''}${x['rejectReason'] ? ` (${esc(x['rejectReason'])})` : ''}; rule ${esc(x['rule'] ?? '–')}${skipped === '' ? '' : `; skipped ${skipped}`}; ${esc(x['configHash'])}</div>`;
  };
  return side('production') + side('candidate');
}

/** Several candidates: one row each, side by side (the cards above are the first one's). */
function candidatesTable(s: RunSummary): string {
  const list = s.candidates ?? [];
  if (list.length < 2) return '';
  const cls = (v: string): string => (v === 'critical' ? 'bad' : v === 'matches' ? 'good' : 'warn');
  const top = (byClass: Readonly<Record<string, number>>): string =>
    Object.entries(byClass)
      .filter(([, n]) => n > 0)
      .sort((a, b) => b[1] - a[1])
      .slice(0, 3)
      .map(([k, n]) => `${esc(k)} ${n}`)
      .join(' · ');
  const rows = list
    .map((c) => {
      const where = c.files ?? (c.remote?.runFolder ? `worker ${c.remote.runFolder}` : 'no report yet');
      const tap = c.remote?.tap ? `; tap gaps ${c.remote.tap.gaps} (${c.remote.tap.lostMessages} messages)` : '';
      return `<tr class="cand ${cls(c.verdict)}" data-candidate="${esc(c.id)}"><td><b>${esc(c.id)}</b><br><span class="muted">${esc(c.kind)} ${esc(c.hash ?? '')}</span></td><td>${esc(c.verdict)}<br><span class="muted">${esc(c.why)}</span></td><td>${pct(c.matchRate)}<br><span class="muted">${pct(c.matchRateCi95?.[0])} – ${pct(c.matchRateCi95?.[1])}</span></td><td>${c.compared} of ${c.coverage.offered}${c.kind === 'remote' ? esc(tap) : ''}</td><td>${c.divergences.total} (${c.divergences.bySeverity.critical} critical)<br><span class="muted">${top(c.divergences.byClass)}</span></td><td>${c.latencyUs.p50} / ${c.latencyUs.p99}</td><td class="muted">${esc(where)}</td></tr>`;
    })
    .join('');
  return `<h3>Candidates side by side</h3><table class="grid" id="candidates"><tr><th>candidate</th><th>verdict</th><th>match rate (95% CI)</th><th>compared</th><th>divergences</th><th>latency µs p50 / p99</th><th>records</th></tr>${rows}</table>`;
}

export function renderReport(data: ReportData): string {
  const s = data.summary;
  const uplotJs = readFileSync(require.resolve('uplot/dist/uPlot.iife.min.js'), 'utf8');
  const uplotCss = readFileSync(require.resolve('uplot/dist/uPlot.min.css'), 'utf8');
  const critical = s.divergences.bySeverity.critical;
  const verdictClass = critical > 0 ? 'bad' : s.matchRate !== null && s.matchRateCi95 !== null && s.matchRateCi95[0] >= 0.995 ? 'good' : 'warn';
  const gates = s.rollout?.gates ?? [];
  const rejectReasons = [...new Set([...Object.keys(s.production.rejectReasons), ...Object.keys(s.candidate.rejectReasons)])].sort();
  const lat = (k: 'p50' | 'p99' | 'p999' | 'max'): number[] => [s.latencyUs.production[k], s.latencyUs.candidate[k]];
  const financeTable = (title: string, lines: readonly FinanceLine[]): string =>
    lines.length === 0
      ? ''
      : `<h3>${esc(title)}</h3><table class="grid"><tr><th>${title.includes('group') ? 'group' : 'symbol'}</th><th>basis</th><th>orders</th><th>production USD</th><th>candidate USD</th><th>delta USD</th></tr>${lines
          .map((l) => `<tr class="${l.delta.startsWith('-') ? 'neg' : l.delta === '0' ? '' : 'pos'}"><td>${esc(l.key)}</td><td>${esc(l.basis)}</td><td>${l.orders}</td><td>${esc(l.production)}</td><td>${esc(l.candidate)}</td><td>${esc(l.delta)}</td></tr>`)
          .join('')}</table>`;
  const charts = data.series === null ? 0 : 3;
  const payload = JSON.stringify({ series: data.series }).replace(/</g, '\\u003c');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(data.title)}</title>
<style>${uplotCss}
body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#1d2733;max-width:1200px}
h1{font-size:20px;margin:0 0 4px}h2{font-size:16px;margin:28px 0 8px;border-bottom:1px solid #dde3ea;padding-bottom:4px}h3{font-size:14px}
.verdict{display:flex;gap:12px;flex-wrap:wrap;margin:12px 0}.card{border:1px solid #dde3ea;border-radius:6px;padding:10px 14px;min-width:160px}
.card b{display:block;font-size:20px}.good{border-color:#2e9d57;background:#effaf2}.bad{border-color:#c43d3d;background:#fdf0f0}.warn{border-color:#d3a21a;background:#fdf8e9}
.gate{display:inline-block;margin:3px;padding:3px 8px;border-radius:4px;font-size:12px}.gate.pass{background:#d8f2e0}.gate.breach{background:#f6d6d6}.gate.inconclusive,.gate.not_evaluated{background:#eceff3}
table.grid{border-collapse:collapse;font-size:12px}table.grid td,table.grid th{border:1px solid #dde3ea;padding:3px 6px;text-align:left;vertical-align:top}
tr.neg td:last-child{color:#c43d3d}tr.pos td:last-child{color:#2e9d57}
table.bars{border-collapse:collapse;font-size:12px;width:100%}table.bars td{padding:2px 6px;width:40%}table.bars td:first-child{width:20%}
.bar{display:inline-block;height:10px;vertical-align:middle;margin-right:4px}.k0{background:#3b6fb6}.k1{background:#e08a2e}.key{display:inline-block;width:10px;height:10px;margin-right:4px}
.muted{color:#6b7785}.chart{margin:8px 0}tr.cand.good td:first-child{border-left:4px solid #2e9d57}tr.cand.bad td:first-child{border-left:4px solid #c43d3d}tr.cand.warn td:first-child{border-left:4px solid #d3a21a}
</style></head><body data-charts-expected="${charts}">
<h1>${esc(s.scenario.name)} <span class="muted">— ${esc(s.scenario.description)}</span></h1>
<div class="muted">mode ${esc(s.mode)} · production ${esc(s.configs.production.hash)} (${esc(s.configs.production.name)}) · candidate ${esc(s.configs.candidate?.hash ?? 'none')} (${esc(s.configs.candidate?.name ?? '')}) · ${s.orders} orders, ${s.events} events</div>
<h2>Verdict</h2>
<div class="verdict">
<div class="card ${verdictClass}">match rate<b>${pct(s.matchRate)}</b>95% CI ${pct(s.matchRateCi95?.[0])} – ${pct(s.matchRateCi95?.[1])}</div>
<div class="card ${s.coverage.ratio < 1 ? 'warn' : 'good'}">coverage<b>${pct(s.coverage.ratio)}</b>${s.coverage.compared} of ${s.coverage.offered} compared</div>
<div class="card ${critical > 0 ? 'bad' : 'good'}">critical divergences<b>${critical}</b>${s.divergences.total} divergences on ${s.divergences.divergentOrders} orders</div>
<div class="card">executed<b>${s.production.executed} / ${s.candidate.executed}</b>production / candidate</div>
${s.rollout === undefined ? '' : `<div class="card ${s.rollout.finalState === 'rolled_back' || s.rollout.finalState === 'frozen' ? 'bad' : s.rollout.finalState === 'promoted' ? 'good' : 'warn'}">rollout ${esc(s.rollout.plan.name)}<b>${esc(s.rollout.finalState)}</b>${s.rollout.exposurePercent}% of accounts at the end</div>`}
</div>
${candidatesTable(s)}
${gates.length === 0 ? '' : `<div>${gates.map((g) => `<span class="gate ${esc(g.verdict)}" title="${esc(g.metric)} → ${esc(g.action)}">${esc(g.id)}: ${esc(g.verdict)}${g.value === null ? '' : ` ${esc(g.value)} vs ${esc(g.threshold)}`} (${g.samples})</span>`).join('')}</div>`}
<h2>Match rate over time</h2>
${data.series === null ? '<p class="muted">The run folder is too large for the report\'s time series; see summary.json.</p>' : `<div class="muted">per ${data.series.bucketS} s, with its 95% Wilson interval</div><div id="match" class="chart"></div>`}
<h2>Divergences over time</h2>
${data.series === null ? '' : '<h3>by class</h3><div id="byclass" class="chart"></div><h3>by severity</h3><div id="byseverity" class="chart"></div>'}
<h2>Latency (µs per decision)</h2>
${bars(['p50', 'p99', 'p999', 'max'].map((k) => ({ label: k, values: lat(k as 'p50') })), ['production', 'candidate'])}
<h2>Rejects</h2>
${rejectReasons.length === 0 ? '<p class="muted">none</p>' : bars(rejectReasons.map((r) => ({ label: r, values: [s.production.rejectReasons[r as keyof typeof s.production.rejectReasons] ?? 0, s.candidate.rejectReasons[r as keyof typeof s.candidate.rejectReasons] ?? 0] })), ['production', 'candidate'])}
<h2>Finance (markup revenue, USD)</h2>
${financeTable('by group', data.finance.byGroup)}${financeTable('by symbol', data.finance.bySymbol)}
<p class="muted">"modelled" figures are computed from the decision, not from fills; they are never added to executed ones.</p>
<h2>Top divergences</h2>
${data.top.length === 0 ? '<p class="muted">none</p>' : `<table class="grid"><tr><th>severity</th><th>class</th><th>order</th><th>what</th><th>why</th></tr>${data.top.map((d) => `<tr><td>${esc(d['severity'])}</td><td>${esc(d['class'])}</td><td>${esc(d['clientOrderId'])}<br><span class="muted">${esc(d['correlationId'])} · ${esc(d['at'])} · ${esc(d['account'])} ${esc(d['group'])} ${esc(d['symbol'])}</span></td><td>${esc(d['detail'])}</td><td>${why(d)}</td></tr>`).join('')}</table>`}
${s.rollout === undefined ? '' : `<h2>Rollout timeline</h2><table class="grid"><tr><th>at</th><th>percent</th><th>state</th><th>action</th><th>gate</th><th>value</th><th>threshold</th><th>samples</th></tr>${s.rollout.steps.map((st) => `<tr><td>${esc(st.at)}</td><td>${st.percent}%</td><td>${esc(st.state)}</td><td>${esc(st.action)}</td><td>${esc(st.gate ?? '')}</td><td>${esc(st.value ?? '')}</td><td>${esc(st.threshold ?? '')}</td><td>${esc(st.samples ?? '')}</td></tr>`).join('')}</table><p class="muted">audit log ${esc(s.rollout.audit.path)}: ${s.rollout.audit.records} records, head ${esc(s.rollout.audit.head)}</p>`}
<script>${uplotJs}</script>
<script id="data" type="application/json">${payload}</script>
<script>
(function () {
  var data = JSON.parse(document.getElementById('data').textContent);
  var drawn = 0;
  var sr = data.series;
  if (sr) {
    var width = Math.min(1150, document.body.clientWidth || 1100);
    var palette = ['#3b6fb6', '#e08a2e', '#2e9d57', '#c43d3d', '#7b5bb6', '#8c6d3f', '#d062a6', '#6b7785', '#1aa5a5'];
    new uPlot({ width: width, height: 240, scales: { y: { range: [0, 1] } }, series: [{}, { label: 'match rate', stroke: '#3b6fb6', width: 2 }, { label: '95% low', stroke: '#9db6da' }, { label: '95% high', stroke: '#9db6da' }], bands: [{ series: [3, 2], fill: 'rgba(59,111,182,0.15)' }], axes: [{}, { values: function (u, v) { return v.map(function (x) { return (x * 100).toFixed(0) + '%'; }); } }] }, [sr.t, sr.matchRate, sr.low, sr.high], document.getElementById('match'));
    drawn++;
    var multi = function (id, groups) {
      var keys = Object.keys(groups).sort();
      var series = [{}].concat(keys.map(function (k, i) { return { label: k, stroke: palette[i % palette.length], width: 1.5 }; }));
      new uPlot({ width: width, height: 220, series: series }, [sr.t].concat(keys.map(function (k) { return groups[k]; })), document.getElementById(id));
      drawn++;
    };
    multi('byclass', sr.byClass);
    multi('byseverity', sr.bySeverity);
  }
  document.body.setAttribute('data-charts-drawn', String(drawn));
})();
</script>
</body></html>
`;
}

/** Writes report.html into the run folder (`dir`: where the run's files are now). */
export function writeHtmlReport(dir: string, summary: RunSummary, file = join(dir, 'report.html')): void {
  writeFileSync(file, renderReport(collectReport(dir, summary)));
}
