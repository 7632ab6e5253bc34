// The WebSocket protocol's pure parts: decoding never throws whatever JSON a client sends, money
// stays decimal strings both ways, and the orders outbox survives crashes and restarts.

import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { liveConfigFrom, loadLiveConfig } from '../../src/app/live-config.js';
import { decodeExecution, decodeNewOrder, decodePrice, executionBody, isWsProblem, priceText } from '../../src/gateways/ws/messages.js';
import { DurableOutbox } from '../../src/gateways/ws/outbox.js';
import { formatE8 } from '../../src/core/model/scaled.js';

const tmp = mkdtempSync(join(tmpdir(), 'sb-ws-unit-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('message decoding', () => {
  it('never throws on any JSON object, and anything it accepts is a well-formed order', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.constantFrom('type', 'clOrdId', 'symbol', 'side', 'qty', 'ordType', 'price', 'account', 'possResend', '__proto__'), fc.jsonValue()), (m) => {
        const r = decodeNewOrder(m);
        if (isWsProblem(r)) return r.text.length > 0;
        return r.qtyE8 > 0 && Number.isSafeInteger(r.qtyE8) && (r.side === 'buy' || r.side === 'sell') && (r.ordType === 'market' ? r.priceE8 === 0 : r.priceE8 > 0);
      }),
      { numRuns: 2_000 },
    );
  });

  it('refuses a quantity as a JSON number (it may be a float), more than 8 decimals, zero or negative', () => {
    const base = { clOrdId: 'A', symbol: 'EURUSD', side: 'buy', ordType: 'market' };
    for (const qty of [1.5, '0', '-1', '1e3', '0.123456789', '', ' 1', '1,5']) expect(isWsProblem(decodeNewOrder({ ...base, qty })), String(qty)).toBe(true);
    expect(decodeNewOrder({ ...base, qty: '0.12345678' })).toMatchObject({ qtyE8: 12_345_678 });
    expect(decodeNewOrder({ ...base, qty: '1', ordType: 'limit' })).toMatchObject({ code: 'SB_WS_BAD_MESSAGE', clOrdId: 'A' });
  });

  it('prices and executions round-trip through their decimal strings exactly', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 10_000_000 }), fc.integer({ min: 0, max: 1000 }), fc.integer({ min: 1, max: 2 ** 31 }), fc.integer({ min: 0, max: 5 }), (bidUnits, spread, seq, digitsOffset) => {
        const digits = 5 - digitsOffset;
        const point = 10 ** (8 - digits);
        const bidE8 = bidUnits * point;
        const askE8 = bidE8 + spread * point;
        const decoded = decodePrice(JSON.parse(priceText('update', 'EURUSD', seq, bidE8, askE8, digits, 1)));
        return decoded !== null && decoded.bidE8 === bidE8 && decoded.askE8 === askE8 && decoded.seq === seq;
      }),
    );
    const body = executionBody({ clOrdId: 'C1', orderId: 'O1', execId: 'E1', execType: 'F', ordStatus: '2', symbol: 'EUR/USD', side: 'sell', qtyE8: 150_000 * 1e8, lastQtyE8: 150_000 * 1e8, lastPxE8: 108_512_300, cumQtyE8: 150_000 * 1e8, avgPxE8: 108_512_300, priceDigits: 6, ordRejReason: null, text: null, timeMs: 5 });
    expect(body).toMatchObject({ execType: 'trade', ordStatus: 'filled', lastPx: '1.085123', qty: '150000' });
    expect(decodeExecution({ type: 'execution', seq: 3, ...body })).toMatchObject({ execType: 'trade', ordStatus: 'filled', lastPxE8: 108_512_300, lastQtyE8: 150_000 * 1e8 });
    expect(formatE8(108_512_300, 6)).toBe('1.085123');
  });
});

