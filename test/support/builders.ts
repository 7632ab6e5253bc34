// Test builders with defaults: orders, quotes and contexts over the bundled mappings, so a test
// states only what matters to it.

import { join } from 'node:path';
import { parseE8 } from '../../src/core/model/scaled.js';
import type { LpStatus, Order, Quote } from '../../src/core/model/types.js';
import type { RoutingBundle } from '../../src/core/routing/bundle.js';
import { LpStatusBoard, QuoteBook, type DecisionContext } from '../../src/core/shadow/context.js';
import { loadBundle } from '../../src/mappings/load-bundle.js';

export const ROOT = join(import.meta.dirname, '..', '..');
export const PRODUCTION_DIR = join(ROOT, 'mappings', 'production');
export const CANDIDATE_DIR = join(ROOT, 'mappings', 'candidate');

let production: RoutingBundle | null = null;
let candidate: RoutingBundle | null = null;
export function productionBundle(): RoutingBundle {
  return (production ??= loadBundle(PRODUCTION_DIR));
}
export function candidateBundle(): RoutingBundle {
  return (candidate ??= loadBundle(CANDIDATE_DIR));
}

/** Wednesday 8 July 2026, 10:00 London: every session open. */
export const OPEN_US = Date.parse('2026-07-08T09:00:00Z') * 1000;

export function order(fields: Partial<Omit<Order, 'volumeE8' | 'priceE8'>> & { volume?: string; price?: string } = {}): Order {
  return {
    clientOrderId: fields.clientOrderId ?? 'O-1',
    session: fields.session ?? '',
    account: fields.account ?? '100001',
    group: fields.group ?? 'real\\pro\\usd',
    platformSymbol: fields.platformSymbol ?? 'EURUSD.pro',
    side: fields.side ?? 'buy',
    ordType: fields.ordType ?? 'market',
    volumeE8: parseE8(fields.volume ?? '1.00'),
    priceE8: fields.price === undefined ? 0 : parseE8(fields.price),
    correlationId: fields.correlationId ?? 'c-1',
    receivedUs: fields.receivedUs ?? OPEN_US,
  };
}

export function quote(lp: string, lpSymbol: string, bid: string, ask: string, fields: Partial<Quote> = {}): Quote {
  return {
    lp,
    lpSymbol,
    bidE8: parseE8(bid),
    askE8: parseE8(ask),
    bidSizeE8: 0,
    askSizeE8: 0,
    indicative: fields.indicative ?? false,
    receivedUs: fields.receivedUs ?? OPEN_US,
  };
}

export interface ContextSpec {
  readonly order?: Order;
  readonly quotes?: readonly Quote[];
  readonly status?: Readonly<Record<string, LpStatus>>;
  readonly nowUs?: number;
}

/** A frozen context; LPs default to up, and default quotes cover EURUSD at all three LPs. */
export function context(spec: ContextSpec = {}): DecisionContext {
  const book = new QuoteBook();
  const quotes = spec.quotes ?? [
    quote('LP_ALPHA', 'EUR/USD', '1.085000', '1.085020'),
    quote('LP_BRAVO', 'EURUSD', '1.08499', '1.08503'),
    quote('LP_CHARLIE', 'EUR/USD', '1.08500', '1.08502'),
  ];
  for (const q of quotes) book.update(q);
  const board = new LpStatusBoard();
  for (const lp of ['LP_ALPHA', 'LP_BRAVO', 'LP_CHARLIE']) board.set(lp, spec.status?.[lp] ?? 'up');
  const o = spec.order ?? order();
  return { seq: 1, nowUs: spec.nowUs ?? o.receivedUs, order: o, quotes: book.snapshot(), lpStatus: board.view() };
}
