// The sent application messages a session keeps for resends: at most `capacity`, the oldest
// dropped first, held as bytes rather than as objects.
//
// Why bytes: every message kept was three objects (the record, its body Buffer, a boxed sending
// time) that lived long enough to be copied twice by V8's scavenger (once in the young
// generation, once into the old one). At 5,000 orders/s that was a large share of what each
// scavenge copied, and the scavenges are the engine's latency tail. Here a message is a slot in
// typed arrays and its body is appended to a 64 KiB chunk; nothing per message outlives the call.
//
// A ring in sending order: sequence numbers only go up between resets, so the ring is sorted and a
// range is found by binary search. Should a number ever be stored again without a reset (a store
// replayed from a journal whose numbers were set back), the messages from that number on are
// forgotten: they were superseded.

/** An application message a session sent, as kept for resends. */
export interface StoredMessage {
  readonly seq: number;
  readonly msgType: string;
  readonly sendingTimeMs: number;
  /**
   * Body fields after the standard header, as sent. Given to saveOutbound it may be a view of
   * the encoder's buffer, valid only during the call: a store copies what it keeps.
   */
  readonly body: Buffer;
}

/** Bodies are appended to chunks of this size; a longer body gets a chunk of its own. */
const CHUNK_BYTES = 64 * 1024;
/** Slots allocated at first; doubled as needed up to the capacity. */
const FIRST_SLOTS = 256;

export class ResendWindow {
  // Per slot, in a ring: slot `head` holds the oldest message.
  private seqs: Float64Array;
  private sendingTimes: Float64Array;
  /** The chunk a body is in, by chunk number (chunks are numbered in the order they were made). */
  private chunkNumbers: Float64Array;
  private offsets: Int32Array;
  private lengths: Int32Array;
  private msgTypes: string[];
  private head = 0;
  private count = 0;
  /** Chunks still holding a kept body, oldest first; chunks[0] has number `firstChunk`. */
  private chunks: Buffer[] = [];
  private firstChunk = 0;
  /** Where the next body goes in the newest chunk. */
  private writeAt = 0;

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`capacity must be a positive integer, got ${capacity}`);
    const slots = Math.min(capacity, FIRST_SLOTS);
    this.seqs = new Float64Array(slots);
    this.sendingTimes = new Float64Array(slots);
    this.chunkNumbers = new Float64Array(slots);
    this.offsets = new Int32Array(slots);
    this.lengths = new Int32Array(slots);
    this.msgTypes = new Array<string>(slots).fill('');
  }

  get size(): number {
    return this.count;
  }

  /** Keeps a message; its body is copied, so the caller may pass a view it reuses afterwards. */
  add(message: StoredMessage): void {
    while (this.count > 0 && (this.seqs[this.slot(this.count - 1)] as number) >= message.seq) this.dropNewest();
    if (this.count === this.seqs.length) {
      if (this.seqs.length < this.capacity) this.grow();
      else this.dropOldest();
    }
    const body = message.body;
    let chunk = this.chunks.at(-1);
    if (chunk === undefined || this.writeAt + body.length > chunk.length) {
      chunk = Buffer.allocUnsafeSlow(Math.max(CHUNK_BYTES, body.length));
      this.chunks.push(chunk);
      this.writeAt = 0;
    }
    body.copy(chunk, this.writeAt);
    const s = this.slot(this.count);
    this.seqs[s] = message.seq;
    this.sendingTimes[s] = message.sendingTimeMs;
    this.chunkNumbers[s] = this.firstChunk + this.chunks.length - 1;
    this.offsets[s] = this.writeAt;
    this.lengths[s] = body.length;
    this.msgTypes[s] = message.msgType;
    this.writeAt += body.length;
    this.count++;
  }

  /** Kept messages with begin <= seq <= end, in order; each body a copy of its own. */
  range(begin: number, end: number): StoredMessage[] {
    const out: StoredMessage[] = [];
    let lo = 0;
    let hi = this.count;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.seqs[this.slot(mid)] as number) < begin) lo = mid + 1;
      else hi = mid;
    }
    for (let i = lo; i < this.count; i++) {
      if ((this.seqs[this.slot(i)] as number) > end) break;
      out.push(this.message(i));
    }
    return out;
  }

  *values(): IterableIterator<StoredMessage> {
    for (let i = 0; i < this.count; i++) yield this.message(i);
  }

  clear(): void {
    this.head = 0;
    this.count = 0;
    this.chunks = [];
    this.firstChunk = 0;
    this.writeAt = 0;
  }

  private slot(i: number): number {
    return (this.head + i) % this.seqs.length;
  }

  private message(i: number): StoredMessage {
    const s = this.slot(i);
    const chunk = this.chunks[(this.chunkNumbers[s] as number) - this.firstChunk] as Buffer;
    const offset = this.offsets[s] as number;
    // A copy: the chunk's bytes past a forgotten message are written over by the next one.
    const body = Buffer.from(chunk.subarray(offset, offset + (this.lengths[s] as number)));
    return { seq: this.seqs[s] as number, msgType: this.msgTypes[s] as string, sendingTimeMs: this.sendingTimes[s] as number, body };
  }

  /** Forgets the oldest message, and the chunks no kept message is in any more. */
  private dropOldest(): void {
    this.msgTypes[this.head] = '';
    this.head = (this.head + 1) % this.seqs.length;
    this.count--;
    const oldestChunk = this.count === 0 ? this.firstChunk + this.chunks.length - 1 : (this.chunkNumbers[this.head] as number);
    while (this.firstChunk < oldestChunk) {
      this.chunks.shift();
      this.firstChunk++;
    }
  }

  /** Forgets the newest message; its bytes, and any chunk made after its own, are reused. */
  private dropNewest(): void {
    this.count--;
    const s = this.slot(this.count);
    this.msgTypes[s] = '';
    const chunkNumber = this.chunkNumbers[s] as number;
    while (this.firstChunk + this.chunks.length - 1 > chunkNumber) this.chunks.pop();
    this.writeAt = this.offsets[s] as number;
  }

  /** Doubles the slots (up to the capacity), oldest message first in slot 0. */
  private grow(): void {
    const slots = Math.min(this.capacity, this.seqs.length * 2);
    const order = (from: Float64Array | Int32Array, to: Float64Array | Int32Array): void => {
      for (let i = 0; i < this.count; i++) to[i] = from[this.slot(i)] as number;
    };
    const seqs = new Float64Array(slots);
    const sendingTimes = new Float64Array(slots);
    const chunkNumbers = new Float64Array(slots);
    const offsets = new Int32Array(slots);
    const lengths = new Int32Array(slots);
    const msgTypes = new Array<string>(slots).fill('');
    order(this.seqs, seqs);
    order(this.sendingTimes, sendingTimes);
    order(this.chunkNumbers, chunkNumbers);
    order(this.offsets, offsets);
    order(this.lengths, lengths);
    for (let i = 0; i < this.count; i++) msgTypes[i] = this.msgTypes[this.slot(i)] as string;
    this.seqs = seqs;
    this.sendingTimes = sendingTimes;
    this.chunkNumbers = chunkNumbers;
    this.offsets = offsets;
    this.lengths = lengths;
    this.msgTypes = msgTypes;
    this.head = 0;
  }
}
