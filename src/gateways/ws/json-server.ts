// A WebSocket server for the JSON protocol of docs/ws-protocol.md: authentication (upgrade header
// or first message), bounded admission, liveness, rate and size limits, and per-connection send
// buffers that conflate prices and then disconnect, so one slow client never slows the others.
// What application messages mean is the caller's business; this module only carries them.

import { createServer, type IncomingMessage, type Server } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { BridgeError } from '../../core/errors.js';
import { atTurnEnd } from '../../fix/session/turn-batch.js';
import { BoundedMap } from '../../core/util/bounded-map.js';
import { RateBudget } from '../../core/util/rate-budget.js';

export interface WsLimits {
  /** Largest frame accepted; larger ones close the connection with 1009. */
  readonly maxMessageBytes: number;
  /** Authenticated connections at once; past it new upgrades get HTTP 503. */
  readonly maxConnections: number;
  /** Connections not yet authenticated; past it the oldest is closed. */
  readonly maxPendingConnections: number;
  readonly authTimeoutMs: number;
  /** Sustained inbound messages per second per connection (bursts of twice this pass). */
  readonly messagesPerSecond: number;
  readonly heartbeatMs: number;
  readonly pingIntervalMs: number;
  /** A connection with no subscription that sends nothing for this long is closed. */
  readonly idleTimeoutMs: number;
  /** Above this many bytes waiting to be sent, conflatable messages are held (latest per key). */
  readonly conflateAboveBytes: number;
  /** Above this many bytes waiting, or conflating for longer than slowConsumerMs: disconnected. */
  readonly maxBufferedBytes: number;
  readonly slowConsumerMs: number;
  /** Wrong tokens from one address in a minute before its upgrades are refused (HTTP 429) for the rest of it. */
  readonly maxFailedAuthPerMinute: number;
}

export const DEFAULT_WS_LIMITS: WsLimits = {
  maxMessageBytes: 16 * 1024,
  maxConnections: 256,
  maxPendingConnections: 64,
  authTimeoutMs: 5_000,
  messagesPerSecond: 100,
  heartbeatMs: 1_000,
  pingIntervalMs: 10_000,
  idleTimeoutMs: 300_000,
  conflateAboveBytes: 256 * 1024,
  maxBufferedBytes: 4 * 1024 * 1024,
  slowConsumerMs: 5_000,
  maxFailedAuthPerMinute: 20,
};

/** Close codes of docs/ws-protocol.md §5. */
export const WsClose = {
  goingAway: 1001,
  binary: 1003,
  rateLimited: 1008,
  tooBig: 1009,
  authFailed: 4001,
  authTimeout: 4002,
  notAuthenticated: 4003,
  replaced: 4005,
  slowConsumer: 4009,
  idle: 4011,
} as const;

export interface WsAdmission {
  accepted: number;
  refusedAtCapacity: number;
  refusedBadPath: number;
  refusedPeerBlocked: number;
  authFailures: number;
  authTimeouts: number;
  evictedPending: number;
  replaced: number;
  rateLimited: number;
  tooBig: number;
  binaryFrames: number;
  badFrames: number;
  badMessages: number;
  livenessTimeouts: number;
  idleClosed: number;
  slowConsumers: number;
  conflatedMessages: number;
}

export interface WsLog {
  event(name: string, fields: Readonly<Record<string, unknown>>): void;
}

export interface WsServerOptions<P> {
  readonly host: string;
  readonly port: number;
  /** The only path upgraded ("/v1"). */
  readonly path: string;
  readonly limits: WsLimits;
  readonly log: WsLog;
  /** Serve wss:// with this key and certificate. */
  readonly tls?: { readonly key: Buffer; readonly cert: Buffer };
  /** The principal a token stands for, or null (the comparison is the caller's, constant-time). */
  authenticate(token: string): P | null;
  /** One connection per principal id: a newer one replaces the older. */
  principalId(principal: P): string;
  /** The `welcome` message for a connection that has just authenticated. */
  welcome(peer: WsPeer<P>): Record<string, unknown>;
  /** An authenticated connection's message (a JSON object with a string `type`). */
  onMessage(peer: WsPeer<P>, message: Readonly<Record<string, unknown>>): void;
  onClose(peer: WsPeer<P>): void;
}

