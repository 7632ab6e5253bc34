// Order lifecycle records: one per step an order goes through, each with its correlation id.
// These are what orders.jsonl holds and what the lifecycle log prints.

import type { Decision, RejectReason } from './types.js';

export type LifecycleStep =
  | 'received'
  | 'routed'
  | 'rejected'
  | 'lp_ack'
  | 'lp_fill'
  | 'lp_partial_fill'
  | 'lp_reject'
  | 'lp_canceled'
  | 'lp_status_report'
  | 'not_sent'
  | 'exec_duplicate'
  | 'exec_unknown_order'
  | 'cancel_requested'
  | 'cancel_unknown_order';

export interface LifecycleEntry {
  readonly seq: number;
  readonly atUs: number;
  readonly step: LifecycleStep;
  readonly correlationId: string;
  readonly clientOrderId: string;
  readonly lp: string | null;
  readonly rejectReason: RejectReason | null;
  /** Step-specific facts (LP ids, fill quantities, texts); small and flat. */
  readonly fields: Readonly<Record<string, string | number | boolean | null>>;
}

/** An execution report from an LP, as ingested (FIX 35=8 live, `lp_exec` in scenarios). */
export interface LpExecution {
  readonly lp: string;
  /** The platform's ClOrdID (scenarios) or, live, the LP-side ClOrdID: the correlation id. */
  readonly clientOrderId: string;
  /** The platform session of the order, where the scenario or recording names it. */
  readonly session?: string;
  readonly lpOrderId: string;
  readonly execId: string;
  /** 'status': the LP's answer to an OrderStatusRequest (cumQtyE8/avgPxE8 describe the order). */
  readonly execType: 'new' | 'fill' | 'partial_fill' | 'reject' | 'canceled' | 'status';
  readonly lastQtyE8: number;
  readonly lastPxE8: number;
  readonly text: string;
  /** For 'status': the LP's cumulative quantity (client lots) and average price, and whether done. */
  readonly cumQtyE8?: number;
  readonly avgPxE8?: number;
  readonly terminal?: boolean;
}

export type { Decision };
