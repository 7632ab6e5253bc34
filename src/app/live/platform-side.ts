// The platform side of the live engine: the FIX acceptor and one session per platform, every
// message validated against the built-in FIX 4.4 dictionary, orders and cancels decoded into
// the domain, execution reports and refusals out (stored for resend while a platform is away).
// It knows platforms and FIX; what to do with an order is the order flow's business.

import { createHash, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { BridgeError } from '../../core/errors.js';
import type { OrderRequest, Side } from '../../core/model/types.js';
import type { ClientReport } from '../../core/orders/order-desk.js';
import { decodeMarketDataRequest, encodeSnapshot } from '../../fix/app/market-data.js';
import { decodeNewOrderSingle, encodePlatformExecution, isDecodeProblem } from '../../fix/app/orders.js';
import { FixMessage } from '../../fix/codec/message.js';
import { MsgType, Tag } from '../../fix/codec/tags.js';
import { builtinFix44Dictionary } from '../../fix/dictionary/fix44-builtin.js';
import { FileSessionStore } from '../../fix/session/file-store.js';
import { DEFAULT_SESSION_CONFIG, FixSession, UnsupportedMessageType, type SessionLog } from '../../fix/session/session.js';
import { FixAcceptor, type AdmissionCounters } from '../../gateways/fix/acceptor.js';
import { RateBudget } from '../../core/util/rate-budget.js';
import type { LiveConfig } from '../live-config.js';
import { MAX_SUBSCRIPTIONS_PER_SESSION, type PriceRequest, type PriceRequestResult, type PriceSink } from './price-publisher.js';

/** How the engine answers a platform's cancel (orders are IOC at LPs: they finish on their own). */
export interface CancelAnswer {
  readonly orderId: string;
  readonly ordStatus: string;
  readonly cxlRejReason: number;
  readonly text: string | null;
}

export interface PlatformSideEvents {
  /** A decoded order from session `key`; `possDup` when the platform flags it as a possible resend. */
  onOrder(key: string, request: OrderRequest, possDup: boolean): void;
  /** A NewOrderSingle that does not decode into an order (a coded refusal is sent by the side). */
  onUndecodable(key: string, text: string): void;
  onCancel(key: string, origClOrdId: string, cancelId: string): CancelAnswer;
  /** A price subscription change from a platform connection (FIX session or WebSocket client). */
  onPriceRequest(sink: PriceSink, request: PriceRequest, group: string): PriceRequestResult;
  /** A platform connection ended: its price subscriptions end. */
  onLogout(sink: PriceSink): void;
  /** How many price subscriptions a connection holds now. */
  subscriptionsHeld(sink: PriceSink): number;
}

/** What the order flow needs of the platform side, whatever protocol a platform speaks. */
export interface PlatformReplies {
  /** An ExecutionReport to the platform that sent the order; stored for resend if it is away. */
  sendReport(r: ClientReport): void;
  /** Rejects an order the engine will not send (OrdRejReason, text), with an ExecID of its own. */
  refuse(key: string, o: RefusedOrder, ordRejReason: number, text: string, orderId?: string): void;
}

/** What a refusal names: the platform's order as it sent it. */
export interface RefusedOrder {
  readonly clOrdId: string;
  readonly symbol: string;
  readonly side: Side;
  readonly qtyE8: number;
}

/** Messages refused for rate, per platform session (summary `admission.throttled`, /metrics). */
export interface ThrottledCounts {
  orders: number;
  priceRequests: number;
}

/** sha256 of a secret, for constant-time comparison whatever its length. */
function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

/** True when `given` equals `expected`, in time that does not depend on where they differ. */
function secretMatches(given: string | undefined, expected: string): boolean {
  return timingSafeEqual(digest(given ?? '\u0000absent'), digest(expected)) && given !== undefined;
}

/** One FIX session as /metrics shows it. */
export interface SessionState {
  readonly side: 'platform' | 'lp';
  readonly id: string;
  readonly loggedOn: boolean;
  readonly nextSenderSeq: number;
  readonly nextTargetSeq: number;
}

/** A FIX session's price stream: full-refresh snapshots (35=W) with production's markups. */
class FixPriceSink implements PriceSink {
  constructor(private readonly session: FixSession) {}
  get isLoggedOn(): boolean {
    return this.session.isLoggedOn;
  }
  sendPrice(mdReqId: string, platformSymbol: string, q: Parameters<PriceSink['sendPrice']>[2]): void {
    this.session.sendApp(MsgType.MarketDataSnapshotFullRefresh, (e) => encodeSnapshot(e, mdReqId, platformSymbol, q.bidE8, q.askE8, 1_000_000 * 100_000_000, q.digits));
  }
}

export class PlatformSide implements PlatformReplies {
  private readonly sessions = new Map<string, FixSession>();
  private readonly sinks = new Map<FixSession, FixPriceSink>();
  private readonly acceptor: FixAcceptor;
  private refusals = 0;
  /** Per session key: what was refused for rate. */
  readonly throttled = new Map<string, ThrottledCounts>();

  constructor(
    private readonly platform: LiveConfig['platform'],
    private readonly o: { readonly runId: string; readonly recoverStores: boolean; readonly log: SessionLog },
    events: PlatformSideEvents,
  ) {
    const dictionary = builtinFix44Dictionary();
    for (const pc of platform.sessions) {
      const key = pc.targetCompId;
      const groups = { groupTag: pc.groupTag, accountGroups: new Map(Object.entries(pc.accountGroups)), defaultGroup: pc.defaultGroup };
      // One budget per session, kept across reconnects: logging on again does not refill it.
      // Without it one platform could send orders as fast as its link allows and every other
      // platform's orders would wait behind them on the one routing thread.
      const budget = new RateBudget(pc.messagesPerSecond, 2 * pc.messagesPerSecond, Date.now());
      const throttled: ThrottledCounts = { orders: 0, priceRequests: 0 };
      this.throttled.set(key, throttled);
      const overRate = (kind: keyof ThrottledCounts, clOrdOrReqId: string): string | null => {
        if (budget.take(Date.now())) return null;
        throttled[kind]++;
        o.log.event('platform_throttled', { session: key, kind, id: clOrdOrReqId, limitPerSecond: pc.messagesPerSecond, refused: throttled[kind] });
        return `Message rate above ${pc.messagesPerSecond}/s on this session: refused, not sent`;
      };
      const session: FixSession = new FixSession(
        {
          ...DEFAULT_SESSION_CONFIG,
          senderCompId: platform.senderCompId,
          targetCompId: pc.targetCompId,
          role: 'acceptor',
          persistBeforeProcessing: true,
          // Every message type counts here (cancels, TestRequests, garbage that earns a Reject):
          // five times the order and price-request rate, so a platform's own flow never comes
          // near it, and a flood of cheap messages is cut off instead of taking the core.
          maxInboundPerSecond: Math.max(1_000, 5 * pc.messagesPerSecond),
          // Every platform message is validated as FIX 4.4 defines it (required fields, formats,
          // enumerations, repeats) before the order path sees it; failures get a session Reject.
          dictionary,
          // Prices are gap-filled on a resend, never replayed stale; execution reports are resent.
          neverResendMsgTypes: new Set([MsgType.MarketDataSnapshotFullRefresh, MsgType.MarketDataIncrementalRefresh]),
        },
        new FileSessionStore(platform.storeDir, `${platform.senderCompId}-${pc.targetCompId}`, (process.env['SB_FSYNC'] as 'never' | undefined) ?? 'interval', 100, false, undefined, o.recoverStores),
        {
          // Whatever credential is configured is checked, each in constant time; a session with
          // a password and no username still needs the password.
          authenticate: (_s, username, password) =>
            (pc.username === undefined || secretMatches(username, pc.username)) && (pc.password === undefined || secretMatches(password, pc.password)) ? null : 'Invalid username or password',
          fromApp: (s, m) => {
            switch (m.msgType) {
              case MsgType.NewOrderSingle: {
                const decoded = decodeNewOrderSingle(m, groups, key);
                if (isDecodeProblem(decoded)) {
                  this.refuse(key, { clOrdId: m.str(Tag.ClOrdID) ?? '', symbol: m.str(Tag.Symbol) ?? '?', side: m.str(Tag.Side) === '2' ? 'sell' : 'buy', qtyE8: 0 }, 99, decoded.text);
                  events.onUndecodable(key, decoded.text);
                  return;
                }
                const throttledText = overRate('orders', decoded.clientOrderId);
                if (throttledText !== null) {
                  this.refuse(key, { clOrdId: decoded.clientOrderId, symbol: decoded.platformSymbol, side: decoded.side, qtyE8: decoded.volumeE8 }, 99, throttledText);
                  return;
                }
                events.onOrder(key, decoded, m.flag(Tag.PossDupFlag) || m.flag(Tag.PossResend));
                return;
              }
              case MsgType.OrderCancelRequest: {
                const orig = m.str(Tag.OrigClOrdID) ?? '';
                const cancelId = m.str(Tag.ClOrdID) ?? '';
                const answer = events.onCancel(key, orig, cancelId);
                s.sendApp(MsgType.OrderCancelReject, (e) => {
                  e.str(Tag.ClOrdID, cancelId).str(Tag.OrderID, answer.orderId).str(Tag.OrdStatus, answer.ordStatus).str(Tag.OrigClOrdID, orig);
                  if (answer.text !== null) e.str(Tag.Text, answer.text);
                  e.int(Tag.CxlRejReason, answer.cxlRejReason).str(Tag.CxlRejResponseTo, '1');
                });
                return;
              }
              case MsgType.MarketDataRequest: {
                const req = decodeMarketDataRequest(m);
                if (req === null) throw new UnsupportedMessageType('MarketDataRequest without MDReqID');
                const reject = (reason: string, text: string): void => void s.sendApp(MsgType.MarketDataRequestReject, (e) => e.str(Tag.MDReqID, req.mdReqId).str(Tag.MDReqRejReason, reason).str(Tag.Text, text));
                // An unsubscribe only lightens the load: never refused for rate.
                const throttledText = req.subscriptionType === '2' ? null : overRate('priceRequests', req.mdReqId);
                if (throttledText !== null) {
                  reject('2', throttledText); // 2 = insufficient bandwidth: the nearest FIX 4.4 has
                  return;
                }
                const result = events.onPriceRequest(this.sinkOf(s), { subscriptionId: req.mdReqId, symbols: req.symbols, unsubscribe: req.subscriptionType === '2' }, groups.defaultGroup);
                if (result.overLimit !== null) reject('2', `At most ${MAX_SUBSCRIPTIONS_PER_SESSION} subscriptions per session (${result.overLimit.held} held, ${result.overLimit.asked} asked)`);
                for (const symbol of result.unknown) reject('0', `Unknown symbol ${symbol}`);
                return;
              }
              default:
                throw new UnsupportedMessageType(m.msgType);
            }
          },
          onLogout: (s) => events.onLogout(this.sinkOf(s)),
        },
        { nowMs: () => Date.now() },
        o.log,
        () => new FixMessage(),
      );
      this.sessions.set(key, session);
    }
    this.acceptor = new FixAcceptor({
      host: platform.host,
      port: platform.port,
      findSession: (sender, target) => (sender === platform.senderCompId ? this.sessions.get(target) ?? null : null),
      allSessions: () => this.sessions.values(),
      log: o.log,
      maxConnections: platform.maxConnections,
      logonTimeoutMs: platform.logonTimeoutMs,
      maxFailedLogonsPerMinute: platform.maxFailedLogonsPerMinute,
      ...(platform.tls === null ? {} : { tls: { key: readFileSync(platform.tls.keyFile), cert: readFileSync(platform.tls.certFile) } }),
    });
  }

  private sinkOf(session: FixSession): FixPriceSink {
    let sink = this.sinks.get(session);
    if (sink === undefined) this.sinks.set(session, (sink = new FixPriceSink(session)));
    return sink;
  }

  /** Whether `key` is one of this side's platform sessions. */
  has(key: string): boolean {
    return this.sessions.has(key);
  }

  get admission(): AdmissionCounters {
    return this.acceptor.admission;
  }

  listen(): Promise<number> {
    return this.acceptor.listen();
  }

  /** An ExecutionReport to the platform that sent the order; stored for resend if it is offline. */
  sendReport(r: ClientReport): void {
    const session = this.sessions.get(r.order.session);
    if (session === undefined) return;
    const o = r.order;
    session.sendAppDurable(MsgType.ExecutionReport, (e) =>
      encodePlatformExecution(e, {
        orderId: o.correlationId,
        execId: `${o.correlationId}-${r.number}`,
        clOrdId: o.clOrdId,
        symbol: o.platformSymbol,
        side: o.side,
        execType: r.execType,
        ordStatus: r.ordStatus,
        orderQtyE8: o.orderQtyE8,
        lastQtyE8: r.lastQtyE8,
        lastPxE8: r.lastPxE8,
        cumQtyE8: r.cumQtyE8,
        avgPxE8: r.avgPxE8,
        priceDigits: o.priceDigits,
        ordRejReason: r.ordRejReason,
        text: r.text,
        nowMs: Date.now(),
      }),
    );
  }

  /** Rejects an order the engine will not send (ER 8, OrdRejReason), with an ExecID of its own. */
  refuse(key: string, o: RefusedOrder, ordRejReason: number, text: string, orderId = 'NONE'): void {
    const session = this.sessions.get(key);
    if (session === undefined) return;
    this.refusals++;
    const execId = `${this.o.runId}-R${this.refusals}`;
    session.sendAppDurable(MsgType.ExecutionReport, (e) =>
      encodePlatformExecution(e, { orderId, execId, clOrdId: o.clOrdId, symbol: o.symbol, side: o.side, execType: '8', ordStatus: '8', orderQtyE8: o.qtyE8, lastQtyE8: 0, lastPxE8: 0, cumQtyE8: 0, avgPxE8: 0, priceDigits: 5, ordRejReason, text, nowMs: Date.now() }),
    );
  }

  /** Logs every session out (the engine is stopping). */
  logoutAll(text: string): void {
    for (const s of this.sessions.values()) s.logout(text);
  }

  close(): Promise<void> {
    return this.acceptor.close();
  }

  storeFailure(): BridgeError | null {
    for (const s of this.sessions.values()) if (s.store.failure() !== null) return s.store.failure() as BridgeError;
    return null;
  }

  /** Each session's state and sequence numbers, for /metrics. */
  sessionStates(): SessionState[] {
    return [...this.sessions.entries()].map(([id, s]) => ({ side: 'platform', id, loggedOn: s.isLoggedOn, nextSenderSeq: s.store.nextSenderSeq(), nextTargetSeq: s.store.nextTargetSeq() }));
  }

  storeFailures(): BridgeError[] {
    return [...this.sessions.values()].map((s) => s.store.failure()).filter((f): f is BridgeError => f !== null);
  }

  closeStores(): void {
    for (const s of this.sessions.values()) s.store.close();
  }
}