describe('the orders outbox', () => {
  it('numbers messages, replays from any number it holds, and continues its numbering after a restart', () => {
    const dir = join(tmp, 'restart');
    const a = new DurableOutbox(dir, 'WEB', 5);
    for (let i = 1; i <= 8; i++) a.append('execution', { clOrdId: `C${i}` });
    expect(a.lastSeq).toBe(8);
    expect(a.oldestSeq).toBe(4);
    expect(a.replayFrom(3)).toBeNull();
    expect(a.replayFrom(7)?.map((t) => JSON.parse(t))).toEqual([
      { type: 'execution', channel: 'orders', seq: 7, clOrdId: 'C7', possResend: true },
      { type: 'execution', channel: 'orders', seq: 8, clOrdId: 'C8', possResend: true },
    ]);
    expect(a.replayFrom(9)).toEqual([]);
    a.close();
    const b = new DurableOutbox(dir, 'WEB', 5);
    expect(b.lastSeq).toBe(8);
    expect(JSON.parse(b.append('cancel_reject', { clOrdId: 'X' }))).toMatchObject({ seq: 9, channel: 'orders' });
    b.close();
  });

  it('stays bounded on disk while running: past twice what it keeps, the file is rewritten with what it holds', async () => {
    const dir = join(tmp, 'running');
    const a = new DurableOutbox(dir, 'WEB', 10);
    for (let i = 1; i <= 95; i++) {
      a.append('execution', { n: i });
      if (i % 7 === 0) await new Promise((r) => setImmediate(r)); // turns end: batches are written
    }
    a.close();
    const lines = readFileSync(join(dir, 'ws-WEB.outbox.jsonl'), 'utf8').trim().split('\n');
    expect(lines.length).toBeLessThanOrEqual(20 + 7);
    expect(JSON.parse(lines.at(-1) as string)).toMatchObject({ seq: 95, n: 95 });
    const b = new DurableOutbox(dir, 'WEB', 10);
    expect(b.lastSeq).toBe(95);
    expect(b.replayFrom(86)?.map((t) => JSON.parse(t).n)).toEqual([86, 87, 88, 89, 90, 91, 92, 93, 94, 95]);
    b.close();
  });

  it('drops a torn last line (a crash mid-write), compacts a long file, and refuses a corrupt one', () => {
    const dir = join(tmp, 'torn');
    const a = new DurableOutbox(dir, 'WEB', 3);
    for (let i = 1; i <= 10; i++) a.append('execution', { n: i });
    a.close();
    appendFileSync(join(dir, 'ws-WEB.outbox.jsonl'), '{"type":"execution","channel":"orders","seq":11,"n"');
    const b = new DurableOutbox(dir, 'WEB', 3);
    expect(b.lastSeq).toBe(10);
    b.close();
    expect(readFileSync(join(dir, 'ws-WEB.outbox.jsonl'), 'utf8').trim().split('\n')).toHaveLength(3);
    const c = new DurableOutbox(dir, 'WEB', 3);
    expect(c.lastSeq).toBe(10);
    expect(c.replayFrom(8)).toHaveLength(3);
    c.close();
    writeFileSync(join(dir, 'ws-WEB.outbox.jsonl'), '{"type":"execution","channel":"orders","seq":1}\nnot json\n');
    expect(() => new DurableOutbox(dir, 'WEB', 3)).toThrow(/SB_ERR_WS_OUTBOX/);
  });
});