interface Held {
  build: (afterGap: boolean) => string;
  gap: boolean;
}

/** One authenticated connection. */
export class WsPeer<P> {
  /** Conflatable messages held while the send buffer is full: latest per key. */
  private readonly held = new Map<string, Held>();
  private conflatingSinceMs = 0;
  private heartbeats = 0;
  lastInboundMs: number;
  awaitingPong = false;
  /** The caller says whether the connection holds subscriptions (idle rule). */
  subscriptions = 0;
  private readonly budget: RateBudget;
  /** Messages of this turn, written together at its end (after the turn's journal writes). */
  private outq: string[] = [];
  private outBytes = 0;
  closed = false;

  constructor(
    readonly connection: number,
    readonly principal: P,
    readonly remote: string,
    private readonly ws: WebSocket,
    private readonly server: JsonWsServer<P>,
    nowMs: number,
  ) {
    this.lastInboundMs = nowMs;
    // Twice the rate at once: a client catching up after a stall is not cut off for it.
    this.budget = new RateBudget(server.limits.messagesPerSecond, 2 * server.limits.messagesPerSecond, nowMs);
  }

  /** Bytes accepted for sending and not yet written to the socket. */
  get bufferedBytes(): number {
    return this.ws.bufferedAmount + this.outBytes;
  }

  get conflating(): boolean {
    return this.conflatingSinceMs > 0;
  }

  /** A message that must arrive (executions, answers): never conflated; a full buffer disconnects. */
  send(message: Readonly<Record<string, unknown>>): void {
    this.sendText(JSON.stringify(message));
  }

  sendText(text: string): void {
    if (this.closed) return;
    if (this.outq.length === 0) atTurnEnd('socket', this.flushOut);
    this.outq.push(text);
    this.outBytes += text.length;
    if (this.bufferedBytes > this.server.limits.maxBufferedBytes) this.server.slowConsumer(this, 'send buffer full');
  }

  /** One corked burst per turn: the frames go out in one writev, not one syscall each. */
  private readonly flushOut = (): void => {
    const q = this.outq;
    this.outq = [];
    this.outBytes = 0;
    if (this.closed || q.length === 0) return;
    const socket = (this.ws as unknown as { _socket?: { cork(): void; uncork(): void } })._socket;
    socket?.cork();
    for (const text of q) this.ws.send(text);
    socket?.uncork();
  };

  /**
   * A message only the latest of which matters (a price): sent now when the buffer has room,
   * else held in place of an older one under the same key. `afterGap` tells the builder that an
   * earlier message under this key was dropped.
   */
  offer(key: string, build: (afterGap: boolean) => string): void {
    if (this.closed) return;
    if (!this.conflating && this.bufferedBytes <= this.server.limits.conflateAboveBytes) {
      this.sendText(build(false));
      return;
    }
    if (!this.conflating) {
      this.conflatingSinceMs = Date.now();
      this.server.startedConflating(this);
    }
    const prior = this.held.get(key);
    if (prior !== undefined) this.server.admission.conflatedMessages++;
    this.held.set(key, { build, gap: prior !== undefined });
  }

  /** Called by the server's flush timer: sends what is held once the buffer has drained. */
  flushHeld(nowMs: number): 'flushed' | 'waiting' | 'slow' {
    const limits = this.server.limits;
    if (this.bufferedBytes > limits.conflateAboveBytes / 2) return nowMs - this.conflatingSinceMs > limits.slowConsumerMs || this.bufferedBytes > limits.maxBufferedBytes ? 'slow' : 'waiting';
    this.conflatingSinceMs = 0;
    const held = [...this.held.values()];
    this.held.clear();
    for (const h of held) this.sendText(h.build(h.gap));
    return 'flushed';
  }

  /** How many conflatable messages are held now (bounded by the number of keys). */
  get heldCount(): number {
    return this.held.size;
  }

