// The routing engine that production and bundle candidates share: symbol map, contract-spec
// checks, trading session, rule table, LP selection with failover, markup. Pure and deterministic.

import type { Instrument } from '../model/instrument.js';
import { ceilTo, floorTo, formatE8Short } from '../model/scaled.js';
import {
  FAILOVER_SKIPS,
  NO_LPS,
  NO_SKIPS,
  type Decision,
  type Order,
  type Quote,
  type RejectReason,
  type SkippedLp,
  type SkipReason,
} from '../model/types.js';
import type { DecisionContext } from '../shadow/context.js';
import type { RouteRule, RoutingBundle } from './bundle.js';
import type { Router } from './router.js';
import { SymbolResolver } from './symbol-map.js';

export class BundleRouter implements Router {
  readonly configHash: string;
  private readonly resolver: SymbolResolver;

  constructor(
    readonly name: string,
    private readonly bundle: RoutingBundle,
  ) {
    this.configHash = bundle.hash;
    this.resolver = new SymbolResolver(bundle.symbolMap, bundle.instruments);
  }

  decide(context: DecisionContext): Decision {
    const order = context.order;
    const instrument = this.resolver.resolve(order.platformSymbol);
    if (instrument === null) {
      return this.reject('unknown_symbol', `platform symbol ${order.platformSymbol} maps to no instrument`, null, null);
    }
    const specProblem = this.checkSpec(order, instrument);
    if (specProblem !== null) return this.reject(specProblem.reason, specProblem.detail, instrument, null);

    const session = this.bundle.sessions.get(instrument.session);
    if (session !== undefined) {
      const state = session.state(context.nowUs);
      if (state !== 'open') {
        return this.reject('market_closed', `${instrument.symbol} session ${instrument.session} is ${state}`, instrument, null);
      }
    }

    const rule = this.matchRule(order, instrument);
    if (rule === null) return this.reject('no_route', 'no routing rule matched', instrument, null);
    return this.select(context, order, instrument, rule);
  }

  /** The instrument a platform symbol maps to in this bundle, or null. */
  instrumentOf(platformSymbol: string): Instrument | null {
    return this.resolver.resolve(platformSymbol);
  }

  /**
   * The price a client of `group` would see now: best bid and ask among the eligible LPs of the
   * rule a minimum-size order would match, with that rule's markup. Null when there is no price.
   * Off the order path: used to publish marked-up prices to platforms.
   */
  clientQuote(context: Pick<DecisionContext, 'quotes' | 'lpStatus' | 'nowUs'>, group: string, account: string, platformSymbol: string): { bidE8: number; askE8: number; digits: number } | null {
    const instrument = this.resolver.resolve(platformSymbol);
    if (instrument === null) return null;
    const probe: Order = { clientOrderId: '', session: '', account, group, platformSymbol, side: 'buy', ordType: 'market', volumeE8: instrument.minLotE8, priceE8: 0, correlationId: '', receivedUs: context.nowUs };
    const rule = this.matchRule(probe, instrument);
    if (rule === null) return null;
    let bid = 0;
    let ask = 0;
    // The first LP in the pool's order with a sane two-sided quote of its own: what a crossed
    // composite falls back to.
    let firstBid = 0;
    let firstAsk = 0;
    for (const lpId of rule.pool) {
      const lp = this.bundle.lps.get(lpId);
      if (lp === undefined || !lp.enabled || context.lpStatus.get(lpId) !== 'up') continue;
      const lpSymbol = lp.symbols.get(instrument.symbol);
      const q = lpSymbol === undefined ? undefined : context.quotes.get(lpId, lpSymbol);
      if (q === undefined || q.indicative || context.nowUs - q.receivedUs > lp.staleUs) continue;
      if (q.bidE8 > 0 && q.bidE8 > bid) bid = q.bidE8;
      if (q.askE8 > 0 && (ask === 0 || q.askE8 < ask)) ask = q.askE8;
      if (firstBid === 0 && q.bidE8 > 0 && q.askE8 > q.bidE8) {
        firstBid = q.bidE8;
        firstAsk = q.askE8;
      }
    }
    if (bid === 0 || ask === 0) return null;
    if (bid >= ask) {
      // LPs disagree enough that the best bid meets or passes the best ask: a client must never
      // see a locked or crossed price, so publish one LP's own two-sided quote instead.
      if (firstBid === 0) return null;
      bid = firstBid;
      ask = firstAsk;
    }
    const m = this.bundle.markups.get(rule.markupProfile)?.bySymbol.get(instrument.symbol);
    return {
      bidE8: floorTo(bid - (m?.bidE8 ?? 0), instrument.pointE8),
      askE8: ceilTo(ask + (m?.askE8 ?? 0), instrument.pointE8),
      digits: instrument.digits,
    };
  }

