// The LP simulator: streams prices (seeded random walk, or one LP's quotes replayed from a
// scenario) and executes orders the way its persona says a real LP would. The venue's logic is
// the same whatever it speaks: a FIX acceptor, or (`ws`) the venue profile of docs/ws-protocol.md.

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
import { JsonWsServer, DEFAULT_WS_LIMITS, type WsPeer } from '../gateways/ws/json-server.js';
import { decodeNewOrder, decodeSymbols, executionBody, isWsProblem, priceText, PROTOCOL_VERSION, type WsExecution } from '../gateways/ws/messages.js';
import { DurableOutbox } from '../gateways/ws/outbox.js';

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
  /**
   * Misbehaviour to test the bridge against: `silent` takes orders and never answers; `overfill`
   * fills that many times the quantity; `ignoreLimit` fills limit orders at the market even
   * beyond their limit (a venue breaking the order's terms); `fillPriceFactor` fills at the
   * market price times this (a bad print).
   */
  readonly faults?: { readonly silent?: boolean; readonly overfill?: number; readonly ignoreLimit?: boolean; readonly fillPriceFactor?: number };
  /** Require these credentials (553/554) in the bridge's Logon, as LPs that issue them do. */
  readonly credentials?: { readonly username: string; readonly password: string };
  /** Speak the WebSocket venue profile instead of FIX; the bridge authenticates with this token. */
  readonly ws?: { readonly token: string; readonly path?: string };
}

/** One execution report, whatever the protocol carries it in (the protocol's own shape). */
type SimReport = Omit<WsExecution, 'timeMs'>;

/** What the venue sends, in its protocol. */
interface VenueOut {
  readonly connected: boolean;
  /** A price for a subscribed symbol (no-op for one not subscribed). */
  quote(lpSymbol: string, bidE8: number, askE8: number, digits: number): void;
  /** An execution the bridge must get even if it is away now (resent or replayed later). */
  report(r: SimReport): void;
  /** The answer to a status request. */
  status(r: SimReport): void;
  /** The persona's sequence gap: skip a number so the bridge sees a gap. */
  skipSeq(): void;
  disconnect(reason: string): void;
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
  let orderCounter = 0;
  const timers = new Set<NodeJS.Timeout>();
  const later = (ms: number, fn: () => void): void => {
    const t = setTimeout(() => {
      timers.delete(t);
      fn();
    }, ms);
    timers.add(t);
  };
  // A bank quotes one more decimal than the instrument (fractional pips).
  const priceDigitsOf = (s: SymbolState | undefined): number => (s?.instrument.digits ?? 5) + (persona.name === 'bank' ? 1 : 0);

  const price = (s: SymbolState): void => {
    const point = pow10(8 - s.instrument.digits);
    const half = Math.max(1, Math.round(persona.halfSpreadPoints * 10)) * point / 10;
    s.bidE8 = Math.floor((s.midE8 - half) / point) * point;
    s.askE8 = Math.ceil((s.midE8 + half) / point) * point;
  };
  for (const s of symbols.values()) price(s);

  let out: VenueOut;
  const sendQuote = (s: SymbolState): void => {
    if (!out.connected) return;
    maybeSkipSeq();
    stats.quotes++;
    out.quote(s.instrument.lpSymbol, s.bidE8, s.askE8, priceDigitsOf(s));
  };

  const maybeSkipSeq = (): void => {
    if (persona.seqGapProbability > 0 && rng.chance(persona.seqGapProbability)) {
      // Skipping a number makes the bridge see a gap and ask for a resend: the resend is a gap fill.
      out.skipSeq();
      stats.gaps++;
    }
  };

  const simOrders = new Map<string, SimOrder>();
  /** Answers what it knows of an order (150=I), or that it does not know it (39=8). */
  const onStatusRequest = (clOrdId: string, symbol: string): void => {
    if (o.faults?.silent === true) return;
    const known = simOrders.get(clOrdId);
    out.status({
      clOrdId,
      orderId: known?.orderId ?? 'NONE',
      execId: `${o.lp}-S${++orderCounter}`,
      execType: 'I',
      ordStatus: known?.ordStatus ?? '8',
      symbol: known?.symbol ?? symbol,
      side: known?.side ?? 'buy',
      qtyE8: known?.qtyE8 ?? 0,
      lastQtyE8: 0,
      lastPxE8: 0,
      cumQtyE8: known?.cumE8 ?? 0,
      avgPxE8: known?.avgPxE8 ?? 0,
      text: known === undefined ? 'Unknown order' : null,
      ordRejReason: null,
      priceDigits: priceDigitsOf(known === undefined ? undefined : symbols.get(known.symbol)),
    });
  };

