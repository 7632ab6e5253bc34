// Web platforms over WebSocket (docs/ws-protocol.md, platform profile): the same part of the
// engine as the FIX platform side, in another protocol. Orders and cancels in, decoded into the
// domain; executions out through a durable per-client outbox; prices through a sink per
// connection that conflates for a slow client and never holds the engine up.

import { createHash, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { BridgeError } from '../../core/errors.js';
import type { OrderRequest } from '../../core/model/types.js';
import type { ClientReport } from '../../core/orders/order-desk.js';
import { JsonWsServer, withReqId, type WsAdmission, type WsLog, type WsPeer } from '../../gateways/ws/json-server.js';
import { decodeCancel, decodeNewOrder, decodeSymbols, executionBody, isWsProblem, priceText, PROTOCOL_VERSION } from '../../gateways/ws/messages.js';
import { DurableOutbox } from '../../gateways/ws/outbox.js';
import type { LiveConfig } from '../live-config.js';
import type { PlatformReplies, PlatformSideEvents, RefusedOrder, SessionState } from './platform-side.js';
import { MAX_SUBSCRIPTIONS_PER_SESSION, type ClientQuote, type PriceSink } from './price-publisher.js';

type WsConfig = NonNullable<LiveConfig['platform']['websocket']>;
type ClientConfig = WsConfig['clients'][number];

/** One configured web platform: its token digest, groups and durable orders channel. */
interface WsClient {
  readonly config: ClientConfig;
  readonly tokenDigest: Buffer;
  readonly accountGroups: ReadonlyMap<string, string>;
  readonly outbox: DurableOutbox;
  peer: WsPeer<WsClient> | null;
  sink: WsPriceSink | null;
}

const digest = (text: string): Buffer => createHash('sha256').update(text, 'utf8').digest();

/** One connection's prices: a sequence number per symbol, a snapshot first and after every gap. */
class WsPriceSink implements PriceSink {
  private readonly seqs = new Map<string, number>();
  /** Symbols whose next price is a snapshot (just subscribed). */
  private readonly fresh = new Set<string>();

  constructor(private readonly peer: WsPeer<WsClient>) {}

  get isLoggedOn(): boolean {
    return !this.peer.closed;
  }

  subscribed(symbols: readonly string[]): void {
    for (const s of symbols) this.fresh.add(s);
  }

  sendPrice(_subscriptionId: string, symbol: string, q: ClientQuote): void {
    const seq = (this.seqs.get(symbol) ?? 0) + 1;
    this.seqs.set(symbol, seq);
    const snapshot = this.fresh.delete(symbol);
    const timeMs = Date.now();
    // Built only when it is sent: a price conflated away costs a closure, not a string.
    this.peer.offer(symbol, (afterGap) => priceText(snapshot || afterGap ? 'snapshot' : 'update', symbol, seq, q.bidE8, q.askE8, q.digits, timeMs));
  }
}

export class WsPlatformSide implements PlatformReplies {
  private readonly clients = new Map<string, WsClient>();
  private readonly server: JsonWsServer<WsClient>;
  private refusals = 0;

  constructor(
    private readonly ws: WsConfig,
    private readonly o: { readonly runId: string; readonly storeDir: string; readonly log: WsLog },
    private readonly events: PlatformSideEvents,
  ) {
    const seen = new Map<string, string>();
    try {
      for (const c of ws.clients) {
        const token = c.token ?? process.env[c.tokenEnv ?? ''];
        if (token === undefined || !/^[\x21-\x7e]{16,512}$/.test(token)) throw new BridgeError('SB_ERR_WS_CONFIG', `WebSocket client ${c.id}: ${c.tokenEnv === undefined ? 'no token' : `environment variable ${c.tokenEnv} is not set to a 16-512 character token`}`);
        const other = seen.get(token);
        if (other !== undefined) throw new BridgeError('SB_ERR_WS_CONFIG', `WebSocket clients ${other} and ${c.id} have the same token: a token must name one client`);
        seen.set(token, c.id);
        this.clients.set(c.id, { config: c, tokenDigest: digest(token), accountGroups: new Map(Object.entries(c.accountGroups)), outbox: new DurableOutbox(o.storeDir, c.id), peer: null, sink: null });
      }
    } catch (error) {
      this.closeStores();
      throw error;
    }
    this.server = new JsonWsServer<WsClient>({
      host: ws.host,
      port: ws.port,
      path: ws.path,
      limits: ws.limits,
      log: o.log,
      ...(ws.tls === null ? {} : { tls: { key: readFileSync(ws.tls.keyFile), cert: readFileSync(ws.tls.certFile) } }),
      authenticate: (token) => this.authenticate(token),
      principalId: (c) => c.config.id,
      welcome: (peer) => this.welcome(peer),
      onMessage: (peer, m) => this.onMessage(peer, m),
      onClose: (peer) => this.onClose(peer),
    });
  }

  get admission(): WsAdmission {
    return this.server.admission;
  }

  has(key: string): boolean {
    return this.clients.has(key);
  }

  listen(): Promise<number> {
    return this.server.listen();
  }

  close(): Promise<void> {
    return this.server.close();
  }

  /** Every client's token is compared, each in constant time: which one matched is not timed. */
  private authenticate(token: string): WsClient | null {
    const given = digest(token);
    let found: WsClient | null = null;
    for (const c of this.clients.values()) if (timingSafeEqual(given, c.tokenDigest)) found = c;
    return found;
  }

  private welcome(peer: WsPeer<WsClient>): Record<string, unknown> {
    const c = peer.principal;
    c.peer = peer;
    c.sink = new WsPriceSink(peer);
    const l = this.ws.limits;
    return { type: 'welcome', v: PROTOCOL_VERSION, client: c.config.id, heartbeatMs: l.heartbeatMs, ordersSeq: c.outbox.lastSeq, limits: { maxMessageBytes: l.maxMessageBytes, messagesPerSecond: l.messagesPerSecond, maxSubscriptions: MAX_SUBSCRIPTIONS_PER_SESSION } };
  }

  private onClose(peer: WsPeer<WsClient>): void {
    const c = peer.principal;
    if (c.peer !== peer) return; // an older connection that a newer one replaced
    if (c.sink !== null) this.events.onLogout(c.sink);
    c.peer = null;
    c.sink = null;
  }

  private onMessage(peer: WsPeer<WsClient>, m: Readonly<Record<string, unknown>>): void {
    const c = peer.principal;
    const key = c.config.id;
    switch (m['type']) {
      case 'new': {
        if (!c.config.orders) {
          peer.send(withReqId({ type: 'error', code: 'SB_WS_ORDERS_DISABLED', text: `client ${key} is configured for prices only` }, m));
          return;
        }
        const order = decodeNewOrder(m);
        if (isWsProblem(order)) {
          if (order.clOrdId === null) peer.send(withReqId({ type: 'error', code: order.code, text: order.text }, m));
          else {
            const symbol = typeof m['symbol'] === 'string' ? (m['symbol'] as string).slice(0, 64) : '?';
            this.refuse(key, { clOrdId: order.clOrdId, symbol, side: m['side'] === 'sell' ? 'sell' : 'buy', qtyE8: 0 }, 99, order.text);
          }
          return;
        }
        const request: OrderRequest = { clientOrderId: order.clOrdId, session: key, account: order.account, group: c.accountGroups.get(order.account) ?? c.config.defaultGroup, platformSymbol: order.symbol, side: order.side, ordType: order.ordType, volumeE8: order.qtyE8, priceE8: order.priceE8 };
        this.events.onOrder(key, request, order.possResend);
        return;
      }
      case 'cancel': {
        const cancel = decodeCancel(m);
        if (isWsProblem(cancel)) {
          peer.send(withReqId({ type: 'error', code: cancel.code, text: cancel.text }, m));
          return;
        }
        const answer = this.events.onCancel(key, cancel.origClOrdId, cancel.clOrdId);
        this.deliver(c, c.outbox.append('cancel_reject', { clOrdId: cancel.clOrdId, origClOrdId: cancel.origClOrdId, orderId: answer.orderId, ordStatus: ORD_STATUS_NAMES[answer.ordStatus] ?? 'rejected', cxlRejReason: answer.cxlRejReason, ...(answer.text === null ? {} : { text: answer.text }), time: Date.now() }));
        return;
      }
      case 'subscribe':
      case 'unsubscribe': {
        const unsubscribe = m['type'] === 'unsubscribe';
        const symbols = decodeSymbols(m, MAX_SUBSCRIPTIONS_PER_SESSION);
        if (isWsProblem(symbols)) {
          peer.send(withReqId({ type: 'error', code: symbols.code, text: symbols.text }, m));
          return;
        }
        const sink = c.sink as WsPriceSink;
        const result = this.events.onPriceRequest(sink, { subscriptionId: String(m['reqId'] ?? ''), symbols, unsubscribe }, c.config.defaultGroup);
        if (result.overLimit !== null) {
          peer.send(withReqId({ type: 'error', code: 'SB_WS_TOO_MANY_SUBSCRIPTIONS', text: `at most ${MAX_SUBSCRIPTIONS_PER_SESSION} subscriptions per connection (${result.overLimit.held} held, ${result.overLimit.asked} asked)` }, m));
          return;
        }
        for (const symbol of result.unknown) peer.send(withReqId({ type: 'error', code: 'SB_WS_UNKNOWN_SYMBOL', text: `unknown symbol ${symbol}`, symbol }, m));
        if (!unsubscribe) sink.subscribed(result.accepted);
        peer.subscriptions = this.events.subscriptionsHeld(sink);
        peer.send(withReqId({ type: unsubscribe ? 'unsubscribed' : 'subscribed', symbols: result.accepted }, m));
        return;
      }
      case 'replay': {
        const from = m['from'];
        if (typeof from !== 'number' || !Number.isSafeInteger(from) || from < 1) {
          peer.send(withReqId({ type: 'error', code: 'SB_WS_BAD_MESSAGE', text: 'replay needs from: a sequence number (1 or more)' }, m));
          return;
        }
        const texts = c.outbox.replayFrom(from);
        if (texts === null) {
          peer.send(withReqId({ type: 'error', code: 'SB_WS_REPLAY_UNAVAILABLE', text: `messages before ${c.outbox.oldestSeq} are no longer held`, oldest: c.outbox.oldestSeq }, m));
          return;
        }
        for (const t of texts) peer.sendText(t);
        return;
      }
      default:
        peer.send(withReqId({ type: 'error', code: 'SB_WS_UNKNOWN_TYPE', text: `unknown message type ${JSON.stringify(String(m['type']).slice(0, 32))}` }, m));
    }
  }

  /** Sent now when the client is connected; always kept in its outbox for a replay. */
  private deliver(c: WsClient, text: string): void {
    c.peer?.sendText(text);
  }

  sendReport(r: ClientReport): void {
    const c = this.clients.get(r.order.session);
    if (c === undefined) return;
    const o = r.order;
    const body = executionBody({ clOrdId: o.clOrdId, orderId: o.correlationId, execId: `${o.correlationId}-${r.number}`, execType: r.execType, ordStatus: r.ordStatus, symbol: o.platformSymbol, side: o.side, qtyE8: o.orderQtyE8, lastQtyE8: r.lastQtyE8, lastPxE8: r.lastPxE8, cumQtyE8: r.cumQtyE8, avgPxE8: r.avgPxE8, priceDigits: o.priceDigits, ordRejReason: r.ordRejReason, text: r.text, timeMs: Date.now() });
    this.deliver(c, c.outbox.append('execution', body));
  }

  refuse(key: string, o: RefusedOrder, ordRejReason: number, text: string, orderId = 'NONE'): void {
    const c = this.clients.get(key);
    if (c === undefined) return;
    this.refusals++;
    const body = executionBody({ clOrdId: o.clOrdId, orderId, execId: `${this.o.runId}-W${this.refusals}`, execType: '8', ordStatus: '8', symbol: o.symbol, side: o.side, qtyE8: o.qtyE8, lastQtyE8: 0, lastPxE8: 0, cumQtyE8: 0, avgPxE8: 0, priceDigits: 5, ordRejReason, text, timeMs: Date.now() });
    this.deliver(c, c.outbox.append('execution', body));
  }

  /** Each client as /metrics shows sessions: connected, and its orders-channel number. */
  sessionStates(): SessionState[] {
    return [...this.clients.values()].map((c) => ({ side: 'platform', id: c.config.id, loggedOn: c.peer !== null, nextSenderSeq: c.outbox.lastSeq + 1, nextTargetSeq: 0 }));
  }

  storeFailures(): BridgeError[] {
    return [...this.clients.values()].map((c) => c.outbox.failure()).filter((f): f is BridgeError => f !== null);
  }

  closeStores(): void {
    for (const c of this.clients.values()) c.outbox.close();
  }
}

/** FIX OrdStatus codes of a cancel answer, as the protocol names them. */
const ORD_STATUS_NAMES: Readonly<Record<string, string>> = { '0': 'new', '1': 'partially_filled', '2': 'filled', '4': 'canceled', '8': 'rejected', A: 'pending_new' };
