// FIX acceptor: listens for platforms (or, for the conformance reflector, any FIX client), binds
// each connection to the session its first Logon names, and drives session timers.
// A connection whose first message names no known session, or a session already connected,
// is closed without a word, as QuickFIX does.

import { createServer, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer, type TlsOptions } from 'node:tls';
import type { FixMessage } from '../../fix/codec/message.js';
import { Tag } from '../../fix/codec/tags.js';
import type { FixSession, SessionLog } from '../../fix/session/session.js';
import { FixConnection } from './connection.js';

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
  readonly tickMs?: number;
}

export class FixAcceptor {
  private server: Server | null = null;
  private timer: NodeJS.Timeout | null = null;
  private readonly sockets = new Set<Socket>();

  constructor(private readonly options: AcceptorOptions) {}

  async listen(): Promise<number> {
    const onSocket = (socket: Socket): void => this.accept(socket);
    const server = this.options.tls ? createTlsServer(this.options.tls, onSocket) : createServer(onSocket);
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.options.port, this.options.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.timer = setInterval(() => {
      for (const s of this.options.allSessions()) s.tick();
    }, this.options.tickMs ?? 100);
    const address = server.address();
    return typeof address === 'object' && address !== null ? address.port : this.options.port;
  }

  private accept(socket: Socket): void {
    this.sockets.add(socket);
    socket.once('close', () => this.sockets.delete(socket));
    const log = this.options.log;
    let session: FixSession | null = null;
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
              connection.close(found === null ? 'unknown session' : 'session already connected');
              return;
            }
            session = found;
            session.connected(connection);
          }
          session.onMessage(m);
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
          connection.close(`garbled before Logon: ${reason}`);
        },
        onClose: (reason) => session?.disconnected(reason),
      },
      this.options.maxMessageBytes ?? 64 * 1024,
      this.options.maxFields ?? 1024,
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