  const onOrder = (clOrdId: string, sym: string, side: Side, qtyE8: number, limitE8: number): void => {
    stats.orders++;
    ordersByClOrdId.set(clOrdId, (ordersByClOrdId.get(clOrdId) ?? 0) + 1);
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
        maybeSkipSeq();
        // The fill happened whether or not the bridge is connected: like a real LP's engine,
        // the report is kept and delivered when the bridge is back (FIX resend, WebSocket replay).
        out.report({ clOrdId, orderId, execId, execType, ordStatus, symbol: sym, side, qtyE8, lastQtyE8: lastQty, lastPxE8: lastPx, cumQtyE8: cum, avgPxE8: avg, text, ordRejReason: rej === null ? null : Number(rej), priceDigits: priceDigitsOf(s) });
      };
      if (s === undefined || rng.chance(persona.rejectProbability) || !(qtyE8 > 0) || s.staleUntilMs > Date.now()) {
        stats.rejects++;
        report(`${orderId}-1`, '8', '8', 0, 0, 0, 0, s === undefined ? `Unknown symbol ${sym}` : rng.pick(REJECT_TEXTS), s === undefined ? '1' : '99');
      } else {
        const market = side === 'buy' ? s.askE8 : s.bidE8;
        const px = o.faults?.fillPriceFactor === undefined ? market : Math.round(market * o.faults.fillPriceFactor);
        const over = o.faults?.overfill ?? 0;
        if (limitE8 > 0 && (side === 'buy' ? market > limitE8 : market < limitE8) && o.faults?.ignoreLimit !== true) {
          // An IOC limit the market is beyond: nothing to fill, the order expires (as venues do).
          report(`${orderId}-1`, '4', '4', 0, 0, 0, 0, 'No liquidity at the limit', null);
        } else if (over > 0) {
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
      if (persona.disconnectProbability > 0 && out.connected && rng.chance(persona.disconnectProbability)) {
        stats.disconnects++;
        later(5, () => out.disconnect('simulated LP disconnect'));
      }
    });
  };

  const venue: Venue = { symbols, log, onOrder, onStatusRequest, sendQuote };
  const transport = o.ws === undefined ? await fixVenue(o, venue) : await wsVenue(o, o.ws, venue);
  out = transport.out;

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
        sendQuote(s);
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
      sendQuote(s);
    }
  }, 20);

  return {
    port: transport.port,
    stats,
    ordersByClOrdId,
    events,
    close: async () => {
      clearInterval(ticker);
      for (const t of timers) clearTimeout(t);
      await transport.close();
    },
  };
}

/** The venue as its transports see it: the book, and what to do with what arrives. */
interface Venue {
  readonly symbols: ReadonlyMap<string, SymbolState>;
  readonly log: { event(name: string, fields: Readonly<Record<string, unknown>>): void };
  /** `limitE8`: the order's limit price, 0 for a market order. */
  onOrder(clOrdId: string, symbol: string, side: Side, qtyE8: number, limitE8: number): void;
  onStatusRequest(clOrdId: string, symbol: string): void;
  sendQuote(s: SymbolState): void;
}

interface Transport {
  readonly out: VenueOut;
  readonly port: number;
  close(): Promise<void>;
}

