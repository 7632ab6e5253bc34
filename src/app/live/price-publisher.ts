// Marked-up prices to platforms: who subscribed to what (bounded per session), one production
// price per (group, symbol) for each quote, and the candidate's price for the same client
// computed beside it and counted when it differs, never sent. It knows no protocol: each
// platform connection (FIX session, WebSocket client) is a sink that formats its own messages.

import { BundleRouter } from '../../core/routing/bundle-router.js';
import type { Router } from '../../core/routing/router.js';
import type { LpStatusView, QuoteView } from '../../core/shadow/context.js';

/** Price subscriptions one platform session may hold (symbols x requests). */
export const MAX_SUBSCRIPTIONS_PER_SESSION = 1_000;

/** A marked-up two-way price for one client group and symbol. */
export type ClientQuote = NonNullable<ReturnType<BundleRouter['clientQuote']>>;

/** One platform connection's price stream, in its own protocol. */
export interface PriceSink {
  readonly isLoggedOn: boolean;
  sendPrice(subscriptionId: string, platformSymbol: string, quote: ClientQuote): void;
}

/** A subscribe (type '1') or unsubscribe ('2') for some platform symbols. */
export interface PriceRequest {
  readonly subscriptionId: string;
  readonly symbols: readonly string[];
  readonly unsubscribe: boolean;
}

/** What a request did: the sink's side answers in its own protocol. */
export interface PriceRequestResult {
  readonly accepted: string[];
  readonly unknown: string[];
  /** Set when the request would pass the per-session limit (nothing was subscribed). */
  readonly overLimit: { readonly held: number; readonly asked: number } | null;
}

interface PriceSubscription {
  readonly sink: PriceSink;
  readonly subscriptionId: string;
  readonly platformSymbol: string;
  readonly group: string;
  lastSentMs: number;
}

export interface MarketView {
  readonly quotes: QuoteView;
  readonly lpStatus: LpStatusView;
  readonly nowUs: number;
}

export class PricePublisher {
  /** Canonical instrument -> subscriptions. */
  private readonly subscriptions = new Map<string, PriceSubscription[]>();
  /** Published prices compared with the candidate's, and how many differed. */
  readonly quoteShadow = { compared: 0, diverged: 0 };

  constructor(
    private readonly production: BundleRouter,
    private readonly candidate: Router | null,
    private readonly throttleMs: number,
  ) {}

  /** How many subscriptions a sink holds now. */
  heldBy(sink: PriceSink): number {
    let held = 0;
    for (const list of this.subscriptions.values()) for (const x of list) if (x.sink === sink) held++;
    return held;
  }

  /** A platform's request: subscribe or unsubscribe each symbol (a repeat replaces the older). */
  onRequest(sink: PriceSink, req: PriceRequest, group: string): PriceRequestResult {
    // Bounded: a platform cannot make the engine price an unlimited list for it.
    const held = this.heldBy(sink);
    if (!req.unsubscribe && held + req.symbols.length > MAX_SUBSCRIPTIONS_PER_SESSION) return { accepted: [], unknown: [], overLimit: { held, asked: req.symbols.length } };
    const accepted: string[] = [];
    const unknown: string[] = [];
    for (const platformSymbol of req.symbols) {
      const instrument = this.production.instrumentOf(platformSymbol);
      if (instrument === null) {
        unknown.push(platformSymbol);
        continue;
      }
      accepted.push(platformSymbol);
      const list = this.subscriptions.get(instrument.symbol) ?? [];
      const rest = list.filter((x) => !(x.sink === sink && x.platformSymbol === platformSymbol));
      if (!req.unsubscribe) rest.push({ sink, subscriptionId: req.subscriptionId, platformSymbol, group, lastSentMs: 0 });
      this.subscriptions.set(instrument.symbol, rest);
    }
    return { accepted, unknown, overLimit: null };
  }

  /** A session logged out or a connection closed: its subscriptions end. */
  drop(sink: PriceSink): void {
    for (const [k, list] of this.subscriptions) this.subscriptions.set(k, list.filter((x) => x.sink !== sink));
  }

  /** A quote for `canonical` changed: every subscriber due a price gets production's. */
  publish(canonical: string, market: MarketView): void {
    const subs = this.subscriptions.get(canonical);
    if (subs === undefined || subs.length === 0) return;
    const now = Date.now();
    const shadowing = this.candidate instanceof BundleRouter ? this.candidate : null;
    // Subscribers in the same group on the same symbol get the same price: priced once each.
    const priced = new Map<string, { production: ClientQuote | null; diverged: boolean }>();
    for (const sub of subs) {
      if (now - sub.lastSentMs < this.throttleMs || !sub.sink.isLoggedOn) continue;
      const key = `${sub.group}\u0000${sub.platformSymbol}`;
      let price = priced.get(key);
      if (price === undefined) {
        const q = this.production.clientQuote(market, sub.group, '', sub.platformSymbol);
        // The candidate's price for the same client is computed and compared, never sent.
        const c = q === null || shadowing === null ? undefined : shadowing.clientQuote(market, sub.group, '', sub.platformSymbol);
        price = { production: q, diverged: c !== undefined && (c === null || q === null || c.bidE8 !== q.bidE8 || c.askE8 !== q.askE8) };
        priced.set(key, price);
      }
      const q = price.production;
      if (q === null) continue;
      sub.lastSentMs = now;
      sub.sink.sendPrice(sub.subscriptionId, sub.platformSymbol, q);
      if (shadowing !== null) {
        // Counted per published price: each subscriber's price is one comparison.
        this.quoteShadow.compared++;
        if (price.diverged) this.quoteShadow.diverged++;
      }
    }
  }
}
