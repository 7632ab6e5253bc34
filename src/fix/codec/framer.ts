// Splits a TCP byte stream into FIX messages: handles frames split across reads, several frames
// per read and garbage between frames. Validates BeginString/BodyLength/CheckSum framing; a bad
// frame is reported and skipped, and the stream resynchronises on the next "8=FIX".

export type GarbledReason = 'garbage' | 'bad_header' | 'bad_body_length' | 'bad_checksum' | 'too_large';

export interface FrameHandler {
  /** A complete frame in buf[start, end): valid only during the call. */
  onFrame(buf: Buffer, start: number, end: number): void;
  /** Bytes that are not a valid frame were dropped (never a crash, never a stall on garbage). */
  onGarbled(reason: GarbledReason, detail: string): void;
}

// Module-local, not imported: an imported binding is re-loaded and hole-checked on every use.
const SOH = 0x01;
const B8 = 0x38;
const EQ = 0x3d;
const F = 0x46;
const I = 0x49;
const X = 0x58;
const B9 = 0x39;
const B1 = 0x31;
const B0 = 0x30;
const BEGIN_STRING_PREFIX = Uint8Array.of(B8, EQ, F, I, X); // "8=FIX"
const MAX_BEGIN_STRING = 32;
const TRAILER_BYTES = 7; // "10=ddd" + SOH

export const DEFAULT_MAX_MESSAGE_BYTES = 64 * 1024;

export class FixFramer {
  private buf: Buffer;
  private start = 0;
  private end = 0;
  /** Frames, garbled frames and garbage bytes seen: counters for logs and tests. */
  readonly stats = { frames: 0, garbled: 0, garbageBytes: 0 };

  /**
   * `deferChecksum`: the handler verifies CheckSum(10) itself while it parses (FixMessage.parse
   * with verifyChecksum), so the bytes are walked once, not twice. The framer still checks that
   * "10=ddd" sits exactly where BodyLength says.
   */
  constructor(
    private readonly handler: FrameHandler,
    private readonly maxMessageBytes = DEFAULT_MAX_MESSAGE_BYTES,
    private readonly deferChecksum = false,
  ) {
    this.buf = Buffer.allocUnsafe(Math.min(maxMessageBytes, 16 * 1024));
  }

  /** Frames `length` bytes of `chunk` (all of it by default; a reused read buffer passes fewer). */
  push(chunk: Uint8Array, length = chunk.length): void {
    if (this.end === this.start) {
      // Nothing pending (the usual case): frame straight from the chunk, zero copy, and keep
      // only an incomplete tail, if any.
      const own = this.buf;
      this.buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
      this.start = 0;
      this.end = length;
      try {
        this.extract();
      } finally {
        const restStart = this.start;
        const restEnd = this.end;
        const view = this.buf;
        this.buf = own;
        this.start = 0;
        this.end = 0;
        if (restEnd > restStart) this.append(view.subarray(restStart, restEnd));
      }
      return;
    }
    this.append(length === chunk.length ? chunk : chunk.subarray(0, length));
    this.extract();
  }

  /** Bytes received and not yet part of a complete frame. */
  pending(): number {
    return this.end - this.start;
  }

  private append(chunk: Uint8Array): void {
    const needed = this.end - this.start + chunk.length;
    if (this.end + chunk.length > this.buf.length) {
      if (needed <= this.buf.length && this.start > 0) {
        this.buf.copy(this.buf, 0, this.start, this.end);
      } else {
        let size = this.buf.length * 2;
        while (size < needed) size *= 2;
        const next = Buffer.allocUnsafe(size);
        this.buf.copy(next, 0, this.start, this.end);
        this.buf = next;
      }
      this.end -= this.start;
      this.start = 0;
    }
    this.buf.set(chunk, this.end);
    this.end += chunk.length;
  }

  private garbled(reason: GarbledReason, detail: string, skipTo: number): void {
    this.stats.garbled++;
    this.start = skipTo;
    this.handler.onGarbled(reason, detail);
  }

  /**
   * Index of the next "8=FIX" at or after `from`, or -1. Anywhere, not only after an SOH:
   * a message glued to garbage must still be found (QuickFIX's parser does the same).
   */
  private findBegin(from: number): number {
    const buf = this.buf;
    for (let i = from; i + 4 < this.end; i++) {
      if (buf[i] === B8 && buf[i + 1] === EQ && buf[i + 2] === F && buf[i + 3] === I && buf[i + 4] === X) return i;
    }
    return -1;
  }

