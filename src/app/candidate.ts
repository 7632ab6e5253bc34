// Resolves what `--candidate` names: a mapping bundle folder (the same engine on other tables)
// or a JavaScript/TypeScript module that exports a Router (run isolated in a worker thread).
// Only a bundle, or a module that declares itself trusted, may execute orders in a rollout.

import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { resolve } from 'node:path';
import type { DecisionContext } from '../core/shadow/context.js';
import type { Decision } from '../core/model/types.js';
import { BridgeError } from '../core/errors.js';
import { BundleRouter } from '../core/routing/bundle-router.js';
import type { AsyncRouter, Router } from '../core/routing/router.js';
import { loadBundle } from '../mappings/load-bundle.js';
import type { RoutingBundle } from '../core/routing/bundle.js';
import { AsyncIsolatedCandidate, IsolatedCandidate } from './isolated-candidate.js';

export interface LoadedRouter {
  readonly router: Router | AsyncRouter;
  readonly source: string;
  /** LPs the configuration knows (empty for a module). */
  readonly lps: readonly string[];
}

export function loadBundleRouter(dir: string, name: string): LoadedRouter & { readonly router: Router; readonly bundle: RoutingBundle } {
  const bundle = loadBundle(dir);
  return { router: new BundleRouter(name, bundle), source: dir, lps: [...bundle.lps.keys()], bundle };
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

/**
 * A module candidate that executes orders during a rollout. It said so itself (`export const
 * trust = 'execute'`) and runs in-process and synchronously, in the order path: every decision it
 * returns is validated and one that throws or is malformed falls back to production, but nothing
 * bounds its time, which is what "trusted" accepts. Its hash is the module file's, so sign-offs
 * bind the code, not what the code says about itself.
 */
export class TrustedModuleRouter implements Router {
  constructor(
    readonly name: string,
    readonly configHash: string,
    private readonly inner: Router,
  ) {}

  decide(context: DecisionContext): Decision {
    return this.inner.decide(context);
  }
}

/** Whether a router may execute orders for a rollout's cohort. */
export function canExecute(router: Router | AsyncRouter): router is Router {
  return router instanceof BundleRouter || router instanceof TrustedModuleRouter;
}

async function loadTrustedModule(file: string): Promise<LoadedRouter & { readonly router: Router }> {
  const path = resolve(file);
  let mod: Record<string, unknown>;
  try {
    mod = (await import(pathToFileURL(path).href)) as Record<string, unknown>;
  } catch (cause) {
    throw new BridgeError('SB_ERR_CANDIDATE_MODULE', `${file}: ${(cause as Error).message}`, { cause });
  }
  if (mod['trust'] !== 'execute') {
    throw new BridgeError('SB_ERR_ROLLOUT_CANDIDATE', `${file}: a module candidate is shadow-only (it runs in a worker); a rollout executes orders with the candidate in the order path, which needs a mapping bundle or a module that exports trust = 'execute'`);
  }
  let value: unknown = mod['default'] ?? mod['router'];
  if (value === undefined && typeof mod['createRouter'] === 'function') value = (mod['createRouter'] as () => unknown)();
  if (value === null || typeof value !== 'object' || typeof (value as Router).decide !== 'function') throw new BridgeError('SB_ERR_CANDIDATE_MODULE', `${file}: exports no Router (an object with decide(context)) as default, router or createRouter()`);
  const inner = value as Router;
  const hash = `sha256:${createHash('sha256').update(readFileSync(path)).digest('hex').slice(0, 16)}`;
  return { router: new TrustedModuleRouter(typeof inner.name === 'string' && inner.name !== '' ? inner.name : 'candidate', hash, inner), source: file, lps: [] };
}

/** A candidate that executes in a rollout: a bundle, or a module marked trusted (else refused). */
export async function loadExecutingCandidate(spec: string): Promise<LoadedRouter & { readonly router: Router }> {
  return isDirectory(spec) ? loadBundleRouter(spec, 'candidate') : loadTrustedModule(spec);
}
