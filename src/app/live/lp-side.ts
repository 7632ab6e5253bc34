// The LP side of the live engine: one connection per LP (a FIX initiator session, or a WebSocket
// venue), market data in as quotes (only for the symbols we subscribed to), executions in as LP
// executions, orders and status requests out. It knows LPs and their symbols; it decides nothing.

import { readFileSync } from 'node:fs';
import type { Logger } from 'pino';
import type { OpenOrder } from '../../core/orders/order-desk.js';
import type { RoutingBundle } from '../../core/routing/bundle.js';
import { BridgeError } from '../../core/errors.js';
import { applyMarketData, encodeMarketDataRequest, type TopOfBook } from '../../fix/app/market-data.js';
import { decodeExecutionReport, encodeLpOrder, encodeOrderStatusRequest, isDecodeProblem, type LpOrder } from '../../fix/app/orders.js';
import { FixMessage } from '../../fix/codec/message.js';
import { MsgType, Tag } from '../../fix/codec/tags.js';
import { FileSessionStore } from '../../fix/session/file-store.js';
import { DEFAULT_SESSION_CONFIG, FixSession, UnsupportedMessageType, type SessionLog, type SessionSchedule } from '../../fix/session/session.js';
import { FixInitiator } from '../../gateways/fix/initiator.js';
import type { SessionState } from './platform-side.js';
import type { LiveConfig } from '../live-config.js';
import type { LpLink, LpLinkEvents } from './lp-link.js';
import { WsLpLink } from './ws-lp-link.js';

export type LpSideEvents = LpLinkEvents;

/** A FIX LP: the session and the initiator that keeps it connected. */
class FixLpLink implements LpLink {
  constructor(readonly session: FixSession, private readonly initiator: FixInitiator) {}
  get isLoggedOn(): boolean {
    return this.session.isLoggedOn;
  }
  sendOrder(order: LpOrder): boolean {
    return this.session.sendApp(MsgType.NewOrderSingle, (e) => encodeLpOrder(e, order)) > 0;
  }
  requestStatus(order: OpenOrder): boolean {
    return this.session.sendApp(MsgType.OrderStatusRequest, (e) => encodeOrderStatusRequest(e, { lpClOrdId: order.correlationId, lpOrderId: null, lpSymbol: order.lpSymbol, side: order.side })) > 0;
  }
  start(): void {
    this.initiator.start();
  }
  stop(graceMs: number): Promise<void> {
    return this.initiator.stop(graceMs);
  }
  storeFailure(): BridgeError | null {
    return this.session.store.failure() as BridgeError | null;
  }
  state(): { loggedOn: boolean; nextSenderSeq: number; nextTargetSeq: number } {
    return { loggedOn: this.session.isLoggedOn, nextSenderSeq: this.session.store.nextSenderSeq(), nextTargetSeq: this.session.store.nextTargetSeq() };
  }
  closeStore(): void {
    this.session.store.close();
  }
}

export interface LpSideOptions {
  readonly lps: LiveConfig['lps'];
  readonly production: RoutingBundle;
  /** The candidate's bundle, if it is one: its LP symbols are subscribed to as well. */
  readonly candidate: RoutingBundle | null;
  readonly storeDir: string;
  readonly recoverStores: boolean;
  readonly runId: string;
  /** Stamps an inbound event with the engine's clock (µs). */
  readonly stamp: () => number;
  readonly log: SessionLog;
  readonly logger: Logger;
}

/** A FIX session schedule from a trading-session definition in the bundle. */
function scheduleFor(bundle: RoutingBundle, name: string | null, resetAtStart: boolean): SessionSchedule | null {
  if (name === null) return null;
  const session = bundle.sessions.get(name);
  if (session === undefined) throw new BridgeError('SB_ERR_FIX_CONFIG', `schedule "${name}" is not a session in ${bundle.name}/sessions.yaml (${[...bundle.sessions.keys()].join(', ')})`);
  return { isOpen: (ms) => session.isOpen(ms * 1000), resetAtStart };
}

