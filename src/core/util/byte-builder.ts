// A reusable, growing byte buffer for records written many times a second (journal lines, JSON
// lines, session-store records): text and bytes are appended in place, the filled part is handed
// to one write(), and the buffer is reset and used again. Collecting strings and joining them, or
// a Buffer.from and a Buffer.concat per record, allocated and copied each record two or three
// times (bench/README.md, issue 13).

const encoder = new TextEncoder();
const decoder = new TextDecoder();
/** Below this a reset buffer keeps its memory; above it a reset gives back what one burst grew. */
const KEEP_BYTES = 1 << 20;

export class ByteBuilder {
  bytes: Uint8Array;
  length = 0;

  constructor(private readonly initialBytes = 16 * 1024) {
    this.bytes = new Uint8Array(initialBytes);
  }

  /** Makes room for `more` bytes after what is filled. */
  reserve(more: number): void {
    const needed = this.length + more;
    if (needed <= this.bytes.length) return;
    let size = this.bytes.length * 2;
    while (size < needed) size *= 2;
    const grown = new Uint8Array(size);
    grown.set(this.bytes.subarray(0, this.length));
    this.bytes = grown;
  }

  /** Text that is ASCII by construction (numbers, enum values, fixed keys): a byte per char. */
  ascii(text: string): this {
    const n = text.length;
    this.reserve(n);
    const bytes = this.bytes;
    let at = this.length;
    for (let i = 0; i < n; i++) bytes[at++] = text.charCodeAt(i);
    this.length = at;
    return this;
  }

  /**
   * Any text, as UTF-8. ASCII (JSON of ids, numbers, keys) is copied a char at a time, which
   * allocates nothing; from the first other char on, TextEncoder (a view and a result object).
   */
  utf8(text: string): this {
    const n = text.length;
    // Up to 3 bytes per UTF-16 unit (a surrogate pair is 2 units for 4 bytes).
    this.reserve(n * 3);
    const bytes = this.bytes;
    let at = this.length;
    for (let i = 0; i < n; i++) {
      const c = text.charCodeAt(i);
      if (c > 0x7f) {
        this.length = at;
        const { written } = encoder.encodeInto(i === 0 ? text : text.slice(i), bytes.subarray(at));
        this.length += written;
        return this;
      }
      bytes[at++] = c;
    }
    this.length = at;
    return this;
  }

  /** A non-negative safe integer in decimal, without a string in between (any other number as String() writes it). */
  uint(value: number): this {
    if (!(value >= 0 && value <= Number.MAX_SAFE_INTEGER && Math.floor(value) === value)) return this.ascii(String(value));
    if (value < 10) return this.byte(0x30 + value);
    this.reserve(16);
    const bytes = this.bytes;
    let digits = 1;
    for (let v = value; v >= 10; v = Math.floor(v / 10)) digits++;
    let at = this.length + digits;
    this.length = at;
    for (let v = value; digits > 0; digits--) {
      const next = Math.floor(v / 10);
      bytes[--at] = 0x30 + (v - next * 10);
      v = next;
    }
    return this;
  }

  /** A non-negative integer below 10^width, zero-padded to `width` digits (microseconds: 6). */
  uintPadded(value: number, width: number): this {
    this.reserve(width);
    const bytes = this.bytes;
    let at = this.length + width;
    this.length = at;
    for (let v = value, i = 0; i < width; i++) {
      const next = Math.floor(v / 10);
      bytes[--at] = 0x30 + (v - next * 10);
      v = next;
    }
    return this;
  }

  /**
   * `text` as a JSON string, quotes included: byte for byte what JSON.stringify(text) gives.
   * Printable ASCII without quote or backslash (ids, symbols) is copied as is; anything else goes
   * through JSON.stringify, which knows every escape (control characters, lone surrogates).
   */
  jsonString(text: string): this {
    const n = text.length;
    for (let i = 0; i < n; i++) {
      const c = text.charCodeAt(i);
      if (c < 0x20 || c > 0x7e || c === 0x22 || c === 0x5c) return this.utf8(JSON.stringify(text));
    }
    this.reserve(n + 2);
    const bytes = this.bytes;
    let at = this.length;
    bytes[at++] = 0x22;
    for (let i = 0; i < n; i++) bytes[at++] = text.charCodeAt(i);
    bytes[at++] = 0x22;
    this.length = at;
    return this;
  }

  /** A number as JSON.stringify writes it: null for NaN and the infinities. */
  jsonNumber(value: number): this {
    // For a finite number JSON.stringify writes what String() does (-0 included: "0").
    return Number.isFinite(value) ? this.num(value) : this.ascii('null');
  }

  /** A number as String() writes it ("NaN", "1e+21" and fractions through String itself). */
  num(value: number): this {
    if (value < 0 && Number.isSafeInteger(value)) return this.byte(0x2d).uint(-value);
    return this.uint(value); // uint writes anything else (NaN, fractions, huge) through String()
  }

  byte(value: number): this {
    this.reserve(1);
    this.bytes[this.length++] = value;
    return this;
  }

  /** A copy of src[start, end). */
  copy(src: Uint8Array, start = 0, end = src.length): this {
    const n = end - start;
    this.reserve(n);
    // Whole sources (the common case) are copied without a view object made for them.
    this.bytes.set(start === 0 && end === src.length ? src : src.subarray(start, end), this.length);
    this.length += n;
    return this;
  }

  /** The filled part as text (tests and the rare caller that needs a string). */
  text(): string {
    return decoder.decode(this.bytes.subarray(0, this.length));
  }

  /** Empties it for the next batch; a buffer one burst grew past 1 MiB is given back. */
  reset(): void {
    this.length = 0;
    if (this.bytes.length > KEEP_BYTES) this.bytes = new Uint8Array(this.initialBytes);
  }
}
