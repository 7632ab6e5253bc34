// The LP simulator: a FIX acceptor that streams prices (seeded random walk, or one LP's quotes
// replayed from a scenario) and executes orders the way its persona says a real LP would.

import { formatE8, formatE8Short, pow10 } from '../core/model/scaled.js';
import type { Side } from '../core/model/types.js';
import { FixMessage } from '../fix/codec/message.js';
import { MsgType, Tag } from '../fix/codec/tags.js';
import { decodeMarketDataRequest, encodeSnapshot } from '../fix/app/market-data.js';
import { DEFAULT_SESSION_CONFIG, FixSession, UnsupportedMessageType, type SessionApplication, type SessionLog } from '../fix/session/session.js';
import { MemorySessionStore } from '../fix/session/store.js';
import { FixAcceptor } from '../gateways/fix/acceptor.js';
import { PERSONAS, REJECT_TEXTS, type LpPersona } from './lp-personas.js';
import { SeededRandom } from './random.js';

export interface SimInstrument {
  readonly lpSymbol: string;
  readonly digits: number;
  /** Starting mid, E8. */
  readonly midE8: number;
  /** Contract size (units per lot), to report fills in units like a real LP. */
  readonly contractSize: number;
}

export interface LpSimOptions {
  readonly lp: string;
  readonly host: string;
  readonly port: number;
  /** The CompID the bridge logs on with. */
  readonly bridgeCompId: string;
  readonly persona: LpPersona;
  readonly seed: number;
  readonly instruments: readonly SimInstrument[];
  readonly log: SessionLog;
  /** Replay these quotes (time-ordered, relative ms) instead of a random walk. */
  readonly scriptedQuotes?: readonly { atMs: number; lpSymbol: string; bidE8: number; askE8: number }[];
  /**
   * Misbehaviour for tests and drills: `silent` takes orders and never answers them (nor a
   * status request); `overfill` fills this many times the quantity asked for.
   */
  readonly faults?: { readonly silent?: boolean; readonly overfill?: number };
  /** Require these credentials (553/554) in the bridge's Logon, as LPs that issue them do. */
  readonly credentials?: { readonly username: string; readonly password: string };
}

/** What the simulator remembers of an order, to answer an OrderStatusRequest about it. */
interface SimOrder {
  readonly orderId: string;
  readonly symbol: string;
  readonly side: Side;
  readonly qtyE8: number;
  ordStatus: string;
  cumE8: number;
  avgPxE8: number;
}

interface SymbolState {
  readonly instrument: SimInstrument;
  midE8: number;
  bidE8: number;
  askE8: number;
  nextQuoteMs: number;
  staleUntilMs: number;
}

export interface LpSim {
  readonly port: number;
  readonly stats: { quotes: number; orders: number; fills: number; partials: number; rejects: number; disconnects: number; gaps: number };
  /** How many times each ClOrdID arrived (a value above 1 is a duplicate order). */
  readonly ordersByClOrdId: ReadonlyMap<string, number>;
  /** Session events (logons, logouts with their text, rejects), for tests and logs. */
  readonly events: readonly { name: string; fields: Readonly<Record<string, unknown>> }[];
  close(): Promise<void>;
}

