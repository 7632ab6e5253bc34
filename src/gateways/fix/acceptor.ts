// FIX acceptor: listens for platforms (or, for the conformance reflector, any FIX client), binds
// each connection to the session its first Logon names, and drives session timers.
// A connection whose first message names no known session, or a session already connected,
// is closed without a word, as QuickFIX does. Admission is bounded: a cap on connections, a
// deadline for the first valid Logon, and peers whose logons keep failing are refused for a while.

import { createServer, type Server, type Socket } from 'node:net';
import { BridgeError } from '../../core/errors.js';
import { createServer as createTlsServer, type TlsOptions } from 'node:tls';
import type { FixMessage } from '../../fix/codec/message.js';
import { Tag } from '../../fix/codec/tags.js';
import type { FixSession, SessionLog } from '../../fix/session/session.js';
import { FixConnection } from './connection.js';
import { BoundedMap } from '../../core/util/bounded-map.js';

export interface AcceptorOptions {
  readonly host: string;
  readonly port: number;
  /** Finds our session for an inbound Logon (our SenderCompID, our TargetCompID). */
  readonly findSession: (senderCompId: string, targetCompId: string) => FixSession | null;
  readonly allSessions: () => Iterable<FixSession>;
  readonly log: SessionLog;
  readonly tls?: TlsOptions;
  readonly maxMessageBytes?: number;
  readonly maxFields?: number;
  /** Unsent bytes past which a peer is cut off (default DEFAULT_MAX_UNSENT_BYTES, 32 MiB). */
  readonly maxUnsentBytes?: number;
  readonly tickMs?: number;
  /** Most connections at once (logged on or not); past it new ones are closed at once. */
  readonly maxConnections?: number;
  /** A connection that has not sent a Logon naming a session within this long is closed. */
  readonly logonTimeoutMs?: number;
  /** Failed logons (unknown session, refused, garbled) per peer address per minute, then refusal. */
  readonly maxFailedLogonsPerMinute?: number;
}

/** What admission refused, for the summary and the dashboard. */
export interface AdmissionCounters {
  accepted: number;
  refusedAtCapacity: number;
  /** Connections without a Logon closed to make room for a new one. */
  evictedIdle: number;
  refusedPeerBlocked: number;
  logonTimeouts: number;
  failedLogons: number;
  acceptErrors: number;
}

const FAILURE_WINDOW_MS = 60_000;

export class FixAcceptor {
  private server: Server | null = null;
  private timer: NodeJS.Timeout | null = null;
  private readonly sockets = new Set<Socket>();
  /** Connections no session owns yet, oldest first (Set order is insertion order). */
  private readonly unbound = new Set<Socket>();
  /** Recent failed logons per peer address (epoch ms), pruned as the window moves. */
  /** Failed Logons per peer address; a flood from many addresses keeps at most 10,000 of them. */
  private readonly failures = new BoundedMap<number[]>(10_000);
  readonly admission: AdmissionCounters = { accepted: 0, refusedAtCapacity: 0, evictedIdle: 0, refusedPeerBlocked: 0, logonTimeouts: 0, failedLogons: 0, acceptErrors: 0 };

  constructor(private readonly options: AcceptorOptions) {}

  async listen(): Promise<number> {
    const onSocket = (socket: Socket): void => this.admit(socket);
    const server = this.options.tls ? createTlsServer(this.options.tls, onSocket) : createServer(onSocket);
    this.server = server;
    const where = `${this.options.host}:${this.options.port}`;
    await new Promise<void>((resolve, reject) => {
      const failed = (error: NodeJS.ErrnoException): void => {
        reject(
          error.code === 'EADDRINUSE'
            ? new BridgeError('SB_ERR_PORT_IN_USE', `${where} is already in use (another engine or program listens there); choose another port`)
            : new BridgeError('SB_ERR_LISTEN', `${where}: ${error.code ?? ''} ${error.message}`.trim()),
        );
      };
      server.once('error', failed);
      server.listen(this.options.port, this.options.host, () => {
        server.off('error', failed);
        resolve();
      });
    });
    // After listening, an accept error (EMFILE: out of descriptors) is survived: libuv keeps
    // listening; the error is counted and logged, never thrown.
    server.on('error', (error: NodeJS.ErrnoException) => {
      this.admission.acceptErrors++;
      this.options.log.event('fix_accept_error', { code: error.code ?? null, detail: error.message });
    });
    if (this.options.tls) server.on('tlsClientError', () => this.admission.acceptErrors++);
    this.timer = setInterval(() => {
      for (const s of this.options.allSessions()) s.tick();
    }, this.options.tickMs ?? 100);
    const address = server.address();
    return typeof address === 'object' && address !== null ? address.port : this.options.port;
  }

