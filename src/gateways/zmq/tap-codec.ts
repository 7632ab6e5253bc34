// The event tap's messages: one msgpack map per message, {s: source sequence number, r: record},
// where a record is a recording record (docs: src/replay/binary-recording.ts; times in µs, prices
// E8) or a `tap_state` snapshot. Each message decodes alone (no shared structures), so a worker
// can join at any message and lose any message without losing the ability to read the next.

import { pack, unpack } from 'msgpackr';

export interface TapMessage {
  readonly seq: number;
  readonly record: Record<string, unknown>;
}

export function encodeTapMessage(seq: number, record: unknown): Buffer {
  return pack({ s: seq, r: record });
}

/** The message, or null when it is not one (a worker never trusts what arrives on a socket). */
export function decodeTapMessage(bytes: Buffer): TapMessage | null {
  let value: unknown;
  try {
    value = unpack(bytes);
  } catch {
    return null;
  }
  if (value === null || typeof value !== 'object') return null;
  const { s, r } = value as { s?: unknown; r?: unknown };
  if (typeof s !== 'number' || !Number.isSafeInteger(s) || s < 1 || r === null || typeof r !== 'object' || Array.isArray(r)) return null;
  return { seq: s, record: r as Record<string, unknown> };
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
