// A web platform over WebSocket (docs/ws-protocol.md, platform profile), for the demo, tests and
// benchmarks: authenticates, subscribes to prices, sends orders and cancels, keeps every
// execution by clOrdId, checks price sequence numbers, and replays what it missed after a
// reconnect, as a real web front end's server would.

import WebSocket, { type RawData } from 'ws';
import { SeededRandom } from './random.js';

export interface WsPlatformClientOptions {
  readonly url: string;
  readonly token: string;
  /** 'header': Authorization on the upgrade; 'message': an auth message first (the browser way). */
  readonly auth?: 'header' | 'message';
  readonly subscribe?: readonly string[];
  /** For wss://: the CA to trust (a self-signed engine certificate). */
  readonly ca?: Buffer;
  /** The orders-channel number already processed (a reconnecting client): later ones are replayed. */
  readonly lastOrdersSeq?: number;
}

export interface WsOrder {
  readonly clOrdId: string;
  readonly symbol: string;
  readonly side: 'buy' | 'sell';
  readonly lots: string;
  readonly account?: string;
  readonly ordType?: 'market' | 'limit';
  readonly price?: string;
  readonly possResend?: boolean;
}

type Message = Readonly<Record<string, unknown>>;

export class WsPlatformClient {
  private readonly ws: WebSocket;
  /** clOrdId -> "execType:ordStatus" of every execution, in order. */
  readonly reports = new Map<string, string[]>();
  /** Every orders-channel message, by seq. */
  readonly ordersChannel = new Map<number, Message>();
  readonly errors: Message[] = [];
  readonly stats = { prices: 0, snapshots: 0, priceGaps: 0, gapsWithoutSnapshot: 0, heartbeats: 0, sent: 0, filled: 0, rejected: 0, replayed: 0 };
  /** The last seq seen per symbol. */
  get priceSeqs(): ReadonlyMap<string, number> {
    return this.priceSeq;
  }
  /** Receive time (ms, fractional) of each price, for latency figures in benchmarks. */
  onPrice: ((m: Message, atMs: number) => void) | null = null;
  onExecution: ((m: Message) => void) | null = null;
  lastOrdersSeq: number;
  welcome: Message | null = null;
  private readonly priceSeq = new Map<string, number>();
  readonly closed: Promise<{ code: number; reason: string }>;
  readonly ready: Promise<Message>;

  constructor(private readonly o: WsPlatformClientOptions) {
    this.lastOrdersSeq = o.lastOrdersSeq ?? 0;
    const byHeader = (o.auth ?? 'header') === 'header';
    this.ws = new WebSocket(o.url, { perMessageDeflate: false, ...(o.ca === undefined ? {} : { ca: o.ca }), ...(byHeader ? { headers: { authorization: `Bearer ${o.token}` } } : {}) });
    this.ws.on('error', () => {}); // a refused upgrade or a reset ends in 'close'
    let onWelcome: (m: Message) => void = () => {};
    let onFail: (e: Error) => void = () => {};
    this.ready = new Promise<Message>((resolve, reject) => {
      onWelcome = resolve;
      onFail = reject;
    });
    this.ready.catch(() => {});
    this.closed = new Promise((resolve) => {
      this.ws.on('close', (code, reason) => {
        onFail(new Error(`closed ${code} ${reason.toString()}`));
        resolve({ code, reason: reason.toString() });
      });
      this.ws.on('unexpected-response', (_req, res) => {
        onFail(new Error(`HTTP ${res.statusCode}`));
        resolve({ code: res.statusCode ?? 0, reason: `HTTP ${res.statusCode}` });
        this.ws.terminate();
      });
    });
    this.ws.on('open', () => {
      if (!byHeader) this.ws.send(JSON.stringify({ type: 'auth', token: o.token }));
    });
    this.ws.on('message', (data: RawData) => {
      const m = JSON.parse(data.toString()) as Message;
      this.onMessage(m, onWelcome);
    });
  }