export async function startLpSim(o: LpSimOptions): Promise<LpSim> {
  const rng = new SeededRandom(o.seed);
  const persona = o.persona;
  const stats = { quotes: 0, orders: 0, fills: 0, partials: 0, rejects: 0, disconnects: 0, gaps: 0 };
  const ordersByClOrdId = new Map<string, number>();
  const events: { name: string; fields: Readonly<Record<string, unknown>> }[] = [];
  const log = {
    event(name: string, fields: Readonly<Record<string, unknown>>) {
      if (events.length < 10_000 && name !== 'fix_garbled') events.push({ name, fields });
      o.log.event(name, fields);
    },
  };
  const symbols = new Map<string, SymbolState>();
  for (const i of o.instruments) symbols.set(i.lpSymbol, { instrument: i, midE8: i.midE8, bidE8: 0, askE8: 0, nextQuoteMs: 0, staleUntilMs: 0 });
  const subscriptions = new Map<string, string>(); // lpSymbol -> MDReqID
  let orderCounter = 0;
  const timers = new Set<NodeJS.Timeout>();
  const later = (ms: number, fn: () => void): void => {
    const t = setTimeout(() => {
      timers.delete(t);
      fn();
    }, ms);
    timers.add(t);
  };

  const price = (s: SymbolState): void => {
    const point = pow10(8 - s.instrument.digits);
    const half = Math.max(1, Math.round(persona.halfSpreadPoints * 10)) * point / 10;
    s.bidE8 = Math.floor((s.midE8 - half) / point) * point;
    s.askE8 = Math.ceil((s.midE8 + half) / point) * point;
  };
  for (const s of symbols.values()) price(s);

  const app: SessionApplication = {
    ...(o.credentials === undefined
      ? {}
      : { authenticate: (_s: FixSession, username: string | undefined, password: string | undefined) => (username === o.credentials?.username && password === o.credentials?.password ? null : 'Invalid username or password') }),
    fromApp(session, m) {
      switch (m.msgType) {
        case MsgType.MarketDataRequest: {
          const req = decodeMarketDataRequest(m);
          if (req === null) throw new UnsupportedMessageType('bad MarketDataRequest');
          for (const sym of req.symbols) {
            const s = symbols.get(sym);
            if (s === undefined) {
              session.sendApp(MsgType.MarketDataRequestReject, (e) => e.str(Tag.MDReqID, req.mdReqId).str(Tag.MDReqRejReason, '0').str(Tag.Text, `Unknown symbol ${sym}`));
              continue;
            }
            if (req.subscriptionType === '2') subscriptions.delete(sym);
            else {
              subscriptions.set(sym, req.mdReqId);
              sendQuote(session, s);
            }
          }
          return;
        }
        case MsgType.NewOrderSingle:
          onOrder(session, m);
          return;
        case MsgType.OrderStatusRequest:
          onStatusRequest(session, m);
          return;
        case MsgType.OrderCancelRequest:
          session.sendApp(MsgType.OrderCancelReject, (e) =>
            e.str(Tag.ClOrdID, m.str(Tag.ClOrdID) ?? '').str(Tag.OrderID, 'NONE').str(Tag.OrdStatus, '8').str(Tag.OrigClOrdID, m.str(Tag.OrigClOrdID) ?? '').str(Tag.CxlRejReason, '0').str(Tag.CxlRejResponseTo, '1'),
          );
          return;
        default:
          throw new UnsupportedMessageType(m.msgType);
      }
    },
  };

  const sendQuote = (session: FixSession, s: SymbolState): void => {
    const mdReqId = subscriptions.get(s.instrument.lpSymbol);
    if (mdReqId === undefined || !session.isLoggedOn) return;
    maybeSkipSeq(session);
    stats.quotes++;
    session.sendApp(MsgType.MarketDataSnapshotFullRefresh, (e) => encodeSnapshot(e, mdReqId, s.instrument.lpSymbol, s.bidE8, s.askE8, 5_000_000 * 100_000_000, s.instrument.digits + (persona.name === 'bank' ? 1 : 0)));
  };

  const maybeSkipSeq = (session: FixSession): void => {
    if (persona.seqGapProbability > 0 && rng.chance(persona.seqGapProbability)) {
      // Skipping a number makes the bridge see a gap and ask for a resend: the resend is a gap fill.
      session.store.setNextSenderSeq(session.store.nextSenderSeq() + 1);
      stats.gaps++;
    }
  };

  const simOrders = new Map<string, SimOrder>();
  /** Answers what it knows of an order (150=I), or that it does not know it (39=8). */
  const onStatusRequest = (session: FixSession, m: FixMessage): void => {
    if (o.faults?.silent === true) return;
    const clOrdId = m.str(Tag.ClOrdID) ?? '';
    const known = simOrders.get(clOrdId);
    session.sendApp(MsgType.ExecutionReport, (e) => {
      e.str(Tag.AvgPx, formatE8Short(known?.avgPxE8 ?? 0)).str(Tag.ClOrdID, clOrdId).str(Tag.CumQty, formatE8Short(known?.cumE8 ?? 0)).str(Tag.ExecID, `${o.lp}-S${++orderCounter}`);
      e.str(Tag.OrderID, known?.orderId ?? 'NONE').str(Tag.OrderQty, formatE8Short(known?.qtyE8 ?? 0)).str(Tag.OrdStatus, known?.ordStatus ?? '8').str(Tag.Side, known?.side === 'sell' ? '2' : '1').str(Tag.Symbol, known?.symbol ?? m.str(Tag.Symbol) ?? '');
      if (known === undefined) e.str(Tag.Text, 'Unknown order');
      e.str(Tag.ExecType, 'I').str(Tag.LeavesQty, '0');
    });
  };

  const onOrder = (session: FixSession, m: FixMessage): void => {
    stats.orders++;
    const clOrdId = m.str(Tag.ClOrdID) ?? '';
    ordersByClOrdId.set(clOrdId, (ordersByClOrdId.get(clOrdId) ?? 0) + 1);
    const sym = m.str(Tag.Symbol) ?? '';
    const side: Side = m.str(Tag.Side) === '2' ? 'sell' : 'buy';
    const qtyE8 = m.e8(Tag.OrderQty);
    const orderId = `${o.lp}-${++orderCounter}`;
    const s = symbols.get(sym);
    const simOrder: SimOrder = { orderId, symbol: sym, side, qtyE8, ordStatus: '0', cumE8: 0, avgPxE8: 0 };
    simOrders.set(clOrdId, simOrder);
    if (o.faults?.silent === true) return; // takes the order, never answers
    const delay = rng.between(persona.ackLatencyMs[0], persona.ackLatencyMs[1]) + rng.between(persona.holdMs[0], persona.holdMs[1]);
    later(delay, () => {
      const report = (execId: string, execType: string, ordStatus: string, lastQty: number, lastPx: number, cum: number, avg: number, text: string | null, rej: string | null): void => {
        simOrder.ordStatus = ordStatus;
        simOrder.cumE8 = cum;
        simOrder.avgPxE8 = avg;
        maybeSkipSeq(session);
        // The fill happened whether or not the bridge is connected: like a real LP's engine,
        // the report is kept and delivered on the bridge's resend request after it logs on.
        session.sendAppDurable(MsgType.ExecutionReport, (e) => {
          const digits = s?.instrument.digits ?? 5;
          const pd = digits + (persona.name === 'bank' ? 1 : 0);
          e.str(Tag.AvgPx, formatE8(avg, pd)).str(Tag.ClOrdID, clOrdId).str(Tag.CumQty, formatE8Short(cum)).str(Tag.ExecID, execId);
          if (lastQty > 0) e.str(Tag.LastPx, formatE8(lastPx, pd)).str(Tag.LastQty, formatE8Short(lastQty));
          e.str(Tag.OrderID, orderId).str(Tag.OrderQty, formatE8Short(qtyE8)).str(Tag.OrdStatus, ordStatus).str(Tag.Side, side === 'buy' ? '1' : '2').str(Tag.Symbol, sym);
          if (text !== null) e.str(Tag.Text, text);
          if (rej !== null) e.str(Tag.OrdRejReason, rej);
          e.str(Tag.ExecType, execType).str(Tag.LeavesQty, formatE8Short(Math.max(0, qtyE8 - cum)));
        });
      };
      if (s === undefined || rng.chance(persona.rejectProbability) || !(qtyE8 > 0) || s.staleUntilMs > Date.now()) {
        stats.rejects++;
        report(`${orderId}-1`, '8', '8', 0, 0, 0, 0, s === undefined ? `Unknown symbol ${sym}` : rng.pick(REJECT_TEXTS), s === undefined ? '1' : '99');
      } else {
        const px = side === 'buy' ? s.askE8 : s.bidE8;
        const over = o.faults?.overfill ?? 0;
        if (over > 0) {
          const filled = Math.round(qtyE8 * over);
          report(`${orderId}-1`, 'F', '2', filled, px, filled, px, null, null);
        } else if (rng.chance(persona.partialProbability) && qtyE8 >= 200_000_000) {
          stats.partials++;
          const first = Math.floor(qtyE8 / 2 / 100_000_000) * 100_000_000; // whole units
          report(`${orderId}-1`, 'F', '1', first, px, first, px, null, null);
          report(`${orderId}-2`, 'F', '2', qtyE8 - first, px, qtyE8, px, null, null);
        } else {
          report(`${orderId}-1`, 'F', '2', qtyE8, px, qtyE8, px, null, null);
        }
        stats.fills++;
      }
      if (persona.disconnectProbability > 0 && session.isLoggedOn && rng.chance(persona.disconnectProbability)) {
        stats.disconnects++;
        later(5, () => session.disconnect('simulated LP disconnect'));
      }
    });
  };

  const session = new FixSession(
    // Sequence numbers live as long as the simulator: a bridge that restarts must resume them
    // (or ask for a reset with 141=Y), as with a real LP.
    { ...DEFAULT_SESSION_CONFIG, senderCompId: o.lp, targetCompId: o.bridgeCompId, role: 'acceptor', resetOnLogon: false, maxLatencySec: 0 },
    new MemorySessionStore(),
    app,
    { nowMs: () => Date.now() },
    log,
    () => new FixMessage(),
  );
  const acceptor = new FixAcceptor({
    host: o.host,
    port: o.port,
    findSession: (sender, target) => (sender === o.lp && target === o.bridgeCompId ? session : null),
    allSessions: () => [session],
    log,
  });
  const port = await acceptor.listen();

  // The price engine: one timer, every symbol on its own schedule.
  const started = Date.now();
  let scriptIndex = 0;
  const ticker = setInterval(() => {
    const now = Date.now();
    if (o.scriptedQuotes !== undefined && o.scriptedQuotes.length > 0) {
      const span = (o.scriptedQuotes.at(-1)?.atMs ?? 0) + 1;
      const elapsed = (now - started) % span;
      if (scriptIndex >= o.scriptedQuotes.length || (o.scriptedQuotes[scriptIndex]?.atMs ?? 0) > elapsed + span / 2) scriptIndex = 0;
      while (scriptIndex < o.scriptedQuotes.length && (o.scriptedQuotes[scriptIndex]?.atMs ?? 0) <= elapsed) {
        const q = o.scriptedQuotes[scriptIndex++]!;
        const s = symbols.get(q.lpSymbol);
        if (s === undefined) continue;
        s.bidE8 = q.bidE8;
        s.askE8 = q.askE8;
        sendQuote(session, s);
      }
      return;
    }
    for (const s of symbols.values()) {
      if (now < s.nextQuoteMs || now < s.staleUntilMs) continue;
      const point = pow10(8 - s.instrument.digits);
      s.midE8 += rng.int(-2, 2) * point;
      price(s);
      s.nextQuoteMs = now + rng.between(persona.quoteIntervalMs[0], persona.quoteIntervalMs[1]);
      if (persona.staleProbability > 0 && rng.chance(persona.staleProbability)) s.staleUntilMs = now + persona.staleForMs;
      sendQuote(session, s);
    }
  }, 20);

  return {
    port,
    stats,
    ordersByClOrdId,
    events,
    close: async () => {
      clearInterval(ticker);
      for (const t of timers) clearTimeout(t);
      await acceptor.close();
    },
  };
}

export function personaByName(name: string): LpPersona | undefined {
  return PERSONAS[name];
}
