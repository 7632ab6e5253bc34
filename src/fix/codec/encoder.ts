// Builds FIX messages into one reused buffer: fields are appended as tag=value, and finish()
// writes BeginString/BodyLength in front and the CheckSum behind. The result is a view into
// the buffer, valid until the next begin(); copy it to keep it.

import { BridgeError } from '../../core/errors.js';
import { formatE8 } from '../../core/model/scaled.js';

const HEADROOM = 32; // room for "8=FIX.4.4|9=NNNNNNN|"
// Module-local, not imported: an imported binding is re-loaded and hole-checked on every use.
const SOH = 0x01;
const EQUALS = 0x3d;
const ZERO = 0x30;
/** Up to this many characters a JS loop beats Buffer.write's call into C++ (measured). */
const SHORT_TEXT = 48;

export class FixEncoder {
  private buf: Buffer;
  private pos = HEADROOM;
  private readonly prefix: Buffer;

  constructor(
    readonly beginString = 'FIX.4.4',
    capacity = 4096,
    private readonly maxBytes = 1 << 20,
  ) {
    this.buf = Buffer.allocUnsafe(capacity);
    this.prefix = Buffer.from(`8=${beginString}\x019=`, 'latin1');
  }

  begin(): this {
    this.pos = HEADROOM;
    return this;
  }

  private ensure(bytes: number): void {
    if (this.pos + bytes + 8 <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (this.pos + bytes + 8 > size) size *= 2;
    if (size > this.maxBytes) throw new BridgeError('SB_ERR_FIX_TOO_LARGE', `encoded message would exceed ${this.maxBytes} bytes`);
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  private writeTag(tag: number): void {
    this.writeUint(tag);
    this.buf[this.pos++] = EQUALS;
  }

  private writeUint(n: number): void {
    if (n < 10) {
      this.buf[this.pos++] = ZERO + n;
      return;
    }
    const start = this.pos;
    while (n > 0) {
      this.buf[this.pos++] = ZERO + (n % 10);
      n = Math.floor(n / 10);
    }
    // digits were written backwards
    for (let a = start, b = this.pos - 1; a < b; a++, b--) {
      const t = this.buf[a] as number;
      this.buf[a] = this.buf[b] as number;
      this.buf[b] = t;
    }
  }

  /** A text field; the value must not contain SOH (callers pass validated text). */
  str(tag: number, value: string): this {
    this.ensure(value.length + 12);
    this.writeTag(tag);
    const buf = this.buf;
    let pos = this.pos;
    if (value.length <= SHORT_TEXT) {
      // Latin-1 as Buffer.write does it: the low byte of each UTF-16 code unit.
      for (let k = 0; k < value.length; k++) buf[pos++] = value.charCodeAt(k) & 0xff;
    } else {
      pos += buf.write(value, pos, 'latin1');
    }
    buf[pos++] = SOH;
    this.pos = pos;
    return this;
  }

  int(tag: number, value: number): this {
    this.ensure(32);
    this.writeTag(tag);
    if (value < 0) {
      this.buf[this.pos++] = 0x2d;
      value = -value;
    }
    this.writeUint(value);
    this.buf[this.pos++] = SOH;
    return this;
  }

  /** A decimal field from an E8 integer, with exactly `digits` decimals. */
  e8(tag: number, valueE8: number, digits: number): this {
    return this.str(tag, formatE8(valueE8, digits));
  }

  /** Copies already-encoded fields ("tag=value" SOH ...) verbatim. */
  raw(bytes: Uint8Array, start = 0, end = bytes.length): this {
    this.ensure(end - start);
    this.buf.set(bytes.subarray(start, end), this.pos);
    this.pos += end - start;
    return this;
  }

  /** A position in the message being built, for viewRange(). */
  mark(): number {
    return this.pos;
  }

  /** The bytes between two marks, as a view: valid until the next begin(); copy to keep them. */
  viewRange(from: number, to: number): Buffer {
    return this.buf.subarray(from, to);
  }

  /** Current write position (for subclasses that encode field lists without a frame). */
  protected position(): number {
    return this.pos;
  }

  /** The bytes written since `from`, as a view. */
  protected slice(from: number): Buffer {
    return this.buf.subarray(from, this.pos);
  }

  /** Completes the message and returns a view of it. */
  finish(): Buffer {
    const buf = this.buf;
    // BodyLength digits right to left, ending at the SOH just before the body; then
    // "8=FIX.4.4|9=" in front. JS loops: the spans are short and a C++ call costs more.
    buf[HEADROOM - 1] = SOH;
    let at = HEADROOM - 1;
    let n = this.pos - HEADROOM;
    do {
      buf[--at] = ZERO + (n % 10);
      n = Math.floor(n / 10);
    } while (n > 0);
    const prefix = this.prefix;
    const prefixStart = at - prefix.length;
    for (let k = 0; k < prefix.length; k++) buf[prefixStart + k] = prefix[k] as number;
    let sum = 0;
    const bodyEnd = this.pos;
    for (let i = prefixStart; i < bodyEnd; i++) sum += buf[i] as number;
    sum &= 0xff;
    this.ensure(8);
    const b = this.buf;
    b[this.pos++] = 0x31;
    b[this.pos++] = ZERO;
    b[this.pos++] = EQUALS;
    b[this.pos++] = ZERO + Math.floor(sum / 100);
    b[this.pos++] = ZERO + (Math.floor(sum / 10) % 10);
    b[this.pos++] = ZERO + (sum % 10);
    b[this.pos++] = SOH;
    return this.buf.subarray(prefixStart, this.pos);
  }
}