describe('WebSocket configuration', () => {
  const base = {
    run: { production: 'p', out: 'o' },
    platform: { port: 0, senderCompId: 'BRIDGE', storeDir: 's', sessions: [{ targetCompId: 'PLAT', defaultGroup: 'g' }] },
    lps: [{ id: 'LP_ALPHA', port: 1, senderCompId: 'BRIDGE', targetCompId: 'LP_ALPHA' }],
  };
  it('examples/live-ws.yaml is a valid config with a web platform and a WebSocket LP', () => {
    const c = loadLiveConfig(join(import.meta.dirname, '..', '..', 'examples', 'live-ws.yaml'));
    expect(c.platform.websocket?.clients.map((x) => x.id)).toEqual(['WEB_RETAIL']);
    expect(c.lps.find((l) => l.id === 'LP_CHARLIE')).toMatchObject({ protocol: 'ws', tokenEnv: 'SB_LP_SIM_TOKEN' });
  });
  it('applies finite defaults to every limit', () => {
    const c = liveConfigFrom({ ...base, platform: { ...base.platform, websocket: { port: 0, clients: [{ id: 'WEB', token: 'a-token-of-16-chars', defaultGroup: 'g' }] } } });
    expect(c.platform.websocket?.limits).toEqual({ maxMessageBytes: 16_384, maxConnections: 256, maxPendingConnections: 64, authTimeoutMs: 5_000, messagesPerSecond: 100, heartbeatMs: 1_000, pingIntervalMs: 10_000, idleTimeoutMs: 300_000, conflateAboveBytes: 262_144, maxBufferedBytes: 4_194_304, slowConsumerMs: 5_000, maxFailedAuthPerMinute: 20 });
    expect(c.platform.websocket?.path).toBe('/v1');
  });
  it('refuses a client named like a FIX session, a short token, both or neither token, unlimited limits, and a WebSocket LP without a token', () => {
    const bad = (ws: unknown, lps: unknown = base.lps): string => {
      try {
        liveConfigFrom({ ...base, platform: { ...base.platform, websocket: ws }, lps } as never);
        return 'accepted';
      } catch (e) {
        return (e as Error).message;
      }
    };
    expect(bad({ port: 0, clients: [{ id: 'PLAT', token: 'a-token-of-16-chars', defaultGroup: 'g' }] })).toMatch(/also a FIX platform session/);
    expect(bad({ port: 0, clients: [{ id: 'WEB', token: 'short', defaultGroup: 'g' }] })).toMatch(/16-512/);
    expect(bad({ port: 0, clients: [{ id: 'WEB', defaultGroup: 'g' }] })).toMatch(/exactly one of token and tokenEnv/);
    expect(bad({ port: 0, clients: [{ id: 'WEB', token: 'a-token-of-16-chars', tokenEnv: 'X', defaultGroup: 'g' }] })).toMatch(/exactly one/);
    expect(bad({ port: 0, limits: { maxBufferedBytes: 1e12 }, clients: [{ id: 'WEB', token: 'a-token-of-16-chars', defaultGroup: 'g' }] })).toMatch(/maxBufferedBytes/);
    expect(bad({ port: 0, clients: [{ id: 'WEB', token: 'a-token-of-16-chars', defaultGroup: 'g' }, { id: 'WEB', token: 'b-token-of-16-chars', defaultGroup: 'g' }] })).toMatch(/already used/);
    expect(bad(null, [{ id: 'LP_ALPHA', protocol: 'ws', port: 1 }])).toMatch(/needs token or tokenEnv/);
    expect(bad(null, [{ id: 'LP_ALPHA', protocol: 'ws', port: 1, token: 'a-token-of-16-chars', senderCompId: 'B' }])).toMatch(/is for a FIX LP/);
    expect(bad(null, [{ id: 'LP_ALPHA', port: 1 }])).toMatch(/required for a FIX LP/);
    // Tokens in the clear off loopback: refused unless asked for.
    expect(bad({ host: '0.0.0.0', port: 0, clients: [{ id: 'WEB', token: 'a-token-of-16-chars', defaultGroup: 'g' }] })).toMatch(/would cross the network in the clear/);
    expect(bad({ host: '0.0.0.0', port: 0, allowPlaintext: true, clients: [{ id: 'WEB', token: 'a-token-of-16-chars', defaultGroup: 'g' }] })).toBe('accepted');
    expect(bad(null, [{ id: 'LP_ALPHA', protocol: 'ws', host: '10.0.0.5', port: 1, token: 'a-token-of-16-chars' }])).toMatch(/in the clear/);
  });
});
