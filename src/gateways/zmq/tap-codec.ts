// The event tap's messages: one msgpack map per message, {s: sequence number, r: record} or, for
// a batch of consecutive records, {s: the first one's number, b: [records]}. A record is a
// recording record (docs: src/replay/binary-recording.ts; times in µs, prices E8) or a `tap_state`
// snapshot. Each message decodes alone (no shared structures), so a worker can join at any message
// and lose any message without losing the ability to read the next.

import { pack, unpack } from 'msgpackr';

/** The most records one message may carry (a worker refuses a larger batch). */
export const MAX_RECORDS_PER_MESSAGE = 100_000;

export interface TapMessage {
  /** The first record's sequence number; the others follow it, one apart. */
  readonly seq: number;
  readonly records: readonly Record<string, unknown>[];
}

export function encodeTapMessage(seq: number, record: unknown): Buffer {
  return pack({ s: seq, r: record });
}

/** Consecutive records numbered from `firstSeq`, in one message. */
export function encodeTapBatch(firstSeq: number, records: readonly unknown[]): Buffer {
  return records.length === 1 ? encodeTapMessage(firstSeq, records[0]) : pack({ s: firstSeq, b: records });
}

const isRecord = (r: unknown): r is Record<string, unknown> => r !== null && typeof r === 'object' && !Array.isArray(r);

/** The message, or null when it is not one (a worker never trusts what arrives on a socket). */
export function decodeTapMessage(bytes: Buffer): TapMessage | null {
  let value: unknown;
  try {
    value = unpack(bytes);
  } catch {
    return null;
  }
  if (!isRecord(value)) return null;
  const { s, r, b } = value as { s?: unknown; r?: unknown; b?: unknown };
  if (typeof s !== 'number' || !Number.isSafeInteger(s) || s < 1) return null;
  if (isRecord(r) && b === undefined) return { seq: s, records: [r] };
  if (r !== undefined || !Array.isArray(b) || b.length === 0 || b.length > MAX_RECORDS_PER_MESSAGE || !Number.isSafeInteger(s + b.length)) return null;
  for (const x of b) if (!isRecord(x)) return null;
  return { seq: s, records: b as Record<string, unknown>[] };
}

/**
 * A message a worker sends up the tap's connection (XSUB to XPUB): msgpack, never starting with
 * 0 or 1, which XPUB reads as an unsubscribe or subscribe. Its content is the app's to check.
 */
export function encodeUpstream(value: unknown): Buffer {
  return pack(value);
}

/** The decoded value, or null when the bytes are not msgpack (nothing from a socket is trusted). */
export function decodeUpstream(bytes: Buffer): unknown {
  try {
    return unpack(bytes);
  } catch {
    return null;
  }
}
