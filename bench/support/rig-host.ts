// What every rig asks of the host: whether processes can be pinned to cores, a free loopback
// port, and a process's CPU time from /proc. One place, so the rigs measure the same way.

import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { cpus } from 'node:os';

/** Pin rig and process under test to separate cores when taskset exists and there are 2+ cores. */
export const PIN = cpus().length >= 2 && spawnSync('taskset', ['-V']).status === 0;

/** A port free on 127.0.0.1 right now (the kernel's choice; closed again before returning). */
export async function freeLoopbackPort(): Promise<number> {
  return new Promise<number>((res) => {
    const srv = createServer().listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => res(port));
    });
  });
}

/** utime + stime of a process, in clock ticks (100 a second), from /proc; 0 where there is none. */
export function cpuTicksOf(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return 0;
  }
}