  private checkSpec(order: Order, instrument: Instrument): { reason: RejectReason; detail: string } | null {
    const volume = order.volumeE8;
    if (volume < instrument.minLotE8) {
      return { reason: 'invalid_volume', detail: `volume ${formatE8Short(volume)} below minimum ${formatE8Short(instrument.minLotE8)}` };
    }
    if (volume > instrument.maxLotE8) {
      return { reason: 'exceeds_limit', detail: `volume ${formatE8Short(volume)} above maximum ${formatE8Short(instrument.maxLotE8)}` };
    }
    if (volume % instrument.lotStepE8 !== 0) {
      return { reason: 'invalid_volume', detail: `volume ${formatE8Short(volume)} not a multiple of lot step ${formatE8Short(instrument.lotStepE8)}` };
    }
    if (order.ordType === 'limit' && (order.priceE8 <= 0 || order.priceE8 % instrument.tickSizeE8 !== 0)) {
      return { reason: 'invalid_price', detail: `limit price ${formatE8Short(order.priceE8)} not on tick ${formatE8Short(instrument.tickSizeE8)}` };
    }
    return null;
  }

  private matchRule(order: Order, instrument: Instrument): RouteRule | null {
    const rules = this.bundle.rules;
    for (let i = 0; i < rules.length; i++) {
      const rule = rules[i] as RouteRule;
      if (rule.accounts !== null && !rule.accounts.has(order.account)) continue;
      if (rule.groups !== null && !rule.groups(order.group)) continue;
      if (rule.symbols !== null && !rule.symbols.has(instrument.symbol)) continue;
      if (order.volumeE8 < rule.minVolumeE8) continue;
      if (rule.maxVolumeE8 !== 0 && order.volumeE8 >= rule.maxVolumeE8) continue;
      return rule;
    }
    return null;
  }

  private select(context: DecisionContext, order: Order, instrument: Instrument, rule: RouteRule): Decision {
    const buy = order.side === 'buy';
    const pool = rule.pool;
    let skipped: SkippedLp[] | null = null;
    let chosen: Quote | null = null;
    let chosenIndex = -1;
    let healthSkipBeforeChosen = false;
    let healthSkipAny = false;

    for (let i = 0; i < pool.length; i++) {
      const lpId = pool[i] as string;
      const quote = this.eligibleQuote(context, lpId, instrument, order);
      if (typeof quote === 'string') {
        (skipped ??= []).push({ lp: lpId, reason: quote });
        if (FAILOVER_SKIPS.has(quote)) {
          healthSkipAny = true;
          if (chosen === null) healthSkipBeforeChosen = true;
        }
        continue;
      }
      if (rule.mode === 'priority') {
        chosen = quote;
        chosenIndex = i;
        break;
      }
      // best_price: strictly better wins, so ties go to the LP listed first (stable, deterministic).
      if (chosen === null || (buy ? quote.askE8 < chosen.askE8 : quote.bidE8 > chosen.bidE8)) {
        if (chosen !== null) (skipped ??= []).push({ lp: chosen.lp, reason: 'worse_price' });
        chosen = quote;
        chosenIndex = i;
      } else {
        (skipped ??= []).push({ lp: lpId, reason: 'worse_price' });
      }
    }

    if (chosen === null) {
      return this.decision('reject', 'no_liquidity', `no eligible LP in pool of rule ${rule.id}`, rule, instrument, order, null, 0, 0, 0, skipped ?? NO_SKIPS, false);
    }

    const markup = this.bundle.markups.get(rule.markupProfile)?.bySymbol.get(instrument.symbol);
    const lpPrice = buy ? chosen.askE8 : chosen.bidE8;
    const markupE8 = markup === undefined ? 0 : buy ? markup.askE8 : markup.bidE8;
    // Client prices round away from the client (ask up, bid down) to the instrument's digits.
    const clientPrice = buy ? ceilTo(lpPrice + markupE8, instrument.pointE8) : floorTo(lpPrice - markupE8, instrument.pointE8);
    const failover = rule.mode === 'priority' ? healthSkipBeforeChosen && chosenIndex > 0 : healthSkipAny;
    if (clientPrice <= 0) {
      // A markup larger than the LP's bid would quote the client zero or less: never trade on it.
      return this.decision('reject', 'no_liquidity', `marked-up price not positive at ${chosen.lp}`, rule, instrument, order, null, 0, 0, 0, skipped ?? NO_SKIPS, false);
    }
    return this.decision('route', null, null, rule, instrument, order, chosen, lpPrice, markupE8, clientPrice, skipped ?? NO_SKIPS, failover);
  }

