// A platform as a FIX client: logs on to the engine, subscribes to prices, sends a seeded
// stream of client orders at a fixed rate and tallies the execution reports that come back.

import { formatE8Short } from '../core/model/scaled.js';
import { encodeMarketDataRequest } from '../fix/app/market-data.js';
import { FixMessage } from '../fix/codec/message.js';
import { MsgType, Tag } from '../fix/codec/tags.js';
import { formatUtcTimestamp } from '../fix/codec/timestamps.js';
import { DEFAULT_SESSION_CONFIG, FixSession, type SessionLog } from '../fix/session/session.js';
import { MemorySessionStore, type SessionStore } from '../fix/session/store.js';
import { FixInitiator } from '../gateways/fix/initiator.js';
import { SeededRandom } from './random.js';

export interface FlowOrder {
  readonly clOrdId: string;
  readonly account: string;
  readonly symbol: string;
  readonly side: 'buy' | 'sell';
  readonly lots: string;
  /** A limit order at this price (decimal text); a market order without it. */
  readonly price?: string;
}

export interface PlatformClientOptions {
  readonly host: string;
  readonly port: number;
  readonly senderCompId: string;
  readonly targetCompId: string;
  readonly symbols: readonly string[];
  readonly seed: number;
  readonly log: SessionLog;
  readonly store?: SessionStore;
  readonly subscribe?: readonly string[];
  /** Credentials for the Logon (553/554), where the engine's session asks for them. */
  readonly username?: string;
  readonly password?: string;
}

export interface PlatformClient {
  readonly session: FixSession;
  readonly stats: { sent: number; filled: number; partial: number; rejected: number; canceled: number; quotes: number; cancelRejects: number; rejectReasons: Record<string, number> };
  /** ExecutionReports seen per ClOrdID, in order ("F:2", "8:8"...). */
  readonly reports: Map<string, string[]>;
  /** The same reports with their quantities, prices and ids, for checks on the numbers. */
  readonly details: Map<string, { execType: string; ordStatus: string; cumQty: string; lastQty: string; lastPx: string; avgPx: string; execId: string; text: string; ordRejReason: string }[]>;
  start(): void;
  waitLoggedOn(timeoutMs: number): Promise<boolean>;
  send(order: FlowOrder): boolean;
  /** Sends `perSecond` random orders a second until stopped; returns a stop function. */
  flow(perSecond: number): () => void;
  stop(): Promise<void>;
}

export function startPlatformClient(o: PlatformClientOptions): PlatformClient {
  const rng = new SeededRandom(o.seed);
  const stats = { sent: 0, filled: 0, partial: 0, rejected: 0, canceled: 0, quotes: 0, cancelRejects: 0, rejectReasons: {} as Record<string, number> };
  const reports = new Map<string, string[]>();
  const details: PlatformClient['details'] = new Map();
  const session = new FixSession(
    {
      ...DEFAULT_SESSION_CONFIG,
      senderCompId: o.senderCompId,
      targetCompId: o.targetCompId,
      role: 'initiator',
      heartBtIntSec: 10,
      ...(o.username === undefined ? {} : { username: o.username }),
      ...(o.password === undefined ? {} : { password: o.password }),
    },
    o.store ?? new MemorySessionStore(),
    {
      onLogon(s) {
        if (o.subscribe !== undefined && o.subscribe.length > 0) s.sendApp(MsgType.MarketDataRequest, (e) => encodeMarketDataRequest(e, `${o.senderCompId}-md`, o.subscribe as string[]));
      },
      fromApp(_s, m: FixMessage) {
        if (m.msgType === MsgType.ExecutionReport) {
          const id = m.str(Tag.ClOrdID) ?? '';
          const status = m.str(Tag.OrdStatus) ?? '';
          const list = reports.get(id) ?? [];
          list.push(`${m.str(Tag.ExecType)}:${status}`);
          reports.set(id, list);
          const d = details.get(id) ?? [];
          d.push({ execType: m.str(Tag.ExecType) ?? '', ordStatus: status, cumQty: m.str(Tag.CumQty) ?? '', lastQty: m.str(Tag.LastQty) ?? '', lastPx: m.str(Tag.LastPx) ?? '', avgPx: m.str(Tag.AvgPx) ?? '', execId: m.str(Tag.ExecID) ?? '', text: m.str(Tag.Text) ?? '', ordRejReason: m.str(Tag.OrdRejReason) ?? '' });
          details.set(id, d);
          if (status === '2') stats.filled++;
          else if (status === '1') stats.partial++;
          else if (status === '4') stats.canceled++;
          else if (status === '8') {
            stats.rejected++;
            const r = m.str(Tag.OrdRejReason) ?? '?';
            stats.rejectReasons[r] = (stats.rejectReasons[r] ?? 0) + 1;
          }
        } else if (m.msgType === MsgType.MarketDataSnapshotFullRefresh) {
          stats.quotes++;
        } else if (m.msgType === MsgType.OrderCancelReject) {
          stats.cancelRejects++;
        }
      },
    },
    { nowMs: () => Date.now() },
    o.log,
    () => new FixMessage(),
  );
  const initiator = new FixInitiator({ host: o.host, port: o.port, session, log: o.log, reconnectMinMs: 200, reconnectMaxMs: 2_000 });
  let counter = 0;
  const send = (order: FlowOrder): boolean => {
    const seq = session.sendApp(MsgType.NewOrderSingle, (e) => {
      e.str(Tag.Account, order.account).str(Tag.ClOrdID, order.clOrdId).str(Tag.OrderQty, order.lots).str(Tag.OrdType, order.price === undefined ? '1' : '2');
      if (order.price !== undefined) e.str(Tag.Price, order.price);
      e.str(Tag.Side, order.side === 'buy' ? '1' : '2').str(Tag.Symbol, order.symbol).str(Tag.TransactTime, formatUtcTimestamp(Date.now()));
    });
    if (seq > 0) stats.sent++;
    return seq > 0;
  };
  return {
    session,
    stats,
    reports,
    details,
    start: () => initiator.start(),
    async waitLoggedOn(timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      while (!session.isLoggedOn && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      return session.isLoggedOn;
    },
    send,
    flow(perSecond) {
      const timer = setInterval(() => {
        const symbol = rng.pick(o.symbols);
        const lots = symbol.includes('30') ? rng.int(1, 20) / 10 : rng.int(1, 250) / 100;
        send({ clOrdId: `${o.senderCompId}-${++counter}`, account: String(100_000 + rng.int(1, 300)), symbol, side: rng.chance(0.5) ? 'buy' : 'sell', lots: formatE8Short(Math.round(lots * 100) * 1_000_000) });
      }, 1000 / perSecond);
      return () => clearInterval(timer);
    },
    stop: () => initiator.stop(500),
  };
}
