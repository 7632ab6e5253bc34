// One LP connection as the LP side sees it, whatever the protocol (a FIX session, a WebSocket
// venue): up or not, orders and status requests out, health and sequence state for /metrics.

import type { BridgeError } from '../../core/errors.js';
import type { LpExecution } from '../../core/model/lifecycle.js';
import type { LpStatus, Quote } from '../../core/model/types.js';
import type { OpenOrder } from '../../core/orders/order-desk.js';
import type { LpOrder } from '../../fix/app/orders.js';

export interface LpLink {
  readonly isLoggedOn: boolean;
  /** Sends an IOC order (units); false when the connection cannot take it now. */
  sendOrder(order: LpOrder): boolean;
  /** Asks where an order stands; false when not connected. */
  requestStatus(order: OpenOrder): boolean;
  start(): void;
  stop(graceMs: number): Promise<void>;
  storeFailure(): BridgeError | null;
  /** Connected, and the next sequence numbers each way (protocol's own meaning). */
  state(): { readonly loggedOn: boolean; readonly nextSenderSeq: number; readonly nextTargetSeq: number };
  closeStore(): void;
}

/** What an LP connection reports, for the LP side to pass on. */
export interface LpLinkEvents {
  onStatus(lp: string, status: LpStatus, reason: string): void;
  onQuote(quote: Quote): void;
  onExecution(exec: LpExecution): void;
}
