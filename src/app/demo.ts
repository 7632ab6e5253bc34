// `demo --replay`: replays every bundled shadow scenario through the bundled production and
// candidate mappings and prints one line per scenario, the overall verdict and examples to follow
// up. The go-* scenarios name a rollout plan and their own candidates: they are `stage` runs,
// listed at the end with the command that runs them.

import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { RunSummary } from '../exporters/summary.js';
import { wilson95 } from '../core/stats/wilson.js';
import { DEFAULT_CANDIDATE, DEFAULT_PRODUCTION, SCENARIOS_DIR } from './paths.js';
import { runReplay, type ReplayResult } from './replay.js';
import { ScenarioReader } from '../replay/scenario-reader.js';

const nf = new Intl.NumberFormat('en-US');

function pct(x: number): string {
  return `${(x * 100).toFixed(1)}%`;
}

function add(into: Record<string, number>, from: Readonly<Record<string, number | undefined>>): void {
  for (const [k, v] of Object.entries(from)) into[k] = (into[k] ?? 0) + (v ?? 0);
}

function top(record: Readonly<Record<string, number>>): string {
  const parts = Object.entries(record).filter(([, n]) => n > 0).sort((a, b) => b[1] - a[1]).map(([k, n]) => `${k} ${nf.format(n)}`);
  return parts.length === 0 ? 'none' : parts.join(' · ');
}

export async function runDemo(options: { outDir: string; json: boolean }): Promise<boolean> {
  const all = readdirSync(SCENARIOS_DIR).filter((f) => f.endsWith('.jsonl')).sort();
  const staged = all.filter(namesRollout);
  const files = all.filter((f) => !staged.includes(f));
  const results: { file: string; result: ReplayResult }[] = [];
  for (const file of files) {
    const result = await runReplay({
      scenario: join(SCENARIOS_DIR, file),
      production: DEFAULT_PRODUCTION,
      candidate: DEFAULT_CANDIDATE,
      outDir: join(options.outDir, file.replace(/\.jsonl$/, '')),
    });
    results.push({ file, result });
  }
  const allMet = results.every(({ result }) => result.summary.expectations.failed.length === 0);
  if (options.json) {
    console.log(JSON.stringify(results.map((r) => r.result.summary), null, 2));
    return allMet;
  }

  const first = results[0]?.result.summary;
  console.log('shadow-bridge demo: production vs candidate on every bundled scenario (replay; only production executes)');
  if (first !== undefined) {
    console.log(`production ${first.configs.production.hash}  mappings/production`);
    console.log(`candidate  ${first.configs.candidate?.hash ?? '-'}  mappings/candidate (XAUUSD LP priority, LP_CHARLIE stale 500 ms, retail EURUSD markup 6, suffix .ecn -> .raw)`);
  }
  console.log('');
  console.log(`${'scenario'.padEnd(22)}${'orders'.padStart(7)}${'match'.padStart(9)}  ${'95% CI'.padEnd(15)}${'diverg.'.padStart(8)}${'crit'.padStart(6)}${'major'.padStart(7)}${'minor'.padStart(7)}  ${'expect'.padEnd(7)} top classes`);
  let compared = 0;
  let matched = 0;
  let orders = 0;
  let events = 0;
  let wallMs = 0;
  let prodExecuted = 0;
  const byClass: Record<string, number> = {};
  const bySeverity: Record<string, number> = {};
  const prodRejects: Record<string, number> = {};
  const candRejects: Record<string, number> = {};
  const dropped: Record<string, number> = {};
  for (const { file, result } of results) {
    const s: RunSummary = result.summary;
    compared += s.compared;
    matched += s.matched;
    orders += s.orders;
    events += s.events;
    wallMs += s.throughput.wallMs;
    prodExecuted += s.production.executed;
    add(byClass, s.divergences.byClass);
    add(bySeverity, s.divergences.bySeverity);
    add(prodRejects, s.production.rejectReasons);
    add(candRejects, s.candidate.rejectReasons);
    add(dropped, s.coverage.dropped);
    const ci = s.matchRateCi95 === null ? '-' : `${pct(s.matchRateCi95[0])}–${pct(s.matchRateCi95[1])}`;
    const e = s.expectations;
    console.log(
      `${file.replace(/\.jsonl$/, '').padEnd(22)}${nf.format(s.orders).padStart(7)}${(s.matchRate === null ? '-' : pct(s.matchRate)).padStart(9)}  ${ci.padEnd(15)}` +
        `${nf.format(s.divergences.total).padStart(8)}${String(s.divergences.bySeverity.critical).padStart(6)}${String(s.divergences.bySeverity.major).padStart(7)}${String(s.divergences.bySeverity.minor).padStart(7)}  ` +
        `${`${e.met}/${e.checked}`.padEnd(7)} ${top(s.divergences.byClass).split(' · ').slice(0, 3).join(' · ')}`,
    );
  }
  const ci = wilson95(matched, compared);
  console.log('');
  console.log(`overall      ${nf.format(orders)} orders in ${nf.format(events)} events; production executed ${nf.format(prodExecuted)}, candidate executed 0`);
  console.log(`match rate   ${pct(compared === 0 ? 0 : matched / compared)} (95% CI ${pct(ci.low)} – ${pct(ci.high)}), coverage ${nf.format(compared)}/${nf.format(orders)}, dropped: ${top(dropped)}`);
  console.log(`by class     ${top(byClass)}`);
  console.log(`by severity  ${top(bySeverity)}`);
  console.log(`rejects      production: ${top(prodRejects)}`);
  console.log(`             candidate:  ${top(candRejects)}`);
  console.log(`replay speed ${nf.format(Math.round(events / Math.max(wallMs, 1) * 1000))} events/s (read, decide, compare, write)`);
  console.log('');
  console.log('examples (one per class; full records with both decisions in each divergences.jsonl)');
  const seen = new Set<string>();
  for (const { file, result } of results) {
    for (const x of result.examples) {
      if (seen.has(x.class)) continue;
      seen.add(x.class);
      console.log(`  ${x.severity.padEnd(8)} ${x.class.padEnd(13)} ${file.replace(/\.jsonl$/, '')} ${x.order}: ${x.detail}`);
    }
  }
  const failed = results.flatMap(({ file, result }) => result.summary.expectations.failed.map((f) => `${file} ${f.text}`));
  console.log('');
  console.log(failed.length === 0 ? `expectations: all ${results.reduce((n, r) => n + r.result.summary.expectations.met, 0)} met` : `expectations FAILED:\n  ${failed.join('\n  ')}`);
  console.log(`run folders: ${options.outDir}/<scenario>/ (summary.json, divergences.jsonl, orders.jsonl, engine.log); each demo run replaces the previous demo's folders`);
  if (staged.length > 0) console.log(`rollouts (Go): ${staged.map((f) => `shadow-bridge stage scenarios/${f}`).join(' · ')}`);
  return allMet;
}

function namesRollout(file: string): boolean {
  const reader = new ScenarioReader(join(SCENARIOS_DIR, file));
  try {
    return reader.header.rollout !== null;
  } finally {
    reader.close();
  }
}
