// `shadow-bridge evidence RUN_DIR --out DIR`: the evidence pack compliance files. The run's
// summary, divergences, orders and reconciliation, the audit log with its verification, the
// gate history, the sign-offs, any drill report, and the exact bundles and plan that ran, each
// checked against the hash the run recorded. A MANIFEST lists every file's sha256.

import { createHash } from 'node:crypto';
import { copyFileSync, cpSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, join, relative, resolve } from 'node:path';
import { BridgeError } from '../core/errors.js';
import { verifyAudit } from '../exporters/audit-log.js';
import type { RunSummary } from '../exporters/summary.js';
import { CANDIDATE_ID } from '../exporters/run-folder.js';
import { loadBundle } from '../mappings/load-bundle.js';
import { loadPlan } from '../mappings/load-plan.js';

export interface EvidenceOptions {
  readonly runDir: string;
  readonly outDir: string;
  /** Where the bundles and plan are, when the paths the summary names do not resolve from here. */
  readonly production?: string;
  readonly candidate?: string;
  readonly plan?: string;
}

export interface EvidenceResult {
  readonly outDir: string;
  readonly files: readonly { readonly path: string; readonly sha256: string }[];
  readonly audit: { readonly verified: boolean; readonly records: number; readonly head: string | null; readonly problem: string | null };
}

const RUN_FILES = ['summary.json', 'divergences.jsonl', 'orders.jsonl', 'reconciliation.jsonl', 'shadow-faults.jsonl', 'finance.csv', 'finance-summary.csv', 'drill.json', 'continues.txt', 'continued-in.txt'];

/** What a further candidate has in candidates/<id>/. */
const CANDIDATE_FILES = ['divergences.jsonl', 'shadow-faults.jsonl', 'finance.csv', 'finance-summary.csv'];

function sha256(file: string): string {
  return createHash('sha256').update(readFileSync(file)).digest('hex');
}

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? walk(p) : [p];
  });
}

/** The first of the candidates that exists. */
function locate(candidates: readonly (string | undefined)[]): string | null {
  for (const c of candidates) if (c !== undefined && existsSync(c)) return c;
  return null;
}

