// The live engine's clocks: the event clock stamps every inbound event once, in wall-clock µs
// that never go backwards (the stamp is what the engine decides with and what is recorded);
// the stopwatch times decisions.

import { performance } from 'node:perf_hooks';
import type { Clock, Stopwatch } from '../../core/ports.js';

/** Wall-clock microseconds, stamped once per inbound event and never going backwards. */
export class EventClock implements Clock {
  private current = 0;
  stamp(): number {
    const t = Math.floor((performance.timeOrigin + performance.now()) * 1000);
    if (t > this.current) this.current = t;
    return this.current;
  }
  nowUs(): number {
    return this.current;
  }
}

export const stopwatch: Stopwatch = { nowNs: () => performance.now() * 1e6 };
