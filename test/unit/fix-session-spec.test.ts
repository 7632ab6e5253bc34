// Session-layer behaviour written from the FIX 4.4 specification (Volume 2, session-level test
// cases) and QuickFIX's behaviour, against an acceptor that validates with the built-in FIX 4.4
// dictionary, the one live platform sessions use. One scripted counterparty, raw messages in,
// every message out captured: each test names the case it covers.

import { describe, expect, it } from 'vitest';
import { FixMessage } from '../../src/fix/codec/message.js';
import { formatUtcTimestamp } from '../../src/fix/codec/timestamps.js';
import { builtinFix44Dictionary } from '../../src/fix/dictionary/fix44-builtin.js';
import { DEFAULT_SESSION_CONFIG, FixSession, UnsupportedMessageType, type SessionConfig } from '../../src/fix/session/session.js';
import { MemorySessionStore } from '../../src/fix/session/store.js';
import { fix, show } from '../support/fix.js';

const dictionary = builtinFix44Dictionary();

/** An acceptor "BRIDGE" for the platform "PLAT"; the test plays the platform. */
function acceptor(config: Partial<SessionConfig> = {}) {
  let now = Date.UTC(2026, 11, 1, 12, 0, 0);
  const out: string[] = [];
  const app: { type: string; clOrdId: string | undefined; possDup: boolean }[] = [];
  let closed: string | null = null;
  const session = new FixSession(
    { ...DEFAULT_SESSION_CONFIG, senderCompId: 'BRIDGE', targetCompId: 'PLAT', role: 'acceptor', dictionary, ...config },
    new MemorySessionStore(),
    {
      fromApp(_s, m) {
        if (m.msgType !== 'D') throw new UnsupportedMessageType(m.msgType);
        app.push({ type: m.msgType, clOrdId: m.str(11), possDup: m.flag(43) });
      },
    },
    { nowMs: () => now },
    { event() {} },
    () => new FixMessage(),
  );
  session.connected({ write: (b) => out.push(show(b)), close: (reason) => (closed = reason) });
  const time = (offsetMs = 0): string => formatUtcTimestamp(now + offsetMs);
  /** Sends "35=..|34=..|<rest>" with our CompIDs and SendingTime filled in. */
  const send = (msgType: string, seq: number, rest = '', header = ''): void => {
    const frame = fix(`35=${msgType}|34=${seq}|49=PLAT|52=${time()}|56=BRIDGE|${header}${rest}`);
    const m = new FixMessage();
    if (!m.parse(frame, 0, frame.length)) throw new Error(`test sent a malformed frame: ${show(frame)}`);
    session.onMessage(m);
  };
  const order = (id: string, extra = ''): string => `11=${id}|21=1|38=1|40=1|54=1|55=EURUSD|60=${time()}|${extra}`;
  const taken = (): string[] => out.splice(0);
  return { session, send, order, taken, app, time, closed: () => closed, advance: (ms: number) => (now += ms) };
}

/** A logged-on acceptor (the Logon reply already taken). */
function loggedOn(config: Partial<SessionConfig> = {}) {
  const a = acceptor(config);
  a.send('A', 1, '98=0|108=30|');
  expect(a.taken()[0]).toMatch(/\|35=A\|34=1\|/);
  return a;
}

const field = (msg: string | undefined, tag: number): string | undefined => msg?.match(new RegExp(`\\|${tag}=([^|]*)`))?.[1];

