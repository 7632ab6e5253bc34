// FIX initiator: connects a session to its counterparty (an LP, or a platform client), logs on,
// and reconnects with capped exponential backoff whenever the connection drops.

import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect, type ConnectionOptions } from 'node:tls';
import type { FixSession, SessionLog } from '../../fix/session/session.js';
import { FixConnection, readIntoOwnBuffer } from './connection.js';

export interface InitiatorOptions {
  readonly host: string;
  readonly port: number;
  readonly session: FixSession;
  readonly log: SessionLog;
  readonly tls?: ConnectionOptions;
  readonly reconnectMinMs?: number;
  readonly reconnectMaxMs?: number;
  readonly maxMessageBytes?: number;
  readonly maxFields?: number;
  /** Unsent bytes past which a peer is cut off (default DEFAULT_MAX_UNSENT_BYTES, 32 MiB). */
  readonly maxUnsentBytes?: number;
  readonly tickMs?: number;
}

export class FixInitiator {
  private connection: FixConnection | null = null;
  private timer: NodeJS.Timeout | null = null;
  private reconnectTimer: NodeJS.Timeout | null = null;
  private backoffMs: number;
  private stopped = true;
  connects = 0;

  constructor(private readonly options: InitiatorOptions) {
    this.backoffMs = options.reconnectMinMs ?? 500;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.timer = setInterval(() => this.options.session.tick(), this.options.tickMs ?? 100);
    this.connect();
  }

  private connect(): void {
    if (this.stopped) return;
    const { host, port, session, log } = this.options;
    const schedule = session.config.schedule;
    if (schedule !== null && !schedule.isOpen(Date.now())) {
      // Outside the session window: look again in a second, without counting it as a failure.
      this.reconnectTimer = setTimeout(() => {
        this.reconnectTimer = null;
        this.connect();
      }, 1_000);
      return;
    }
    // Plain TCP reads into a buffer of this connection's own (no allocation per read).
    let reader: FixConnection | null = null;
    const socket: Socket = this.options.tls ? tlsConnect({ host, port, ...this.options.tls }) : netConnect({ host, port, onread: readIntoOwnBuffer(() => reader) });
    const readyEvent = this.options.tls ? 'secureConnect' : 'connect';
    let established = false;
    const connection = new FixConnection(
      socket,
      {
        onMessage: (m) => session.onMessage(m),
        onGarbled: (reason, detail) => session.garbled(`${reason}: ${detail}`),
        onClose: (reason) => {
          session.disconnected(reason);
          this.connection = null;
          if (!established) log.event('fix_connect_failed', { session: session.id, host, port });
          this.scheduleReconnect();
        },
      },
      this.options.maxMessageBytes ?? 64 * 1024,
      this.options.maxFields ?? 1024,
      this.options.maxUnsentBytes,
      this.options.tls ? 'data-events' : 'own-buffer',
    );
    reader = connection;
    this.connection = connection;
    socket.once(readyEvent, () => {
      established = true;
      this.connects++;
      this.backoffMs = this.options.reconnectMinMs ?? 500;
      log.event('fix_connected', { session: session.id, host, port });
      session.connected(connection);
    });
  }

  private scheduleReconnect(): void {
    if (this.stopped || this.reconnectTimer !== null) return;
    const delay = this.backoffMs;
    this.backoffMs = Math.min(this.backoffMs * 2, this.options.reconnectMaxMs ?? 30_000);
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      this.connect();
    }, delay);
  }

  /** Drops the connection without a Logout and stops reconnecting: what a crash looks like. */
  abort(): void {
    this.stopped = true;
    if (this.reconnectTimer !== null) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = null;
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
    this.options.session.disconnected('aborted');
    this.connection?.socket.destroy();
  }

  /** Logs out (waiting up to `graceMs` for the reply), then stops reconnecting. */
  async stop(graceMs = 1_000): Promise<void> {
    this.stopped = true;
    if (this.reconnectTimer !== null) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = null;
    const session = this.options.session;
    if (session.isLoggedOn) {
      session.logout('shutting down');
      const deadline = Date.now() + graceMs;
      while (session.state !== 'disconnected' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    }
    if (session.state !== 'disconnected') session.disconnect('initiator stopped');
    this.connection?.socket.destroy();
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
  }
}