  private extract(): void {
    const buf = this.buf;
    while (this.end - this.start > 0) {
      const s = this.start;
      // 1. Resynchronise on "8=F".
      if (!this.beginsAt(s)) {
        const next = this.findBegin(s + 1);
        const dropTo = next === -1 ? Math.max(s, this.end - 4) : next;
        if (dropTo > s) {
          this.stats.garbageBytes += dropTo - s;
          this.garbled('garbage', `${dropTo - s} bytes before a BeginString`, dropTo);
          continue;
        }
        return;
      }
      if (this.end - s < 5) return;
      // 2. BeginString field.
      let i = s + 2;
      while (i < this.end && buf[i] !== SOH && i - s <= MAX_BEGIN_STRING) i++;
      if (i - s > MAX_BEGIN_STRING) {
        this.garbled('bad_header', 'BeginString too long', this.resyncFrom(s + 1));
        continue;
      }
      if (i >= this.end) return;
      // 3. BodyLength field, right after.
      let j = i + 1;
      if (this.end - j < 2) return;
      if (buf[j] !== B9 || buf[j + 1] !== EQ) {
        this.garbled('bad_header', 'BodyLength(9) is not the second field', this.resyncFrom(s + 1));
        continue;
      }
      j += 2;
      let bodyLength = 0;
      let digits = 0;
      while (j < this.end && buf[j] !== SOH) {
        const d = (buf[j] as number) - B0;
        if (d < 0 || d > 9 || digits === 7) {
          digits = -1;
          break;
        }
        bodyLength = bodyLength * 10 + d;
        digits++;
        j++;
      }
      if (digits === -1) {
        this.garbled('bad_header', 'BodyLength(9) is not a number', this.resyncFrom(s + 1));
        continue;
      }
      if (j >= this.end) return;
      if (digits === 0) {
        this.garbled('bad_header', 'BodyLength(9) is empty', this.resyncFrom(s + 1));
        continue;
      }
      const bodyStart = j + 1;
      const checksumAt = bodyStart + bodyLength;
      const frameEnd = checksumAt + TRAILER_BYTES;
      if (frameEnd - s > this.maxMessageBytes) {
        this.garbled('too_large', `message of ${frameEnd - s} bytes exceeds the ${this.maxMessageBytes}-byte limit`, this.resyncFrom(s + 1));
        continue;
      }
      if (this.end < frameEnd) return;
      // 4. CheckSum field exactly where BodyLength says. If it is not there, BodyLength is
      // wrong: the frame runs to the next CheckSum field after that point, as QuickFIX frames
      // it, and is dropped whole. A length too short drops this message alone; a length too
      // long swallows the next message too, never re-reads the stream from the middle of a
      // message (which turned a bad length into a spurious gap and a resend).
      if (
        buf[checksumAt] !== B1 || buf[checksumAt + 1] !== B0 || buf[checksumAt + 2] !== EQ || buf[frameEnd - 1] !== SOH ||
        !isDigit(buf[checksumAt + 3]) || !isDigit(buf[checksumAt + 4]) || !isDigit(buf[checksumAt + 5])
      ) {
        const trailerEnd = this.nextTrailerEnd(checksumAt - 1);
        if (trailerEnd === -1) {
          if (this.end - s >= this.maxMessageBytes) this.garbled('too_large', `no CheckSum(10) within the ${this.maxMessageBytes}-byte limit`, this.resyncFrom(s + 1));
          else return;
          continue;
        }
        this.garbled('bad_body_length', `BodyLength ${bodyLength} disagrees with the message (CheckSum(10) not at that offset)`, trailerEnd);
        continue;
      }
      if (!this.deferChecksum) {
        let sum = 0;
        for (let k = s; k < checksumAt; k++) sum += buf[k] as number;
        const declared = ((buf[checksumAt + 3] as number) - B0) * 100 + ((buf[checksumAt + 4] as number) - B0) * 10 + ((buf[checksumAt + 5] as number) - B0);
        if ((sum & 0xff) !== declared) {
          this.garbled('bad_checksum', `CheckSum ${declared}, computed ${sum & 0xff}`, frameEnd);
          continue;
        }
      }
      this.start = frameEnd;
      this.stats.frames++;
      this.handler.onFrame(buf, s, frameEnd);
    }
    if (this.start === this.end) {
      this.start = 0;
      this.end = 0;
    }
  }

  /** True when the bytes at `s` are "8=FIX", or a prefix of it that more data may complete. */
  private beginsAt(s: number): boolean {
    const buf = this.buf;
    for (let k = 0; k < 5; k++) {
      if (s + k >= this.end) return true;
      if (buf[s + k] !== BEGIN_STRING_PREFIX[k]) return false;
    }
    return true;
  }

  /**
   * End (past its SOH) of the first "<SOH>10=...<SOH>" field at or after `from`, or -1 when the
   * bytes so far hold none.
   */
  private nextTrailerEnd(from: number): number {
    const buf = this.buf;
    for (let i = Math.max(from, this.start); i + 3 < this.end; i++) {
      if (buf[i] === SOH && buf[i + 1] === B1 && buf[i + 2] === B0 && buf[i + 3] === EQ) {
        for (let k = i + 4; k < this.end; k++) if (buf[k] === SOH) return k + 1;
        return -1;
      }
    }
    return -1;
  }

  /** Where to continue after a bad frame at `from - 1`: the next BeginString, or keep the tail. */
  private resyncFrom(from: number): number {
    const next = this.findBegin(from);
    return next === -1 ? Math.max(from, this.end - 4) : next;
  }
}

function isDigit(b: number | undefined): boolean {
  return b !== undefined && b >= B0 && b <= B0 + 9;
}
