// The order-lifecycle log line is built by hand for speed; it must be the very bytes pino writes
// for the same object (only the millisecond timestamp may differ), whatever the ids hold.

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import type { LifecycleEntry } from '../../src/core/model/lifecycle.js';
import { FileSink } from '../../src/telemetry/file-sink.js';
import { FileLifecycleLog } from '../../src/telemetry/logger.js';

function both(entry: LifecycleEntry): [string, string] {
  const lines: string[] = [];
  const sink = { write: (line: string) => void lines.push(line) };
  const logger = pino({ level: 'info', base: null, timestamp: pino.stdTimeFunctions.epochTime }, sink);
  logger.info({ correlationId: entry.correlationId, step: entry.step, seq: entry.seq, clientOrderId: entry.clientOrderId, lp: entry.lp, rejectReason: entry.rejectReason });
  new FileLifecycleLog(logger, sink).step(entry);
  const untimed = (l: string | undefined): string => (l ?? '').replace(/"time":\d+/, '"time":0');
  return [untimed(lines[0]), untimed(lines[1])];
}

const entry = (over: Partial<LifecycleEntry> = {}): LifecycleEntry => ({ seq: 41, atUs: 1, step: 'routed', correlationId: 'r1-41', clientOrderId: 'C-1', lp: 'LP_ALPHA', rejectReason: null, fields: {}, ...over });

describe('the lifecycle log line', () => {
  it('is what pino writes for the same fields', () => {
    for (const e of [entry(), entry({ step: 'rejected', lp: null, rejectReason: 'market_closed' }), entry({ clientOrderId: 'quote " back\\slash \n newline \u0001 soh é 漢 😀' })]) {
      const [fromPino, ours] = both(e);
      expect(ours).toBe(fromPino);
      expect(JSON.parse(ours)).toMatchObject({ level: 30, correlationId: e.correlationId, clientOrderId: e.clientOrderId, step: e.step, seq: e.seq });
    }
  });

  it('is what pino writes for any ids, lone surrogates and control characters included', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 40 }), fc.string({ unit: 'binary', maxLength: 40 }), fc.option(fc.string({ maxLength: 12 }), { nil: null }), (clientOrderId, correlationId, lp) => {
        const [fromPino, ours] = both(entry({ clientOrderId, correlationId, lp }));
        expect(ours).toBe(fromPino);
      }),
      { numRuns: 1_000 },
    );
  });

  it('is the same bytes when encoded straight into the log file\'s buffer', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sb-lifelog-'));
    try {
      const entries = fc.sample(fc.record({ clientOrderId: fc.string({ unit: 'binary', maxLength: 40 }), correlationId: fc.string({ unit: 'binary', maxLength: 40 }), lp: fc.option(fc.string({ maxLength: 12 }), { nil: null }) }), 300).map((e) => entry(e));
      const file = join(dir, 'engine.log');
      const sink = new FileSink(file, { mode: 'truncate', background: false, batchChars: 2_000 });
      const log = new FileLifecycleLog(pino({ level: 'info' }, sink), sink);
      for (const e of entries) log.step(e);
      sink.close();
      const written = readFileSync(file, 'utf8').split('\n').slice(0, -1).map((l) => l.replace(/"time":\d+/, '"time":0'));
      expect(written).toEqual(entries.map((e) => both(e)[0].slice(0, -1)));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('writes nothing when info lines are off', () => {
    const lines: string[] = [];
    const sink = { write: (line: string) => void lines.push(line) };
    new FileLifecycleLog(pino({ level: 'warn' }, sink), sink).step(entry());
    expect(lines).toEqual([]);
  });
});
