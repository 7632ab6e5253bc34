// Reads a text file line by line with synchronous 1 MiB chunk reads: constant memory for
// scenarios of any size, and no event-loop turns between lines (replay stays deterministic).

import { closeSync, fstatSync, openSync, readdirSync, readSync } from 'node:fs';
import { join } from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import { BridgeError } from '../core/errors.js';

const CHUNK_BYTES = 1 << 20;
/** A line longer than this is not a scenario event; refuse it instead of buffering without end. */
export const MAX_LINE_CHARS = 1 << 20;

export class LineReader {
  private readonly fd: number;
  private readonly buffer = Buffer.allocUnsafe(CHUNK_BYTES);
  private readonly decoder = new StringDecoder('utf8');
  private pending = '';
  private lines: string[] = [];
  private index = 0;
  private eof = false;
  /** 1-based number of the line last returned. */
  lineNumber = 0;
  /** Bytes read so far, and the file's size when it was opened (for progress). */
  bytesRead = 0;
  readonly sizeBytes: number;

  constructor(readonly file: string) {
    let fd: number;
    try {
      fd = openSync(file, 'r');
    } catch (cause) {
      const code = (cause as NodeJS.ErrnoException).code;
      throw new BridgeError('SB_ERR_SCENARIO_IO', `${file}: ${code === 'ENOENT' ? 'no such file' : (cause as Error).message}`, { cause });
    }
    // A folder opens fine on Linux and fails only at the first read (EISDIR): say so up front.
    if (fstatSync(fd).isDirectory()) {
      closeSync(fd);
      const examples = (() => {
        try {
          return readdirSync(file).filter((f) => f.endsWith('.jsonl') || f.endsWith('.msgpack')).slice(0, 3);
        } catch {
          return [];
        }
      })();
      throw new BridgeError('SB_ERR_SCENARIO_IO', `${file} is a folder; give one scenario file${examples.length > 0 ? `, e.g. ${join(file, examples[0] as string)}` : ''}`);
    }
    this.fd = fd;
    this.sizeBytes = fstatSync(fd).size;
  }

  /** Returns the next line without its newline, or null at end of file. */
  next(): string | null {
    while (this.index >= this.lines.length) {
      if (this.eof) return null;
      this.fill();
    }
    this.lineNumber++;
    return this.lines[this.index++] as string;
  }

  close(): void {
    closeSync(this.fd);
  }

  private fill(): void {
    let n: number;
    try {
      n = readSync(this.fd, this.buffer, 0, CHUNK_BYTES, null);
      this.bytesRead += n;
    } catch (cause) {
      throw new BridgeError('SB_ERR_SCENARIO_IO', `${this.file}: ${(cause as Error).message}`, { cause });
    }
    let text: string;
    if (n === 0) {
      this.eof = true;
      text = this.pending + this.decoder.end();
      this.pending = '';
      this.lines = text.length > 0 ? [text.endsWith('\r') ? text.slice(0, -1) : text] : [];
      this.index = 0;
      return;
    }
    text = this.pending + this.decoder.write(this.buffer.subarray(0, n));
    const parts = text.split('\n');
    this.pending = parts.pop() as string;
    if (this.pending.length > MAX_LINE_CHARS) {
      throw new BridgeError('SB_ERR_SCENARIO_EVENT', `${this.file}:${this.lineNumber + parts.length + 1}: line longer than ${MAX_LINE_CHARS} characters`);
    }
    for (let i = 0; i < parts.length; i++) {
      const p = parts[i] as string;
      if (p.endsWith('\r')) parts[i] = p.slice(0, -1);
    }
    this.lines = parts;
    this.index = 0;
  }
}
