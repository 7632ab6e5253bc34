// FIX over TLS on 127.0.0.1: an initiator that trusts the acceptor's certificate logs on and
// exchanges orders; a plain-TCP client gets no session; an initiator that does not trust it fails.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FixMessage } from '../../src/fix/codec/message.js';
import { DEFAULT_SESSION_CONFIG, FixSession } from '../../src/fix/session/session.js';
import { MemorySessionStore } from '../../src/fix/session/store.js';
import { FixAcceptor } from '../../src/gateways/fix/acceptor.js';
import { FixInitiator } from '../../src/gateways/fix/initiator.js';
import { ROOT } from '../support/builders.js';
import { waitFor } from '../support/wait.js';

const key = readFileSync(join(ROOT, 'test', 'fixtures', 'tls', 'key.pem'));
const cert = readFileSync(join(ROOT, 'test', 'fixtures', 'tls', 'cert.pem'));
const silent = { event() {} };
const clock = { nowMs: () => Date.now() };


function pair() {
  const received: string[] = [];
  const acceptor = new FixSession({ ...DEFAULT_SESSION_CONFIG, senderCompId: 'LP', targetCompId: 'BRIDGE', role: 'acceptor' }, new MemorySessionStore(), { fromApp: (_s, m) => received.push(m.str(11) ?? '') }, clock, silent, () => new FixMessage());
  const initiator = new FixSession({ ...DEFAULT_SESSION_CONFIG, senderCompId: 'BRIDGE', targetCompId: 'LP', role: 'initiator', heartBtIntSec: 5 }, new MemorySessionStore(), { fromApp() {} }, clock, silent, () => new FixMessage());
  return { acceptor, initiator, received };
}

describe('FIX over TLS', () => {
  it('logs on and exchanges orders when the initiator trusts the certificate', async () => {
    const p = pair();
    const server = new FixAcceptor({ host: '127.0.0.1', port: 0, findSession: (s, t) => (s === 'LP' && t === 'BRIDGE' ? p.acceptor : null), allSessions: () => [p.acceptor], log: silent, tls: { key, cert } });
    const port = await server.listen();
    const client = new FixInitiator({ host: '127.0.0.1', port, session: p.initiator, log: silent, tls: { ca: cert, servername: 'localhost' } });
    try {
      client.start();
      expect(await waitFor(() => p.initiator.isLoggedOn && p.acceptor.isLoggedOn, 5_000)).toBe(true);
      p.initiator.sendApp('D', (e) => e.str(11, 'TLS-1'));
      expect(await waitFor(() => p.received.includes('TLS-1'), 2_000)).toBe(true);
    } finally {
      await client.stop(500);
      await server.close();
    }
  });

  it('gives no session to a plain-TCP client or to one that does not trust the certificate', async () => {
    const p = pair();
    const server = new FixAcceptor({ host: '127.0.0.1', port: 0, findSession: () => p.acceptor, allSessions: () => [p.acceptor], log: silent, tls: { key, cert } });
    const port = await server.listen();
    const plain = new FixInitiator({ host: '127.0.0.1', port, session: p.initiator, log: silent, reconnectMinMs: 100 });
    try {
      plain.start();
      await new Promise((r) => setTimeout(r, 800));
      expect(p.initiator.isLoggedOn).toBe(false);
      plain.abort();
      const q = pair();
      const untrusting = new FixInitiator({ host: '127.0.0.1', port, session: q.initiator, log: silent, tls: {}, reconnectMinMs: 100 });
      untrusting.start();
      await new Promise((r) => setTimeout(r, 800));
      expect(q.initiator.isLoggedOn).toBe(false);
      untrusting.abort();
      expect(p.acceptor.isLoggedOn).toBe(false);
    } finally {
      await server.close();
    }
  });
});
