import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BridgeError } from '../../src/core/errors.js';
import { formatTimestampUs, parseTimestampUs } from '../../src/core/model/timestamps.js';
import { ScenarioReader } from '../../src/replay/scenario-reader.js';

const dir = mkdtempSync(join(tmpdir(), 'sb-scn-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const HEADER = '{"type":"header","schema":"shadow-bridge/scenario@1","name":"t","start":"2026-07-08T09:00:00Z","lps":["LP_ALPHA"]}';

function readAll(lines: string[]): { events: number; error: BridgeError | null } {
  const file = join(dir, `s${Math.random().toString(36).slice(2)}.jsonl`);
  writeFileSync(file, `${lines.join('\n')}\n`);
  let events = 0;
  try {
    const r = new ScenarioReader(file);
    try {
      while (r.next() !== null) events++;
    } finally {
      r.close();
    }
  } catch (error) {
    if (error instanceof BridgeError) return { events, error };
    throw error;
  }
  return { events, error: null };
}

const quoteLine = (ts: string, bid = '1.08500') => `{"ts":"${ts}","type":"quote","lp":"LP_ALPHA","symbol":"EUR/USD","bid":"${bid}","ask":"1.08502"}`;

describe('scenario reader', () => {
  it('reads a header and events, skipping blank and comment lines', () => {
    const r = readAll([HEADER, quoteLine('2026-07-08T09:00:00.100Z'), '', '// a note', quoteLine('2026-07-08T09:00:00.200Z')]);
    expect(r.error).toBeNull();
    expect(r.events).toBe(2);
  });

  it('names the file and line of a line that is not JSON', () => {
    const r = readAll([HEADER, quoteLine('2026-07-08T09:00:00.100Z'), '{"ts": oops}']);
    expect(r.error?.code).toBe('SB_ERR_SCENARIO_JSON');
    expect(r.error?.detail).toMatch(/\.jsonl:3: /);
    expect(r.events).toBe(1);
  });

  it('names the field of an invalid event', () => {
    const bad = readAll([HEADER, quoteLine('2026-07-08T09:00:00.100Z', '1.08x')]);
    expect(bad.error?.code).toBe('SB_ERR_SCENARIO_EVENT');
    expect(bad.error?.detail).toMatch(/\.jsonl:2 bid: "1\.08x" is not a decimal number/);
    const side = readAll([HEADER, '{"ts":"2026-07-08T09:00:01Z","type":"order","id":"O","account":"1","group":"g","symbol":"EURUSD","side":"long","ordType":"market","volume":"1"}']);
    expect(side.error?.detail).toMatch(/:2 side: must be one of buy, sell, was "long"/);
    const type = readAll([HEADER, '{"ts":"2026-07-08T09:00:01Z","type":"trade"}']);
    expect(type.error?.detail).toMatch(/:2 type: must be one of quote, order/);
    const float = readAll([HEADER, '{"ts":"2026-07-08T09:00:01Z","type":"quote","lp":"A","symbol":"S","bid":1.1,"ask":"1.2"}']);
    expect(float.error?.detail).toMatch(/bid: must be a decimal string/);
  });

  it('refuses time that goes backwards, and a missing or wrong header', () => {
    expect(readAll([HEADER, quoteLine('2026-07-08T09:00:01Z'), quoteLine('2026-07-08T09:00:00.5Z')]).error?.code).toBe('SB_ERR_SCENARIO_TIME_WENT_BACKWARDS');
    expect(readAll([quoteLine('2026-07-08T09:00:01Z')]).error?.code).toBe('SB_ERR_SCENARIO_HEADER');
    expect(readAll([HEADER.replace('scenario@1', 'scenario@9')]).error?.detail).toMatch(/:1 schema/);
  });

  it('keeps microseconds exactly', () => {
    expect(parseTimestampUs('2026-07-08T09:00:00.000001Z')).toBe(Date.parse('2026-07-08T09:00:00Z') * 1000 + 1);
    expect(parseTimestampUs('2026-07-08T09:00:00Z')).toBe(Date.parse('2026-07-08T09:00:00Z') * 1000);
    expect(parseTimestampUs('2026-07-08 09:00:00Z')).toBeNull();
    expect(parseTimestampUs('2026-07-08T09:00:00.1234567Z')).toBeNull();
    const us = Date.parse('2026-07-08T09:00:00Z') * 1000 + 123_456;
    expect(parseTimestampUs(formatTimestampUs(us))).toBe(us);
  });
});