  heartbeat(nowMs: number): void {
    if (this.conflating) return; // behind already: a heartbeat would only queue behind the prices
    this.sendText(`{"type":"heartbeat","seq":${++this.heartbeats},"time":${nowMs}}`);
  }

  /** Takes one message from the rate budget; false when the connection is over its rate. */
  takeToken(nowMs: number): boolean {
    return this.budget.take(nowMs);
  }

  ping(): void {
    this.awaitingPong = true;
    this.ws.ping();
  }

  close(code: number, reason: string): void {
    if (this.closed) return;
    this.flushOut(); // what this turn already said (an answer, an error) goes before the close
    this.closed = true;
    this.held.clear();
    this.ws.close(code, reason);
    // A peer that does not read cannot receive a close frame either: it is cut off shortly after.
    const ws = this.ws;
    setTimeout(() => ws.terminate(), 1_000).unref();
  }

  terminate(): void {
    this.closed = true;
    this.held.clear();
    this.ws.terminate();
  }
}

/** An upgraded or raw connection that has not authenticated yet, and how to get rid of it. */
interface Pending {
  evict(): void;
}

export class JsonWsServer<P> {
  private http: Server | null = null;
  private readonly wss: WebSocketServer;
  private readonly peers = new Set<WsPeer<P>>();
  private readonly byPrincipal = new Map<string, WsPeer<P>>();
  /** Not yet authenticated, oldest first, by remote address and port (the TCP connection). */
  private readonly pending = new Map<string, Pending>();
  private readonly conflating = new Set<WsPeer<P>>();
  private readonly sockets = new Set<Socket>();
  private timers: NodeJS.Timeout[] = [];
  private flushTimer: NodeJS.Timeout | null = null;
  private connections = 0;
  /** Recent wrong tokens per remote address (epoch ms), pruned as the minute moves. */
  /** Wrong tokens per address, bounded whatever the number of addresses: the oldest forgotten first. */
  private readonly failures = new BoundedMap<number[]>(10_000);
  readonly admission: WsAdmission = { accepted: 0, refusedAtCapacity: 0, refusedBadPath: 0, refusedPeerBlocked: 0, authFailures: 0, authTimeouts: 0, evictedPending: 0, replaced: 0, rateLimited: 0, tooBig: 0, binaryFrames: 0, badFrames: 0, badMessages: 0, livenessTimeouts: 0, idleClosed: 0, slowConsumers: 0, conflatedMessages: 0 };

  constructor(private readonly o: WsServerOptions<P>) {
    this.wss = new WebSocketServer({ noServer: true, maxPayload: o.limits.maxMessageBytes, clientTracking: false, perMessageDeflate: false });
  }

  get limits(): WsLimits {
    return this.o.limits;
  }

  /** Authenticated connections now. */
  get connected(): number {
    return this.peers.size;
  }

  peerOf(principalId: string): WsPeer<P> | undefined {
    return this.byPrincipal.get(principalId);
  }

