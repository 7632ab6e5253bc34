// Back-pressure on real loopback sockets: a client that stops reading is conflated (latest
// price per symbol, the skipped numbers show as a gap) and then disconnected as a slow consumer;
// a client that keeps reading meanwhile gets every price in order; nothing held grows past one
// message per symbol. Latency and RSS under the same load are measured in bench/ws-fanout.ts.

import { describe, expect, it } from 'vitest';
import { DEFAULT_WS_LIMITS, JsonWsServer, type WsLimits, type WsPeer } from '../../src/gateways/ws/json-server.js';
import { priceText } from '../../src/gateways/ws/messages.js';
import { WsPlatformClient } from '../../src/app/ws-platform-client.js';
import { waitFor } from '../support/wait.js';

const SYMBOLS = Array.from({ length: 50 }, (_, i) => `SYM${i}`);

/** A bare price server: clients by token, each connection's peer kept in `peers` while it lives. */
function priceServer(peers: Map<string, WsPeer<string>>, limits: Partial<WsLimits>, tokens: Readonly<Record<string, string>>): JsonWsServer<string> {
  return new JsonWsServer<string>({
    host: '127.0.0.1',
    port: 0,
    path: '/v1',
    limits: { ...DEFAULT_WS_LIMITS, ...limits },
    log: { event() {} },
    authenticate: (token) => (Object.hasOwn(tokens, token) ? (tokens[token] as string) : null),
    principalId: (p) => p,
    welcome: (peer) => {
      peers.set(peer.principal, peer);
      return { type: 'welcome', v: 1, client: peer.principal, ordersSeq: 0 };
    },
    onMessage: () => {},
    onClose: (peer) => peers.delete(peer.principal),
  });
}

describe('a slow consumer', () => {
  it('is conflated, then disconnected; the other client gets every price; held messages stay bounded', async () => {
    const peers = new Map<string, WsPeer<string>>();
    const server = priceServer(peers, { conflateAboveBytes: 64 * 1024, maxBufferedBytes: 1024 * 1024, slowConsumerMs: 1_000 }, { 'fast-token-0123456789': 'fast', 'slow-token-0123456789': 'slow' });
    const port = await server.listen();
    const fast = new WsPlatformClient({ url: `ws://127.0.0.1:${port}/v1`, token: 'fast-token-0123456789' });
    const slow = new WsPlatformClient({ url: `ws://127.0.0.1:${port}/v1`, token: 'slow-token-0123456789' });
    try {
      await Promise.all([fast.ready, slow.ready]);
      slow.stall();
      const seqs = new Map<string, number>();
      let maxHeld = 0;
      let published = 0;
      // A few MB/s of prices to each client (the reading one keeps up with it easily) until the stalled one is cut off (or 20 s pass).
      const deadline = Date.now() + 20_000;
      while (server.admission.slowConsumers === 0 && Date.now() < deadline) {
        for (let burst = 0; burst < 2; burst++) {
          for (const symbol of SYMBOLS) {
            const seq = (seqs.get(symbol) ?? 0) + 1;
            seqs.set(symbol, seq);
            const text = priceText(seq === 1 ? 'snapshot' : 'update', symbol, seq, 108_512_000 + seq * 1_000, 108_527_000 + seq * 1_000, 5, Date.now());
            const snapshotText = text.replace('"type":"update"', '"type":"snapshot"');
            for (const peer of peers.values()) peer.offer(symbol, (afterGap) => (afterGap ? snapshotText : text));
            published++;
          }
        }
        maxHeld = Math.max(maxHeld, peers.get('slow')?.heldCount ?? 0);
        await new Promise((r) => setTimeout(r, 1));
      }
      expect(server.admission.slowConsumers).toBe(1);
      expect(server.admission.conflatedMessages).toBeGreaterThan(0);
      expect(peers.has('slow')).toBe(false);
      expect(peers.has('fast')).toBe(true);
      // Held messages never exceed one per symbol, however many prices were published.
      expect(maxHeld).toBeGreaterThan(0);
      expect(maxHeld).toBeLessThanOrEqual(SYMBOLS.length);
      expect(published).toBeGreaterThan(10 * SYMBOLS.length);
      // The client that kept reading got every price of every symbol, numbered with no gap.
      expect(await waitFor(() => fast.stats.prices === published, 10_000)).toBe(true);
      expect(fast.stats.priceGaps).toBe(0);
      // The stalled client's connection was cut (it may never read the close frame behind its backlog).
      slow.resume();
      expect([4009, 1006]).toContain((await slow.closed).code);
    } finally {
      await fast.close();
      await slow.close();
      await server.close();
    }
  }, 60_000);

  it('a client that falls behind briefly gets the latest prices after a numbered gap, each gap closed by a snapshot', async () => {
    const peers = new Map<string, WsPeer<string>>();
    const server = priceServer(peers, { conflateAboveBytes: 64 * 1024, maxBufferedBytes: 64 * 1024 * 1024, slowConsumerMs: 60_000 }, { 'lag-token-0123456789': 'lag' });
    const port = await server.listen();
    const lag = new WsPlatformClient({ url: `ws://127.0.0.1:${port}/v1`, token: 'lag-token-0123456789' });
    try {
      await lag.ready;
      lag.stall();
      const seqs = new Map<string, number>();
      const publish = (): void => {
        for (const symbol of SYMBOLS) {
          const seq = (seqs.get(symbol) ?? 0) + 1;
          seqs.set(symbol, seq);
          const text = (type: string): string => priceText(type as 'snapshot', symbol, seq, 108_512_000, 108_527_000, 5, Date.now());
          peers.get('lag')?.offer(symbol, (afterGap) => text(seq === 1 || afterGap ? 'snapshot' : 'update'));
        }
      };
      const deadline = Date.now() + 20_000;
      while (peers.get('lag')?.conflating !== true && Date.now() < deadline) {
        publish();
        await new Promise((r) => setTimeout(r, 1));
      }
      for (let i = 0; i < 20; i++) publish(); // all conflated: one held per symbol
      expect(peers.get('lag')?.heldCount).toBe(SYMBOLS.length);
      lag.resume();
      // Once it has drained, the client holds the latest number of every symbol.
      expect(await waitFor(() => SYMBOLS.every((s) => lag.priceSeqs.get(s) === seqs.get(s)), 10_000)).toBe(true);
      expect(lag.stats.priceGaps).toBeGreaterThan(0);
      expect(lag.stats.gapsWithoutSnapshot).toBe(0);
      expect(server.admission.slowConsumers).toBe(0);
    } finally {
      await lag.close();
      await server.close();
    }
  });
});
