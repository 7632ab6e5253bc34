// A shadow worker against a tap that misbehaves: garbage frames, records that are not live
// events (a config change naming a path), a gap in the numbers, a state from an engine whose
// production differs. Each is counted or refused with a code; nothing crashes the worker and
// nothing it was not meant to load is loaded.

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Publisher, Subscriber } from 'zeromq';
import { afterAll, describe, expect, it } from 'vitest';
import { EventTap, IMMEDIATE_STATE_MIN_MS } from '../../src/app/live/event-tap.js';
import { startShadowWorker } from '../../src/app/shadow-worker.js';
import { pack } from 'msgpackr';
import { encodeTapBatch, encodeTapMessage } from '../../src/gateways/zmq/tap-codec.js';
import { loadBundle } from '../../src/mappings/load-bundle.js';
import { CANDIDATE_DIR, PRODUCTION_DIR } from '../support/builders.js';
import { freePort, waitFor } from '../support/wait.js';

const tmp = mkdtempSync(join(tmpdir(), 'sb-tap-hostile-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const START = Date.parse('2026-07-08T09:00:00Z') * 1000;
const header = { type: 'header', schema: 'shadow-bridge/scenario@1', name: 'hostile', description: '', start: '2026-07-08T09:00:00.000000Z', lps: [] };

async function publisher(): Promise<{ pub: Publisher; url: string }> {
  const port = await freePort();
  const pub = new Publisher();
  await pub.bind(`tcp://127.0.0.1:${port}`);
  return { pub, url: `tcp://127.0.0.1:${port}` };
}

describe('a shadow worker against a misbehaving tap', () => {
  it('counts garbage and non-live records, resyncs after a gap, and keeps comparing', async () => {
    const { pub, url } = await publisher();
    const worker = startShadowWorker({ connect: url, candidate: CANDIDATE_DIR, production: PRODUCTION_DIR, outDir: join(tmp, 'w1') });
    try {
      await new Promise((r) => setTimeout(r, 300)); // the subscription reaches the publisher
      const hash = loadBundle(PRODUCTION_DIR).hash;
      const state = (seq: number, tsUs: number, eventsBefore: number): Buffer =>
        encodeTapMessage(seq, { type: 'tap_state', ts: tsUs, header, eventsBefore, production: hash, lps: [['LP_BRAVO', 'up']], quotes: [['LP_BRAVO', 'EURUSD', 108_500_000, 108_510_000, 0, 0, 0, tsUs]] });
      await pub.send(Buffer.from('not msgpack at all'));
      await pub.send(encodeTapMessage(1, header));
      await pub.send(encodeTapMessage(2, { ts: START + 1_000, type: 'lp_status', lp: 'LP_BRAVO', status: 'up', reason: 'logon' }));
      await pub.send(encodeTapMessage(3, { ts: START + 2_000, type: 'config_change', target: 'candidate', bundle: '/etc' }));
      // 4 and 5 in one message (the engine batches records); a batch with a non-record is garbage.
      await pub.send(encodeTapBatch(4, [{ ts: START + 3_000, type: 'quote', lp: 'LP_BRAVO', symbol: 'EURUSD', bid: 108_500_000, ask: 108_510_000 }, { ts: START + 4_000, type: 'order', id: 'A', account: '1', group: 'real\\retail\\usd', symbol: 'EURUSD', side: 'buy', ordType: 'market', volume: 100_000_000 }]));
      await pub.send(pack({ s: 6, b: [{ type: 'order' }, 'not a record'] }));
      await pub.send(encodeTapMessage(6, { ts: 'yesterday', type: 'order', id: 'B' })); // malformed: counted, skipped
      // A gap: 7-9 never arrive. The worker stops comparing until the next state.
      await pub.send(encodeTapMessage(10, { ts: START + 6_000, type: 'order', id: 'LOST', account: '1', group: 'real\\retail\\usd', symbol: 'EURUSD', side: 'buy', ordType: 'market', volume: 100_000_000 }));
      await pub.send(state(11, START + 7_000, 9));
      await pub.send(encodeTapBatch(12, [
        { ts: START + 8_000, type: 'order', id: 'C', account: '1', group: 'real\\retail\\usd', symbol: 'EURUSD', side: 'sell', ordType: 'market', volume: 100_000_000 },
        { ts: START + 8_500, type: 'order', id: 'D', account: '1', group: 'real\\retail\\usd', symbol: 'EURUSD', side: 'buy', ordType: 'market', volume: 100_000_000 },
      ]));
      // A repeat of a batch already taken: nothing new.
      await pub.send(encodeTapBatch(12, [{ ts: START + 8_000, type: 'order', id: 'AGAIN', account: '1', group: 'real\\retail\\usd', symbol: 'EURUSD', side: 'sell', ordType: 'market', volume: 100_000_000 }, { ts: START + 8_500, type: 'order', id: 'AGAIN2', account: '1', group: 'real\\retail\\usd', symbol: 'EURUSD', side: 'buy', ordType: 'market', volume: 100_000_000 }]));
      expect(await waitFor(() => worker.stats.lastSeq === 13, 5_000)).toBe(true);
    } finally {
      const result = await worker.stop();
      pub.close();
      expect(result?.summary.orders).toBe(3); // A, C and D; LOST was in the gap, B malformed
      const tap = (result?.summary as unknown as { tap: Record<string, unknown> }).tap;
      expect(tap).toMatchObject({ joinedFrom: 'start', gaps: 1, lostMessages: 3, resyncs: 1, badMessages: 4, reason: 'tap_gap' });
      const orders = readFileSync(join(tmp, 'w1', 'orders.jsonl'), 'utf8');
      expect(orders).not.toContain('"LOST"');
      expect(orders).not.toContain('"AGAIN');
    }
  });

  it('refuses to compare against an engine whose production bundle is not its own', async () => {
    const { pub, url } = await publisher();
    const worker = startShadowWorker({ connect: url, candidate: CANDIDATE_DIR, production: PRODUCTION_DIR, outDir: join(tmp, 'w2') });
    try {
      await new Promise((r) => setTimeout(r, 300));
      await pub.send(encodeTapMessage(40, { type: 'tap_state', ts: START, header, eventsBefore: 39, production: 'sha256:someone-else', lps: [], quotes: [] }));
      await expect(worker.joined).rejects.toThrow(/SB_ERR_CONFIG.*production bundle/);
      await expect(worker.stop()).rejects.toThrow(/SB_ERR_CONFIG/);
    } finally {
      pub.close();
    }
  });

  it('a flood of subscriptions cannot make the engine snapshot its book more than four times a second', async () => {
    const port = await freePort();
    const tap = new EventTap({ bind: `tcp://127.0.0.1:${port}`, highWaterMark: 1_000, maxQueue: 1_000, batchMs: 2, stateEveryMs: 60_000, waitForSubscribers: 0, waitForSubscribersMs: 0, allowNonLoopback: false });
    let states = 0;
    const logger = { warn() {} } as unknown as Parameters<EventTap['start']>[0];
    await tap.start(logger, () => states++);
    const floods: Subscriber[] = [];
    try {
      for (let i = 0; i < 200; i++) {
        const s = new Subscriber();
        s.connect(`tcp://127.0.0.1:${port}`);
        s.subscribe();
        floods.push(s);
      }
      expect(await waitFor(() => tap.publisher.counters.subscriptions >= 200, 5_000)).toBe(true);
      const elapsedS = 1;
      await new Promise((r) => setTimeout(r, elapsedS * 1_000));
      // 200 subscriptions within about a second: a handful of states, not 200.
      expect(states).toBeGreaterThanOrEqual(1);
      expect(states).toBeLessThanOrEqual(Math.ceil((5 + elapsedS) * (1_000 / IMMEDIATE_STATE_MIN_MS)));
      expect(states).toBeLessThan(200);
    } finally {
      for (const s of floods) s.close();
      await tap.stop();
    }
  });
});
