// A clock that moves only when the replayer says so: same scenario, same timestamps, every run.

import { BridgeError } from '../core/errors.js';
import type { Clock } from '../core/ports.js';

export class ReplayClock implements Clock {
  private currentUs: number;

  constructor(startUs: number) {
    this.currentUs = startUs;
  }

  nowUs(): number {
    return this.currentUs;
  }

  advanceTo(tsUs: number): void {
    if (tsUs < this.currentUs) {
      throw new BridgeError('SB_ERR_SCENARIO_TIME_WENT_BACKWARDS', `${tsUs} µs is before ${this.currentUs} µs`);
    }
    this.currentUs = tsUs;
  }
}