  async listen(): Promise<number> {
    const answer = (_req: IncomingMessage, res: import('node:http').ServerResponse): void => {
      res.writeHead(426, { 'content-type': 'text/plain', upgrade: 'websocket' }).end('This port speaks WebSocket (docs/ws-protocol.md)\n');
    };
    const http: Server = this.o.tls === undefined ? createServer(answer) : createTlsServer({ key: this.o.tls.key, cert: this.o.tls.cert }, answer);
    // A connection that never finishes its HTTP request is dropped on the same clock as auth.
    http.headersTimeout = this.o.limits.authTimeoutMs;
    http.requestTimeout = this.o.limits.authTimeoutMs;
    // Admission counts TCP connections from the first byte (with TLS, before the handshake).
    http.on('connection', (socket: Socket) => this.onSocket(socket));
    http.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => this.onUpgrade(req, socket, head));
    http.on('clientError', (_e, socket: Duplex) => socket.destroy());
    this.http = http;
    const where = `${this.o.host}:${this.o.port}`;
    await new Promise<void>((resolve, reject) => {
      http.once('error', (error: NodeJS.ErrnoException) =>
        reject(error.code === 'EADDRINUSE' ? new BridgeError('SB_ERR_PORT_IN_USE', `WebSocket ${where} is already in use; choose another port`) : new BridgeError('SB_ERR_LISTEN', `WebSocket ${where}: ${error.message}`)),
      );
      http.listen(this.o.port, this.o.host, () => resolve());
    });
    http.on('error', (error) => this.o.log.event('ws_server_error', { detail: error.message }));
    const l = this.o.limits;
    this.timers = [setInterval(() => this.heartbeatAll(), l.heartbeatMs), setInterval(() => this.livenessAll(), l.pingIntervalMs), setInterval(() => this.idleAll(), Math.min(l.idleTimeoutMs, 10_000))];
    for (const t of this.timers) t.unref();
    return (http.address() as { port: number }).port;
  }

  private onSocket(socket: Socket): void {
    this.sockets.add(socket);
    const key = connectionKey(socket);
    socket.on('close', () => {
      this.sockets.delete(socket);
      this.pending.delete(key);
    });
    this.addPending(key, { evict: () => socket.destroy() });
  }

  private addPending(key: string, p: Pending): void {
    this.pending.delete(key);
    this.pending.set(key, p);
    while (this.pending.size > this.o.limits.maxPendingConnections) {
      const [oldest, victim] = this.pending.entries().next().value as [string, Pending];
      this.pending.delete(oldest);
      this.admission.evictedPending++;
      victim.evict();
    }
  }

  private refuseUpgrade(socket: Duplex, status: number, text: string): void {
    socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    setTimeout(() => socket.destroy(), 1_000).unref();
  }

  private onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', () => {});
    const path = (req.url ?? '').split('?')[0];
    if (path !== this.o.path) {
      this.admission.refusedBadPath++;
      this.refuseUpgrade(socket, 404, 'Not Found');
      return;
    }
    const address = req.socket.remoteAddress ?? '?';
    if (this.recentFailures(address) >= this.o.limits.maxFailedAuthPerMinute) {
      // Guessing tokens is slowed to a crawl; the address may try again when the minute has moved.
      this.admission.refusedPeerBlocked++;
      this.refuseUpgrade(socket, 429, 'Too Many Requests');
      return;
    }
    if (this.peers.size >= this.o.limits.maxConnections) {
      this.admission.refusedAtCapacity++;
      this.refuseUpgrade(socket, 503, 'Service Unavailable');
      return;
    }
    let principal: P | null = null;
    const header = req.headers.authorization;
    if (header !== undefined) {
      const token = /^Bearer (\S{1,512})$/.exec(header)?.[1];
      principal = token === undefined ? null : this.o.authenticate(token);
      if (principal === null) {
        this.admission.authFailures++;
        this.authFailed(address);
        this.o.log.event('ws_auth_failed', { remote: req.socket.remoteAddress, how: 'header' });
        this.refuseUpgrade(socket, 401, 'Unauthorized');
        return;
      }
      this.pending.delete(connectionKey(req.socket));
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => this.onWebSocket(ws, connectionKey(req.socket), req.socket.remoteAddress ?? '?', principal));
  }

  private onWebSocket(ws: WebSocket, socket: string, remote: string, principal: P | null): void {
    const connection = ++this.connections;
    let peer: WsPeer<P> | null = null;
    const authTimer =
      principal === null
        ? setTimeout(() => {
            this.admission.authTimeouts++;
            this.pending.delete(socket);
            ws.close(WsClose.authTimeout, 'not authenticated in time');
            setTimeout(() => ws.terminate(), 1_000).unref();
          }, this.o.limits.authTimeoutMs)
        : null;
    authTimer?.unref();
    if (principal === null) {
      this.addPending(socket, {
        evict: () => {
          if (authTimer !== null) clearTimeout(authTimer);
          ws.close(WsClose.authTimeout, 'evicted: too many unauthenticated connections');
          setTimeout(() => ws.terminate(), 1_000).unref();
        },
      });
    }
    const admit = (p: P): void => {
      if (authTimer !== null) clearTimeout(authTimer);
      this.pending.delete(socket);
      const id = this.o.principalId(p);
      const older = this.byPrincipal.get(id);
      if (older !== undefined) {
        this.admission.replaced++;
        older.close(WsClose.replaced, 'replaced by a newer connection');
        this.retire(older);
      }
      peer = new WsPeer(connection, p, remote, ws, this, Date.now());
      this.peers.add(peer);
      this.byPrincipal.set(id, peer);
      this.admission.accepted++;
      this.o.log.event('ws_connected', { client: id, connection, remote });
      peer.send(this.o.welcome(peer));
    };
    ws.on('error', (error: Error & { code?: string }) => {
      // ws closes the connection itself (1002 bad frame, 1007 bad UTF-8, 1009 too big).
      if (error.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH') this.admission.tooBig++;
      else this.admission.badFrames++;
      this.o.log.event('ws_frame_error', { connection, code: error.code ?? 'unknown', detail: error.message });
    });
    ws.on('pong', () => {
      if (peer === null) return;
      peer.awaitingPong = false;
    });
    ws.on('message', (data: RawData, isBinary: boolean) => {
      // Frames already read when the connection was closed (a flood) are dropped, not processed.
      if (peer?.closed === true || ws.readyState !== ws.OPEN) return;
      const now = Date.now();
      if (peer !== null && !peer.takeToken(now)) {
        this.admission.rateLimited++;
        this.o.log.event('ws_rate_limited', { connection, client: this.o.principalId(peer.principal) });
        peer.close(WsClose.rateLimited, `message rate above ${this.o.limits.messagesPerSecond}/s`);
        return;
      }
      if (isBinary) {
        this.admission.binaryFrames++;
        if (peer !== null) peer.close(WsClose.binary, 'binary frames are not part of the protocol');
        else ws.close(WsClose.binary, 'binary frames are not part of the protocol');
        return;
      }
      const message = parseObject(data);
      if (peer !== null) peer.lastInboundMs = now;
      if (typeof message === 'string') {
        this.admission.badMessages++;
        if (peer === null) {
          ws.close(WsClose.notAuthenticated, 'the first message must be auth');
          return;
        }
        peer.send({ type: 'error', code: 'SB_WS_BAD_JSON', text: message });
        return;
      }
      if (peer === null) {
        if (message['type'] !== 'auth' || typeof message['token'] !== 'string') {
          this.admission.badMessages++;
          ws.close(WsClose.notAuthenticated, 'the first message must be auth');
          return;
        }
        const p = message['token'].length <= 512 ? this.o.authenticate(message['token']) : null;
        if (p === null) {
          this.admission.authFailures++;
          this.authFailed(remote);
          this.o.log.event('ws_auth_failed', { remote, how: 'message' });
          ws.close(WsClose.authFailed, 'authentication failed');
          setTimeout(() => ws.terminate(), 1_000).unref();
          return;
        }
        admit(p);
        return;
      }
      switch (message['type']) {
        case 'auth':
          return; // already authenticated (header, then the same token again): nothing to do
        case 'ping':
          peer.send(withReqId({ type: 'pong', time: now }, message));
          return;
        default:
          this.o.onMessage(peer, message);
      }
    });
    ws.on('close', () => {
      if (authTimer !== null) clearTimeout(authTimer);
      this.pending.delete(socket);
      if (peer !== null) {
        peer.closed = true;
        this.retire(peer);
      }
    });
    if (principal !== null) admit(principal);
  }

  private recentFailures(address: string): number {
    const list = this.failures.get(address);
    if (list === undefined) return 0;
    const since = Date.now() - 60_000;
    while (list.length > 0 && (list[0] as number) < since) list.shift();
    if (list.length === 0) this.failures.delete(address);
    return list.length;
  }

  private authFailed(address: string): void {
    const list = this.failures.get(address) ?? [];
    list.push(Date.now());
    if (list.length > this.o.limits.maxFailedAuthPerMinute) list.shift();
    this.failures.set(address, list);
  }

  /** A peer leaves the server's books once, however it ended; the caller hears of it once. */
  private retire(peer: WsPeer<P>): void {
    if (!this.peers.delete(peer)) return;
    this.conflating.delete(peer);
    const id = this.o.principalId(peer.principal);
    if (this.byPrincipal.get(id) === peer) this.byPrincipal.delete(id);
    this.o.onClose(peer);
  }

  /** @internal a peer's buffer filled: its held messages are flushed by a timer. */
  startedConflating(peer: WsPeer<P>): void {
    this.conflating.add(peer);
    this.flushTimer ??= setInterval(() => this.flushAll(), 10);
  }

  /** @internal a peer that cannot keep up is disconnected and counted. */
  slowConsumer(peer: WsPeer<P>, why: string): void {
    if (peer.closed) return;
    this.admission.slowConsumers++;
    this.o.log.event('ws_slow_consumer', { client: this.o.principalId(peer.principal), connection: peer.connection, bufferedBytes: peer.bufferedBytes, why });
    peer.close(WsClose.slowConsumer, `slow consumer: ${why}`);
    this.retire(peer);
  }

  private flushAll(): void {
    const now = Date.now();
    for (const peer of this.conflating) {
      const result = peer.flushHeld(now);
      if (result === 'flushed') this.conflating.delete(peer);
      else if (result === 'slow') this.slowConsumer(peer, 'still behind after conflating');
    }
    if (this.conflating.size === 0 && this.flushTimer !== null) {
      clearInterval(this.flushTimer);
      this.flushTimer = null;
    }
  }

  private heartbeatAll(): void {
    const now = Date.now();
    for (const peer of this.peers) peer.heartbeat(now);
  }

  private livenessAll(): void {
    for (const peer of [...this.peers]) {
      if (peer.awaitingPong) {
        this.admission.livenessTimeouts++;
        this.o.log.event('ws_liveness_timeout', { client: this.o.principalId(peer.principal), connection: peer.connection });
        peer.terminate();
        continue;
      }
      peer.ping();
    }
  }

  private idleAll(): void {
    const now = Date.now();
    for (const peer of [...this.peers]) {
      if (peer.subscriptions === 0 && now - peer.lastInboundMs > this.o.limits.idleTimeoutMs) {
        this.admission.idleClosed++;
        peer.close(WsClose.idle, 'idle');
      }
    }
  }

  async close(): Promise<void> {
    for (const t of this.timers) clearInterval(t);
    if (this.flushTimer !== null) clearInterval(this.flushTimer);
    for (const peer of [...this.peers]) peer.close(WsClose.goingAway, 'server stopping');
    for (const p of [...this.pending.values()]) p.evict();
    const http = this.http;
    if (http === null) return;
    await new Promise<void>((resolve) => {
      http.close(() => resolve());
      // Give close frames a moment, then cut whatever is left.
      setTimeout(() => {
        for (const s of this.sockets) s.destroy();
      }, 200).unref();
    });
    this.wss.close();
  }
}

/** The TCP connection a socket (plain or TLS) rides on. */
function connectionKey(socket: { remoteAddress?: string | undefined; remotePort?: number | undefined }): string {
  return `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? 0}`;
}

/** A frame as a JSON object with a string `type`, or why it is not one. */
function parseObject(data: RawData): Record<string, unknown> | string {
  let value: unknown;
  try {
    value = JSON.parse(data.toString());
  } catch {
    return 'the frame is not valid JSON';
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return 'the frame must be a JSON object';
  if (typeof (value as { type?: unknown }).type !== 'string') return 'the message has no string "type"';
  return value as Record<string, unknown>;
}

/** Copies a request's reqId (a number or a short string) onto its answer. */
export function withReqId(answer: Record<string, unknown>, request: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const r = request['reqId'];
  if ((typeof r === 'number' && Number.isSafeInteger(r)) || (typeof r === 'string' && r.length <= 64)) answer['reqId'] = r;
  return answer;
}
