// Resolves what `--candidate` names: a mapping bundle folder (the same engine on other tables)
// or a JavaScript/TypeScript module that exports a Router (run isolated in a worker thread).

import { statSync } from 'node:fs';
import { BridgeError } from '../core/errors.js';
import { BundleRouter } from '../core/routing/bundle-router.js';
import type { AsyncRouter, Router } from '../core/routing/router.js';
import { loadBundle } from '../mappings/load-bundle.js';
import { AsyncIsolatedCandidate, IsolatedCandidate } from './isolated-candidate.js';

export interface LoadedRouter {
  readonly router: Router | AsyncRouter;
  readonly source: string;
  /** LPs the configuration knows (empty for a module). */
  readonly lps: readonly string[];
}

export function loadBundleRouter(dir: string, name: string): LoadedRouter & { readonly router: Router } {
  const bundle = loadBundle(dir);
  return { router: new BundleRouter(name, bundle), source: dir, lps: [...bundle.lps.keys()] };
}

/**
 * A module candidate always runs in a worker (see isolated-candidate.ts): its code is not ours,
 * so it gets no chance to block the engine. `timeoutMs` bounds each of its decisions. Replay
 * waits for each answer, so it stays deterministic; the live engine never waits.
 */
export function loadModuleRouter(file: string, timeoutMs: number): LoadedRouter & { readonly router: Router; close(): void } {
  const router = IsolatedCandidate.start(file, timeoutMs);
  return { router, source: file, lps: [], close: () => router.close() };
}

function isDirectory(spec: string): boolean {
  try {
    return statSync(spec).isDirectory();
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new BridgeError('SB_ERR_CANDIDATE_NOT_FOUND', `${spec} does not exist: a candidate is a mapping bundle folder or a Router module file`, { cause });
    throw new BridgeError('SB_ERR_CANDIDATE_MODULE', `${spec}: ${(cause as Error).message}`, { cause });
  }
}

/** What `--candidate` names, for replay: a bundle, or a module answered synchronously. */
export async function loadCandidate(spec: string, timeoutMs: number): Promise<LoadedRouter & { readonly router: Router; close?: () => void }> {
  return isDirectory(spec) ? loadBundleRouter(spec, 'candidate') : loadModuleRouter(spec, timeoutMs);
}

/** The same for the live engine: a module candidate answers asynchronously (AsyncIsolatedCandidate). */
export async function loadLiveCandidate(spec: string, timeoutMs: number): Promise<LoadedRouter & { close?: () => void }> {
  if (isDirectory(spec)) return loadBundleRouter(spec, 'candidate');
  const router = AsyncIsolatedCandidate.start(spec, timeoutMs);
  return { router, source: spec, lps: [], close: () => router.close() };
}
