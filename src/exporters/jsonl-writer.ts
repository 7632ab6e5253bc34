// Appends JSON lines to a file through a 64 KiB in-memory buffer: one write call per batch,
// not per record. Records are written in the order they are given; nothing is dropped.

import { closeSync, openSync, writeSync } from 'node:fs';
import { BridgeError } from '../core/errors.js';

const FLUSH_CHARS = 64 * 1024;

export class JsonlWriter {
  private readonly fd: number;
  private buffer = '';
  count = 0;

  constructor(readonly file: string) {
    try {
      this.fd = openSync(file, 'w');
    } catch (cause) {
      throw new BridgeError('SB_ERR_OUTPUT_IO', `${file}: ${(cause as Error).message}`, { cause });
    }
  }

  write(record: unknown): void {
    this.buffer += `${JSON.stringify(record)}\n`;
    this.count++;
    if (this.buffer.length >= FLUSH_CHARS) this.flush();
  }

  flush(): void {
    if (this.buffer.length === 0) return;
    writeSync(this.fd, this.buffer);
    this.buffer = '';
  }

  close(): void {
    this.flush();
    closeSync(this.fd);
  }
}