/** The venue as a FIX 4.4 acceptor with one session (the bridge's). */
async function fixVenue(o: LpSimOptions, venue: Venue): Promise<Transport> {
  const subscriptions = new Map<string, string>(); // lpSymbol -> MDReqID
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
            const s = venue.symbols.get(sym);
            if (s === undefined) {
              session.sendApp(MsgType.MarketDataRequestReject, (e) => e.str(Tag.MDReqID, req.mdReqId).str(Tag.MDReqRejReason, '0').str(Tag.Text, `Unknown symbol ${sym}`));
              continue;
            }
            if (req.subscriptionType === '2') subscriptions.delete(sym);
            else {
              subscriptions.set(sym, req.mdReqId);
              venue.sendQuote(s);
            }
          }
          return;
        }
        case MsgType.NewOrderSingle:
          venue.onOrder(m.str(Tag.ClOrdID) ?? '', m.str(Tag.Symbol) ?? '', m.str(Tag.Side) === '2' ? 'sell' : 'buy', m.e8(Tag.OrderQty), m.str(Tag.OrdType) === '2' ? m.e8(Tag.Price) : 0);
          return;
        case MsgType.OrderStatusRequest:
          venue.onStatusRequest(m.str(Tag.ClOrdID) ?? '', m.str(Tag.Symbol) ?? '');
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
  const session = new FixSession(
    // Sequence numbers live as long as the simulator: a bridge that restarts must resume them
    // (or ask for a reset with 141=Y), as with a real LP.
    { ...DEFAULT_SESSION_CONFIG, senderCompId: o.lp, targetCompId: o.bridgeCompId, role: 'acceptor', resetOnLogon: false, maxLatencySec: 0 },
    new MemorySessionStore(),
    app,
    { nowMs: () => Date.now() },
    venue.log,
    () => new FixMessage(),
  );
  const acceptor = new FixAcceptor({
    host: o.host,
    port: o.port,
    findSession: (sender, target) => (sender === o.lp && target === o.bridgeCompId ? session : null),
    allSessions: () => [session],
    log: venue.log,
  });
  const port = await acceptor.listen();
  const encodeReport = (r: SimReport) => (e: Parameters<Parameters<FixSession['sendApp']>[1]>[0]): void => {
    const pd = r.priceDigits;
    if (r.execType === 'I') {
      e.str(Tag.AvgPx, formatE8Short(r.avgPxE8)).str(Tag.ClOrdID, r.clOrdId).str(Tag.CumQty, formatE8Short(r.cumQtyE8)).str(Tag.ExecID, r.execId);
      e.str(Tag.OrderID, r.orderId).str(Tag.OrderQty, formatE8Short(r.qtyE8)).str(Tag.OrdStatus, r.ordStatus).str(Tag.Side, r.side === 'sell' ? '2' : '1').str(Tag.Symbol, r.symbol);
      if (r.text !== null) e.str(Tag.Text, r.text);
      e.str(Tag.ExecType, 'I').str(Tag.LeavesQty, '0');
      return;
    }
    e.str(Tag.AvgPx, formatE8(r.avgPxE8, pd)).str(Tag.ClOrdID, r.clOrdId).str(Tag.CumQty, formatE8Short(r.cumQtyE8)).str(Tag.ExecID, r.execId);
    if (r.lastQtyE8 > 0) e.str(Tag.LastPx, formatE8(r.lastPxE8, pd)).str(Tag.LastQty, formatE8Short(r.lastQtyE8));
    e.str(Tag.OrderID, r.orderId).str(Tag.OrderQty, formatE8Short(r.qtyE8)).str(Tag.OrdStatus, r.ordStatus).str(Tag.Side, r.side === 'buy' ? '1' : '2').str(Tag.Symbol, r.symbol);
    if (r.text !== null) e.str(Tag.Text, r.text);
    if (r.ordRejReason !== null) e.int(Tag.OrdRejReason, r.ordRejReason);
    e.str(Tag.ExecType, r.execType).str(Tag.LeavesQty, formatE8Short(Math.max(0, r.qtyE8 - r.cumQtyE8)));
  };
  const out: VenueOut = {
    get connected() {
      return session.isLoggedOn;
    },
    quote(lpSymbol, bidE8, askE8, digits) {
      const mdReqId = subscriptions.get(lpSymbol);
      if (mdReqId !== undefined) session.sendApp(MsgType.MarketDataSnapshotFullRefresh, (e) => encodeSnapshot(e, mdReqId, lpSymbol, bidE8, askE8, 5_000_000 * 100_000_000, digits));
    },
    report: (r) => void session.sendAppDurable(MsgType.ExecutionReport, encodeReport(r)),
    status: (r) => void session.sendApp(MsgType.ExecutionReport, encodeReport(r)),
    skipSeq: () => session.store.setNextSenderSeq(session.store.nextSenderSeq() + 1),
    disconnect: (reason) => session.disconnect(reason),
  };
  return { out, port, close: () => acceptor.close() };
}

