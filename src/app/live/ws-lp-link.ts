// An LP that speaks the venue profile of docs/ws-protocol.md: quotes in as the same Quote a FIX
// LP gives, executions in as the same LpExecution (units back to lots), orders out as IOC. It
// joins the LP pool like a FIX LP: the same health (up on welcome, down on close or silence),
// staleness and failover, decided elsewhere. The last orders-channel number seen is kept on
// disk, so after a reconnect or a restart every execution the LP sent meanwhile is replayed.

import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { BridgeError } from '../../core/errors.js';
import type { LpExecution } from '../../core/model/lifecycle.js';
import { formatE8, formatE8Short } from '../../core/model/scaled.js';
import type { OpenOrder } from '../../core/orders/order-desk.js';
import type { LpOrder } from '../../fix/app/orders.js';
import { atTurnEnd } from '../../fix/session/turn-batch.js';
import { JsonWsClient } from '../../gateways/ws/json-client.js';
import type { WsLog } from '../../gateways/ws/json-server.js';
import { decodeExecution, decodePrice, type WsExecutionIn } from '../../gateways/ws/messages.js';
import type { LiveConfig } from '../live-config.js';
import type { LpLink, LpLinkEvents } from './lp-link.js';

type LpConfig = LiveConfig['lps'][number];

export interface WsLpLinkOptions {
  readonly lpc: LpConfig;
  readonly symbols: readonly string[];
  readonly contractSizeOf: (lpSymbol: string) => number;
  readonly storeDir: string;
  readonly stamp: () => number;
  readonly log: WsLog;
  readonly logger: Logger;
}

export class WsLpLink implements LpLink {
  private readonly client: JsonWsClient;
  private readonly subscribed: ReadonlySet<string>;
  private readonly priceSeq = new Map<string, number>();
  private lastOrdersSeq = 0;
  private loggedOn = false;
  private sent = 0;
  private problem: BridgeError | null = null;
  private readonly seqFile: string;
  /** Price sequence gaps seen (conflation at the LP, or lost messages). */
  priceGaps = 0;

  constructor(private readonly o: WsLpLinkOptions, private readonly events: LpLinkEvents) {
    const { lpc } = o;
    const token = lpc.token ?? process.env[lpc.tokenEnv ?? ''];
    if (token === undefined || token === '') throw new BridgeError('SB_ERR_WS_CONFIG', `LP ${lpc.id}: ${lpc.tokenEnv === undefined ? 'no token' : `environment variable ${lpc.tokenEnv} is not set`}`);
    this.subscribed = new Set(o.symbols);
    mkdirSync(o.storeDir, { recursive: true });
    this.seqFile = join(o.storeDir, `ws-lp-${lpc.id.replace(/[^A-Za-z0-9_.-]/g, '_')}.seq`);
    if (existsSync(this.seqFile)) {
      const n = Number(readFileSync(this.seqFile, 'utf8').trim());
      if (!Number.isSafeInteger(n) || n < 0) throw new BridgeError('SB_ERR_WS_CONFIG', `${this.seqFile}: not a sequence number; move it aside to start from the LP's current number`);
      this.lastOrdersSeq = n;
    }
    const scheme = lpc.tls === null ? 'ws' : 'wss';
    const host = lpc.host.includes(':') ? `[${lpc.host}]` : lpc.host;
    this.client = new JsonWsClient({
      url: `${scheme}://${host}:${lpc.port}${lpc.path}`,
      token,
      log: o.log,
      ...(lpc.tls === null ? {} : { tls: { rejectUnauthorized: lpc.tls.rejectUnauthorized, ...(lpc.tls.caFile === undefined ? {} : { ca: readFileSync(lpc.tls.caFile) }), ...(lpc.tls.servername === undefined ? {} : { servername: lpc.tls.servername }) } }),
      silenceMs: 3 * 1_000,
      onOpen: () => {},
      onMessage: (m) => this.onMessage(m),
      onClose: (reason) => {
        if (this.loggedOn) {
          this.loggedOn = false;
          this.events.onStatus(lpc.id, 'down', reason);
        }
      },
    });
  }

  get isLoggedOn(): boolean {
    return this.loggedOn && this.client.isOpen;
  }

