// At a live engine's stop, the candidate's last decisions: a short grace to decide what is queued
// (a module candidate answers asynchronously, a stuck worker is replaced after its budget), never
// longer than STOP_GRACE_MS; what is left is counted as dropped by the runner's abandon().

import type { Logger } from 'pino';
import type { ShadowRunner } from '../../core/shadow/shadow-runner.js';

/** Longest a stop waits for the candidate to finish what is queued before counting it dropped. */
export const STOP_GRACE_MS = 5_000;

export async function settleShadow(shadow: ShadowRunner, candidateBudgetUs: number, logger: Logger): Promise<void> {
  const deadline = Date.now() + Math.min(STOP_GRACE_MS, (2 * candidateBudgetUs) / 1000 + 1_000);
  for (;;) {
    shadow.drain();
    if ((shadow.pending() === 0 && shadow.inFlight() === 0) || Date.now() > deadline) break;
    await new Promise((r) => setTimeout(r, 2));
  }
  if (shadow.pending() + shadow.inFlight() > 0) logger.warn({ event: 'shadow_unsettled', pending: shadow.pending(), inFlight: shadow.inFlight() }, 'shadow_unsettled');
}