  /** Returns the LP's usable quote, or why the LP cannot take this order. */
  private eligibleQuote(context: DecisionContext, lpId: string, instrument: Instrument, order: Order): Quote | SkipReason {
    const lp = this.bundle.lps.get(lpId);
    if (lp === undefined) return 'unknown_lp';
    if (!lp.enabled) return 'disabled';
    const status = context.lpStatus.get(lpId);
    if (status !== 'up') return status === undefined ? 'unknown_lp' : 'down';
    if (lp.session !== null) {
      const session = this.bundle.sessions.get(lp.session);
      if (session !== undefined && !session.isOpen(context.nowUs)) return 'off_session';
    }
    const lpSymbol = lp.symbols.get(instrument.symbol);
    if (lpSymbol === undefined) return 'no_symbol';
    if (lp.maxVolumeE8 !== 0 && order.volumeE8 > lp.maxVolumeE8) return 'volume_band';
    const quote = context.quotes.get(lpId, lpSymbol);
    if (quote === undefined) return 'no_quote';
    if (quote.indicative || (order.side === 'buy' ? quote.askE8 <= 0 : quote.bidE8 <= 0)) return 'indicative';
    if (context.nowUs - quote.receivedUs > lp.staleUs) return 'stale';
    return quote;
  }

  private reject(reason: RejectReason, detail: string, instrument: Instrument | null, rule: RouteRule | null): Decision {
    return {
      router: this.name,
      configHash: this.configHash,
      action: 'reject',
      rejectReason: reason,
      detail,
      ruleId: rule === null ? null : rule.id,
      instrument: instrument === null ? null : instrument.symbol,
      digits: instrument === null ? 0 : instrument.digits,
      lp: null,
      lpSymbol: null,
      selectionMode: null,
      volumeE8: 0,
      lpPriceE8: 0,
      markupE8: 0,
      clientPriceE8: 0,
      markupProfile: null,
      pool: NO_LPS,
      skipped: NO_SKIPS,
      failover: false,
    };
  }

  private decision(
    action: 'route' | 'reject',
    reason: RejectReason | null,
    detail: string | null,
    rule: RouteRule,
    instrument: Instrument,
    order: Order,
    chosen: Quote | null,
    lpPriceE8: number,
    markupE8: number,
    clientPriceE8: number,
    skipped: readonly SkippedLp[],
    failover: boolean,
  ): Decision {
    return {
      router: this.name,
      configHash: this.configHash,
      action,
      rejectReason: reason,
      detail,
      ruleId: rule.id,
      instrument: instrument.symbol,
      digits: instrument.digits,
      lp: chosen === null ? null : chosen.lp,
      lpSymbol: chosen === null ? null : chosen.lpSymbol,
      selectionMode: rule.mode,
      volumeE8: chosen === null ? 0 : order.volumeE8,
      lpPriceE8,
      markupE8,
      clientPriceE8,
      markupProfile: chosen === null ? null : rule.markupProfile,
      pool: rule.pool,
      skipped,
      failover,
    };
  }
}