describe('FIX 4.4 session: validation of inbound application messages (case 14)', () => {
  it.each([
    ['a required field missing (ClOrdID)', '21=1|38=1|40=1|54=1|55=EURUSD|60=<T>|', '1', '11', 'Required tag missing'],
    ['a required field missing (TransactTime)', '11=A|21=1|38=1|40=1|54=1|55=EURUSD|', '1', '60', 'Required tag missing'],
    ['an enumerated value out of range (Side=Z)', '11=A|21=1|38=1|40=1|54=Z|55=EURUSD|60=<T>|', '5', '54', 'Value is incorrect (out of range) for this tag'],
    ['an enumerated value out of range (OrdType=5)', '11=A|21=1|38=1|40=5|54=1|55=EURUSD|60=<T>|', '5', '40', 'Value is incorrect (out of range) for this tag'],
    ['a tag repeated outside a group (OrdType twice)', '11=A|21=1|38=1|40=1|40=2|54=1|55=EURUSD|60=<T>|', '13', '40', 'Tag appears more than once'],
    ['a quantity that is not a number', '11=A|21=1|38=1.0.0|40=1|54=1|55=EURUSD|60=<T>|', '6', '38', 'Incorrect data format for value'],
    ['a TransactTime in the wrong format', '11=A|21=1|38=1|40=1|54=1|55=EURUSD|60=2026-12-01 12:00:00|', '6', '60', 'Incorrect data format for value'],
    ['a field without a value', '11=A|21=|38=1|40=1|54=1|55=EURUSD|60=<T>|', '4', '21', 'Tag specified without a value'],
    ['a tag number that is not a field', '11=A|21=1|38=1|40=1|54=1|55=EURUSD|60=<T>|1500=X|', '0', '1500', 'Invalid tag number'],
    ['a NumInGroup that disagrees with the entries', '11=A|21=1|38=1|40=1|453=2|448=P1|447=D|452=3|54=1|55=EURUSD|60=<T>|', '16', '453', 'Incorrect NumInGroup count for repeating group'],
  ])('rejects %s with a session Reject, counts it, and never hands it to the application', (_name, body, reason, refTag, text) => {
    const a = loggedOn();
    a.send('D', 2, body.replaceAll('<T>', a.time()));
    const [reject] = a.taken();
    expect(field(reject, 35)).toBe('3');
    expect(field(reject, 45)).toBe('2');
    expect(field(reject, 373)).toBe(reason);
    expect(field(reject, 371)).toBe(refTag);
    expect(field(reject, 372)).toBe('D');
    expect(field(reject, 58)).toBe(text);
    expect(a.app).toEqual([]);
    // The rejected message used up its number: the next one is in sequence, no resend asked.
    a.send('D', 3, a.order('B'));
    expect(a.taken()).toEqual([]);
    expect(a.app.map((x) => x.clOrdId)).toEqual(['B']);
  });

  it('accepts user-defined tags and standard fields it does not model (an open dictionary)', () => {
    const a = loggedOn();
    a.send('D', 2, a.order('A', '5001=VIP|9999=x|207=XLON|'));
    expect(a.taken()).toEqual([]);
    expect(a.app.map((x) => x.clOrdId)).toEqual(['A']);
  });

  it('validates a message that arrives as a resend exactly like the original (PossDup=Y filling a gap)', () => {
    const a = loggedOn();
    a.send('1', 3, '112=AHEAD|'); // one too high: queued, ResendRequest for 2
    expect(field(a.taken()[0], 35)).toBe('2');
    a.send('D', 2, '21=1|38=1|40=1|54=1|55=EURUSD|60=' + a.time() + '|', `43=Y|122=${a.time(-1000)}|`);
    const [reject, heartbeat] = a.taken();
    expect(field(reject, 35)).toBe('3');
    expect(field(reject, 371)).toBe('11');
    expect(field(reject, 45)).toBe('2');
    // The reject counts message 2, so the queued TestRequest (3) is processed at once.
    expect(field(heartbeat, 35)).toBe('0');
    expect(field(heartbeat, 112)).toBe('AHEAD');
    expect(a.app).toEqual([]);
    expect(a.session.store.nextTargetSeq()).toBe(4);
  });
});

describe('FIX 4.4 session: MsgType (case 2q, 2r)', () => {
  it('refuses a MsgType FIX 4.4 does not define with 373=11, and one it defines but we do not take with a BusinessMessageReject 380=3', () => {
    const a = loggedOn();
    a.send('*', 2);
    const [invalid] = a.taken();
    expect(field(invalid, 35)).toBe('3');
    expect(field(invalid, 373)).toBe('11');
    expect(field(invalid, 372)).toBe('*');
    a.send('AE', 3, '571=R1|');
    const [unsupported] = a.taken();
    expect(field(unsupported, 35)).toBe('j');
    expect(field(unsupported, 380)).toBe('3');
    expect(field(unsupported, 372)).toBe('AE');
    expect(a.session.store.nextTargetSeq()).toBe(4);
  });
});

