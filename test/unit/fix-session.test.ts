// Session-layer behaviour the acceptance scripts do not reach: the initiator side, resend policy,
// persistence across a restart, the bounded queue, and bad input that must not crash anything.

import { mkdtempSync, openSync, readFileSync, rmSync, writeFileSync, appendFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FixMessage } from '../../src/fix/codec/message.js';
import { FileSessionStore } from '../../src/fix/session/file-store.js';
import { DEFAULT_SESSION_CONFIG, FixSession, type SessionConfig } from '../../src/fix/session/session.js';
import { MemorySessionStore, type SessionStore } from '../../src/fix/session/store.js';
import { formatUtcTimestamp } from '../../src/fix/codec/timestamps.js';
import { fix, show } from '../support/fix.js';
import { productionBundle } from '../support/builders.js';
import type { SessionSchedule } from '../../src/fix/session/session.js';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
const tempDir = (): string => {
  const d = mkdtempSync(join(tmpdir(), 'sb-fixstore-'));
  dirs.push(d);
  return d;
};

/** Two sessions wired back to back in memory, with a clock the test moves. */
function pair(opts: { initiator?: Partial<SessionConfig>; acceptor?: Partial<SessionConfig>; initiatorStore?: SessionStore; acceptorStore?: SessionStore; startMs?: number } = {}) {
  let now = opts.startMs ?? Date.UTC(2026, 6, 8, 9, 0, 0);
  const clock = { nowMs: () => now };
  const wires: { from: string; text: string }[] = [];
  const received: { side: string; msgType: string; text: string }[] = [];
  const log = { event() {} };
  const app = (side: string) => ({
    fromApp(_s: FixSession, m: FixMessage) {
      received.push({ side, msgType: m.msgType, text: m.toString() });
    },
  });
  const initiator = new FixSession(
    { ...DEFAULT_SESSION_CONFIG, senderCompId: 'BRIDGE', targetCompId: 'LP', role: 'initiator', heartBtIntSec: 5, ...opts.initiator },
    opts.initiatorStore ?? new MemorySessionStore(), app('initiator'), clock, log, () => new FixMessage(),
  );
  const acceptor = new FixSession(
    { ...DEFAULT_SESSION_CONFIG, senderCompId: 'LP', targetCompId: 'BRIDGE', role: 'acceptor', ...opts.acceptor },
    opts.acceptorStore ?? new MemorySessionStore(), app('acceptor'), clock, log, () => new FixMessage(),
  );
  const deliver = (to: FixSession, from: string) => (bytes: Buffer) => {
    wires.push({ from, text: show(bytes) });
    const m = new FixMessage();
    const copy = Buffer.from(bytes);
    if (m.parse(copy, 0, copy.length)) to.onMessage(m);
  };
  let drop: ((text: string) => boolean) | null = null;
  const toAcceptor = deliver(acceptor, 'initiator');
  const toInitiator = deliver(initiator, 'acceptor');
  const connect = () => {
    acceptor.connected({ write: toInitiator, close: () => initiator.disconnected('peer closed') });
    initiator.connected({ write: (b) => (drop?.(show(b)) ? wires.push({ from: 'initiator(dropped)', text: show(b) }) : toAcceptor(b)), close: () => acceptor.disconnected('peer closed') });
  };
  return { initiator, acceptor, wires, received, connect, advance: (ms: number) => { now += ms; initiator.tick(); acceptor.tick(); }, setDrop: (f: typeof drop) => { drop = f; }, clock };
}

