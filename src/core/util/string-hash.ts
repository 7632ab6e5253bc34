// MurmurHash3's 32-bit mixing applied to each UTF-16 code unit of a string, and its avalanche:
// the hash the desk's ClOrdID fingerprints and the tracker's slot indexes are built on. A code
// unit at a time (not 4 bytes) because keys are short JS strings and charCodeAt is what reads them.

export function murmur3Units(key: string, seed: number): number {
  let h = seed | 0;
  const n = key.length;
  for (let i = 0; i < n; i++) {
    let k = Math.imul(key.charCodeAt(i), 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    h ^= Math.imul(k, 0x1b873593);
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  return avalanche32(h ^ n);
}

/** MurmurHash3's finaliser: every input bit moves every output bit. */
export function avalanche32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h;
}
