// FIX test helpers: build wire messages from "tag=value|" text with correct length and checksum.

import { FixEncoder } from '../../src/fix/codec/encoder.js';

/** Encodes "35=D|34=2|..." (no 8, 9, 10) into a valid frame. */
export function fix(body: string, beginString = 'FIX.4.4'): Buffer {
  const e = new FixEncoder(beginString).begin();
  for (const field of body.split('|').filter(Boolean)) {
    const eq = field.indexOf('=');
    e.str(Number(field.slice(0, eq)), field.slice(eq + 1));
  }
  return Buffer.from(e.finish());
}

/** Raw bytes from "8=...|9=...|" text with '|' as SOH, no fixing up. */
export function wire(text: string): Buffer {
  return Buffer.from(text.replaceAll('|', '\x01'), 'latin1');
}

export function show(buf: Uint8Array): string {
  return Buffer.from(buf).toString('latin1').replaceAll('\x01', '|');
}
