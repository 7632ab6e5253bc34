// What the engine holds on to per order: the objects in a later heap snapshot that were not in an
// earlier one (V8 keeps object ids across snapshots of one process), grouped by kind, per order.
// Plain objects are named by their first properties, strings by their text with digits as '#'.
// Snapshots from BENCH_HEAP_SNAPSHOT=PREFIX (bench/support/engine-process.ts):
//   node --max-old-space-size=8000 bin/run-ts.mjs bench/support/heap-diff.ts PREFIX.1 PREFIX.2 ORDERS [N=30]

import { readFileSync } from 'node:fs';

interface Snapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[]]; edge_fields: string[]; edge_types: [string[]] } };
  nodes: number[];
  edges: number[];
  strings: string[];
}

const [before = '', after = '', ordersArg = '1', n = '30'] = process.argv.slice(2);
const load = (file: string): Snapshot => JSON.parse(readFileSync(file, 'utf8')) as Snapshot;
const a = load(before);
const b = load(after);
const orders = Math.max(1, Number(ordersArg));
const meta = b.snapshot.meta;
const nodeFields = meta.node_fields.length;
const edgeFields = meta.edge_fields.length;
const at = (name: string): number => meta.node_fields.indexOf(name);
const [TYPE, NAME, ID, SIZE, EDGES] = [at('type'), at('name'), at('id'), at('self_size'), at('edge_count')];
const [EDGE_TYPE, EDGE_NAME] = [meta.edge_fields.indexOf('type'), meta.edge_fields.indexOf('name_or_index')];

const seen = new Set<number>();
for (let i = 0; i < a.nodes.length; i += nodeFields) seen.add(a.nodes[i + ID] as number);

const groups = new Map<string, { count: number; bytes: number }>();
let edge = 0;
let count = 0;
let bytes = 0;
for (let i = 0; i < b.nodes.length; i += nodeFields) {
  const edges = b.nodes[i + EDGES] as number;
  if (!seen.has(b.nodes[i + ID] as number)) {
    const type = meta.node_types[0][b.nodes[i + TYPE] as number] as string;
    const name = b.strings[b.nodes[i + NAME] as number] as string;
    let key: string;
    if (type.endsWith('string')) key = `${type} ${JSON.stringify(name.slice(0, 24).replace(/[0-9]+/g, '#'))}`;
    else if (type === 'object' && (name === 'Object' || name === 'Array')) {
      const props: string[] = [];
      for (let k = 0; k < edges && props.length < 5; k++) {
        const e = edge + k * edgeFields;
        if (meta.edge_types[0][b.edges[e + EDGE_TYPE] as number] === 'property') props.push(b.strings[b.edges[e + EDGE_NAME] as number] as string);
      }
      key = `${name} {${props.join(',')}}`;
    } else key = `${type} ${name.slice(0, 50)}`;
    const g = groups.get(key) ?? { count: 0, bytes: 0 };
    g.count++;
    g.bytes += b.nodes[i + SIZE] as number;
    groups.set(key, g);
    count++;
    bytes += b.nodes[i + SIZE] as number;
  }
  edge += edges * edgeFields;
}
console.log(`${count} new objects, ${bytes} bytes: ${(count / orders).toFixed(1)} objects and ${Math.round(bytes / orders)} B per order over ${orders} orders`);
console.log('objects/order  B/order  kind');
for (const [key, g] of [...groups].sort((x, y) => y[1].bytes - x[1].bytes).slice(0, Number(n))) {
  console.log(`${(g.count / orders).toFixed(2).padStart(13)}  ${String(Math.round(g.bytes / orders)).padStart(7)}  ${key}`);
}
