// The one type production and every candidate share: a pure function of the frozen context.
// Same context in, same decision out, in replay and live; a router never reads a clock.

import type { Decision } from '../model/types.js';
import type { DecisionContext } from '../shadow/context.js';

export interface Router {
  readonly name: string;
  /** Content hash of the configuration this router decides with; carried by every output. */
  readonly configHash: string;
  decide(context: DecisionContext): Decision;
}
