#!/usr/bin/env node
// Plays the QuickFIX FIX 4.4 session acceptance scripts (../shared/conformance) against our
// fix-reflector, a fresh one per script, and prints the pass count. When the conformance folder
// is not beside the project (a plain clone), says so and skips: nothing else is skipped.

import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const conformance = resolve(root, '..', 'shared', 'conformance');
const runner = join(conformance, 'fixdef-runner.mjs');
// SB_CONFORMANCE_DIR: another folder of .def scripts (e.g. the rest of QuickFIX's suite, kept outside the project).
const scripts = process.env.SB_CONFORMANCE_DIR ?? join(conformance, 'quickfix-fix44');
if (!existsSync(runner) || !existsSync(scripts)) {
  console.log(`conformance: ${conformance} not found; the QuickFIX acceptance scripts were not run`);
  process.exit(0);
}

const port = await new Promise((res, rej) => {
  const s = createServer();
  s.once('error', rej);
  s.listen(0, '127.0.0.1', () => {
    const p = s.address().port;
    s.close(() => res(p));
  });
});
const store = mkdtempSync(join(tmpdir(), 'sb-conformance-'));
const defs = readdirSync(scripts).filter((f) => f.endsWith('.def')).sort().map((f) => join(scripts, f));
const bin = join(root, 'bin', 'shadow-bridge.mjs');
const serverCmd = `rm -rf '${store}/s' && exec '${process.execPath}' '${bin}' fix-reflector --port ${port} --dictionary '${join(conformance, 'FIX44.xml')}' --store '${store}/s'`;
const args = [runner, '--strict', '--port', String(port), '--server-cmd', serverCmd, ...process.argv.slice(2), ...defs];
console.log(`conformance: ${defs.length} QuickFIX FIX 4.4 acceptance scripts against shadow-bridge fix-reflector on 127.0.0.1:${port}`);
const child = spawn(process.execPath, args, { stdio: 'inherit' });
const code = await new Promise((res) => child.on('exit', (c) => res(c ?? 1)));
rmSync(store, { recursive: true, force: true });
process.exit(code);
