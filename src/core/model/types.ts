// The domain vocabulary every layer shares: orders, quotes, LP health and routing decisions.
// All values are immutable; prices and volumes are E8 integers (see scaled.ts), times are epoch µs.

export type Side = 'buy' | 'sell';
export type OrderType = 'market' | 'limit';

/** An order as it arrives from a platform, before the engine assigns its correlation id. */
export interface OrderRequest {
  /** Unique only within its platform session: (session, clientOrderId) is the order's identity. */
  readonly clientOrderId: string;
  /** The platform session the order came in on, where there is one (live, recordings). */
  readonly session?: string;
  readonly account: string;
  readonly group: string;
  /** The symbol as the platform spells it, suffix included ("EURUSD.pro", "GOLD"). */
  readonly platformSymbol: string;
  readonly side: Side;
  readonly ordType: OrderType;
  readonly volumeE8: number;
  /** Limit price for limit orders; 0 for market orders. */
  readonly priceE8: number;
}

/** An order the engine has taken in: the request plus the id that links every record about it. */
export interface Order extends OrderRequest {
  /** Always set ('' without sessions): every order has one shape, on the hot path and in contexts. */
  readonly session: string;
  readonly correlationId: string;
  readonly receivedUs: number;
}

/** Top of book from one LP for one LP symbol. */
export interface Quote {
  readonly lp: string;
  /** The LP's own symbol ("EUR/USD"); bundles map canonical instruments to it. */
  readonly lpSymbol: string;
  readonly bidE8: number;
  readonly askE8: number;
  readonly bidSizeE8: number;
  readonly askSizeE8: number;
  /** An indicative quote is a price, not an offer: never routed against. */
  readonly indicative: boolean;
  readonly receivedUs: number;
}

export type LpStatus = 'up' | 'down';

/** Why an LP in a pool was not chosen. */
export type SkipReason =
  | 'disabled'
  | 'down'
  | 'unknown_lp'
  | 'off_session'
  | 'no_symbol'
  | 'no_quote'
  | 'indicative'
  | 'stale'
  | 'volume_band'
  | 'worse_price';

/** A health-related skip is what makes a decision a failover. */
export const FAILOVER_SKIPS: ReadonlySet<SkipReason> = new Set<SkipReason>(['down', 'stale', 'off_session', 'no_quote', 'indicative']);

export interface SkippedLp {
  readonly lp: string;
  readonly reason: SkipReason;
}

/** Normalized reject reasons; each maps to one FIX 4.4 OrdRejReason(103) and a category. */
export type RejectReason =
  | 'unknown_symbol'
  | 'market_closed'
  | 'invalid_volume'
  | 'exceeds_limit'
  | 'invalid_price'
  | 'no_route'
  | 'no_liquidity'
  | 'lp_reject';

export type RejectCategory = 'static_data' | 'risk' | 'policy' | 'liquidity' | 'venue';

export interface RejectReasonInfo {
  readonly ordRejReason: number;
  readonly category: RejectCategory;
  readonly text: string;
}

/**
 * The reject taxonomy. Risk rejects are the ones a candidate may never turn into a route
 * silently: accepting what production rejected for risk is a critical divergence.
 * invalid_price uses 18 (Invalid price increment, FIX 5.0 SP2), which FX venues send on 4.4 sessions.
 */
export const REJECT_REASONS: Readonly<Record<RejectReason, RejectReasonInfo>> = {
  unknown_symbol: { ordRejReason: 1, category: 'static_data', text: 'Unknown symbol' },
  market_closed: { ordRejReason: 2, category: 'risk', text: 'Market closed' },
  invalid_volume: { ordRejReason: 13, category: 'risk', text: 'Incorrect quantity' },
  exceeds_limit: { ordRejReason: 3, category: 'risk', text: 'Order exceeds limit' },
  invalid_price: { ordRejReason: 18, category: 'risk', text: 'Invalid price increment' },
  no_route: { ordRejReason: 0, category: 'policy', text: 'No routing rule matched' },
  no_liquidity: { ordRejReason: 99, category: 'liquidity', text: 'No price from any eligible LP' },
  lp_reject: { ordRejReason: 99, category: 'venue', text: 'Rejected by LP' },
};

export type SelectionMode = 'best_price' | 'priority';
export type DecisionAction = 'route' | 'reject';

/**
 * What one router decided for one order, with everything needed to explain it from the trace
 * alone: the rule, the pool, every LP skipped and why, the markup profile and the config hash.
 * Prices are E8; `digits` is the instrument's, for display.
 */
export interface Decision {
  readonly router: string;
  readonly configHash: string;
  readonly action: DecisionAction;
  readonly rejectReason: RejectReason | null;
  readonly detail: string | null;
  readonly ruleId: string | null;
  readonly instrument: string | null;
  readonly digits: number;
  readonly lp: string | null;
  readonly lpSymbol: string | null;
  readonly selectionMode: SelectionMode | null;
  readonly volumeE8: number;
  /** The LP's quote on the order's side (ask for a buy, bid for a sell) at decision time. */
  readonly lpPriceE8: number;
  /** Markup added for the client on the order's side, in E8 price units (may be negative: a rebate). */
  readonly markupE8: number;
  /** The price the client is expected to get: LP price plus markup, rounded to instrument digits. */
  readonly clientPriceE8: number;
  readonly markupProfile: string | null;
  readonly pool: readonly string[];
  readonly skipped: readonly SkippedLp[];
  /** True when an LP ahead of the chosen one was skipped for health (down, stale, off session...). */
  readonly failover: boolean;
}

export const NO_SKIPS: readonly SkippedLp[] = Object.freeze([]);
export const NO_LPS: readonly string[] = Object.freeze([]);
