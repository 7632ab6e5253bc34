// Summarises a V8 .cpuprofile (node --cpu-prof): self time by function and by source file, the
// top N of each, as shares of the profile's samples. For "what the profile says is left".
// node bin/run-ts.mjs bench/support/profile-top.ts FILE.cpuprofile [N=30] [FROM_S TO_S]
// FROM_S..TO_S: only samples in that span (seconds from the profile's start), e.g. the span where
// orders flowed, without start-up and shutdown; the per-second busy shares printed first find it.

import { readFileSync } from 'node:fs';

interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}

const [file = '', n = '30', fromS, toS] = process.argv.slice(2);
const profile = JSON.parse(readFileSync(file, 'utf8')) as { nodes: Node[]; samples: number[]; timeDeltas: number[] };
const byId = new Map(profile.nodes.map((x) => [x.id, x]));
const selfUs = new Map<number, number>();
const busyPerSecond: number[] = [];
const fromUs = fromS === undefined ? 0 : Number(fromS) * 1e6;
const toUs = toS === undefined ? Number.POSITIVE_INFINITY : Number(toS) * 1e6;
let atUs = 0;
for (let i = 0; i < profile.samples.length; i++) {
  const dt = profile.timeDeltas[i] ?? 0;
  atUs += dt;
  const id = profile.samples[i] as number;
  const idle = byId.get(id)?.callFrame.functionName === '(idle)';
  const second = Math.floor(atUs / 1e6);
  busyPerSecond[second] = (busyPerSecond[second] ?? 0) + (idle ? 0 : dt);
  if (atUs < fromUs || atUs > toUs) continue;
  selfUs.set(id, (selfUs.get(id) ?? 0) + dt);
}
console.log(`busy per second: ${busyPerSecond.map((us, s) => `${s}s ${Math.round(((us ?? 0) / 1e6) * 100)}%`).join(' · ')}`);
const total = [...selfUs.values()].reduce((a, b) => a + b, 0);
let idleUs = 0;
for (const [id, us] of selfUs) if (byId.get(id)?.callFrame.functionName === '(idle)') idleUs += us;
const parent = new Map<number, number>();
for (const x of profile.nodes) for (const c of x.children ?? []) parent.set(c, x.id);
/** The nearest frame in our own code (src/) at or above a node: the line to change. */
const oursOf = (id: number): string => {
  for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
    const f = byId.get(at)?.callFrame;
    if (f !== undefined && f.url.includes('/src/')) return `${f.functionName || '(anonymous)'}  ${f.url.replace(/^.*\/src\//, 'src/')}:${f.lineNumber + 1}`;
  }
  return '(no frame in src/)';
};
const byOurs = new Map<string, number>();
const byFunction = new Map<string, number>();
const byFile = new Map<string, number>();
for (const [id, us] of selfUs) {
  const f = byId.get(id)?.callFrame;
  if (f === undefined) continue;
  const where = f.url.replace(/^file:\/\//, '').replace(/^.*\/(node_modules\/[^/]+|src|bench)\//, '$1/');
  const fn = `${f.functionName || '(anonymous)'}  ${where}:${f.lineNumber + 1}`;
  byFunction.set(fn, (byFunction.get(fn) ?? 0) + us);
  const key = where === '' ? f.functionName : where;
  byFile.set(key, (byFile.get(key) ?? 0) + us);
  if (f.functionName !== '(idle)') byOurs.set(oursOf(id), (byOurs.get(oursOf(id)) ?? 0) + us);
}
const top = (m: Map<string, number>): string[] => [...m].filter(([k]) => !k.startsWith('(idle)')).sort((a, b) => b[1] - a[1]).slice(0, Number(n)).map(([k, us]) => `${((us / (total - idleUs)) * 100).toFixed(1).padStart(5)}%  ${k}`);
console.log(`${file}: ${(total / 1e6).toFixed(2)} s sampled, ${((total - idleUs) / 1e6).toFixed(2)} s busy; shares below are of the busy time`);
console.log('\nby function (self):');
console.log(top(byFunction).join('\n'));
console.log('\nby file (self):');
console.log(top(byFile).join('\n'));
console.log('\nby nearest frame in src/ (self time of everything it called outside src/ included):');
console.log(top(byOurs).join('\n'));
