// The key an LP execution is booked under, once per (LP OrderID, ExecID), as one flat string.
//
// Why flat: a concatenation is a tree that keeps its parts (the decoded ids, each an object of
// its own) alive, and the key is held as long as the order is remembered (100,000 orders in the
// tracker, 20,000 finished ones in the desk). ToNumber flattens a string in place, and V8's
// scavenger then keeps only the flat copy: one object held per order instead of three, and the
// scavenges that copy what is held are the engine's latency tail (bench/README.md).

// The last key made is handed back when asked again for the same ids: the desk and the tracker
// book the same report one after the other, and then hold one string between them, not two.
let lastLpOrderId = '';
let lastExecId = '';
let lastKey = '\u0001';

export function executionKey(lpOrderId: string, execId: string): string {
  if (lpOrderId === lastLpOrderId && execId === lastExecId) return lastKey;
  const key = `${lpOrderId}\u0001${execId}`;
  Number(key);
  lastLpOrderId = lpOrderId;
  lastExecId = execId;
  lastKey = key;
  return key;
}
