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

/**
 * A candidate that decides off the engine's thread (a module in a worker, live). The answer
 * comes back later through `done`, exactly once per request and never synchronously: a
 * Decision, or an Error (CandidateTimedOut for one that took too long).
 */
export interface AsyncRouter {
  readonly name: string;
  readonly configHash: string;
  decideLater(context: DecisionContext, done: (outcome: Decision | Error) => void): void;
}

export function isAsyncRouter(router: Router | AsyncRouter): router is AsyncRouter {
  return typeof (router as AsyncRouter).decideLater === 'function';
}
