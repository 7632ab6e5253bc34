// Interop with QuickFIX C++ (Debian libquickfix-dev, our harness in interop/quickfix): a QuickFIX
// LP behind our engine and a QuickFIX platform client, both validating every message we send
// against QuickFIX's FIX 4.4 dictionary. Runs in a private network namespace (unshare -n) because
// QuickFIX acceptors bind 0.0.0.0. `npm test` builds the harness first (scripts/setup-quickfix.sh).

import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../support/builders.js';

const exec = promisify(execFile);

describe('interop with QuickFIX C++', () => {
  it('routes a QuickFIX client\'s orders to a QuickFIX LP and brings every fill back', async () => {
    expect(existsSync(join(ROOT, 'build', 'quickfix-harness')), 'build/quickfix-harness missing: run bash scripts/setup-quickfix.sh').toBe(true);
    const { stdout } = await exec('unshare', ['-n', 'sh', '-c', `ip link set lo up && exec '${process.execPath}' bin/run-ts.mjs interop/quickfix/run-scenario.ts`], { cwd: ROOT, timeout: 60_000 });
    const result = JSON.parse(stdout.trim().split('\n').at(-1) as string);
    expect(result.client.code).toBe(0);
    expect(result.client.lines[0]).toEqual({ answered: 20, filled: 20, rejected: 0, partial: 0 });
    expect(result.lp.lines.at(-1).orders).toBe(20);
    expect(result.lp.lines.at(-1).snapshots).toBeGreaterThanOrEqual(1);
    expect(result.executed).toBe(20);
    expect(result.candidateExecuted).toBe(0);
  });
});
