// Reads a configuration file (mapping, plan, live config) as text, refusing what is not one: a
// device or a pipe (/dev/zero reads forever) or a file far larger than any configuration.

import { readFileSync, statSync } from 'node:fs';

/** Large enough for any real bundle file; small enough that a mistake cannot fill memory. */
export const MAX_CONFIG_BYTES = 16 * 1024 * 1024;

/** The file's text; throws an Error with `code` (ENOENT, EISDIR, ENOTREG, EFBIG) and a plain message. */
export function readTextFile(file: string, maxBytes = MAX_CONFIG_BYTES): string {
  const st = statSync(file);
  if (st.isDirectory()) throw Object.assign(new Error('is a folder, not a file'), { code: 'EISDIR' });
  if (!st.isFile()) throw Object.assign(new Error('is not a regular file (a device or a pipe?)'), { code: 'ENOTREG' });
  if (st.size > maxBytes) throw Object.assign(new Error(`is ${st.size} bytes; a configuration file is at most ${maxBytes}`), { code: 'EFBIG' });
  return readFileSync(file, 'utf8');
}
