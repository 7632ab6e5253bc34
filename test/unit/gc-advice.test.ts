// The engine says, at start, when V8's GC helper threads would share its one core (it cannot
// change that itself: V8 takes the flag only at start-up).

import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { gcMode, SINGLE_THREADED_GC_FLAG } from '../../src/app/live/gc-advice.js';

describe('gcMode', () => {
  it('advises --single-threaded-gc on one core without it, and nothing otherwise', () => {
    expect(gcMode(1, []).advice).toContain(`start node with ${SINGLE_THREADED_GC_FLAG}`);
    expect(gcMode(1, [SINGLE_THREADED_GC_FLAG])).toEqual({ cores: 1, singleThreadedGc: true, advice: null });
    expect(gcMode(2, [])).toEqual({ cores: 2, singleThreadedGc: false, advice: null });
    expect(gcMode(8, ['--max-old-space-size=4096']).advice).toBeNull();
  });

  it('reads the process\'s real CPU affinity: a process pinned by taskset sees one core', () => {
    if (spawnSync('taskset', ['-V']).status !== 0) return expect.fail('taskset (util-linux) is part of the Debian base image');
    const probe = `import('${new URL('../../src/app/live/gc-advice.ts', import.meta.url).pathname}').then((m) => console.log(JSON.stringify(m.gcMode())))`;
    const run = (flags: string[]) => spawnSync('taskset', ['-c', '0', process.execPath, ...flags, '--import', 'tsx', '-e', probe], { encoding: 'utf8' });
    const pinned = run([]);
    expect(pinned.status, pinned.stderr).toBe(0);
    expect(JSON.parse(pinned.stdout)).toMatchObject({ cores: 1, singleThreadedGc: false });
    const fixed = run([SINGLE_THREADED_GC_FLAG]);
    expect(JSON.parse(fixed.stdout)).toEqual({ cores: 1, singleThreadedGc: true, advice: null });
  });
});