describe('FIX 4.4 session: logon edge cases (case 1, SessionReset)', () => {
  it('resets both sequence numbers when a Logon with ResetSeqNumFlag=Y arrives on an established session', () => {
    const a = loggedOn();
    for (let seq = 2; seq <= 6; seq++) a.send('0', seq);
    a.send('1', 7, '112=BEFORE|');
    expect(field(a.taken()[0], 34)).toBe('2');
    a.send('A', 1, '98=0|108=30|141=Y|');
    const [logon] = a.taken();
    expect(field(logon, 35)).toBe('A');
    expect(field(logon, 34)).toBe('1');
    expect(field(logon, 141)).toBe('Y');
    a.send('1', 2, '112=AFTER|');
    const [heartbeat] = a.taken();
    expect(field(heartbeat, 34)).toBe('2');
    expect(field(heartbeat, 112)).toBe('AFTER');
    expect(a.session.isLoggedOn).toBe(true);
  });

  it('refuses a second Logon without ResetSeqNumFlag on an established session', () => {
    const a = loggedOn();
    a.send('A', 2, '98=0|108=30|');
    const [reject] = a.taken();
    expect(field(reject, 35)).toBe('3');
    expect(a.session.store.nextSenderSeq()).toBe(3);
  });

  it('logs out a Logon whose sequence number is lower than expected, and disconnects', () => {
    const a = acceptor();
    a.session.store.setNextTargetSeq(5);
    a.send('A', 2, '98=0|108=30|');
    const [logout] = a.taken();
    expect(field(logout, 35)).toBe('5');
    expect(field(logout, 58)).toBe('MsgSeqNum too low, expecting 5 but received 2');
    expect(a.closed()).not.toBeNull();
  });

  it('disconnects, without a word, when a garbled frame arrives before the Logon exchange is complete', () => {
    const a = acceptor();
    a.session.garbled('bad_body_length: BodyLength 40 disagrees with the message');
    expect(a.closed()).toMatch(/garbled/);
    expect(a.taken()).toEqual([]);
  });
});

describe('FIX 4.4 session: SequenceReset (case 10, 11)', () => {
  it('refuses a SequenceReset-Reset whose NewSeqNo is lower than expected with 373=5 and no RefTagID, and does not count it', () => {
    const a = loggedOn();
    a.send('4', 0, '36=1|');
    const [reject] = a.taken();
    expect(field(reject, 35)).toBe('3');
    expect(field(reject, 373)).toBe('5');
    expect(field(reject, 371)).toBeUndefined();
    expect(field(reject, 372)).toBe('4');
    expect(a.session.store.nextTargetSeq()).toBe(2);
    a.send('1', 2, '112=STILL|');
    expect(field(a.taken()[0], 112)).toBe('STILL');
  });

  it('moves the expected number forward on a SequenceReset-Reset with a higher NewSeqNo, whatever its own MsgSeqNum', () => {
    const a = loggedOn();
    a.send('4', 99, '36=20|');
    expect(a.taken()).toEqual([]);
    expect(a.session.store.nextTargetSeq()).toBe(20);
  });

  it('ignores a GapFill below the expected number when it is a PossDup, and logs out one that is not', () => {
    const a = loggedOn();
    a.send('0', 2);
    a.send('4', 1, '36=20|123=Y|', `43=Y|122=${a.time(-1000)}|`);
    expect(a.taken()).toEqual([]);
    expect(a.session.store.nextTargetSeq()).toBe(3);
    a.send('4', 1, '36=20|123=Y|');
    const [logout] = a.taken();
    expect(field(logout, 35)).toBe('5');
    expect(field(logout, 58)).toBe('MsgSeqNum too low, expecting 3 but received 1');
  });
});

