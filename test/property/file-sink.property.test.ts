// The batched file sink behind orders.jsonl and engine.log: whatever the line sizes, batch size,
// flush points and background writes, the file holds exactly the lines written, in order.

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { FileSink } from '../../src/telemetry/file-sink.js';

const dir = mkdtempSync(join(tmpdir(), 'sb-sink-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;
const nextFile = (): string => join(dir, `f${files++}.log`);
const settle = (): Promise<void> => new Promise((r) => setTimeout(r, 5));

type Step = { kind: 'line' | 'writeLine' | 'bytes' | 'direct'; text: string } | { kind: 'flush' } | { kind: 'flushSync' } | { kind: 'tick' };
const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 8, arbitrary: fc.string({ unit: 'grapheme', maxLength: 300 }).map((t) => ({ kind: 'line' as const, text: `${t}\n` })) },
  // The other ways in: a line without its newline, raw bytes, a record encoded into the buffer.
  { weight: 3, arbitrary: fc.tuple(fc.constantFrom('writeLine' as const, 'bytes' as const, 'direct' as const), fc.string({ unit: 'grapheme', maxLength: 300 })).map(([kind, t]) => ({ kind, text: t })) },
  { weight: 1, arbitrary: fc.constant({ kind: 'flush' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'flushSync' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'tick' as const }) },
);

describe('file sink', () => {
  it('keeps every line, in order, through batches, background writes and flushes', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(step, { maxLength: 120 }), fc.integer({ min: 1, max: 2_000 }), fc.boolean(), async (steps, batchChars, background) => {
        const file = nextFile();
        const sink = new FileSink(file, { mode: 'truncate', background, batchChars });
        let expected = '';
        for (const s of steps) {
          if (s.kind === 'line') {
            sink.write(s.text);
            expected += s.text;
          } else if (s.kind === 'writeLine') {
            sink.writeLine(s.text);
            expected += `${s.text}\n`;
          } else if (s.kind === 'bytes') {
            sink.writeBytes(Buffer.from(s.text, 'utf8'));
            expected += s.text;
          } else if (s.kind === 'direct') {
            sink.recordBuffer()!.utf8(s.text).byte(0x0a);
            sink.queued();
            expected += `${s.text}\n`;
          } else if (s.kind === 'flush') sink.flush();
          else if (s.kind === 'tick') await settle();
          else {
            // Durable at once, even with a batch still on the thread pool.
            sink.flushSync();
            expect(readFileSync(file, 'utf8')).toBe(expected);
          }
        }
        sink.close();
        expect(readFileSync(file, 'utf8')).toBe(expected);
        await settle(); // a background write that completes after close must not change the file
        expect(readFileSync(file, 'utf8')).toBe(expected);
      }),
      { numRuns: 150 },
    );
  });

  it('a flush asked for while a batch is on the thread pool is carried out when it completes', async () => {
    const file = nextFile();
    const sink = new FileSink(file, { mode: 'truncate', background: true, batchChars: 1 << 20 });
    sink.write('first\n');
    sink.flush(); // on the thread pool now
    sink.write('second\n');
    sink.flush(); // must not be forgotten: the periodic flush is all a quiet live run gets
    const deadline = Date.now() + 2_000;
    while (readFileSync(file, 'utf8') !== 'first\nsecond\n' && Date.now() < deadline) await settle();
    expect(readFileSync(file, 'utf8')).toBe('first\nsecond\n');
    sink.close();
  });

  it('appends after what the file holds, and a log line after close is still appended', async () => {
    const file = nextFile();
    writeFileSync(file, 'before\n');
    const sink = new FileSink(file, { mode: 'append', background: true, batchChars: 4 });
    sink.write('één\n'); // multi-byte: offsets are bytes, not characters
    sink.write('two\n');
    sink.close();
    sink.write('late\n');
    await settle();
    expect(readFileSync(file, 'utf8')).toBe('before\néén\ntwo\nlate\n');
  });

  it('refuses writes to a closed export and reports unwritable files with a code', () => {
    const sink = new FileSink(nextFile(), { mode: 'truncate', background: false });
    sink.close();
    expect(() => sink.write('x\n')).toThrow(expect.objectContaining({ code: 'SB_ERR_OUTPUT_IO' }));
    expect(() => new FileSink(join(dir, 'missing', 'f.log'), { mode: 'truncate', background: true })).toThrow(expect.objectContaining({ code: 'SB_ERR_OUTPUT_IO' }));
  });

  it('on a full disk an export fails closed with a code, and the log counts what it lost without throwing', async () => {
    // /dev/full accepts the open and fails every write with ENOSPC.
    const exportNow = new FileSink('/dev/full', { mode: 'truncate', background: false, batchChars: 1 });
    expect(() => exportNow.write('a\n')).toThrow(expect.objectContaining({ code: 'SB_ERR_OUTPUT_IO' }));
    expect(() => exportNow.write('b\n')).toThrow(expect.objectContaining({ code: 'SB_ERR_OUTPUT_IO' }));
    expect(() => exportNow.close()).toThrow(expect.objectContaining({ code: 'SB_ERR_OUTPUT_IO' }));

    const exportLater = new FileSink('/dev/full', { mode: 'truncate', background: true, batchChars: 1 });
    exportLater.write('a\n'); // goes to the thread pool, fails there
    const deadline = Date.now() + 2_000;
    let thrown: unknown = null;
    while (thrown === null && Date.now() < deadline) {
      await settle();
      try {
        exportLater.write('b\n');
      } catch (error) {
        thrown = error;
      }
    }
    expect(thrown).toMatchObject({ code: 'SB_ERR_OUTPUT_IO' });

    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      const log = new FileSink('/dev/full', { mode: 'append', background: false, batchChars: 1, onFailure: 'count' });
      for (let i = 0; i < 5; i++) log.write(`line ${i}\n`);
      log.close();
      expect(log.lostLines).toBe(4); // the first line's batch failed; the four after it were never tried
      expect(stderr.mock.calls.filter(([text]) => String(text).includes('SB_ERR_OUTPUT_IO'))).toHaveLength(1);
    } finally {
      stderr.mockRestore();
    }
  });
});

