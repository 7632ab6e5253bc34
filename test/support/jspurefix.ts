// jspurefix (an independent TypeScript FIX engine) driven from tests, as a client or an acceptor.
// It is CommonJS with decorators: reflect-metadata must load first, hence createRequire.

import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
require('reflect-metadata');
const jsfix = require('jspurefix') as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

export interface JsfixPeer {
  /** Application messages received: [msgType, plain object]. */
  readonly received: [string, Record<string, unknown>][];
  readonly ready: Promise<void>;
  send(msgType: string, body: Record<string, unknown>): void;
  /** Calls `handler` for every application message (for replying as an LP). */
  onMessage(handler: (msgType: string, body: Record<string, unknown>, peer: JsfixPeer) => void): void;
  stop(): void;
  readonly stopped: Promise<void>;
}

export interface JsfixOptions {
  readonly type: 'initiator' | 'acceptor';
  readonly port: number;
  readonly senderCompId: string;
  readonly targetCompId: string;
  readonly heartBtIntSec?: number;
  readonly resetSeqNumFlag?: boolean;
  /** Persist jspurefix's own sequence numbers here (default: in memory, fresh per connection). */
  readonly storeDir?: string;
}

/** Starts a jspurefix session on 127.0.0.1 with the QuickFIX 4.4 dictionary it ships. */
export function startJsfix(o: JsfixOptions): JsfixPeer {
  const received: [string, Record<string, unknown>][] = [];
  let handler: ((msgType: string, body: Record<string, unknown>, peer: JsfixPeer) => void) | null = null;
  let session: any = null; // eslint-disable-line @typescript-eslint/no-explicit-any
  let resolveReady!: () => void;
  let resolveStopped!: () => void;
  const ready = new Promise<void>((r) => (resolveReady = r));
  const stopped = new Promise<void>((r) => (resolveStopped = r));

  class PeerSession extends jsfix.AsciiSession {
    constructor(config: unknown) {
      super(config);
    }
    onApplicationMsg(msgType: string, view: { toObject(): Record<string, unknown> }) {
      const body = view.toObject();
      received.push([msgType, body]);
      handler?.(msgType, body, peer);
    }
    onReady() {
      resolveReady();
    }
    onLogon() {
      return true;
    }
    onStopped() {
      resolveStopped();
    }
    onDecoded() {}
    onEncoded() {}
    sendMsg(msgType: string, body: Record<string, unknown>) {
      this.send(msgType, body);
    }
  }

  const description = {
    application: { type: o.type, name: `jsfix-${o.senderCompId}`, reconnectSeconds: 1, tcp: { host: '127.0.0.1', port: o.port }, protocol: 'ascii', dictionary: 'qf44' },
    EncryptMethod: 0,
    ResetSeqNumFlag: o.resetSeqNumFlag ?? false,
    HeartBtInt: o.heartBtIntSec ?? 30,
    SenderCompId: o.senderCompId,
    TargetCompID: o.targetCompId,
    BeginString: 'FIX.4.4',
    ...(o.storeDir === undefined ? {} : { store: { type: 'file', directory: o.storeDir } }),
  };
  // Silent: jspurefix logs a stack trace when its peer restarts, which these tests do on purpose.
  const quiet = new jsfix.JsFixWinstonLogFactory({ ...jsfix.WinstonLogger.consoleOptions('error'), silent: true });
  class Launcher extends jsfix.SessionLauncher {
    constructor() {
      super(o.type === 'initiator' ? description : null, o.type === 'acceptor' ? description : null, quiet);
    }
    makeFactory() {
      return {
        makeSession: (config: unknown) => {
          session = new PeerSession(config);
          return session;
        },
      };
    }
  }
  const launcher = new Launcher();
  void launcher.run().catch(() => resolveStopped());
  const peer: JsfixPeer = {
    received,
    ready,
    stopped,
    send: (msgType, body) => session?.sendMsg(msgType, body),
    onMessage: (h) => {
      handler = h;
    },
    stop: () => {
      try {
        session?.done();
      } catch {
        /* already stopped */
      }
      launcher.stop();
    },
  };
  return peer;
}
