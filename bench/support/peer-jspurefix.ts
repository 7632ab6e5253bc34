// A pass-through FIX bridge a broker could build on jspurefix instead: an acceptor for the
// platform (BRIDGE <- PLAT) and an initiator to the LP (BRIDGE -> LP_BRAVO), the library's normal
// session handling with its file store on (persistence) and its QuickFIX 4.4 dictionary. Every
// NewOrderSingle from the platform goes to the LP and every ExecutionReport back; market data from
// the LP is parsed by the library and not forwarded (the engine does not send this platform prices
// either). Usage: node bin/run-ts.mjs bench/support/peer-jspurefix.ts LISTEN_PORT LP_PORT STORE_DIR
// (prints "ready LISTEN_PORT" once the LP session is up).

import { createRequire } from 'node:module';
import { join } from 'node:path';

const require = createRequire(import.meta.url);
require('reflect-metadata');
const jsfix = require('jspurefix') as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const [listenArg = '0', lpPortArg = '0', storeDir = '/tmp'] = process.argv.slice(2);

type Session = { send(msgType: string, body: unknown): void; done(): void };
let platform: Session | null = null;
let lp: Session | null = null;

function body(view: { toObject(): Record<string, unknown> }): Record<string, unknown> {
  const { StandardHeader: _header, StandardTrailer: _trailer, ...rest } = view.toObject();
  return rest;
}

class Bridge extends jsfix.AsciiSession {
  constructor(
    config: unknown,
    private readonly side: 'platform' | 'lp',
  ) {
    super(config);
  }
  onApplicationMsg(msgType: string, view: { toObject(): Record<string, unknown> }) {
    // Decoded into the library's objects and encoded again, as an application built on it does;
    // the header and trailer are the other session's, so they are left for this one to write.
    if (this.side === 'platform' && msgType === 'D') lp?.send('D', body(view));
    else if (this.side === 'lp' && msgType === '8') platform?.send('8', body(view));
  }
  onReady() {
    // The acceptor listens from the start; once the LP session is up, the platform may log on.
    if (this.side === 'lp') console.log(`ready ${listenArg}`);
  }
  onLogon() {
    return true;
  }
  onStopped() {}
  onDecoded() {}
  onEncoded() {}
}

const common = { EncryptMethod: 0, ResetSeqNumFlag: true, HeartBtInt: 30, SenderCompId: 'BRIDGE', BeginString: 'FIX.4.4' };
const acceptor = { application: { type: 'acceptor', name: 'bridge-platform', reconnectSeconds: 1, tcp: { host: '127.0.0.1', port: Number(listenArg) }, protocol: 'ascii', dictionary: 'qf44' }, ...common, TargetCompID: 'PLAT', ...(process.env['PEER_STORE'] === 'memory' ? {} : { store: { type: 'file', directory: join(storeDir, 'platform') } }) };
const initiator = { application: { type: 'initiator', name: 'bridge-lp', reconnectSeconds: 1, tcp: { host: '127.0.0.1', port: Number(lpPortArg) }, protocol: 'ascii', dictionary: 'qf44' }, ...common, TargetCompID: 'LP_BRAVO', ...(process.env['PEER_STORE'] === 'memory' ? {} : { store: { type: 'file', directory: join(storeDir, 'lp') } }) };
const quiet = new jsfix.JsFixWinstonLogFactory({ ...jsfix.WinstonLogger.consoleOptions('error'), silent: true });

class Launcher extends jsfix.SessionLauncher {
  constructor() {
    super(initiator, acceptor, quiet);
  }
  makeFactory() {
    return {
      makeSession: (config: { description: { application: { type: string } } }) => {
        const side = config.description.application.type === 'acceptor' ? 'platform' : 'lp';
        const s = new Bridge(config, side) as unknown as Session;
        if (side === 'platform') platform = s;
        else lp = s;
        return s;
      },
    };
  }
}
void new Launcher().run().catch((e: unknown) => {
  console.error(`peer-jspurefix: ${String(e)}`);
  process.exit(1);
});
process.on('SIGTERM', () => process.exit(0));
