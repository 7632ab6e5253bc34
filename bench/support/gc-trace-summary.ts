// Scavenges from a V8 --trace-gc-nvp trace (BENCH_GC_TRACE=FILE, bench/support/hop-rig.ts): the
// median and 90th percentile of each one's pause, its parallel phase, and the bytes it copied
// within the young generation (survived) and into the old one (promoted). The first SKIP are
// left out (start-up, warm-up). Each column is ranked on its own.
//   node bin/run-ts.mjs bench/support/gc-trace-summary.ts FILE [SKIP=30]

import { readFileSync } from 'node:fs';

const [file = '', skipArg = '30'] = process.argv.slice(2);
const scavenges = readFileSync(file, 'utf8')
  .split('\n')
  .filter((line) => / gc=s /.test(line))
  .slice(Number(skipArg))
  .map((line) => Object.fromEntries([...line.matchAll(/([a-z_.]+)=([0-9.]+)/g)].map((m) => [m[1], Number(m[2])])) as Record<string, number>);
const quantile = (key: string, q: number): number => {
  const values = scavenges.map((s) => s[key] ?? 0).sort((x, y) => x - y);
  return values[Math.min(values.length - 1, Math.floor(q * values.length))] ?? 0;
};
const show = (key: string, unit: string, scale = 1): string => `${key} ${(quantile(key, 0.5) / scale).toFixed(scale === 1 ? 1 : 0)} / ${(quantile(key, 0.9) / scale).toFixed(scale === 1 ? 1 : 0)} ${unit}`;
console.log(`${scavenges.length} scavenges (median / p90): ${show('pause', 'ms')}, ${show('scavenge.parallel', 'ms')}, ${show('new_space_survived', 'KB', 1024)}, ${show('promoted', 'KB', 1024)}`);
