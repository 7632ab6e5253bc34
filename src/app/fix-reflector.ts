// The FIX reflector for session-layer conformance: an acceptor as ISLD for TW44 that echoes
// application messages (D, d, C) back with QuickFIX's field order, drops a PossResend order it
// has already seen, and answers anything else with a BusinessMessageReject.

import { FixMessage } from '../fix/codec/message.js';
import { Tag } from '../fix/codec/tags.js';
import { FixDictionary } from '../fix/dictionary/dictionary.js';
import { bodyFieldOrder } from '../fix/dictionary/validator.js';
import { FileSessionStore } from '../fix/session/file-store.js';
import { DEFAULT_SESSION_CONFIG, FixSession, UnsupportedMessageType, type SessionApplication, type SessionLog } from '../fix/session/session.js';
import { MemorySessionStore } from '../fix/session/store.js';
import { FixAcceptor } from '../gateways/fix/acceptor.js';

export interface ReflectorOptions {
  readonly host: string;
  readonly port: number;
  readonly storeDir: string | null;
  readonly dictionaryPath: string | null;
  readonly log: SessionLog;
}

const REFLECTED = new Set(['D', 'd', 'C']);

export async function startReflector(options: ReflectorOptions): Promise<{ port: number; close: () => Promise<void> }> {
  const dictionary = options.dictionaryPath === null ? null : FixDictionary.load(options.dictionaryPath);
  const seenClOrdIds = new Set<string>();
  const app: SessionApplication = {
    fromApp(session, m) {
      if (!REFLECTED.has(m.msgType)) throw new UnsupportedMessageType(m.msgType);
      const clOrdId = m.str(Tag.ClOrdID);
      if (m.flag(97 /* PossResend */) && clOrdId !== undefined && seenClOrdIds.has(clOrdId)) return;
      if (clOrdId !== undefined) seenClOrdIds.add(clOrdId);
      const parts: Buffer[] = [];
      for (const [start, end] of bodyFieldOrder(dictionary, m)) {
        const from = start === 0 ? m.frameStart : (m.ends[(start as number) - 1] as number) + 1;
        const to = (m.ends[(end as number) - 1] as number) + 1;
        parts.push(m.buf.subarray(from, to));
      }
      // QuickFIX's test application echoes the message whole, header included: PossResend(97)
      // comes back; the session writes its own 8, 9, 34, 49, 52, 56.
      if (m.flag(97)) parts.unshift(Buffer.from('97=Y\x01', 'latin1'));
      session.sendAppRaw(m.msgType, Buffer.concat(parts));
    },
  };
  const store = options.storeDir === null ? new MemorySessionStore() : new FileSessionStore(options.storeDir, 'ISLD-TW44', 'never');
  const session = new FixSession(
    { ...DEFAULT_SESSION_CONFIG, senderCompId: 'ISLD', targetCompId: 'TW44', role: 'acceptor', resetOnLogon: true, dictionary },
    store,
    app,
    { nowMs: () => Date.now() },
    options.log,
    () => new FixMessage(),
  );
  const acceptor = new FixAcceptor({
    host: options.host,
    port: options.port,
    findSession: (sender, target) => (sender === 'ISLD' && target === 'TW44' ? session : null),
    allSessions: () => [session],
    log: options.log,
  });
  const port = await acceptor.listen();
  return {
    port,
    close: async () => {
      await acceptor.close();
      store.close();
    },
  };
}
