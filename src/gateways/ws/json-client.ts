// A WebSocket client for the JSON protocol (docs/ws-protocol.md), as the engine uses it toward an
// LP: authenticates on the upgrade, reconnects with capped exponential backoff, and declares the
// connection dead when the server's heartbeats stop (a half-open TCP connection sends nothing).

import WebSocket, { type RawData } from 'ws';
import type { WsLog } from './json-server.js';

export interface WsClientOptions {
  /** ws://host:port/path or wss://... */
  readonly url: string;
  readonly token: string;
  readonly log: WsLog;
  /** TLS options for wss:// (a CA to trust, whether to verify, the name to verify). */
  readonly tls?: { readonly ca?: Buffer; readonly rejectUnauthorized: boolean; readonly servername?: string };
  readonly maxMessageBytes?: number;
  readonly reconnectMinMs?: number;
  readonly reconnectMaxMs?: number;
  /** No message at all for this long (heartbeats included): the connection is cut and retried. */
  readonly silenceMs?: number;
  onOpen(): void;
  onMessage(message: Readonly<Record<string, unknown>>): void;
  onClose(reason: string): void;
}

export class JsonWsClient {
  private ws: WebSocket | null = null;
  private stopped = true;
  private backoffMs: number;
  private reconnectTimer: NodeJS.Timeout | null = null;
  private watchdog: NodeJS.Timeout | null = null;
  private lastMessageMs = 0;
  private open = false;
  connects = 0;
  badMessages = 0;

  constructor(private readonly o: WsClientOptions) {
    this.backoffMs = o.reconnectMinMs ?? 250;
  }

  get isOpen(): boolean {
    return this.open;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    const silence = this.o.silenceMs ?? 3_000;
    this.watchdog = setInterval(() => {
      if (this.open && Date.now() - this.lastMessageMs > silence) {
        this.o.log.event('ws_client_silent', { url: this.o.url, silentMs: Date.now() - this.lastMessageMs });
        this.ws?.terminate();
      }
    }, Math.max(50, Math.floor(silence / 4)));
    this.watchdog.unref();
    this.connect();
  }

  /** Sends one message; false when not connected (the caller decides what that means). */
  send(message: Readonly<Record<string, unknown>>): boolean {
    if (!this.open || this.ws === null) return false;
    this.ws.send(JSON.stringify(message));
    return true;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.reconnectTimer !== null) clearTimeout(this.reconnectTimer);
    if (this.watchdog !== null) clearInterval(this.watchdog);
    const ws = this.ws;
    if (ws === null || ws.readyState === WebSocket.CLOSED) return;
    await new Promise<void>((resolve) => {
      ws.once('close', () => resolve());
      ws.close(1001, 'client stopping');
      setTimeout(() => {
        ws.terminate();
        resolve();
      }, 500).unref();
    });
  }

  private connect(): void {
    if (this.stopped) return;
    const ws = new WebSocket(this.o.url, {
      headers: { authorization: `Bearer ${this.o.token}` },
      maxPayload: this.o.maxMessageBytes ?? 64 * 1024,
      perMessageDeflate: false,
      handshakeTimeout: 5_000,
      ...(this.o.tls === undefined ? {} : { rejectUnauthorized: this.o.tls.rejectUnauthorized, ...(this.o.tls.ca === undefined ? {} : { ca: this.o.tls.ca }), ...(this.o.tls.servername === undefined ? {} : { servername: this.o.tls.servername }) }),
    });
    this.ws = ws;
    ws.on('open', () => {
      this.connects++;
      this.open = true;
      this.lastMessageMs = Date.now();
      this.backoffMs = this.o.reconnectMinMs ?? 250;
      this.o.onOpen();
    });
    ws.on('message', (data: RawData, isBinary: boolean) => {
      this.lastMessageMs = Date.now();
      let m: unknown;
      try {
        m = isBinary ? null : JSON.parse(data.toString());
      } catch {
        m = null;
      }
      if (m === null || typeof m !== 'object' || Array.isArray(m) || typeof (m as { type?: unknown }).type !== 'string') {
        this.badMessages++;
        this.o.log.event('ws_client_bad_message', { url: this.o.url });
        return;
      }
      this.o.onMessage(m as Record<string, unknown>);
    });
    ws.on('unexpected-response', (_req, res) => {
      this.o.log.event('ws_client_refused', { url: this.o.url, status: res.statusCode });
      ws.terminate();
    });
    ws.on('error', (error) => this.o.log.event('ws_client_error', { url: this.o.url, detail: error.message }));
    ws.on('close', (code: number, reason: Buffer) => {
      const was = this.open;
      this.open = false;
      if (this.ws === ws) this.ws = null;
      if (was) this.o.onClose(`closed ${code}${reason.length > 0 ? ` ${reason.toString()}` : ''}`);
      if (this.stopped) return;
      this.reconnectTimer = setTimeout(() => this.connect(), this.backoffMs);
      this.backoffMs = Math.min(this.o.reconnectMaxMs ?? 5_000, this.backoffMs * 2);
    });
  }
}
