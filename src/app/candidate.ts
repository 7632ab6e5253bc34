// Resolves what `--candidate` names: a mapping bundle folder (the same engine on other tables)
// or a JavaScript/TypeScript module that exports a Router.

import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { BridgeError } from '../core/errors.js';
import { BundleRouter } from '../core/routing/bundle-router.js';
import type { Router } from '../core/routing/router.js';
import { loadBundle } from '../mappings/load-bundle.js';

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

function isRouter(value: unknown): value is Router {
  return value !== null && typeof value === 'object' && typeof (value as Router).decide === 'function';
}

/** Loads a candidate module: `export default` a Router, `export const router`, or `export function createRouter()`. */
export async function loadModuleRouter(file: string): Promise<LoadedRouter> {
  const path = resolve(file);
  let mod: Record<string, unknown>;
  try {
    mod = (await import(pathToFileURL(path).href)) as Record<string, unknown>;
  } catch (cause) {
    throw new BridgeError('SB_ERR_CANDIDATE_MODULE', `${file}: ${(cause as Error).message}`, { cause });
  }
  let value: unknown = mod['default'] ?? mod['router'];
  if (value === undefined && typeof mod['createRouter'] === 'function') value = (mod['createRouter'] as () => unknown)();
  if (!isRouter(value)) {
    throw new BridgeError('SB_ERR_CANDIDATE_MODULE', `${file}: exports no Router (an object with decide(context)) as default, router or createRouter()`);
  }
  const hash = `sha256:${createHash('sha256').update(readFileSync(path)).digest('hex').slice(0, 16)}`;
  const inner = value;
  const router: Router = {
    name: typeof inner.name === 'string' && inner.name.length > 0 ? inner.name : 'candidate',
    configHash: typeof inner.configHash === 'string' && inner.configHash.length > 0 ? inner.configHash : hash,
    decide: (context) => inner.decide(context),
  };
  return { router, source: file, lps: [] };
}

export async function loadCandidate(spec: string): Promise<LoadedRouter> {
  let isDir = false;
  try {
    isDir = statSync(spec).isDirectory();
  } catch (cause) {
    throw new BridgeError('SB_ERR_CANDIDATE_MODULE', `${spec}: ${(cause as Error).message}`, { cause });
  }
  return isDir ? loadBundleRouter(spec, 'candidate') : loadModuleRouter(spec);
}
