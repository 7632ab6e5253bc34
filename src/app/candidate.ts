// Resolves what `--candidate` names: a mapping bundle folder (the same engine on other tables)
// or a JavaScript/TypeScript module that exports a Router (run isolated in a worker thread).

import { statSync } from 'node:fs';
import { BridgeError } from '../core/errors.js';
import { BundleRouter } from '../core/routing/bundle-router.js';
import type { Router } from '../core/routing/router.js';
import { loadBundle } from '../mappings/load-bundle.js';
import { IsolatedCandidate } from './isolated-candidate.js';

export interface LoadedRouter {
  readonly router: Router;
  readonly source: string;
  /** LPs the configuration knows (empty for a module). */
  readonly lps: readonly string[];
}

export function loadBundleRouter(dir: string, name: string): LoadedRouter {
  const bundle = loadBundle(dir);
  return { router: new BundleRouter(name, bundle), source: dir, lps: [...bundle.lps.keys()] };
}

/**
 * A module candidate always runs in a worker (see isolated-candidate.ts): its code is not ours,
 * so it gets no chance to block the engine. `timeoutMs` bounds each of its decisions.
 */
export function loadModuleRouter(file: string, timeoutMs: number): LoadedRouter & { close(): void } {
  const router = IsolatedCandidate.start(file, timeoutMs);
  return { router, source: file, lps: [], close: () => router.close() };
}

export async function loadCandidate(spec: string, timeoutMs: number): Promise<LoadedRouter & { close?: () => void }> {
  let isDir = false;
  try {
    isDir = statSync(spec).isDirectory();
  } catch (cause) {
    throw new BridgeError('SB_ERR_CANDIDATE_MODULE', `${spec}: ${(cause as Error).message}`, { cause });
  }
  return isDir ? loadBundleRouter(spec, 'candidate') : loadModuleRouter(spec, timeoutMs);
}