/** The venue over WebSocket (venue profile): one client, the bridge, with the configured token. */
async function wsVenue(o: LpSimOptions, ws: NonNullable<LpSimOptions['ws']>, venue: Venue): Promise<Transport> {
  const outbox = new DurableOutbox(null, o.lp);
  const subscribed = new Set<string>();
  const seqs = new Map<string, number>();
  let peer: WsPeer<string> | null = null;
  let skip = false;
  const server = new JsonWsServer<string>({
    host: o.host,
    port: o.port,
    path: ws.path ?? '/v1',
    limits: { ...DEFAULT_WS_LIMITS, messagesPerSecond: 100_000 },
    log: venue.log,
    authenticate: (token) => (token === ws.token ? o.bridgeCompId : null),
    principalId: (p) => p,
    welcome: (p) => {
      peer = p;
      subscribed.clear();
      return { type: 'welcome', v: PROTOCOL_VERSION, client: o.bridgeCompId, heartbeatMs: DEFAULT_WS_LIMITS.heartbeatMs, ordersSeq: outbox.lastSeq };
    },
    onClose: (p) => {
      if (peer === p) peer = null;
    },
    onMessage: (p, m) => {
      switch (m['type']) {
        case 'subscribe': {
          const list = decodeSymbols(m, 1_000);
          if (isWsProblem(list)) return p.send({ type: 'error', code: list.code, text: list.text });
          const known = list.filter((sym) => venue.symbols.has(sym));
          for (const sym of list) if (!venue.symbols.has(sym)) p.send({ type: 'error', code: 'SB_WS_UNKNOWN_SYMBOL', text: `unknown symbol ${sym}`, symbol: sym });
          for (const sym of known) subscribed.add(sym);
          p.subscriptions = subscribed.size;
          p.send({ type: 'subscribed', symbols: known });
          for (const sym of known) venue.sendQuote(venue.symbols.get(sym) as SymbolState);
          return;
        }
        case 'new': {
          const order = decodeNewOrder(m);
          if (isWsProblem(order)) return p.send({ type: 'error', code: order.code, text: order.text });
          venue.onOrder(order.clOrdId, order.symbol, order.side, order.qtyE8, order.ordType === 'limit' ? order.priceE8 : 0);
          return;
        }
        case 'status':
          venue.onStatusRequest(typeof m['clOrdId'] === 'string' ? (m['clOrdId'] as string) : '', typeof m['symbol'] === 'string' ? (m['symbol'] as string) : '');
          return;
        case 'replay': {
          const from = typeof m['from'] === 'number' ? (m['from'] as number) : 1;
          const texts = outbox.replayFrom(from);
          if (texts === null) return p.send({ type: 'error', code: 'SB_WS_REPLAY_UNAVAILABLE', text: `oldest held is ${outbox.oldestSeq}`, oldest: outbox.oldestSeq });
          for (const t of texts) p.sendText(t);
          return;
        }
        default:
          p.send({ type: 'error', code: 'SB_WS_UNKNOWN_TYPE', text: `unknown message type ${String(m['type']).slice(0, 32)}` });
      }
    },
  });
  const port = await server.listen();
  const execution = (r: SimReport): Record<string, unknown> => executionBody({ ...r, timeMs: Date.now() });
  const out: VenueOut = {
    get connected() {
      return peer !== null;
    },
    quote(lpSymbol, bidE8, askE8, digits) {
      if (peer === null || !subscribed.has(lpSymbol)) return;
      // The persona's gap: a price number is used up without a message, as a lossy feed does.
      const seq = (seqs.get(lpSymbol) ?? 0) + (skip ? 2 : 1);
      skip = false;
      seqs.set(lpSymbol, seq);
      const text = priceText(seq === 1 ? 'snapshot' : 'update', lpSymbol, seq, bidE8, askE8, digits, Date.now(), { bidE8: 5_000_000 * 100_000_000, askE8: 5_000_000 * 100_000_000 });
      peer.offer(lpSymbol, () => text);
    },
    // Kept in the outbox whether or not the bridge is connected: it replays what it missed.
    report: (r) => {
      const text = outbox.append('execution', execution(r));
      peer?.sendText(text);
    },
    status: (r) => {
      const text = outbox.append('execution', execution(r));
      peer?.sendText(text);
    },
    skipSeq: () => {
      skip = true;
    },
    disconnect: (reason) => {
      const p = peer as WsPeer<string> | null;
      p?.close(1012, reason);
    },
  };
  return { out, port, close: () => server.close() };
}

export function personaByName(name: string): LpPersona | undefined {
  return PERSONAS[name];
}