/** Written into a staging folder and renamed into place: a refused pack leaves nothing behind. */
export function writeEvidence(options: EvidenceOptions): EvidenceResult {
  if (existsSync(options.outDir) && readdirSync(options.outDir).length > 0) throw new BridgeError('SB_ERR_EVIDENCE', `${options.outDir} is not empty: an evidence pack is written into an empty folder`);
  const staging = `${resolve(options.outDir)}.partial-${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  try {
    const result = writeInto({ ...options, outDir: staging });
    rmSync(options.outDir, { recursive: true, force: true });
    renameSync(staging, options.outDir);
    return { ...result, outDir: options.outDir };
  } catch (error) {
    rmSync(staging, { recursive: true, force: true });
    throw error;
  }
}

function writeInto(o: EvidenceOptions): EvidenceResult {
  const summaryFile = join(o.runDir, 'summary.json');
  if (!existsSync(summaryFile)) throw new BridgeError('SB_ERR_EVIDENCE', `${o.runDir}: no summary.json; give a run folder (replay, stage or run wrote one)`);
  let summary: RunSummary;
  try {
    summary = JSON.parse(readFileSync(summaryFile, 'utf8')) as RunSummary;
  } catch (cause) {
    throw new BridgeError('SB_ERR_EVIDENCE', `${summaryFile}: not valid JSON (${(cause as Error).message})`, { cause });
  }
  mkdirSync(o.outDir, { recursive: true });
  // Regular files only: a link to a device (/dev/full reads zeros forever) is not evidence.
  const isFile = (p: string): boolean => existsSync(p) && statSync(p).isFile();
  for (const f of RUN_FILES) if (isFile(join(o.runDir, f))) copyFileSync(join(o.runDir, f), join(o.outDir, f));
  // Each further candidate's records, as the summary lists them (candidates/<id>/).
  for (const c of summary.candidates ?? []) {
    if (typeof c.files !== 'string' || !c.files.startsWith('candidates/') || !CANDIDATE_ID.test(c.id)) continue;
    const from = join(o.runDir, 'candidates', c.id);
    const to = join(o.outDir, 'candidates', c.id);
    for (const f of CANDIDATE_FILES) {
      if (!isFile(join(from, f))) continue;
      mkdirSync(to, { recursive: true });
      copyFileSync(join(from, f), join(to, f));
    }
  }

  // The audit log and its verification, against the head the summary recorded.
  const auditFile = [join(o.runDir, 'audit.jsonl'), summary.rollout?.audit.path].find((p) => p !== undefined && isFile(p)) ?? null;
  let audit: EvidenceResult['audit'] = { verified: false, records: 0, head: null, problem: 'no audit log: the run had no rollout' };
  if (auditFile !== null) {
    copyFileSync(auditFile, join(o.outDir, 'audit.jsonl'));
    // The summary's head is checked when the summary saw the whole log (a live summary written
    // before a kill may trail it); a log shorter than the summary says was cut at the end.
    const recorded = summary.rollout?.audit;
    const lines = countLines(auditFile);
    const verdict = verifyAudit(auditFile, recorded !== undefined && recorded.records === lines ? recorded.head : undefined);
    if (!verdict.ok) audit = { verified: false, records: 0, head: null, problem: verdict.problem };
    else if (recorded !== undefined && recorded.records > lines) audit = { verified: false, records: lines, head: verdict.head, problem: `the summary recorded ${recorded.records} records, the log holds ${lines}: lines were removed from the end` };
    else audit = { verified: true, records: verdict.lines, head: verdict.head, problem: null };
    const records = readFileSync(auditFile, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
    writeJson(join(o.outDir, 'signoffs.json'), records.filter((r) => r['kind'] === 'signoff' || r['kind'] === 'signoff_refused'));
    writeJson(join(o.outDir, 'access-log.json'), records.filter((r) => (typeof r['kind'] === 'string' && r['kind'].startsWith('admin_')) || r['kind'] === 'operator_command'));
  }
  writeFileSync(join(o.outDir, 'audit-verification.txt'), audit.verified ? `audit.jsonl: ${audit.records} records, chain intact; head ${audit.head}\n` : `audit.jsonl: NOT VERIFIED: ${audit.problem}\n`);
  if (summary.rollout !== undefined) writeJson(join(o.outDir, 'gate-history.json'), { plan: summary.rollout.plan, finalState: summary.rollout.finalState, steps: summary.rollout.steps });

  // The exact configuration: each copy is loaded and must hash to what the run recorded.
  const configs: string[] = [];
  const copyBundle = (role: 'production' | 'candidate', given: string | undefined, recorded: { name: string; hash: string } | null): void => {
    if (recorded === null) return;
    const dir = locate([given, resolve(recorded.name), resolve(o.runDir, '..', recorded.name)]);
    if (dir === null) throw new BridgeError('SB_ERR_EVIDENCE', `the ${role} bundle ${recorded.name} is not found from here; pass --${role} DIR`);
    const hash = statSync(dir).isDirectory() ? loadBundle(dir).hash : null;
    if (hash !== null && hash !== recorded.hash) throw new BridgeError('SB_ERR_EVIDENCE', `${dir} hashes to ${hash}, the run recorded ${recorded.hash}: it changed since, it is not the bundle that ran`);
    const target = join(o.outDir, 'config', role);
    if (statSync(dir).isDirectory()) cpSync(dir, target, { recursive: true });
    else {
      mkdirSync(target, { recursive: true });
      copyFileSync(dir, join(target, basename(dir)));
    }
    configs.push(`config/${role}/  ${recorded.hash}${hash === null ? ' (a module: its hash is the one it reports)' : ' (verified)'}`);
  };
  copyBundle('production', o.production, summary.configs.production);
  copyBundle('candidate', o.candidate, summary.configs.candidate);
  // Further in-process candidates' bundles, where they are found from here; a remote one's are
  // on its worker's host. One found but changed is refused like the first candidate's.
  for (const c of (summary.candidates ?? []).slice(1)) {
    if (c.kind !== 'bundle' || c.hash === null || !CANDIDATE_ID.test(c.id)) continue;
    const dir = locate([resolve(c.name), resolve(o.runDir, '..', c.name)]);
    if (dir === null || !statSync(dir).isDirectory()) {
      configs.push(`config/candidates/${c.id}/  NOT INCLUDED: ${c.name} is not found from here`);
      continue;
    }
    const hash = loadBundle(dir).hash;
    if (hash !== c.hash) throw new BridgeError('SB_ERR_EVIDENCE', `${dir} (candidate ${c.id}) hashes to ${hash}, the run recorded ${c.hash}: it changed since, it is not the bundle that ran`);
    cpSync(dir, join(o.outDir, 'config', 'candidates', c.id), { recursive: true });
    configs.push(`config/candidates/${c.id}/  ${c.hash} (verified)`);
  }
  if (summary.rollout !== undefined) {
    const file = locate([o.plan, summary.rollout.plan.file]);
    if (file === null) throw new BridgeError('SB_ERR_EVIDENCE', `the plan ${summary.rollout.plan.file} is not found; pass --plan FILE`);
    const plan = loadPlan(file);
    if (plan.hash !== summary.rollout.plan.hash) throw new BridgeError('SB_ERR_EVIDENCE', `${file} hashes to ${plan.hash}, the run recorded ${summary.rollout.plan.hash}: it is not the plan that ran`);
    mkdirSync(join(o.outDir, 'config'), { recursive: true });
    copyFileSync(file, join(o.outDir, 'config', 'plan.yaml'));
    configs.push(`config/plan.yaml  ${plan.hash} (verified)`);
  }

  writeFileSync(join(o.outDir, 'README.md'), readme(summary, audit, configs));
  const files = walk(o.outDir).sort().map((p) => ({ path: relative(o.outDir, p), sha256: sha256(p) }));
  writeFileSync(join(o.outDir, 'MANIFEST.sha256'), files.map((f) => `${f.sha256}  ${f.path}\n`).join(''));
  return { outDir: o.outDir, files, audit };
}

function countLines(file: string): number {
  return readFileSync(file, 'utf8').split('\n').filter(Boolean).length;
}

function writeJson(file: string, value: unknown): void {
  writeFileSync(file, `${JSON.stringify(value, null, 2)}\n`);
}

function readme(s: RunSummary, audit: EvidenceResult['audit'], configs: readonly string[]): string {
  const r = s.rollout;
  return `# Evidence pack: ${s.scenario.name}

${s.scenario.description}

Written by \`shadow-bridge evidence\`. Every file's sha256 is in \`MANIFEST.sha256\`
(\`sha256sum -c MANIFEST.sha256\` checks them; the manifest does not list itself).

| file | what it is |
|---|---|
| \`summary.json\` | the run's summary: orders, match rate with its 95% interval, divergences by class and severity, who executed, latency${r === undefined ? '' : ', the rollout'} |
| \`divergences.jsonl\` | one record per divergence: correlation id, both decisions, context hash, who executed |
| \`orders.jsonl\` | every order's lifecycle, with the router that executed it |
| \`reconciliation.jsonl\` | breaks between the engine's view of an order and its LP's (live runs) |
| \`shadow-faults.jsonl\` | candidate errors and timeouts |
| \`finance.csv\`, \`finance-summary.csv\` | markup revenue of both routers per order and per day, LP, group and symbol, executed or modelled |
| \`audit.jsonl\` | the hash-chained audit log: state changes, gate actions, commands, sign-offs, admin calls |
| \`audit-verification.txt\` | the chain's verification (\`shadow-bridge audit verify\`) |
| \`gate-history.json\` | every step and gate action of the rollout, with the reading behind it |
| \`signoffs.json\` | the sign-offs (role, name, time, the hashes approved) and refused ones |
| \`access-log.json\` | every admin API call and operator command, refusals included |
| \`drill.json\` | a rollback drill's report, if this run was one |
| \`config/\` | the exact production and candidate bundles and the plan that ran |

## Verdict

- Orders ${s.orders}, compared ${s.compared}, match rate ${s.matchRate === null ? '-' : `${(s.matchRate * 100).toFixed(2)}%`}${s.matchRateCi95 === null ? '' : ` (95% CI ${(s.matchRateCi95[0] * 100).toFixed(2)}%-${(s.matchRateCi95[1] * 100).toFixed(2)}%)`}
- Divergences ${s.divergences.total}: critical ${s.divergences.bySeverity.critical}, major ${s.divergences.bySeverity.major}, minor ${s.divergences.bySeverity.minor}
- Executed by production ${s.production.executed}, by the candidate ${s.candidate.executed}
${r === undefined ? '- No rollout in this run' : `- Rollout ${r.plan.name}: ${r.finalState} (${r.steps.length} steps and actions; see gate-history.json)`}
- Audit log: ${audit.verified ? `${audit.records} records, chain intact, head ${audit.head}` : `not verified: ${audit.problem}`}

## Configuration

${configs.map((c) => `- ${c}`).join('\n')}
`;
}