  /**
   * Admission: capacity, peers that keep failing, then a deadline for the Logon. At capacity the
   * connection that has waited longest without logging on makes room: idle sockets held open by
   * someone else can never lock a platform out (a real platform sends its Logon within ms).
   */
  private admit(socket: Socket): void {
    const peer = socket.remoteAddress ?? '?';
    const limit = this.options.maxConnections ?? 1_000;
    if (this.sockets.size >= limit) {
      const oldest = this.unbound.values().next().value as Socket | undefined;
      if (oldest === undefined) {
        this.admission.refusedAtCapacity++;
        this.options.log.event('fix_connection_refused', { remote: peer, reason: 'at capacity', limit });
        socket.destroy();
        return;
      }
      this.admission.evictedIdle++;
      this.options.log.event('fix_connection_refused', { remote: oldest.remoteAddress ?? '?', reason: 'at capacity: the longest-waiting connection without a Logon makes room', limit });
      this.unbound.delete(oldest);
      this.sockets.delete(oldest);
      oldest.destroy();
    }
    if (this.blocked(peer)) {
      this.admission.refusedPeerBlocked++;
      this.options.log.event('fix_connection_refused', { remote: peer, reason: 'too many failed logons' });
      socket.destroy();
      return;
    }
    this.admission.accepted++;
    this.accept(socket, peer);
  }

  private blocked(peer: string): boolean {
    const list = this.failures.get(peer);
    if (list === undefined) return false;
    const since = Date.now() - FAILURE_WINDOW_MS;
    while (list.length > 0 && (list[0] as number) < since) list.shift();
    if (list.length === 0) this.failures.delete(peer);
    return list.length >= (this.options.maxFailedLogonsPerMinute ?? Number.POSITIVE_INFINITY);
  }

  private failedLogon(peer: string): void {
    this.admission.failedLogons++;
    const list = this.failures.get(peer) ?? [];
    list.push(Date.now());
    if (list.length > 1_000) list.shift();
    this.failures.set(peer, list);
  }

  private accept(socket: Socket, peer: string): void {
    this.sockets.add(socket);
    this.unbound.add(socket);
    const log = this.options.log;
    let session: FixSession | null = null;
    let loggedOnOnce = false;
    // No session after the deadline: the connection is closed (an idle socket holds a descriptor).
    const logonTimer = setTimeout(() => {
      if (session !== null) return;
      this.admission.logonTimeouts++;
      log.event('fix_connection_refused', { remote: peer, reason: 'no Logon in time', timeoutMs: this.options.logonTimeoutMs ?? 10_000 });
      connection.close('no Logon in time');
      socket.destroy();
    }, this.options.logonTimeoutMs ?? 10_000);
    logonTimer.unref();
    socket.once('close', () => {
      clearTimeout(logonTimer);
      this.sockets.delete(socket);
      this.unbound.delete(socket);
    });
    const connection: FixConnection = new FixConnection(
      socket,
      {
        onMessage: (m: FixMessage) => {
          if (session === null) {
            const ours = m.str(Tag.TargetCompID) ?? '';
            const theirs = m.str(Tag.SenderCompID) ?? '';
            const found = this.options.findSession(ours, theirs);
            if (found === null || found.state !== 'disconnected') {
              log.event('fix_connection_refused', { remote: connection.remote, sender: theirs, target: ours, reason: found === null ? 'unknown session' : 'session already connected' });
              this.failedLogon(peer);
              connection.close(found === null ? 'unknown session' : 'session already connected');
              return;
            }
            session = found;
            this.unbound.delete(socket);
            session.connected(connection);
          }
          const bound = session;
          bound.onMessage(m);
          // A Logon the session refused (credentials, CompID, time) leaves it disconnected.
          if (bound.state === 'disconnected' && !loggedOnOnce) this.failedLogon(peer);
          if (bound.state === 'logged_on') loggedOnOnce = true;
        },
        onGarbled: (reason, detail) => {
          if (session !== null) {
            session.garbled(`${reason}: ${detail}`);
            return;
          }
          // Nothing but a valid Logon is accepted from a connection no session owns yet: a
          // garbled first frame (a Logon with a bad BodyLength or CheckSum) closes it, as
          // QuickFIX does, and an unauthenticated peer cannot make us log its garbage forever.
          log.event('fix_connection_refused', { remote: connection.remote, reason: `garbled before Logon: ${reason}`, detail });
          this.failedLogon(peer);
          connection.close(`garbled before Logon: ${reason}`);
        },
        onClose: (reason) => session?.disconnected(reason),
      },
      this.options.maxMessageBytes ?? 64 * 1024,
      this.options.maxFields ?? 1024,
      this.options.maxUnsentBytes,
    );
    log.event('fix_connection', { remote: connection.remote });
  }

  /** Stops listening, logs every session out and closes every connection. */
  async close(): Promise<void> {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
    for (const s of this.options.allSessions()) s.disconnect('acceptor closing');
    for (const socket of this.sockets) socket.destroy();
    const server = this.server;
    this.server = null;
    if (server !== null) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
