// Binds one TCP/TLS socket to the FIX codec: bytes -> framer -> parsed message -> handler, and
// a SessionTransport that copies each outbound message (the encoder's buffer is reused at once)
// into the turn's outbound bytes, written with one socket write at the end of the turn.
//
// Reads come either as 'data' events (a new Buffer per read: an accepted socket, TLS) or, for a
// plain TCP connection we open, into one buffer of our own that every read reuses (net.connect's
// onread, see readIntoOwnBuffer): each 'data' read costs Node a 64 KiB allocation, an
// ArrayBuffer that every scavenge then sweeps, and a Buffer object.

import type { Socket } from 'node:net';
import { ByteBuilder } from '../../core/util/byte-builder.js';
import { FixFramer } from '../../fix/codec/framer.js';
import { FixMessage } from '../../fix/codec/message.js';
import type { SessionTransport } from '../../fix/session/session.js';
import { atTurnEnd } from '../../fix/session/turn-batch.js';

export interface ConnectionHandler {
  onMessage(message: FixMessage): void;
  onGarbled(reason: string, detail: string): void;
  onClose(reason: string): void;
}

/**
 * Bytes written and not yet taken by the kernel past which the peer is cut off. A peer that stops
 * reading (or asks for resends faster than it reads them) would otherwise make the process hold
 * everything written to it; a full resend window is about 5 MB.
 */
export const DEFAULT_MAX_UNSENT_BYTES = 32 * 1024 * 1024;

/** A turn's outbound bytes usually fit: a few messages of a few hundred bytes. */
const OUT_INITIAL_BYTES = 4 * 1024;

export class FixConnection implements SessionTransport {
  private readonly framer: FixFramer;
  private readonly message: FixMessage;
  private closed = false;
  handler: ConnectionHandler;

  constructor(
    readonly socket: Socket,
    handler: ConnectionHandler,
    maxMessageBytes: number,
    maxFields: number,
    private readonly maxUnsentBytes = DEFAULT_MAX_UNSENT_BYTES,
    /** 'own-buffer': the socket was opened with readIntoOwnBuffer(), which feeds receive(). */
    reads: 'data-events' | 'own-buffer' = 'data-events',
  ) {
    this.handler = handler;
    this.tls = (socket as { encrypted?: boolean }).encrypted === true;
    this.message = new FixMessage(maxFields);
    this.framer = new FixFramer(
      {
        // Once closed, the rest of a read is not looked at: a refused peer gets no more work done.
        onFrame: (buf, start, end) => {
          if (this.closed) return;
          // The framer deferred the CheckSum: it is verified in the parser's single pass.
          if (this.message.parse(buf, start, end, true)) this.handler.onMessage(this.message);
          else this.handler.onGarbled(this.message.problem ?? 'malformed', this.message.problem === 'bad_checksum' ? 'CheckSum(10) does not match' : 'frame is not a field list starting 8, 9, 35');
        },
        onGarbled: (reason, detail) => {
          if (!this.closed) this.handler.onGarbled(reason, detail);
        },
      },
      maxMessageBytes,
      true,
    );
    socket.setNoDelay(true);
    if (reads === 'data-events') socket.on('data', (chunk: Buffer) => this.receive(chunk, chunk.length));
    socket.on('error', () => {}); // 'close' follows and carries the news
    socket.on('close', () => this.finish('connection closed'));
  }

  /** `length` bytes read into `chunk` (which the next read may overwrite: the framer copies what it keeps). */
  receive(chunk: Buffer, length: number): void {
    if (!this.closed) this.framer.push(chunk, length);
  }

  get remote(): string {
    return `${this.socket.remoteAddress ?? '?'}:${this.socket.remotePort ?? '?'}`;
  }

  /**
   * This turn's outbound messages, copied here as they are sent (the encoder's buffer is reused at
   * once) and handed to the socket in one write at the turn's end, after the session journals
   * have recorded them. Reused from turn to turn while the kernel takes each write whole, which
   * on a healthy connection is every turn: no Buffer per message, no cork and writev machinery.
   */
  private out = new ByteBuilder(OUT_INITIAL_BYTES);
  private flushScheduled = false;
  /** close() was asked for while this turn's bytes waited: they go out first, then the FIN. */
  private endAfterFlush = false;
  private readonly flushOut = (): void => this.writeOut();
  private readonly tls: boolean;

  write(bytes: Buffer): void {
    if (this.closed) return;
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      atTurnEnd('socket', this.flushOut);
    }
    this.out.copy(bytes);
    // The turn's bytes count too: a resend of a whole window is stopped as it grows.
    const unsent = this.out.length + this.socket.writableLength;
    if (unsent > this.maxUnsentBytes) this.abort(`slow consumer: ${unsent} bytes unsent (limit ${this.maxUnsentBytes})`);
  }

  private writeOut(): void {
    this.flushScheduled = false;
    const out = this.out;
    if (out.length > 0 && this.socket.writable && (!this.closed || this.endAfterFlush)) {
      this.socket.write(out.length === out.bytes.length ? out.bytes : out.bytes.subarray(0, out.length));
      // Nothing left queued: the kernel took every byte and the buffer is ours again. Otherwise the
      // socket holds on to it until sent, and the next turn writes into a new one. TLS encrypts
      // from the buffer on its own schedule, so it always gets a new one.
      if (this.socket.writableLength !== 0 || this.tls) this.out = new ByteBuilder(OUT_INITIAL_BYTES);
    }
    this.out.reset();
    if (this.endAfterFlush) {
      this.endAfterFlush = false;
      this.socket.end();
    }
  }

  /** Cuts the peer off at once: nothing more is written, what was queued is dropped. */
  private abort(reason: string): void {
    if (this.closed) return;
    this.closed = true;
    this.socket.destroy();
    this.handler.onClose(reason);
  }

  close(reason: string): void {
    if (this.closed) return;
    this.closed = true;
    // The last messages of this turn (a Logout) leave after their journal records, then the FIN.
    if (this.flushScheduled) this.endAfterFlush = true;
    else this.socket.end();
    // Give the last message (a Logout) a moment to leave, then make sure the socket is gone.
    setTimeout(() => this.socket.destroy(), 200).unref();
    this.handler.onClose(reason);
  }

  private finish(reason: string): void {
    if (this.closed) return;
    this.closed = true;
    this.handler.onClose(reason);
  }
}

/** The size of the buffer a connection reads into (the kernel hands over at most this per read). */
const READ_BUFFER_BYTES = 64 * 1024;

/**
 * net.connect's `onread` option: every read lands in one buffer owned by this connection and is
 * handed to `target()`'s receive(). Plain TCP only (TLS decrypts into buffers of its own).
 */
export function readIntoOwnBuffer(target: () => FixConnection | null): { buffer: Buffer; callback: (nread: number, buf: Buffer) => boolean } {
  return {
    buffer: Buffer.allocUnsafe(READ_BUFFER_BYTES),
    callback: (nread, buf) => {
      target()?.receive(buf, nread);
      return true;
    },
  };
}
