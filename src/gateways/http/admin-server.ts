// The admin HTTP API's transport (node:http): bearer-token authentication, bounded requests,
// JSON in and out, and a report of every call, served or refused, for the audit log.
// It knows routes and bytes, not rollouts: what each route does is the caller's.

import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface AdminCall {
  /** The peer's address (`127.0.0.1:53122`): who called, for the audit record. */
  readonly remote: string;
  readonly method: string;
  readonly path: string;
  /** Query parameters (`?limit=5`). */
  readonly query: URLSearchParams;
}

export interface AdminReply {
  readonly status: number;
  /** Serialized as JSON unless `contentType` says otherwise (then a string is sent as is). */
  readonly body: unknown;
  readonly contentType?: string;
}

/** A server-sent event stream to one client. */
export interface AdminStream {
  /** Sends one event; false when the client is gone or too slow (the event is dropped, counted). */
  send(event: string, data: unknown): boolean;
}

export interface AdminRoute {
  readonly method: 'GET' | 'POST';
  readonly path: string;
  /** Public routes answer without a token (a health probe, a page shell); everything else needs one. */
  readonly public?: boolean;
  /** `body` is the parsed JSON of a POST (null for GET). A throw (or rejection) is a 500, never a crash. */
  handle(body: unknown, call: AdminCall): AdminReply | Promise<AdminReply>;
  /**
   * A GET that streams server-sent events instead of answering once: called with the stream,
   * returns what to do when the client goes away.
   */
  stream?(call: AdminCall, out: AdminStream): () => void;
}

/** Streams open at once, all clients together: a dashboard or two, not a crowd. */
const MAX_STREAMS = 8;
const STREAM_HEARTBEAT_MS = 15_000;

/** What happened to one call: the audit log's view of the API (the token never appears). */
export interface AdminCallRecord {
  readonly remote: string;
  readonly method: string;
  readonly path: string;
  readonly status: number;
  /** Why it was refused (`missing token`, `wrong token`, `body too large`...), null when served. */
  readonly refusal: string | null;
}

export interface AdminServerOptions {
  readonly host: string;
  /** 0 picks a free port (tests). */
  readonly port: number;
  readonly token: string;
  readonly routes: readonly AdminRoute[];
  readonly onCall: (record: AdminCallRecord) => void;
  /** A handler that threw: logged by the caller, answered 500. */
  readonly onError: (error: unknown, call: AdminCall) => void;
  readonly maxConnections?: number;
  readonly maxBodyBytes?: number;
}

const JSON_TYPE = 'application/json; charset=utf-8';

function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

/** Loopback and the configured host, with or without the port: anything else is refused (DNS rebinding). */
function allowedHosts(host: string, port: number): Set<string> {
  const names = new Set(['127.0.0.1', 'localhost', '[::1]', host.includes(':') ? `[${host}]` : host]);
  const out = new Set<string>();
  for (const n of names) {
    out.add(n);
    out.add(`${n}:${port}`);
  }
  return out;
}

export class AdminServer {
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();
  private readonly tokenDigest: Buffer;
  private readonly routes = new Map<string, AdminRoute>();
  private hosts = new Set<string>();
  private boundPort = 0;
  private streams = 0;
  /** Events not sent because a stream's client could not keep up. */
  droppedEvents = 0;

  constructor(private readonly o: AdminServerOptions) {
    if (o.token.length < 16) throw new Error('admin token must be at least 16 characters');
    this.tokenDigest = digest(o.token);
    for (const r of o.routes) this.routes.set(`${r.method} ${r.path}`, r);
    this.server = createServer({ maxHeaderSize: 8 * 1024 }, (req, res) => this.serve(req, res));
    // Bounded: a slow or silent client cannot hold the API (or the engine's memory) for long.
    this.server.headersTimeout = 5_000;
    this.server.requestTimeout = 10_000;
    this.server.keepAliveTimeout = 5_000;
    this.server.maxHeadersCount = 64;
    this.server.maxConnections = o.maxConnections ?? 32;
    this.server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    // A client that sends garbage gets a 400 and is closed; the server goes on.
    this.server.on('clientError', (_error, socket) => {
      if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      else socket.destroy();
    });
  }

  get port(): number {
    return this.boundPort;
  }

  listen(): Promise<number> {
    return new Promise((resolve, reject) => {
      const onError = (error: Error): void => reject(error);
      this.server.once('error', onError);
      this.server.listen(this.o.port, this.o.host, () => {
        this.server.off('error', onError);
        this.boundPort = (this.server.address() as AddressInfo).port;
        this.hosts = allowedHosts(this.o.host, this.boundPort);
        resolve(this.boundPort);
      });
    });
  }

