// Summarises a V8 sampling heap profile (bench/support/engine-process.ts, BENCH_HEAP_SAMPLE=FILE):
// bytes allocated by function (self), and by the nearest frame in our own code (src/), the line
// to change. node bin/run-ts.mjs bench/support/heap-top.ts FILE [N=30] [ORDERS]

import { readFileSync } from 'node:fs';

interface Frame {
  functionName: string;
  url: string;
  lineNumber: number;
}
interface Node {
  callFrame: Frame;
  selfSize: number;
  children: Node[];
}

const [file = '', n = '30', orders] = process.argv.slice(2);
const root = (JSON.parse(readFileSync(file, 'utf8')) as { head: Node }).head;
const name = (f: Frame): string => `${f.functionName || '(anonymous)'}  ${f.url.replace(/^file:\/\//, '').replace(/^.*\/(node_modules\/[^/]+|src|bench)\//, '$1/')}:${f.lineNumber + 1}`;
const bySelf = new Map<string, number>();
const byOurs = new Map<string, number>();
let total = 0;
const walk = (node: Node, stack: Frame[]): void => {
  const here = [...stack, node.callFrame];
  if (node.selfSize > 0) {
    total += node.selfSize;
    bySelf.set(name(node.callFrame), (bySelf.get(name(node.callFrame)) ?? 0) + node.selfSize);
    const ours = [...here].reverse().find((f) => f.url.includes('/src/'));
    const key = ours === undefined ? '(no frame in src/)' : name(ours);
    byOurs.set(key, (byOurs.get(key) ?? 0) + node.selfSize);
  }
  for (const c of node.children) walk(c, here);
};
walk(root, []);
const per = orders === undefined ? '' : ` (${Math.round(total / Number(orders))} B per order over ${orders} orders)`;
const top = (m: Map<string, number>): string[] => [...m].sort((a, b) => b[1] - a[1]).slice(0, Number(n)).map(([k, b]) => `${((b / total) * 100).toFixed(1).padStart(5)}%  ${(b / 1e6).toFixed(1).padStart(7)} MB  ${k}`);
console.log(`${file}: ${(total / 1e6).toFixed(1)} MB sampled${per}`);
console.log('\nby function (self):');
console.log(top(bySelf).join('\n'));
console.log('\nby nearest frame in src/:');
console.log(top(byOurs).join('\n'));