describe('FIX 4.4 session: resends (case 2e, 2g, 19, 20)', () => {
  it('answers a ResendRequest that arrives while ours is outstanding, and does not ask twice', () => {
    const a = loggedOn();
    a.send('D', 2, a.order('A'));
    a.send('0', 6); // 3..5 missing: we ask from 3
    const [ask] = a.taken();
    expect(field(ask, 35)).toBe('2');
    expect(field(ask, 7)).toBe('3');
    // The peer asks us for our 1..2 (its numbers run ahead too: 7 is not the expected 3).
    a.send('2', 7, '7=1|16=2|');
    const answered = a.taken();
    expect(answered.map((m) => field(m, 35))).toEqual(['4']); // Logon gap-filled; nothing else sent yet
    expect(answered.some((m) => field(m, 35) === '2')).toBe(false);
    for (let seq = 3; seq <= 5; seq++) a.send('0', seq, '', `43=Y|122=${a.time(-1000)}|`);
    expect(a.taken()).toEqual([]);
    expect(a.session.store.nextTargetSeq()).toBe(7); // 6 came out of the queue; the ResendRequest (7) was not queued
    a.send('5', 8);
    expect(field(a.taken()[0], 35)).toBe('5');
  });

  it('processes a PossDup message it never received as a normal message, and ignores one it already has', () => {
    const a = loggedOn();
    a.send('D', 2, a.order('A'), `43=Y|122=${a.time(-1000)}|`);
    a.send('D', 2, a.order('A'), `43=Y|122=${a.time(-1000)}|`);
    expect(a.taken()).toEqual([]);
    expect(a.app).toEqual([{ type: 'D', clOrdId: 'A', possDup: true }]);
  });

  it('rejects a PossDup resend below the expected number that has no OrigSendingTime (373=1, 371=122) and does not count it', () => {
    const a = loggedOn();
    a.send('D', 2, a.order('A'));
    a.send('D', 2, a.order('A'), '43=Y|');
    const [reject] = a.taken();
    expect(field(reject, 35)).toBe('3');
    expect(field(reject, 373)).toBe('1');
    expect(field(reject, 371)).toBe('122');
    expect(a.session.store.nextTargetSeq()).toBe(3);
  });

  it('rejects and logs out a PossDup whose OrigSendingTime is after its SendingTime (373=10)', () => {
    const a = loggedOn();
    a.send('D', 2, a.order('A'));
    a.send('D', 2, a.order('A'), `43=Y|122=${a.time(60_000)}|`);
    const [reject, logout] = a.taken();
    expect(field(reject, 373)).toBe('10');
    expect(field(logout, 35)).toBe('5');
  });
});

describe('FIX 4.4 session: the HeartBtInt a counterparty may ask for', () => {
  it.each([
    ['0 (no heartbeats: a silent peer would hold the session for good)', 0],
    ['above the limit', 301],
  ])('refuses a Logon with HeartBtInt %s, with a Logout that names the range', (_name, heartBtInt) => {
    const a = acceptor();
    a.send('A', 1, `98=0|108=${heartBtInt}|`);
    const [logout] = a.taken();
    expect(field(logout, 35)).toBe('5');
    expect(field(logout, 58)).toBe('HeartBtInt must be between 1 and 300 seconds');
    expect(a.session.state).toBe('disconnected');
    expect(a.closed()).toBe(`Logon refused: HeartBtInt must be between 1 and 300 seconds, was ${heartBtInt}`);
  });

  it('takes a HeartBtInt at the limit, and a lower limit when configured', () => {
    const a = acceptor();
    a.send('A', 1, '98=0|108=300|');
    expect(field(a.taken()[0], 108)).toBe('300');
    expect(a.session.isLoggedOn).toBe(true);
    const strict = acceptor({ maxHeartBtIntSec: 60 });
    strict.send('A', 1, '98=0|108=61|');
    expect(field(strict.taken()[0], 58)).toBe('HeartBtInt must be between 1 and 60 seconds');
    expect(strict.session.state).toBe('disconnected');
  });
});

