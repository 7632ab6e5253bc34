// The last check before an order leaves for its LP: the quantity in LP units and the limit price
// net of markup, both exact and on the instrument's grid, or a refusal saying why. Whatever a
// router (production or a candidate in Go) decided, no non-positive or off-tick price and no
// quantity outside the contract spec ever reaches an LP.

import type { Instrument } from '../model/instrument.js';
import { ceilTo, decimalsOf, floorTo } from '../model/scaled.js';
import type { Decision, Order } from '../model/types.js';

export interface LpOrderTerms {
  /** Quantity in LP units (lots x contract size), E8. */
  readonly unitsE8: number;
  /** Limit price for the LP (0 for a market order), E8, on the instrument's tick. */
  readonly limitPxE8: number;
  /** Decimal places that write any price on the tick exactly. */
  readonly priceDigits: number;
}

export interface LpOrderRefusal {
  readonly refused: 'invalid_volume' | 'invalid_price';
  readonly detail: string;
}

export function isRefusal(terms: LpOrderTerms | LpOrderRefusal): terms is LpOrderRefusal {
  return 'refused' in terms;
}

/**
 * Terms for the LP. A buy limit at P becomes P minus the markup, rounded *down* to the tick (the
 * client never pays more than P once the markup is added back); a sell limit rounds up.
 */
export function lpOrderTerms(order: Order, decision: Decision, instrument: Instrument): LpOrderTerms | LpOrderRefusal {
  const lots = order.volumeE8;
  if (!(lots > 0) || !Number.isSafeInteger(lots)) return { refused: 'invalid_volume', detail: `volume ${lots} E8 lots is not a positive quantity` };
  if (lots < instrument.minLotE8 || lots > instrument.maxLotE8) return { refused: 'invalid_volume', detail: `volume ${lots} E8 lots outside ${instrument.minLotE8}..${instrument.maxLotE8} for ${instrument.symbol}` };
  if (lots % instrument.lotStepE8 !== 0) return { refused: 'invalid_volume', detail: `volume ${lots} E8 lots is not a multiple of the lot step ${instrument.lotStepE8}` };
  // Contract sizes are decimals from the bundle (0.01 for some crypto): the product is exact up
  // to binary noise, which rounding removes; anything further off is not a whole E8 quantity.
  const product = lots * instrument.contractSize;
  const unitsE8 = Math.round(product);
  if (!Number.isSafeInteger(unitsE8) || unitsE8 <= 0 || Math.abs(product - unitsE8) > 1e-6) return { refused: 'invalid_volume', detail: `volume ${lots} E8 lots x contract size ${instrument.contractSize} is not an exact quantity` };
  const tick = instrument.tickSizeE8 > 0 ? instrument.tickSizeE8 : instrument.pointE8;
  const priceDigits = Math.max(decimalsOf(tick), instrument.digits);
  if (order.ordType !== 'limit') return { unitsE8, limitPxE8: 0, priceDigits };
  if (!(order.priceE8 > 0)) return { refused: 'invalid_price', detail: `limit price ${order.priceE8} E8 is not positive` };
  const net = order.side === 'buy' ? floorTo(order.priceE8 - decision.markupE8, tick) : ceilTo(order.priceE8 + decision.markupE8, tick);
  if (!(net > 0)) return { refused: 'invalid_price', detail: `limit ${order.priceE8} E8 net of the ${decision.markupE8} E8 markup is ${net} E8: not a positive price` };
  return { unitsE8, limitPxE8: net, priceDigits };
}
