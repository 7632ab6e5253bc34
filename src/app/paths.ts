// Where the built-in bundles and scenarios live: relative to the package, not the working folder.

import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const PACKAGE_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const DEFAULT_PRODUCTION = join(PACKAGE_ROOT, 'mappings', 'production');
export const DEFAULT_CANDIDATE = join(PACKAGE_ROOT, 'mappings', 'candidate');
export const SCENARIOS_DIR = join(PACKAGE_ROOT, 'scenarios');

/** Paths in reports are relative to where the command ran, so runs on two machines compare. */
export function displayPath(path: string): string {
  const rel = relative(process.cwd(), resolve(path));
  return rel === '' ? '.' : rel;
}