export class LpSide {
  private readonly links = new Map<string, LpLink>();
  private readonly accounts = new Map<string, string>();
  /** LP symbol -> canonical instrument, per LP (production's mapping; the candidate's fills gaps). */
  private readonly canonical = new Map<string, Map<string, string>>();

  constructor(
    private readonly o: LpSideOptions,
    events: LpSideEvents,
  ) {
    // Production's names win; an LP or a symbol only the candidate routes to (a rollout of a
    // new LP) is mapped with the candidate's, so its quotes and fills are understood too.
    for (const bundle of [o.production, o.candidate]) {
      for (const lp of bundle?.lps.values() ?? []) {
        const m = this.canonical.get(lp.id) ?? new Map<string, string>();
        for (const [canonical, lpSymbol] of lp.symbols) if (!m.has(lpSymbol)) m.set(lpSymbol, canonical);
        this.canonical.set(lp.id, m);
      }
    }
    try {
      for (const lpc of o.lps) {
        if (lpc.protocol === 'ws') {
          this.accounts.set(lpc.id, lpc.account);
          this.links.set(lpc.id, new WsLpLink({ lpc, symbols: this.symbolsFor(lpc.id), contractSizeOf: (s) => this.contractSizeOf(lpc.id, s), storeDir: o.storeDir, stamp: o.stamp, log: o.log, logger: o.logger }, events));
        } else this.add(lpc, events);
      }
    } catch (error) {
      this.closeStores();
      throw error;
    }
  }

  /** The canonical instrument an LP's symbol maps to (production's mapping), if any. */
  canonicalOf(lp: string, lpSymbol: string): string | undefined {
    return this.canonical.get(lp)?.get(lpSymbol);
  }

  isLoggedOn(lp: string): boolean {
    return this.links.get(lp)?.isLoggedOn ?? false;
  }

  /** Whether an LP is configured at all. */
  has(lp: string): boolean {
    return this.links.has(lp);
  }

  /** Sends an order (IOC, units) to its LP; false when the session cannot take it now. */
  sendOrder(lp: string, order: Omit<LpOrder, 'account' | 'nowMs'>): boolean {
    const link = this.links.get(lp);
    if (link === undefined) return false;
    const account = this.accounts.get(lp) ?? 'BRIDGE';
    // Spelled out, not spread: a spread is V8's generic copy, microseconds on the order path.
    const full: LpOrder = { lpClOrdId: order.lpClOrdId, lpSymbol: order.lpSymbol, side: order.side, unitsE8: order.unitsE8, ordType: order.ordType, priceE8: order.priceE8, priceDigits: order.priceDigits, account, nowMs: Date.now() };
    return link.sendOrder(full);
  }

  /** Asks an LP where an order stands (35=H by our ClOrdID); false when it is not connected. */
  requestStatus(order: OpenOrder): boolean {
    return this.links.get(order.lp)?.requestStatus(order) ?? false;
  }

  start(): void {
    for (const l of this.links.values()) l.start();
  }

  async stop(graceMs: number): Promise<void> {
    await Promise.all([...this.links.values()].map((l) => l.stop(graceMs)));
  }

  /** The first session store that cannot persist, if any. */
  storeFailure(): BridgeError | null {
    for (const l of this.links.values()) if (l.storeFailure() !== null) return l.storeFailure();
    return null;
  }

  /** Each session's state and sequence numbers, for /metrics. */
  sessionStates(): SessionState[] {
    return [...this.links.entries()].map(([id, l]) => ({ side: 'lp', id, ...l.state() }));
  }

  storeFailures(): BridgeError[] {
    return [...this.links.values()].map((l) => l.storeFailure()).filter((f): f is BridgeError => f !== null);
  }

  closeStores(): void {
    for (const l of this.links.values()) l.closeStore();
  }

  private symbolsFor(lp: string): string[] {
    const set = new Set<string>(this.o.production.lps.get(lp)?.symbols.values() ?? []);
    for (const s of this.o.candidate?.lps.get(lp)?.symbols.values() ?? []) set.add(s);
    return [...set].sort();
  }

  private contractSizeOf(lp: string, lpSymbol: string): number {
    const canonical = this.canonicalOf(lp, lpSymbol);
    return canonical === undefined ? 0 : (this.o.production.instruments.get(canonical)?.contractSize ?? this.o.candidate?.instruments.get(canonical)?.contractSize ?? 0);
  }

