// A token bucket: how many messages a peer may send now. Used wherever one counterparty could
// otherwise take the core from the others by sending as fast as its link allows (WebSocket
// clients, FIX platform sessions' orders and price requests).

/**
 * `perSecond` tokens refilled continuously up to `burst`; each message takes one. Starts full, so
 * a peer that has been quiet may send a burst (a platform's backlog at market open) at once.
 */
export class RateBudget {
  private tokens: number;
  private atMs: number;

  constructor(
    readonly perSecond: number,
    readonly burst: number,
    nowMs: number,
  ) {
    if (!(perSecond > 0) || !(burst >= 1)) throw new RangeError(`rate budget needs perSecond > 0 and burst >= 1 (got ${perSecond}, ${burst})`);
    this.tokens = burst;
    this.atMs = nowMs;
  }

  /**
   * Takes one token; false (and nothing taken) when the budget is spent. With an `overdraft`,
   * the budget may go that many tokens below empty: a burst we asked for (a resend) is taken and
   * paid back at the rate before anything else passes, so it can never be a way round the rate.
   */
  take(nowMs: number, overdraft = 0): boolean {
    // A wall clock stepped back (NTP) refills nothing and takes nothing away: the elapsed time
    // is never negative, and the next refill counts from the earlier reading.
    const elapsedMs = nowMs - this.atMs;
    if (elapsedMs > 0) this.tokens = Math.min(this.burst, this.tokens + (elapsedMs * this.perSecond) / 1000);
    this.atMs = nowMs;
    if (this.tokens < 1 - overdraft) return false;
    this.tokens -= 1;
    return true;
  }
}