  /** Stops listening and closes every connection, idle or not. */
  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      for (const s of this.sockets) s.destroy();
    });
  }

  private serve(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://admin.invalid');
    const call: AdminCall = { remote: `${req.socket.remoteAddress ?? '?'}:${req.socket.remotePort ?? 0}`, method: req.method ?? '?', path: url.pathname, query: url.searchParams };
    const refuse = (status: number, refusal: string, headers: Record<string, string> = {}): void => {
      this.o.onCall({ remote: call.remote, method: call.method, path: call.path, status, refusal });
      this.send(res, status, { ok: false, code: status === 401 ? 'SB_ERR_ADMIN_AUTH' : 'SB_ERR_ADMIN_REQUEST', detail: refusal }, headers);
      // Whatever is left of the request body is not read: close rather than drain it.
      req.resume();
    };
    if (!this.hosts.has(req.headers.host ?? '')) return refuse(403, `host ${JSON.stringify((req.headers.host ?? '').slice(0, 80))} is not this API's`);
    const route = this.routes.get(`${call.method} ${call.path}`);
    if (route === undefined) {
      const other = [...this.routes.values()].filter((r) => r.path === call.path).map((r) => r.method);
      return other.length > 0 ? refuse(405, `${call.method} is not allowed on ${call.path}`, { allow: other.join(', ') }) : refuse(404, `no such endpoint ${call.path.slice(0, 120)}`);
    }
    if (route.public !== true) {
      const auth = req.headers.authorization;
      if (auth === undefined) return refuse(401, 'missing token', { 'www-authenticate': 'Bearer' });
      const m = /^Bearer ([\x21-\x7e]{1,512})$/.exec(auth);
      if (m === null || !timingSafeEqual(digest(m[1] as string), this.tokenDigest)) return refuse(401, 'wrong token', { 'www-authenticate': 'Bearer error="invalid_token"' });
    }
    if (route.stream !== undefined) return this.openStream(route, call, req, res);
    if (route.method === 'GET') return void this.run(route, null, call, res);
    const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
    if (type !== 'application/json') return refuse(415, 'the body must be application/json');
    const limit = this.o.maxBodyBytes ?? 16 * 1024;
    const declared = Number(req.headers['content-length'] ?? '0');
    if (declared > limit) return refuse(413, `body over ${limit} bytes`);
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    req.on('data', (chunk: Buffer) => {
      if (over) return;
      size += chunk.length;
      if (size > limit) {
        over = true;
        refuse(413, `body over ${limit} bytes`);
        req.socket.destroySoon();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (over) return;
      let body: unknown;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        return refuse(400, 'the body is not valid JSON');
      }
      void this.run(route, body, call, res);
    });
    req.on('error', () => req.socket.destroy());
  }

  private async run(route: AdminRoute, body: unknown, call: AdminCall, res: ServerResponse): Promise<void> {
    let reply: AdminReply;
    try {
      reply = await route.handle(body, call);
    } catch (error) {
      this.o.onError(error, call);
      reply = { status: 500, body: { ok: false, code: 'SB_ERR_ADMIN', detail: 'internal error; see engine.log' } };
    }
    this.o.onCall({ remote: call.remote, method: call.method, path: call.path, status: reply.status, refusal: reply.status >= 400 ? refusalOf(reply) : null });
    if (reply.contentType !== undefined) {
      res.writeHead(reply.status, { 'content-type': reply.contentType, 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' });
      res.end(typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body));
      return;
    }
    this.send(res, reply.status, reply.body);
  }

  private openStream(route: AdminRoute, call: AdminCall, req: IncomingMessage, res: ServerResponse): void {
    if (this.streams >= MAX_STREAMS) {
      this.o.onCall({ remote: call.remote, method: call.method, path: call.path, status: 503, refusal: 'too many event streams open' });
      return this.send(res, 503, { ok: false, code: 'SB_ERR_ADMIN_REQUEST', detail: `at most ${MAX_STREAMS} event streams at once` });
    }
    this.streams++;
    this.o.onCall({ remote: call.remote, method: call.method, path: call.path, status: 200, refusal: null });
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', 'x-content-type-options': 'nosniff', connection: 'keep-alive' });
    res.write(': shadow-bridge events\n\n');
    let open = true;
    let congested = false;
    res.on('drain', () => (congested = false));
    const out: AdminStream = {
      send: (event, data) => {
        if (!open) return false;
        if (congested) {
          this.droppedEvents++;
          return false;
        }
        congested = !res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
        return true;
      },
    };
    const heartbeat = setInterval(() => {
      if (open && !congested) res.write(': heartbeat\n\n');
    }, STREAM_HEARTBEAT_MS);
    heartbeat.unref();
    let stop: () => void = () => {};
    const close = (): void => {
      if (!open) return;
      open = false;
      this.streams--;
      clearInterval(heartbeat);
      stop();
    };
    req.on('close', close);
    res.on('close', close);
    try {
      stop = route.stream?.(call, out) ?? (() => {});
      if (!open) stop(); // the client left while the stream was being set up
    } catch (error) {
      this.o.onError(error, call);
      res.end();
      close();
    }
  }

  private send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
    if (res.headersSent) return;
    const text = `${JSON.stringify(body)}\n`;
    res.writeHead(status, { ...headers, 'content-type': JSON_TYPE, 'content-length': Buffer.byteLength(text), 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' });
    res.end(text);
  }
}

function refusalOf(reply: AdminReply): string {
  const b = reply.body as { detail?: unknown } | null;
  return typeof b?.detail === 'string' ? b.detail.slice(0, 200) : `status ${reply.status}`;
}
