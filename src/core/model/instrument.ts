// A tradable instrument's contract spec, compiled to E8 integers once at load.
// `pointE8` is one unit of the last price digit; every client price is a multiple of it.

export interface Instrument {
  /** Canonical name ("EURUSD", "XAUUSD", "US30"). */
  readonly symbol: string;
  readonly digits: number;
  /** 10^(8 - digits): one point in E8 units. */
  readonly pointE8: number;
  readonly tickSizeE8: number;
  readonly contractSize: number;
  readonly minLotE8: number;
  readonly maxLotE8: number;
  readonly lotStepE8: number;
  /** Name of the trading-session schedule this instrument trades on. */
  readonly session: string;
}