  private onMessage(m: Readonly<Record<string, unknown>>): void {
    const lp = this.o.lpc.id;
    switch (m['type']) {
      case 'welcome': {
        if (this.loggedOn) return; // one welcome per connection; a repeat changes nothing
        this.loggedOn = true;
        this.priceSeq.clear();
        this.events.onStatus(lp, 'up', 'logon');
        if (this.subscribed.size > 0) this.client.send({ type: 'subscribe', reqId: 1, symbols: [...this.subscribed] });
        const theirs = typeof m['ordersSeq'] === 'number' ? (m['ordersSeq'] as number) : 0;
        // Executions sent while we were away (or before a restart) are asked for again.
        if (theirs > this.lastOrdersSeq) this.client.send({ type: 'replay', from: this.lastOrdersSeq + 1 });
        if (theirs < this.lastOrdersSeq) {
          // The LP started its numbering again: follow it (the order desk's status requests cover the rest).
          this.o.logger.warn({ event: 'lp_ws_seq_reset', lp, ours: this.lastOrdersSeq, theirs }, 'lp_ws_seq_reset');
          this.setOrdersSeq(theirs);
        }
        return;
      }
      case 'snapshot':
      case 'update': {
        const p = decodePrice(m);
        if (p === null || !this.subscribed.has(p.symbol) || !this.loggedOn) return;
        const last = this.priceSeq.get(p.symbol) ?? 0;
        if (p.type === 'update' && last > 0 && p.seq !== last + 1) this.priceGaps++;
        this.priceSeq.set(p.symbol, p.seq);
        this.events.onQuote({ lp, lpSymbol: p.symbol, bidE8: p.bidE8, askE8: p.askE8, bidSizeE8: p.bidSizeE8, askSizeE8: p.askSizeE8, indicative: false, receivedUs: this.o.stamp() });
        return;
      }
      case 'execution': {
        const x = decodeExecution(m);
        if (x === null) {
          this.o.log.event('lp_exec_invalid', { lp, problem: 'malformed execution message' });
          return;
        }
        if (x.seq <= this.lastOrdersSeq && m['possResend'] === true) return; // seen before
        if (x.seq > this.lastOrdersSeq + 1) this.client.send({ type: 'replay', from: this.lastOrdersSeq + 1 });
        if (x.seq > this.lastOrdersSeq) this.setOrdersSeq(x.seq);
        const exec = this.toExecution(x);
        if (exec !== null) this.events.onExecution(exec);
        return;
      }
      case 'heartbeat':
      case 'subscribed':
      case 'pong':
        return;
      default:
        // Through the peer log, which bounds how many lines a chatty or hostile LP can cause.
        this.o.log.event('lp_reject_message', { lp, msgType: String(m['type']).slice(0, 32), code: String(m['code'] ?? '').slice(0, 64), text: String(m['text'] ?? '').slice(0, 256) });
    }
  }

  /** Kept on disk once per turn: a restart replays from here. */
  private setOrdersSeq(seq: number): void {
    this.lastOrdersSeq = seq;
    atTurnEnd('journal', () => {
      try {
        writeFileSync(this.seqFile, `${this.lastOrdersSeq}\n`);
      } catch (cause) {
        this.problem ??= new BridgeError('SB_ERR_WS_OUTBOX', `${this.seqFile}: ${(cause as Error).message}`, { cause });
      }
    });
  }

  private toExecution(x: WsExecutionIn): LpExecution | null {
    const lp = this.o.lpc.id;
    const size = this.o.contractSizeOf(x.symbol);
    const lots = (units: number): number => (size > 0 ? Math.round(units / size) : 0);
    const base = { lp, clientOrderId: x.clOrdId, lpOrderId: x.orderId, execId: x.execId };
    switch (x.execType) {
      case 'trade':
        return { ...base, execType: x.ordStatus === 'filled' ? 'fill' : 'partial_fill', lastQtyE8: lots(x.lastQtyE8), lastPxE8: x.lastPxE8, text: x.text };
      case 'rejected':
        return { ...base, execType: 'reject', lastQtyE8: 0, lastPxE8: 0, text: x.text === '' ? 'rejected by LP' : x.text };
      case 'canceled':
        return { ...base, execType: 'canceled', lastQtyE8: 0, lastPxE8: 0, text: x.text };
      case 'new':
        return { ...base, execType: 'new', lastQtyE8: 0, lastPxE8: 0, text: x.text };
      case 'status':
        return { ...base, execType: 'status', lastQtyE8: 0, lastPxE8: 0, text: x.text === '' ? `ordStatus ${x.ordStatus}` : x.text, cumQtyE8: lots(x.cumQtyE8), avgPxE8: x.avgPxE8, terminal: ['filled', 'rejected', 'canceled'].includes(x.ordStatus) };
      default:
        return null; // pending_new: nothing to book
    }
  }

  sendOrder(order: LpOrder): boolean {
    if (!this.isLoggedOn) return false;
    this.sent++;
    const m: Record<string, unknown> = { type: 'new', clOrdId: order.lpClOrdId, symbol: order.lpSymbol, side: order.side, qty: formatE8Short(order.unitsE8), ordType: order.ordType, tif: 'ioc', account: order.account };
    if (order.ordType === 'limit') m['price'] = formatE8(order.priceE8, order.priceDigits);
    return this.client.send(m);
  }

  requestStatus(order: OpenOrder): boolean {
    return this.isLoggedOn && this.client.send({ type: 'status', clOrdId: order.correlationId, symbol: order.lpSymbol, side: order.side });
  }

  start(): void {
    this.client.start();
  }

  async stop(): Promise<void> {
    await this.client.stop();
  }

  storeFailure(): BridgeError | null {
    return this.problem;
  }

  state(): { loggedOn: boolean; nextSenderSeq: number; nextTargetSeq: number } {
    return { loggedOn: this.isLoggedOn, nextSenderSeq: this.sent + 1, nextTargetSeq: this.lastOrdersSeq + 1 };
  }

  closeStore(): void {}
}