describe('FIX session: a peer flooding messages (maxInboundPerSecond)', () => {
  it('logs out a peer past its message rate, whatever the message type, and counts the burst it may send first', () => {
    const a = loggedOn({ maxInboundPerSecond: 10 });
    // 20 at once (twice the rate) pass: TestRequests, each answered.
    for (let seq = 2; seq < 22; seq++) a.send('1', seq, `112=T${seq}|`);
    expect(a.taken().filter((m) => field(m, 35) === '0')).toHaveLength(20);
    a.send('1', 22, '112=ONE-TOO-MANY|');
    const [logout] = a.taken();
    expect(field(logout, 35)).toBe('5');
    expect(field(logout, 58)).toBe('Message flood: more than 10 messages a second');
    expect(a.session.state).toBe('disconnected');
    expect(a.closed()).toBe('Message flood: more than 10 messages a second');
  });

  it('lets a peer at its rate go on for good', () => {
    const a = loggedOn({ maxInboundPerSecond: 10 });
    let seq = 2;
    for (let second = 0; second < 30; second++) {
      for (let k = 0; k < 10; k++) a.send('0', seq++);
      a.advance(1_000);
    }
    expect(a.session.isLoggedOn).toBe(true);
    expect(a.taken().filter((m) => field(m, 35) === '5')).toEqual([]);
  });

  it('does not refill the budget when the peer logs on again at once', () => {
    const a = loggedOn({ maxInboundPerSecond: 10 });
    for (let seq = 2; seq < 23; seq++) a.send('0', seq);
    expect(a.session.state).toBe('disconnected');
    a.taken();
    a.session.connected({ write: () => {}, close: () => {} });
    a.send('A', 23, '98=0|108=30|');
    expect(a.session.isLoggedOn).toBe(true);
    a.send('0', 24);
    expect(a.session.state).toBe('disconnected'); // still over its rate
  });

  it('does not count the messages that fill a gap we asked to be resent', () => {
    const a = loggedOn({ maxInboundPerSecond: 5 });
    // Seq 40 arrives: we ask for 2..39 (38 messages, far over 2 x 5) and the peer resends them.
    a.send('D', 40, a.order('LAST'));
    expect(field(a.taken()[0], 35)).toBe('2');
    for (let seq = 2; seq < 40; seq++) a.send('D', seq, a.order(`R${seq}`), '43=Y|122=' + a.time(-1000) + '|');
    expect(a.session.isLoggedOn).toBe(true);
    expect(a.app.map((x) => x.clOrdId)).toEqual([...Array.from({ length: 38 }, (_, i) => `R${i + 2}`), 'LAST']);
    // The gap is filled: from here on every message counts again.
    for (let seq = 41; seq < 52; seq++) a.send('0', seq);
    expect(a.session.state).toBe('disconnected');
  });

  it('makes a peer that jumps its numbers to have its flood taken as a resend pay it back: logged out once past the overdraft', () => {
    // Rate 5 (10 at once), at most 20 held out of sequence: a gap fill may overdraw by 20.
    const a = loggedOn({ maxInboundPerSecond: 5, maxQueuedMessages: 20 });
    a.send('0', 1_000); // a jump: we ask for 2..999
    expect(field(a.taken()[0], 35)).toBe('2');
    let seq = 2;
    while (a.session.isLoggedOn && seq < 999) a.send('0', seq++, '', `43=Y|122=${a.time(-1000)}|`);
    // 10 from the burst less the jump itself, then 20 of overdraft: the 31st resent message is one too many.
    expect(a.session.state).toBe('disconnected');
    expect(seq - 2).toBe(30);
    expect(a.closed()).toBe('Message flood: more than 5 messages a second');
  });

  it('has no limit unless configured (LP sessions stream prices)', () => {
    const a = loggedOn();
    for (let seq = 2; seq < 2_002; seq++) a.send('0', seq);
    expect(a.session.isLoggedOn).toBe(true);
  });
});
