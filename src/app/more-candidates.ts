// The candidates after the first, evaluated side by side in the engine's process: each a bundle
// or a module, with its own shadow queue, latency, files (candidates/<id>/) and finance. They only
// shadow: whoever executed an order, each is compared with production's decision on its context.

import { basename } from 'node:path';
import type { Stopwatch } from '../core/ports.js';
import { BridgeError } from '../core/errors.js';
import type { RoutingBundle } from '../core/routing/bundle.js';
import { isAsyncRouter, type AsyncRouter, type Router } from '../core/routing/router.js';
import { rebuildContext } from '../core/shadow/context.js';
import { DEFAULT_COMPARE_POLICY } from '../core/shadow/divergence.js';
import { ShadowRunner } from '../core/shadow/shadow-runner.js';
import { booksOf, FinanceLedger } from '../exporters/finance.js';
import { CANDIDATE_ID, type CandidateFiles, type RunFolder } from '../exporters/run-folder.js';
import { candidateSummaryOf, type CandidateSummary } from '../exporters/summary.js';
import { LatencyHistogram } from '../telemetry/latency.js';
import { loadCandidate, loadLiveCandidate, type LoadedRouter } from './candidate.js';
import { displayPath } from './paths.js';

/** A candidate in the engine's process: a mapping bundle folder or a Router module, named. */
export interface CandidateSpec {
  readonly id: string;
  readonly path: string;
}

/** `ID=PATH` or `PATH` (its id: the folder or file name without extension). */
export function parseCandidateArg(arg: string): CandidateSpec {
  const eq = arg.indexOf('=');
  if (eq > 0 && CANDIDATE_ID.test(arg.slice(0, eq))) return { id: arg.slice(0, eq), path: arg.slice(eq + 1) };
  return { id: defaultCandidateId(arg), path: arg };
}

export function defaultCandidateId(path: string): string {
  const name = basename(path.replace(/[\\/]+$/, '')).replace(/\.[A-Za-z0-9]+$/, '');
  const cleaned = name.replace(/[^A-Za-z0-9_.-]/g, '_').slice(0, 64);
  return CANDIDATE_ID.test(cleaned) ? cleaned : 'candidate';
}

/** The most candidates one run evaluates (each has its own queue, files and, for a module, a thread). */
export const MAX_CANDIDATES = 16;

/** Two candidates with one id would write one folder: refused, naming the id. */
export function checkCandidateIds(ids: readonly string[]): void {
  if (ids.length > MAX_CANDIDATES) throw new BridgeError('SB_ERR_CONFIG', `${ids.length} candidates: at most ${MAX_CANDIDATES} in one run`);
  const seen = new Set<string>();
  for (const id of ids) {
    if (!CANDIDATE_ID.test(id)) throw new BridgeError('SB_ERR_CONFIG', `candidate id "${id}": letters, digits, _ . - (1-64), not . or ..`);
    if (seen.has(id)) throw new BridgeError('SB_ERR_CONFIG', `candidate id "${id}" is used twice: name them ID=PATH`);
    seen.add(id);
  }
}

interface Member {
  readonly spec: CandidateSpec;
  readonly loaded: LoadedRouter & { close?: () => void };
  readonly bundle: RoutingBundle | null;
  runner: ShadowRunner | null;
  files: CandidateFiles | null;
  ledger: FinanceLedger | null;
  readonly latency: LatencyHistogram;
}

export interface MoreCandidatesWiring {
  readonly folder: RunFolder;
  readonly production: { readonly configHash: string; readonly bundle: RoutingBundle };
  readonly knownLps: ReadonlySet<string>;
  readonly stopwatch: Stopwatch;
  readonly maxQueue: number;
  readonly sampleRate: number;
  readonly budgetNs: number;
}

export class MoreCandidates {
  private constructor(private readonly members: Member[]) {}