  private onMessage(m: Message, onWelcome: (m: Message) => void): void {
    switch (m['type']) {
      case 'welcome': {
        this.welcome = m;
        const theirs = Number(m['ordersSeq']);
        if (theirs > this.lastOrdersSeq) this.raw({ type: 'replay', from: this.lastOrdersSeq + 1 });
        if ((this.o.subscribe ?? []).length > 0) this.raw({ type: 'subscribe', reqId: 1, symbols: this.o.subscribe });
        onWelcome(m);
        return;
      }
      case 'snapshot':
      case 'update': {
        const atMs = performance.timeOrigin + performance.now();
        const symbol = m['symbol'] as string;
        const seq = m['seq'] as number;
        const last = this.priceSeq.get(symbol) ?? 0;
        if (seq !== last + 1 && last > 0) {
          this.stats.priceGaps++;
          // The protocol's promise: the first price after a gap is a snapshot.
          if (m['type'] !== 'snapshot') this.stats.gapsWithoutSnapshot++;
        }
        this.priceSeq.set(symbol, seq);
        this.stats.prices++;
        if (m['type'] === 'snapshot') this.stats.snapshots++;
        this.onPrice?.(m, atMs);
        return;
      }
      case 'heartbeat':
        this.stats.heartbeats++;
        return;
      case 'execution':
      case 'cancel_reject': {
        const seq = m['seq'] as number;
        if (m['possResend'] === true) this.stats.replayed++;
        if (seq <= this.lastOrdersSeq && this.ordersChannel.has(seq)) return; // seen already
        this.ordersChannel.set(seq, m);
        if (seq > this.lastOrdersSeq) this.lastOrdersSeq = seq;
        if (m['type'] === 'execution') {
          const id = m['clOrdId'] as string;
          const list = this.reports.get(id) ?? [];
          list.push(`${String(m['execType'])}:${String(m['ordStatus'])}`);
          this.reports.set(id, list);
          if (m['ordStatus'] === 'filled') this.stats.filled++;
          if (m['ordStatus'] === 'rejected') this.stats.rejected++;
          this.onExecution?.(m);
        }
        return;
      }
      case 'error':
        this.errors.push(m);
        return;
      default:
    }
  }

  /** Sends any JSON value as one text frame (tests send malformed ones on purpose). */
  raw(message: unknown): void {
    if (this.ws.readyState === WebSocket.OPEN) this.ws.send(typeof message === 'string' ? message : JSON.stringify(message));
  }

  send(order: WsOrder): void {
    this.stats.sent++;
    this.raw({ type: 'new', clOrdId: order.clOrdId, symbol: order.symbol, side: order.side, qty: order.lots, ordType: order.ordType ?? 'market', ...(order.price === undefined ? {} : { price: order.price }), ...(order.account === undefined ? {} : { account: order.account }), ...(order.possResend === true ? { possResend: true } : {}) });
  }

  cancel(clOrdId: string, origClOrdId: string): void {
    this.raw({ type: 'cancel', clOrdId, origClOrdId });
  }

  /** The final state of an order, once it has one (filled, rejected, canceled). */
  final(clOrdId: string): string | undefined {
    return (this.reports.get(clOrdId) ?? []).find((r) => /:(filled|rejected|canceled)$/.test(r));
  }

  /** Stops reading from the socket: the engine's sends pile up, as with a stalled browser tab. */
  stall(): void {
    (this.ws as unknown as { _socket: { pause(): void } })._socket.pause();
  }

  resume(): void {
    (this.ws as unknown as { _socket: { resume(): void } })._socket.resume();
  }

  /** Random client flow (demo): `perSecond` orders over these symbols; returns a stop function. */
  flow(perSecond: number, symbols: readonly string[], seed: number, prefix: string): () => void {
    const rng = new SeededRandom(seed);
    let n = 0;
    const timer = setInterval(() => {
      const symbol = symbols[rng.int(0, symbols.length - 1)] as string;
      this.send({ clOrdId: `${prefix}-${++n}`, symbol, side: rng.chance(0.5) ? 'buy' : 'sell', lots: ['0.10', '0.50', '1.00', '2.00'][rng.int(0, 3)] as string, account: String(200_000 + rng.int(0, 50)) });
    }, Math.max(1, Math.round(1000 / perSecond)));
    return () => clearInterval(timer);
  }

  async close(): Promise<void> {
    if (this.ws.readyState === WebSocket.OPEN || this.ws.readyState === WebSocket.CONNECTING) this.ws.close(1000, 'done');
    const t = setTimeout(() => this.ws.terminate(), 1_000);
    await this.closed;
    clearTimeout(t);
  }
}
