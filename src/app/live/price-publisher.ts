// Marked-up prices to platforms: who subscribed to what (bounded per session), one production
// price per (group, symbol) for each quote, and the candidate's price for the same client
// computed beside it and counted when it differs, never sent.

import type { FixSession } from '../../fix/session/session.js';
import { BundleRouter } from '../../core/routing/bundle-router.js';
import type { Router } from '../../core/routing/router.js';
import type { LpStatusView, QuoteView } from '../../core/shadow/context.js';
import { encodeSnapshot, type MarketDataRequest } from '../../fix/app/market-data.js';
import { MsgType, Tag } from '../../fix/codec/tags.js';

/** Price subscriptions one platform session may hold (symbols x requests). */
export const MAX_SUBSCRIPTIONS_PER_SESSION = 1_000;

interface PriceSubscription {
  readonly session: FixSession;
  readonly mdReqId: string;
  readonly platformSymbol: string;
  readonly group: string;
  lastSentMs: number;
}

/** A marked-up two-way price for one client group and symbol. */
type ClientQuote = NonNullable<ReturnType<BundleRouter['clientQuote']>>;

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

  /** A MarketDataRequest from a platform session: subscribe or unsubscribe each symbol. */
  onRequest(s: FixSession, req: MarketDataRequest, group: string): void {
    // Bounded: a platform cannot make the engine price an unlimited list for it.
    let held = 0;
    for (const list of this.subscriptions.values()) for (const x of list) if (x.session === s) held++;
    if (req.subscriptionType !== '2' && held + req.symbols.length > MAX_SUBSCRIPTIONS_PER_SESSION) {
      s.sendApp(MsgType.MarketDataRequestReject, (e) => e.str(Tag.MDReqID, req.mdReqId).str(Tag.MDReqRejReason, '2').str(Tag.Text, `At most ${MAX_SUBSCRIPTIONS_PER_SESSION} subscriptions per session (${held} held, ${req.symbols.length} asked)`));
      return;
    }
    for (const platformSymbol of req.symbols) {
      const instrument = this.production.instrumentOf(platformSymbol);
      if (instrument === null) {
        s.sendApp(MsgType.MarketDataRequestReject, (e) => e.str(Tag.MDReqID, req.mdReqId).str(Tag.MDReqRejReason, '0').str(Tag.Text, `Unknown symbol ${platformSymbol}`));
        continue;
      }
      const list = this.subscriptions.get(instrument.symbol) ?? [];
      const rest = list.filter((x) => !(x.session === s && x.platformSymbol === platformSymbol));
      if (req.subscriptionType !== '2') rest.push({ session: s, mdReqId: req.mdReqId, platformSymbol, group, lastSentMs: 0 });
      this.subscriptions.set(instrument.symbol, rest);
    }
  }

  /** A session logged out: its subscriptions end. */
  drop(s: FixSession): void {
    for (const [k, list] of this.subscriptions) this.subscriptions.set(k, list.filter((x) => x.session !== s));
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
      if (now - sub.lastSentMs < this.throttleMs || !sub.session.isLoggedOn) continue;
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
      sub.session.sendApp(MsgType.MarketDataSnapshotFullRefresh, (e) => encodeSnapshot(e, sub.mdReqId, sub.platformSymbol, q.bidE8, q.askE8, 1_000_000 * 100_000_000, q.digits));
      if (shadowing !== null) {
        // Counted per published price: each subscriber's price is one comparison.
        this.quoteShadow.compared++;
        if (price.diverged) this.quoteShadow.diverged++;
      }
    }
  }
}
