// Appends JSON lines to a file in batches (see FileSink): records are written in the order they
// are given and nothing is dropped. Live runs write in the background; replays on the caller.

import type { BridgeError } from '../core/errors.js';
import type { ByteBuilder } from '../core/util/byte-builder.js';
import { FileSink } from '../telemetry/file-sink.js';

export class JsonlWriter {
  private readonly sink: FileSink;
  count = 0;

  /** `onFailure`: see FileSinkOptions; 'count' never throws, and failure() tells. */
  constructor(readonly file: string, background = false, onFailure: 'throw' | 'count' = 'throw') {
    this.sink = new FileSink(file, { mode: 'truncate', background, onFailure });
  }

  /** Why the file can no longer be written, or null. */
  failure(): BridgeError | null {
    return this.sink.failureReason;
  }

  /** Records given after the file failed, never written. */
  get lost(): number {
    return this.sink.lostLines;
  }

  write(record: unknown): void {
    this.writeJson(JSON.stringify(record));
  }

  /** A record already serialized as one line of JSON. */
  writeJson(json: string): void {
    this.sink.writeLine(json);
    this.count++;
  }

  /**
   * The buffer to write one JSON line into directly (no newline: committed() adds it), or null
   * when the file is closed or failed (then give the line to writeJson, which counts or throws).
   */
  lineBuffer(): ByteBuilder | null {
    return this.sink.recordBuffer();
  }

  /** Ends the line written into lineBuffer(). */
  committed(): void {
    this.sink.recordBuffer()?.byte(0x0a);
    this.sink.queued();
    this.count++;
  }

  /** Starts writing out what is buffered (in the background for a background writer). */
  flush(): void {
    this.sink.flush();
  }

  /** Writes out what is buffered now, on this thread (never throws for a 'count' writer). */
  flushSync(): void {
    this.sink.flushSync();
  }

  close(): void {
    this.sink.close();
  }
}