  private add(lpc: LiveConfig['lps'][number], events: LpSideEvents): void {
    const { o } = this;
    const books = new Map<string, TopOfBook>();
    const symbols = this.symbolsFor(lpc.id);
    const subscribed: ReadonlySet<string> = new Set(symbols);
    this.accounts.set(lpc.id, lpc.account);
    const session = new FixSession(
      {
        ...DEFAULT_SESSION_CONFIG,
        senderCompId: lpc.senderCompId as string, // required for FIX LPs by the config schema
        targetCompId: lpc.targetCompId as string,
        role: 'initiator',
        heartBtIntSec: lpc.heartBtIntSec,
        resendMaxAgeMs: lpc.resendMaxAgeMs,
        maxLatencySec: 0,
        schedule: scheduleFor(o.production, lpc.schedule, lpc.resetAtScheduleStart),
        ...(lpc.username === undefined ? {} : { username: lpc.username }),
        ...(lpc.password === undefined ? {} : { password: lpc.password }),
      },
      // Inbound LP numbers are coalesced: after a crash the LP resends a few messages, which are
      // quotes (replaced by the next) and executions (booked once per LP/OrderID/ExecID).
      // Orders older than resendMaxAgeMs are gap-filled, never resent, so only a short window is kept.
      new FileSessionStore(o.storeDir, `${lpc.senderCompId as string}-${lpc.targetCompId as string}`, (process.env['SB_FSYNC'] as 'never' | undefined) ?? 'interval', 100, true, 2_000, o.recoverStores),
      {
        onLogon: (s) => {
          events.onStatus(lpc.id, 'up', 'logon');
          if (symbols.length > 0) s.sendApp(MsgType.MarketDataRequest, (e) => encodeMarketDataRequest(e, `${o.runId}-${lpc.id}`, symbols));
        },
        onLogout: (_s, reason) => {
          events.onStatus(lpc.id, 'down', reason);
          books.clear();
        },
        fromApp: (_s, m) => {
          switch (m.msgType) {
            case MsgType.MarketDataSnapshotFullRefresh:
            case MsgType.MarketDataIncrementalRefresh: {
              for (const lpSymbol of applyMarketData(m, books, subscribed)) {
                const b = books.get(lpSymbol) as TopOfBook;
                events.onQuote({ lp: lpc.id, lpSymbol, bidE8: b.bidE8, askE8: b.askE8, bidSizeE8: b.bidSizeE8, askSizeE8: b.askSizeE8, indicative: b.indicative, receivedUs: o.stamp() });
              }
              return;
            }
            case MsgType.ExecutionReport: {
              const exec = decodeExecutionReport(m, lpc.id, (s) => this.contractSizeOf(lpc.id, s));
              if (isDecodeProblem(exec)) {
                o.log.event('lp_exec_invalid', { lp: lpc.id, problem: exec.text });
                return;
              }
              events.onExecution(exec);
              return;
            }
            case MsgType.MarketDataRequestReject:
            case MsgType.OrderCancelReject:
            case MsgType.BusinessMessageReject:
              o.logger.warn({ event: 'lp_reject_message', lp: lpc.id, msgType: m.msgType, text: m.str(Tag.Text) }, 'lp_reject_message');
              return;
            default:
              throw new UnsupportedMessageType(m.msgType);
          }
        },
      },
      { nowMs: () => Date.now() },
      o.log,
      () => new FixMessage(),
    );
    const tls = lpc.tls === null ? undefined : { rejectUnauthorized: lpc.tls.rejectUnauthorized, ...(lpc.tls.caFile === undefined ? {} : { ca: readFileSync(lpc.tls.caFile) }), ...(lpc.tls.servername === undefined ? {} : { servername: lpc.tls.servername }) };
    this.links.set(lpc.id, new FixLpLink(session, new FixInitiator({ host: lpc.host, port: lpc.port, session, log: o.log, reconnectMinMs: 250, reconnectMaxMs: 5_000, ...(tls === undefined ? {} : { tls }) })));
  }
}
