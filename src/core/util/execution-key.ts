// The key an LP execution is booked under, once per (LP OrderID, ExecID), as one flat string,
// and how many such keys one order may hold.
//
// Why flat: a concatenation is a tree that keeps its parts (the decoded ids, each an object of
// its own) alive, and the key is held as long as the order is remembered (100,000 orders in the
// tracker, 20,000 finished ones in the desk). ToNumber flattens a string in place, and V8's
// scavenger then keeps only the flat copy: one object held per order instead of three, and the
// scavenges that copy what is held are the engine's latency tail (bench/README.md).
//
// Why bounded: the ids come from the LP, and a FIX field may be tens of kilobytes. A hostile or
// broken LP sending 60 KB ExecIDs would otherwise make the engine hold 60 KB per report for as
// long as the order is remembered. Ids longer than LONG_KEY_CHARS together are held as a 64-bit
// fingerprint instead (two 32-bit hashes seeded per process, so collisions cannot be crafted
// offline; the journal keeps the full ids, and keys are recomputed from it at start-up).

import { avalanche32, murmur3Units } from './string-hash.js';

/** (LP OrderID + ExecID) characters past which the key is a fingerprint. */
export const LONG_KEY_CHARS = 64;

/**
 * Execution keys one order remembers for duplicate detection. Past it, reports that move no money
 * (acknowledgements, status answers: booking one twice changes nothing) are no longer remembered;
 * fills always are, because a fill booked twice would be passed on twice. A normal order has one
 * to a few dozen reports; an LP sending thousands of acknowledgements with fresh ExecIDs for one
 * order would otherwise grow that order's set without limit.
 */
export const MAX_EXECUTION_KEYS_PER_ORDER = 256;

const seedLo = (Math.random() * 0x1_0000_0000) | 0;
const seedHi = (Math.random() * 0x1_0000_0000) | 0;

// The last key made is handed back when asked again for the same ids: the desk and the tracker
// book the same report one after the other, and then hold one string between them, not two.
let lastLpOrderId = '';
let lastExecId = '';
let lastKey = '\u0001';

export function executionKey(lpOrderId: string, execId: string): string {
  if (lpOrderId === lastLpOrderId && execId === lastExecId) return lastKey;
  let key: string;
  if (lpOrderId.length + execId.length > LONG_KEY_CHARS) {
    // The lengths are part of what is hashed: ("ab", "c") and ("a", "bc") stay apart.
    const lo = avalanche32(murmur3Units(execId, murmur3Units(lpOrderId, seedLo)) ^ lpOrderId.length) >>> 0;
    const hi = avalanche32(murmur3Units(execId, murmur3Units(lpOrderId, seedHi) ^ execId.length)) >>> 0;
    // A short key always holds the '\u0001' separator and a fingerprint never does: they cannot meet.
    key = `\u0002\u0002${lpOrderId.length + execId.length}:${lo.toString(16)}:${hi.toString(16)}`;
  } else {
    key = `${lpOrderId}\u0001${execId}`;
  }
  Number(key);
  lastLpOrderId = lpOrderId;
  lastExecId = execId;
  lastKey = key;
  return key;
}

/** Whether a report of this kind is remembered when its order already holds `held` keys. */
export function remembersExecution(held: number, movesMoney: boolean): boolean {
  return movesMoney || held < MAX_EXECUTION_KEYS_PER_ORDER;
}
