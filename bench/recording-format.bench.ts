// What it measures: a recording's size and how fast it is read, JSONL against the binary
// (.msgpack) format, on the same generated stream: bytes per event, events/s through
// ScenarioReader (read + decode + validate, no decisions), and one full file replay of each.
// Rounds alternate between the formats, so a neighbour's burst hits both.
//
// Usage: node --expose-gc bin/run-ts.mjs bench/recording-format.bench.ts [events=1000000] [rounds=5]

import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { runReplay } from '../src/app/replay.js';
import { convertJsonlToBinary } from '../src/replay/binary-recording.js';
import { ScenarioReader } from '../src/replay/scenario-reader.js';
import { generateBenchScenario } from './support/bench-scenario.js';
import { show, spreadOf, type Spread } from './support/stats.js';

export interface RecordingFormatResult {
  readonly events: number;
  readonly bytes: { readonly jsonl: number; readonly msgpack: number };
  readonly readEventsPerSec: { readonly jsonl: Spread; readonly msgpack: Spread };
  readonly fullReplayEventsPerSec: { readonly jsonl: number; readonly msgpack: number };
}

function readAll(file: string): number {
  const r = new ScenarioReader(file);
  let n = 0;
  try {
    while (r.next() !== null) n++;
  } finally {
    r.close();
  }
  return n;
}

export async function runRecordingFormatBench(n: number, rounds: number): Promise<RecordingFormatResult> {
  const dir = mkdtempSync(join(tmpdir(), 'sb-recfmt-'));
  try {
    const jsonl = join(dir, 'bench.jsonl');
    const bin = join(dir, 'bench.msgpack');
    generateBenchScenario(jsonl, n);
    convertJsonlToBinary(jsonl, bin);
    const rates = { jsonl: [] as number[], msgpack: [] as number[] };
    readAll(jsonl);
    readAll(bin); // warm-up
    for (let r = 0; r < rounds; r++) {
      for (const [fmt, file] of [['jsonl', jsonl], ['msgpack', bin]] as const) {
        (globalThis as { gc?: () => void }).gc?.();
        const t0 = performance.now();
        const events = readAll(file);
        rates[fmt].push(events / ((performance.now() - t0) / 1000));
      }
    }
    const full = async (file: string, out: string): Promise<number> => {
      const t0 = performance.now();
      await runReplay({ scenario: file, production: 'mappings/production', candidate: 'mappings/candidate', outDir: join(dir, out) });
      return Math.round(n / ((performance.now() - t0) / 1000));
    };
    return {
      events: n,
      bytes: { jsonl: statSync(jsonl).size, msgpack: statSync(bin).size },
      readEventsPerSec: { jsonl: spreadOf(rates.jsonl), msgpack: spreadOf(rates.msgpack) },
      fullReplayEventsPerSec: { jsonl: await full(jsonl, 'run-jsonl'), msgpack: await full(bin, 'run-msgpack') },
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const r = await runRecordingFormatBench(Number(process.argv[2] ?? 1_000_000), Number(process.argv[3] ?? 5));
  console.log(`events ${r.events.toLocaleString()}: JSONL ${r.bytes.jsonl.toLocaleString()} B (${(r.bytes.jsonl / r.events).toFixed(1)} B/event), msgpack ${r.bytes.msgpack.toLocaleString()} B (${(r.bytes.msgpack / r.events).toFixed(1)} B/event)`);
  console.log(`read events/s  JSONL ${show(r.readEventsPerSec.jsonl, 0)}  msgpack ${show(r.readEventsPerSec.msgpack, 0)}`);
  console.log(`full replay events/s  JSONL ${r.fullReplayEventsPerSec.jsonl.toLocaleString()}  msgpack ${r.fullReplayEventsPerSec.msgpack.toLocaleString()}`);
}