  /** Loads every candidate (replay: modules answer synchronously; live: asynchronously). */
  static async load(specs: readonly CandidateSpec[], mode: 'replay' | 'live', budgetUs: number): Promise<MoreCandidates> {
    const members: Member[] = [];
    const timeoutMs = Math.max(1, Math.ceil(budgetUs / 1000));
    try {
      for (const spec of specs) {
        const loaded = mode === 'replay' ? await loadCandidate(spec.path, timeoutMs) : await loadLiveCandidate(spec.path, timeoutMs);
        const bundle = 'bundle' in loaded ? (loaded as { bundle: RoutingBundle }).bundle : null;
        members.push({ spec, loaded, bundle, runner: null, files: null, ledger: null, latency: new LatencyHistogram() });
      }
    } catch (error) {
      for (const m of members) {
        m.loaded.close?.();
        m.latency.destroy();
      }
      throw error;
    }
    return new MoreCandidates(members);
  }

  static none(): MoreCandidates {
    return new MoreCandidates([]);
  }

  get size(): number {
    return this.members.length;
  }

  /** Bundles of these candidates (finance books, price shadows). */
  bundles(): RoutingBundle[] {
    return this.members.flatMap((m) => (m.bundle === null ? [] : [m.bundle]));
  }

  /** Builds each candidate's runner, files and ledger; returns the runners for the engine. */
  wire(w: MoreCandidatesWiring, decorate?: (router: Router) => Router): ShadowRunner[] {
    for (const m of this.members) {
      m.files = w.folder.candidateFiles(m.spec.id);
      const router = m.loaded.router as Router | AsyncRouter;
      const aa = router.configHash === w.production.configHash;
      m.runner = new ShadowRunner(
        decorate !== undefined && !isAsyncRouter(router) ? decorate(router) : router,
        { maxQueue: w.maxQueue, sampleRate: w.sampleRate, budgetNs: w.budgetNs, policy: DEFAULT_COMPARE_POLICY, knownLps: w.knownLps, rebuildContext: aa ? rebuildContext : null },
        m.files,
        m.files,
        w.stopwatch,
        m.latency,
      );
      const ledger = new FinanceLedger(booksOf([w.production.bundle, ...(m.bundle === null ? [] : [m.bundle])]), { file: w.folder.path(`candidates/${m.spec.id}/finance.csv`) });
      m.ledger = ledger;
      m.runner.onCompared = (context, production, candidate) => ledger.onCompared(context.order.correlationId, production, candidate);
    }
    return this.runners();
  }

  runners(): ShadowRunner[] {
    return this.members.flatMap((m) => (m.runner === null ? [] : [m.runner]));
  }

  /** Each ledger sees what the run's own ledger sees: lifecycle steps and quotes. */
  onLifecycle(entry: Parameters<FinanceLedger['onLifecycle']>[0]): void {
    for (const m of this.members) m.ledger?.onLifecycle(entry);
  }

  onQuote(lp: string, lpSymbol: string, bidE8: number, askE8: number): void {
    for (const m of this.members) m.ledger?.onQuote(lp, lpSymbol, bidE8, askE8);
  }

  /** Runs every queue down (replay, after each event); `budgetNs` per candidate (live slices). */
  drain(budgetNs?: number): void {
    for (const m of this.members) if (m.runner !== null && m.runner.pending() > 0) m.runner.drain(budgetNs);
  }

  wantsDrain(): boolean {
    return this.members.some((m) => m.runner?.wantsDrain() === true);
  }

  summaries(): CandidateSummary[] {
    return this.members.flatMap((m) =>
      m.runner === null || m.files === null
        ? []
        : [
            candidateSummaryOf({
              id: m.spec.id,
              kind: m.bundle !== null ? 'bundle' : 'module',
              name: displayPath(m.spec.path),
              hash: m.runner.candidateHash,
              executes: false,
              counters: m.runner.counters,
              tally: m.files.tally,
              latency: m.latency.summaryUs(),
              files: `candidates/${m.spec.id}/`,
            }),
          ],
    );
  }

  /** finance.csv and finance-summary.csv of each candidate, in its folder. */
  writeFinance(folder: RunFolder): void {
    for (const m of this.members) m.ledger?.write(folder.path(`candidates/${m.spec.id}/finance.csv`), folder.path(`candidates/${m.spec.id}/finance-summary.csv`));
  }

  abandon(detail: string): void {
    for (const m of this.members) m.runner?.abandon(detail);
  }

  /** Stops module workers and frees the histograms; the summaries are final before this. */
  close(): void {
    for (const m of this.members) {
      m.loaded.close?.();
      m.latency.destroy();
    }
  }
}