describe('FIX session', () => {
  it('logs on as initiator and exchanges application messages in sequence', () => {
    const p = pair();
    p.connect();
    expect(p.initiator.state).toBe('logged_on');
    expect(p.acceptor.state).toBe('logged_on');
    expect(p.acceptor.heartBtIntSec).toBe(5); // adopted from the initiator's Logon
    p.initiator.sendApp('D', (e) => e.str(11, 'ORD-1').str(55, 'EUR/USD'));
    p.initiator.sendApp('D', (e) => e.str(11, 'ORD-2').str(55, 'EUR/USD'));
    expect(p.received.map((r) => r.text.match(/11=([^|]+)/)?.[1])).toEqual(['ORD-1', 'ORD-2']);
    expect(p.acceptor.store.nextTargetSeq()).toBe(4);
  });

  it('detects a gap, asks for a resend and receives the message again with PossDup', () => {
    const p = pair();
    p.connect();
    p.setDrop((t) => t.includes('11=LOST'));
    p.initiator.sendApp('D', (e) => e.str(11, 'LOST'));
    p.setDrop(null);
    p.initiator.sendApp('D', (e) => e.str(11, 'AFTER'));
    const ids = p.received.map((r) => r.text.match(/11=([^|]+)/)?.[1]);
    expect(ids).toEqual(['LOST', 'AFTER']); // the gap is filled before the queued message is processed
    expect(p.wires.some((w) => w.from === 'acceptor' && w.text.includes('35=2|'))).toBe(true);
    expect(p.received[0]?.text).toMatch(/43=Y\|.*122=/);
  });

  it('gap-fills application messages older than the resend age instead of resending them', () => {
    const p = pair({ initiator: { resendMaxAgeMs: 1_000 } });
    p.connect();
    p.setDrop((t) => t.includes('11=OLD'));
    p.initiator.sendApp('D', (e) => e.str(11, 'OLD'));
    p.setDrop(null);
    p.advance(5_000);
    p.initiator.sendApp('D', (e) => e.str(11, 'NEW'));
    expect(p.received.map((r) => r.text.match(/11=([^|]+)/)?.[1])).toEqual(['NEW']); // never re-sent blindly
    expect(p.wires.some((w) => w.from === 'initiator' && /35=4\|.*123=Y/.test(w.text))).toBe(true);
  });

  it('gap-fills market data on a resend (never a stale price) and resends the execution report between', () => {
    const p = pair({ initiator: { neverResendMsgTypes: new Set(['W']) } });
    p.connect();
    p.setDrop((t) => t.includes('262=MD-LOST') || t.includes('11=ER-LOST'));
    p.initiator.sendApp('W', (e) => e.str(262, 'MD-LOST').str(55, 'EUR/USD'));
    p.initiator.sendApp('8', (e) => e.str(11, 'ER-LOST'));
    p.initiator.sendApp('W', (e) => e.str(262, 'MD-LOST').str(55, 'EUR/USD'));
    p.setDrop(null);
    p.initiator.sendApp('8', (e) => e.str(11, 'AFTER'));
    const seen = p.received.map((r) => `${r.msgType} ${r.text.match(/(?:11|262)=([^|]+)/)?.[1]}`);
    expect(seen).toEqual(['8 ER-LOST', '8 AFTER']);
    const resent = p.wires.filter((w) => w.from === 'initiator' && w.text.includes('43=Y|')).map((w) => w.text.match(/35=([^|]+)\|34=(\d+)/)?.slice(1).join(' '));
    expect(resent).toEqual(['4 2', '8 3', '4 4', '8 5']); // gap fill, the report again, gap fill, then AFTER (resend runs to the last sent)
    expect(p.acceptor.store.nextTargetSeq()).toBe(6);
  });

  it('sends heartbeats, a test request on silence, and disconnects after 2.4 intervals', () => {
    const p = pair();
    p.connect();
    p.acceptor.disconnected('test: acceptor goes silent'); // the acceptor stops answering
    p.advance(5_000);
    expect(p.wires.at(-1)?.text).toMatch(/35=0\|/);
    p.advance(2_600);
    expect(p.wires.at(-1)?.text).toMatch(/35=1\|.*112=TEST/);
    p.advance(5_000);
    expect(p.initiator.state).toBe('disconnected');
  });

  it('refuses a Logon reply whose sequence number went backwards', () => {
    const store = new MemorySessionStore();
    store.setNextTargetSeq(10);
    const p = pair({ initiatorStore: store });
    p.connect();
    expect(p.initiator.state).toBe('disconnected');
    expect(p.wires.some((w) => w.from === 'initiator' && w.text.includes('58=MsgSeqNum too low, expecting 10 but received 1'))).toBe(true);
  });

  it('survives a restart: numbers continue and stored messages can be resent', () => {
    const dir = tempDir();
    const first = new FileSessionStore(dir, 'BRIDGE-LP', 'always');
    const p = pair({ initiatorStore: first });
    p.connect();
    p.initiator.sendApp('D', (e) => e.str(11, 'A'));
    p.initiator.sendApp('D', (e) => e.str(11, 'B'));
    const sender = first.nextSenderSeq();
    const target = first.nextTargetSeq();
    first.close(); // no logout: as after kill -9
    const second = new FileSessionStore(dir, 'BRIDGE-LP', 'always');
    expect(second.nextSenderSeq()).toBe(sender);
    expect(second.nextTargetSeq()).toBe(target);
    expect(second.getOutbound(1, 100).map((m) => m.body.toString('latin1'))).toEqual(['11=A\x01', '11=B\x01']);
    second.close();
  });

  it('writes a lazy store\'s inbound number once per turn, in the turn\'s one write; never one from before a reset', async () => {
    const dir = tempDir();
    const s = new FileSessionStore(dir, 'LAZY', 'never', 100, true);
    const endOfTurn = (): Promise<void> => new Promise((r) => process.nextTick(r));
    s.setNextTargetSeq(2);
    s.setNextTargetSeq(3);
    s.saveOutbound({ seq: 1, msgType: 'D', sendingTimeMs: 1, body: Buffer.from('11=A\x01') });
    s.setNextTargetSeq(4);
    await endOfTurn();
    expect(readFileSync(s.file, 'latin1')).toBe('M 1 D 1 5\n11=A\x01\nS 2\nT 4\n');
    s.setNextTargetSeq(9);
    s.reset(); // a ResetSeqNumFlag logon in the same turn
    await endOfTurn();
    s.close();
    const again = new FileSessionStore(dir, 'LAZY', 'never', 100, true);
    expect(again.nextTargetSeq()).toBe(1);
    expect(again.nextSenderSeq()).toBe(1);
    again.close();
  });

  it('ignores a torn last journal record and never goes backwards', () => {
    const dir = tempDir();
    const s = new FileSessionStore(dir, 'X', 'never');
    s.setNextSenderSeq(5);
    s.setNextTargetSeq(7);
    s.saveOutbound({ seq: 4, msgType: 'D', sendingTimeMs: 1, body: Buffer.from('11=Z\x01') });
    s.close();
    appendFileSync(s.file, 'S 9'); // torn: no newline
    appendFileSync(s.file, '');
    const again = new FileSessionStore(dir, 'X', 'never');
    expect(again.nextSenderSeq()).toBe(5);
    expect(again.nextTargetSeq()).toBe(7);
    expect(again.getOutbound(4, 4)).toHaveLength(1);
    again.setNextSenderSeq(6);
    again.close();
    expect(readFileSync(s.file, 'latin1')).not.toContain('S 9');
    writeFileSync(s.file, 'garbage\n');
    expect(() => new FileSessionStore(dir, 'X', 'never')).toThrow(/SB_ERR_FIX_STORE_CORRUPT: .*X\.journal: byte offset 0: record "garbage"/);
  });

  it('refuses to start on a corrupt record in the middle (numbers would go back), unless told to recover', () => {
    const dir = tempDir();
    const s = new FileSessionStore(dir, 'Y', 'never');
    s.setNextSenderSeq(5);
    s.setNextTargetSeq(7);
    s.close();
    const good = readFileSync(s.file, 'latin1');
    // A bit flip in the first record ("S 5" -> "S 5x"), good records after it.
    writeFileSync(s.file, good.replace(/^S (\d+)\n/, 'S $1x\n') + 'S 9\nT 11\n');
    expect(() => new FileSessionStore(dir, 'Y', 'never')).toThrow(/SB_ERR_FIX_STORE_CORRUPT: .*Y\.journal: byte offset 0/);
    const recovered = new FileSessionStore(dir, 'Y', 'never', 100, false, 20_000, true);
    expect(recovered.nextSenderSeq()).toBe(9);
    expect(recovered.nextTargetSeq()).toBe(11);
    recovered.close();
  });

  it('keeps going when the disk under the store is full: the failure is reported, nothing throws', () => {
    const dir = tempDir();
    const s = new FileSessionStore(dir, 'Z', 'never');
    (s as unknown as { fd: number }).fd = openSync('/dev/full', 'w');
    s.setNextSenderSeq(2);
    s.saveOutbound({ seq: 2, msgType: 'D', sendingTimeMs: 1, body: Buffer.from('11=A\x01') });
    expect(() => (s as unknown as { writePending(): void }).writePending()).not.toThrow();
    expect(s.failure()?.code).toBe('SB_ERR_FIX_STORE');
    expect(s.failure()?.message).toMatch(/ENOSPC/);
    expect(s.nextSenderSeq()).toBe(3); // numbers go on in memory
    expect(() => s.close()).not.toThrow();
  });

  it('holds a bounded number of out-of-sequence messages', () => {
    const p = pair({ acceptor: { maxQueuedMessages: 3 } });
    p.connect();
    let seq = p.acceptor.store.nextTargetSeq() + 1; // skip one: every later message is queued
    const sendRaw = (s: number) => {
      const frame = fix(`35=D|34=${s}|49=BRIDGE|52=${formatUtcTimestamp(p.clock.nowMs())}|56=LP|11=Q${s}|`);
      const m = new FixMessage();
      m.parse(frame, 0, frame.length);
      p.acceptor.onMessage(m);
    };
    for (let i = 0; i < 10; i++) sendRaw(seq++);
    expect(p.acceptor.counters.queueDropped).toBe(7);
    expect(p.acceptor.state).toBe('logged_on');
  });

  it('answers a ResendRequest far larger than its window with one gap fill and the stored messages', () => {
    const store = new MemorySessionStore(5);
    const p = pair({ acceptorStore: store });
    p.connect();
    store.setNextSenderSeq(10_000_000); // a long-lived session: numbers far beyond the window
    for (let i = 0; i < 8; i++) p.acceptor.sendApp('8', (e) => e.str(37, `O${i}`));
    const before = p.wires.length;
    const frame = fix(`35=2|34=${p.acceptor.store.nextTargetSeq()}|49=BRIDGE|52=${formatUtcTimestamp(p.clock.nowMs())}|56=LP|7=1|16=0|`);
    const m = new FixMessage();
    m.parse(frame, 0, frame.length);
    p.acceptor.onMessage(m);
    const answer = p.wires.slice(before).filter((w) => w.from === 'acceptor').map((w) => w.text);
    // 1 .. 10,000,002 gap-filled (the 3 oldest of the 8 fell out of the window), the last 5 resent.
    expect(answer).toHaveLength(6);
    expect(answer[0]).toMatch(/\|35=4\|34=1\|43=Y\|.*\|36=10000003\|123=Y\|/);
    expect(answer.slice(1).map((t) => /\|34=(\d+)\|43=Y\|/.exec(t)?.[1])).toEqual(['10000003', '10000004', '10000005', '10000006', '10000007']);
    expect(p.acceptor.state).toBe('logged_on');
  });

  it('logs out a peer that sends more ResendRequests in a minute than the limit, and serves a peer that stays under it', () => {
    const p = pair({ acceptor: { maxResendRequestsPerMinute: 5 } });
    p.connect();
    p.acceptor.sendApp('8', (e) => e.str(37, 'O1'));
    const resendRequest = (): void => {
      const frame = fix(`35=2|34=${p.acceptor.store.nextTargetSeq()}|49=BRIDGE|52=${formatUtcTimestamp(p.clock.nowMs())}|56=LP|7=1|16=0|`);
      const m = new FixMessage();
      m.parse(frame, 0, frame.length);
      p.acceptor.onMessage(m);
      // Sent as if by the initiator: its own numbering goes on after it.
      p.initiator.store.setNextSenderSeq(p.acceptor.store.nextTargetSeq());
    };
    for (let i = 0; i < 5; i++) resendRequest();
    for (let i = 0; i < 13; i++) p.advance(5_000); // a new minute (heartbeats flowing): five more are fine
    for (let i = 0; i < 5; i++) resendRequest();
    expect(p.acceptor.state).toBe('logged_on');
    expect(p.acceptor.counters.resendsServed).toBe(10);
    resendRequest(); // the sixth within the minute
    expect(p.acceptor.state).toBe('disconnected');
    expect(p.acceptor.counters.resendsServed).toBe(10);
    expect(p.wires.filter((w) => w.from === 'acceptor').at(-1)?.text).toMatch(/\|35=5\|.*\|58=ResendRequest flood: more than 5 in a minute\|/);
  });

  it('follows the FX week in New York time: logs out at the Friday close, refuses the weekend, resets at the Sunday open', () => {
    const fx = productionBundle().sessions.get('fx')!;
    const schedule: SessionSchedule = { isOpen: (ms) => fx.isOpen(ms * 1000), resetAtStart: true };
    const store = new MemorySessionStore();
    const p = pair({ initiator: { schedule }, initiatorStore: store, startMs: Date.UTC(2026, 6, 10, 20, 50, 0) }); // Fri 16:50 EDT
    p.connect();
    expect(p.initiator.state).toBe('logged_on');
    p.initiator.sendApp('D', (e) => e.str(11, 'FRIDAY'));
    const seqBefore = store.nextSenderSeq();
    expect(seqBefore).toBeGreaterThan(2);
    p.advance(6 * 60_000); // Fri 16:56 EDT: past the 16:55 close
    expect(p.wires.some((w) => w.from === 'initiator' && w.text.includes('35=5|') && w.text.includes('58=End of session'))).toBe(true);
    p.advance(24 * 3600_000); // Saturday: a connection is refused by the schedule itself
    p.initiator.connected({ write: () => {}, close: () => {} });
    expect(p.initiator.state).toBe('disconnected');
    expect(store.nextSenderSeq()).toBe(seqBefore + 1); // the logout; no reset yet
    p.advance(24 * 3600_000 + 20 * 60_000); // Sun 17:16 EDT: a new week
    p.initiator.connected({ write: () => {}, close: () => {} });
    expect(p.initiator.state).toBe('awaiting_logon');
    expect(store.nextSenderSeq()).toBe(2); // reset to 1, then the Logon
  });
});
