// A FIX peer that stops reading must not make the engine hold everything written to it: on
// 127.0.0.1, a counterparty logs on, stops reading and asks for the whole resend window. The
// acceptor cuts it off once the unsent bytes pass its limit, says why, and serves the next logon.

import { connect, type Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { FixMessage } from '../../src/fix/codec/message.js';
import { formatUtcTimestamp } from '../../src/fix/codec/timestamps.js';
import { DEFAULT_SESSION_CONFIG, FixSession } from '../../src/fix/session/session.js';
import { MemorySessionStore } from '../../src/fix/session/store.js';
import { FixAcceptor } from '../../src/gateways/fix/acceptor.js';
import { fix } from '../support/fix.js';
import { waitFor } from '../support/wait.js';

const clock = { nowMs: () => Date.now() };

function logon(seq: number): Buffer {
  return fix(`35=A|34=${seq}|49=TW44|52=${formatUtcTimestamp(Date.now())}|56=ISLD|98=0|108=30|141=Y|`);
}

async function open(port: number): Promise<{ socket: Socket; text: () => string; closed: () => boolean }> {
  const socket = connect({ host: '127.0.0.1', port });
  let text = '';
  let closed = false;
  socket.on('data', (d: Buffer) => (text += d.toString('latin1')));
  socket.on('close', () => (closed = true));
  socket.on('error', () => {});
  await new Promise((r) => socket.once('connect', r));
  return { socket, text: () => text, closed: () => closed };
}

describe('a FIX peer that stops reading', () => {
  it('is cut off when its unsent bytes pass the limit, and the session takes the next logon', async () => {
    const events: { name: string; fields: Record<string, unknown> }[] = [];
    const log = { event: (name: string, fields: Record<string, unknown>) => void events.push({ name, fields }) };
    const store = new MemorySessionStore(20_000);
    const session = new FixSession({ ...DEFAULT_SESSION_CONFIG, senderCompId: 'ISLD', targetCompId: 'TW44', role: 'acceptor' }, store, { fromApp() {} }, clock, log, () => new FixMessage());
    const limit = 256 * 1024;
    const server = new FixAcceptor({ host: '127.0.0.1', port: 0, findSession: (s, t) => (s === 'ISLD' && t === 'TW44' ? session : null), allSessions: () => [session], log, maxUnsentBytes: limit });
    const port = await server.listen();
    try {
      const peer = await open(port);
      peer.socket.write(logon(1));
      expect(await waitFor(() => session.isLoggedOn, 5_000)).toBe(true);
      // 4,000 reports of about 1 KB each were sent before (4 MB, sixteen times the limit).
      const filler = 'x'.repeat(1_000);
      const first = store.nextSenderSeq();
      for (let i = 0; i < 4_000; i++) store.saveOutbound({ seq: first + i, msgType: '8', sendingTimeMs: Date.now(), body: Buffer.from(`58=${filler}\x01`, 'latin1') });
      store.setNextSenderSeq(first + 4_000);
      peer.socket.pause(); // reads nothing from here on
      peer.socket.write(fix(`35=2|34=2|49=TW44|52=${formatUtcTimestamp(Date.now())}|56=ISLD|7=1|16=0|`));
      expect(await waitFor(() => peer.closed(), 5_000)).toBe(true);
      expect(session.state).toBe('disconnected');
      const why = events.find((e) => e.name === 'fix_disconnected')?.fields['reason'];
      expect(String(why)).toMatch(/^slow consumer: \d+ bytes unsent \(limit 262144\)$/);

      // The session is free again: a counterparty that reads gets its logon answered.
      const next = await open(port);
      next.socket.write(logon(1));
      expect(await waitFor(() => next.text().includes('\x0135=A\x01'), 5_000)).toBe(true);
      expect(session.isLoggedOn).toBe(true);
      next.socket.destroy();
    } finally {
      await server.close();
    }
  });
});
