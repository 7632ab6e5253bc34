// Backward-shift deletion for linear-probing hash tables (the fingerprint window, the slot
// index): after a deletion, the entries of the probe run that follows move back into the hole,
// so no tombstones build up and no table ever needs a rebuild while it churns.

/**
 * Whether the entry at position `j`, whose home position is `home`, may move back into the hole
 * at `hole`: not when its home lies cyclically in (hole, j], where it would be found without it.
 */
export function movesIntoHole(home: number, hole: number, j: number): boolean {
  return hole <= j ? home <= hole || home > j : home <= hole && home > j;
}
