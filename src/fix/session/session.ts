// One FIX 4.4 session as a state machine: logon, heartbeats and test requests, sequence checks,
// gap detection with ResendRequest and a bounded queue, resends with PossDup or gap fills,
// SequenceReset, Reject and Logout. It owns no socket and no timer: bytes come in through
// onMessage(), time through tick(), and bytes go out through the SessionTransport it is given.
// Behaviour follows QuickFIX's session layer, checked by its acceptance scripts.

import { RateBudget } from '../../core/util/rate-budget.js';
import { FixEncoder } from '../codec/encoder.js';
import type { FixMessage } from '../codec/message.js';
import { isAdminMsgType, MsgType, Tag } from '../codec/tags.js';
import { formatUtcTimestamp, parseUtcTimestamp } from '../codec/timestamps.js';
import type { FixDictionary } from '../dictionary/dictionary.js';
import { REJECT_TEXT, SessionRejectReason, validate } from '../dictionary/validator.js';
import type { SessionStore, StoredMessage } from './store.js';

export interface SessionTransport {
  write(bytes: Buffer): void;
  /** Closes the connection; the session has already moved to 'disconnected'. */
  close(reason: string): void;
}

export interface SessionLog {
  event(name: string, fields: Readonly<Record<string, unknown>>): void;
}

export interface SessionApplication {
  onLogon?(session: FixSession): void;
  onLogout?(session: FixSession, reason: string): void;
  /**
   * An application message, in sequence. Throw UnsupportedMessageType to have the session answer
   * with a BusinessMessageReject (35=j, 380=3).
   */
  fromApp(session: FixSession, message: FixMessage): void;
  /** Decides a Logon's credentials (acceptor); returns a reason to refuse, or null. */
  authenticate?(session: FixSession, username: string | undefined, password: string | undefined): string | null;
}

export class UnsupportedMessageType extends Error {
  override readonly name = 'UnsupportedMessageType';
}

export interface SessionConfig {
  readonly beginString: string;
  readonly senderCompId: string;
  readonly targetCompId: string;
  readonly role: 'acceptor' | 'initiator';
  /** Initiator: the HeartBtInt it proposes. Acceptor: adopts the counterparty's. */
  readonly heartBtIntSec: number;
  /** Reset both sequence numbers when a Logon is sent or received (and send 141=Y as initiator). */
  readonly resetOnLogon: boolean;
  readonly resetOnLogout: boolean;
  readonly resetOnDisconnect: boolean;
  /** Largest |SendingTime - now| accepted; 0 disables the check. */
  readonly maxLatencySec: number;
  readonly logonTimeoutSec: number;
  readonly logoutTimeoutSec: number;
  /** Validate every inbound message against this dictionary (null: structural checks only). */
  readonly dictionary: FixDictionary | null;
  /** Application messages older than this are gap-filled instead of resent (null: always resend). */
  readonly resendMaxAgeMs: number | null;
  /**
   * Application message types never kept for resend: a ResendRequest gets a gap fill for them.
   * Market data: a resent price is a stale price, and storing every snapshot for every
   * subscriber was most of the cost of fanning quotes out (QuickFIX: PersistMessages=N).
   */
  readonly neverResendMsgTypes: ReadonlySet<string>;
  /** Most out-of-sequence messages held while a gap is being filled. */
  readonly maxQueuedMessages: number;
  /**
   * Most ResendRequests served per connection in any minute; one more logs the peer out. Each
   * can make us resend the whole window (20,000 messages by default): without a bound, a peer
   * asking again and again takes the core from every other session.
   */
  readonly maxResendRequestsPerMinute?: number;
  /**
   * Acceptor: the largest HeartBtInt a counterparty may ask for (at least 1). HeartBtInt 0 (no
   * heartbeats) or a huge one would let a silent peer, or a half-open connection, hold the session
   * for good: the real counterparty could not log on again.
   */
  readonly maxHeartBtIntSec?: number;
  /**
   * Most messages a logged-on peer may send per second (twice it at once), whatever their type;
   * one more logs it out (`fix_message_flood`). Messages that fill a gap we asked to be resent
   * may overdraw it by maxQueuedMessages (the peer is doing what we asked, as fast as it can) and
   * are paid back at the rate: a peer jumping its numbers again and again gains nothing. Every message costs the one routing thread
   * work (a TestRequest makes us answer, a bad one makes us send a Reject), so without a bound a
   * peer could take the core from every other session. null: no limit (LPs stream prices).
   */
  readonly maxInboundPerSecond?: number | null;
  /**
   * Count an application message as received (persist the next inbound number) before the
   * application acts on it. At-most-once: after a crash mid-message the counterparty's resend
   * of it is a duplicate, never a second execution. Order-entry sessions want this.
   */
  readonly persistBeforeProcessing: boolean;
  /** Null: always in session. */
  readonly schedule: SessionSchedule | null;
  readonly username?: string;
  readonly password?: string;
}

/** When a session may be up: e.g. FX Sun 17:05 - Fri 16:55 New York, DST-correct. */
export interface SessionSchedule {
  isOpen(utcMs: number): boolean;
  /** Reset both sequence numbers when a new window starts (the usual weekly FX reset). */
  readonly resetAtStart: boolean;
}

const ACTIVE_MARK_EVERY_MS = 60_000;
const SCAN_STEP_MS = 15 * 60_000;

/** True when the schedule was closed at some point in (fromMs, toMs]; windows close for >= 15 min. */
export function closedBetween(schedule: SessionSchedule, fromMs: number, toMs: number): boolean {
  if (fromMs <= 0) return false;
  if (toMs - fromMs > 8 * 24 * 3600_000) return true;
  for (let t = fromMs + SCAN_STEP_MS; t < toMs; t += SCAN_STEP_MS) if (!schedule.isOpen(t)) return true;
  return !schedule.isOpen(toMs);
}

export const DEFAULT_SESSION_CONFIG: Omit<SessionConfig, 'senderCompId' | 'targetCompId' | 'role'> = {
  beginString: 'FIX.4.4',
  heartBtIntSec: 30,
  resetOnLogon: false,
  resetOnLogout: false,
  resetOnDisconnect: false,
  maxLatencySec: 120,
  logonTimeoutSec: 10,
  logoutTimeoutSec: 2,
  dictionary: null,
  resendMaxAgeMs: null,
  neverResendMsgTypes: new Set(),
  maxQueuedMessages: 10_000,
  maxResendRequestsPerMinute: 30,
  maxHeartBtIntSec: 300,
  maxInboundPerSecond: null,
  persistBeforeProcessing: false,
  schedule: null,
};

export type SessionState = 'disconnected' | 'awaiting_logon' | 'logged_on' | 'logout_sent';

/** Header fields a Reject carries back, mirrored: OnBehalfOf <-> DeliverTo. */
const REVERSE_ROUTE: readonly [number, number][] = [
  [Tag.OnBehalfOfCompID, Tag.DeliverToCompID],
  [Tag.OnBehalfOfSubID, Tag.DeliverToSubID],
  [Tag.OnBehalfOfLocationID, Tag.DeliverToLocationID],
  [Tag.DeliverToCompID, Tag.OnBehalfOfCompID],
  [Tag.DeliverToSubID, Tag.OnBehalfOfSubID],
  [Tag.DeliverToLocationID, Tag.OnBehalfOfLocationID],
];

interface QueuedMessage {
  readonly seq: number;
  readonly frame: Buffer;
}

export interface SessionClock {
  nowMs(): number;
}

export class FixSession {
  state: SessionState = 'disconnected';
  heartBtIntSec: number;
  private transport: SessionTransport | null = null;
  private readonly encoder: FixEncoder;
  private lastSentMs = 0;
  private lastReceivedMs = 0;
  private testRequests = 0;
  private logonSentMs = 0;
  private logoutSentMs = 0;
  /** Inclusive range we asked to be resent, or null. */
  private resendRange: [number, number] | null = null;
  private readonly queue = new Map<number, QueuedMessage>();
  /** The inbound message budget (maxInboundPerSecond), kept across connections: logging on again does not refill it. */
  private readonly inboundBudget: RateBudget | null;
  /** True while a queued message is processed (see processQueue). */
  private fromQueue = false;
  /** Re-parsing queued frames needs a message object of its own. */
  private queuedMessage: FixMessage | null = null;
  readonly id: string;
  readonly counters = { received: 0, sent: 0, rejectsSent: 0, resendsServed: 0, gapsDetected: 0, queueDropped: 0, storedWhileDown: 0 };

  constructor(
    readonly config: SessionConfig,
    readonly store: SessionStore,
    private readonly app: SessionApplication,
    private readonly clock: SessionClock,
    private readonly log: SessionLog,
    private readonly newMessage: () => FixMessage,
  ) {
    this.heartBtIntSec = config.heartBtIntSec;
    this.encoder = new FixEncoder(config.beginString);
    this.id = `${config.beginString}:${config.senderCompId}->${config.targetCompId}`;
    const rate = config.maxInboundPerSecond ?? null;
    this.inboundBudget = rate === null ? null : new RateBudget(rate, 2 * rate, clock.nowMs());
  }

  get isLoggedOn(): boolean {
    return this.state === 'logged_on';
  }

  /** A connection is up: the acceptor waits for a Logon, the initiator sends one. */
  connected(transport: SessionTransport): void {
    this.transport = transport;
    const now = this.clock.nowMs();
    const schedule = this.config.schedule;
    if (schedule !== null) {
      if (!schedule.isOpen(now)) {
        this.state = 'awaiting_logon';
        this.disconnect('outside the session schedule');
        return;
      }
      if (schedule.resetAtStart && closedBetween(schedule, this.store.lastActiveMs(), now)) {
        this.log.event('fix_schedule_reset', { session: this.id, lastActiveMs: this.store.lastActiveMs() });
        this.store.reset();
      }
      this.store.setLastActiveMs(now);
    }
    this.lastReceivedMs = now;
    this.lastSentMs = now;
    this.testRequests = 0;
    this.resendRange = null;
    this.resendRequestTimes = [];
    this.queue.clear();
    this.state = 'awaiting_logon';
    this.logonSentMs = now;
    if (this.config.role === 'initiator') this.sendLogon(this.config.resetOnLogon);
  }

  /** The connection went away (either side). */
  disconnected(reason: string): void {
    if (this.state === 'disconnected') return;
    const wasLoggedOn = this.state === 'logged_on' || this.state === 'logout_sent';
    this.state = 'disconnected';
    this.transport = null;
    this.queue.clear();
    if (this.config.resetOnDisconnect) this.store.reset();
    this.log.event('fix_disconnected', { session: this.id, reason });
    if (wasLoggedOn) this.app.onLogout?.(this, reason);
  }

  /** Closes the connection from our side. */
  disconnect(reason: string): void {
    const transport = this.transport;
    this.disconnected(reason);
    transport?.close(reason);
  }

  /** A frame was dropped by the framer (bad length or checksum): ignore it, count it. */
  garbled(reason: string): void {
    this.log.event('fix_garbled', { session: this.id, reason });
    // Before the Logon exchange is complete a garbled frame may be the Logon itself: QuickFIX
    // disconnects ("Logon message is not valid"); waiting would leave the peer hanging.
    if (this.state === 'awaiting_logon') this.disconnect(`garbled message before Logon: ${reason}`);
  }

  // ------------------------------------------------------------------------------------------
  // Inbound

  onMessage(m: FixMessage): void {
    if (this.state === 'disconnected') return;
    this.counters.received++;
    const now = this.clock.nowMs();
    this.lastReceivedMs = now;
    this.testRequests = 0;
    const msgType = m.msgType;

    if (m.str(Tag.BeginString) !== this.config.beginString) {
      if (this.state === 'awaiting_logon') {
        this.disconnect(`wrong BeginString ${m.str(Tag.BeginString)}`);
      } else if (msgType === MsgType.Logout) {
        this.onLogout(m);
      } else {
        this.sendLogout('Incorrect BeginString');
        this.incrementTarget();
      }
      return;
    }
    if (this.state === 'awaiting_logon') {
      if (msgType !== MsgType.Logon) {
        this.disconnect(`first message was ${msgType}, not Logon`);
        return;
      }
      this.onLogon(m);
      return;
    }
    // A message filling a gap we asked to be resent may overdraw the budget by what we would hold
    // out of sequence: the peer resends as fast as it can, but the gap is its to choose, so the
    // burst is paid back at the rate before anything else passes (no way round the limit).
    if (this.inboundBudget !== null && !this.fromQueue && !this.inboundBudget.take(now, this.fillsOurGap(m.seqNum) ? this.config.maxQueuedMessages : 0)) {
      const text = `Message flood: more than ${this.inboundBudget.perSecond} messages a second`;
      this.log.event('fix_message_flood', { session: this.id, limitPerSecond: this.inboundBudget.perSecond, msgType, seq: m.seqNum });
      this.sendLogout(text);
      this.disconnect(text);
      return;
    }

    const invalid = this.config.dictionary === null ? structuralProblem(m) : validate(this.config.dictionary, m);
    if (invalid !== null) {
      if (invalid.reason === SessionRejectReason.InvalidMsgType && !this.seqOk(m)) return;
      this.sendReject(m, invalid.reason, invalid.refTag, invalid.text);
      if (m.seqNum === this.store.nextTargetSeq() && msgType !== MsgType.SequenceReset) this.incrementTarget();
      // A rejected message still takes its place in the sequence: what was queued behind it
      // is processed now, not when the next message happens to arrive.
      this.processQueue();
      return;
    }

    switch (msgType) {
      case MsgType.Heartbeat:
        if (this.verify(m, true, true)) this.incrementTarget();
        break;
      case MsgType.TestRequest:
        if (this.verify(m, true, true)) {
          this.sendHeartbeat(m.str(Tag.TestReqID));
          this.incrementTarget();
        }
        break;
      case MsgType.ResendRequest:
        this.onResendRequest(m);
        break;
      case MsgType.Reject:
        if (this.verify(m, true, true)) {
          this.log.event('fix_reject_received', { session: this.id, refSeqNum: m.str(Tag.RefSeqNum), text: m.str(Tag.Text) });
          this.incrementTarget();
        }
        break;
      case MsgType.SequenceReset:
        this.onSequenceReset(m);
        break;
      case MsgType.Logout:
        this.onLogout(m);
        break;
      case MsgType.Logon:
        // A Logon with ResetSeqNumFlag=Y on a live session is the peer resetting both
        // sequence numbers to 1 (a daily reset without a disconnect): we reset and answer with
        // our own Logon 141=Y, as QuickFIX does. Any other second Logon is a protocol error.
        if (m.flag(Tag.ResetSeqNumFlag)) {
          this.onResetLogon(m);
          break;
        }
        if (this.verify(m, true, true)) {
          this.sendReject(m, SessionRejectReason.Other, null, 'Already logged on');
          this.incrementTarget();
        }
        break;
      default:
        if (this.verify(m, true, true)) {
          if (this.config.persistBeforeProcessing) {
            this.incrementTarget();
            this.deliverApp(m);
          } else {
            this.deliverApp(m);
            this.incrementTarget();
          }
        }
        break;
    }
    this.processQueue();
  }

  private maxHeartBtIntSec(): number {
    return Math.max(1, this.config.maxHeartBtIntSec ?? DEFAULT_SESSION_CONFIG.maxHeartBtIntSec ?? 300);
  }

  /** A HeartBtInt an acceptor takes from its counterparty: 1 to maxHeartBtIntSec seconds. */
  private heartBtIntAllowed(sec: number): boolean {
    return sec >= 1 && sec <= this.maxHeartBtIntSec();
  }

  private seqOk(m: FixMessage): boolean {
    return m.seqNum === this.store.nextTargetSeq();
  }

  private onLogon(m: FixMessage): void {
    if (this.config.role === 'acceptor') {
      if (m.str(Tag.SenderCompID) !== this.config.targetCompId || m.str(Tag.TargetCompID) !== this.config.senderCompId) {
        this.disconnect('Logon from an unexpected CompID');
        return;
      }
      if (!this.goodTime(m)) {
        this.disconnect('Logon SendingTime outside the accepted window');
        return;
      }
      if (this.config.dictionary !== null && validate(this.config.dictionary, m) !== null) {
        this.disconnect('Logon message is invalid');
        return;
      }
      const refusal = this.app.authenticate?.(this, m.str(Tag.Username), m.str(Tag.Password)) ?? null;
      if (refusal !== null) {
        this.sendLogout(refusal);
        this.disconnect(refusal);
        return;
      }
      const heartBtInt = m.int(Tag.HeartBtInt);
      if (!Number.isInteger(heartBtInt) || heartBtInt < 0) {
        this.disconnect('Logon without a valid HeartBtInt');
        return;
      }
      if (!this.heartBtIntAllowed(heartBtInt)) {
        const text = `HeartBtInt must be between 1 and ${this.maxHeartBtIntSec()} seconds`;
        this.sendLogout(text);
        this.disconnect(`Logon refused: ${text}, was ${heartBtInt}`);
        return;
      }
      this.heartBtIntSec = heartBtInt;
      const resetRequested = m.flag(Tag.ResetSeqNumFlag);
      if (this.config.resetOnLogon || resetRequested) this.store.reset();
      const seq = m.seqNum;
      const expected = this.store.nextTargetSeq();
      if (seq < expected) {
        this.sendLogout(`MsgSeqNum too low, expecting ${expected} but received ${seq}`);
        this.disconnect('Logon MsgSeqNum too low');
        return;
      }
      this.sendLogon(resetRequested);
      this.loggedOn();
      if (seq > expected) {
        this.enqueue(m, seq);
        this.requestResend(expected, seq);
      } else {
        this.incrementTarget();
      }
      return;
    }
    // Initiator: the Logon answers ours.
    if (m.str(Tag.SenderCompID) !== this.config.targetCompId || m.str(Tag.TargetCompID) !== this.config.senderCompId) {
      this.disconnect('Logon reply from an unexpected CompID');
      return;
    }
    const seq = m.seqNum;
    const expected = this.store.nextTargetSeq();
    if (m.flag(Tag.ResetSeqNumFlag) && seq === 1) this.store.setNextTargetSeq(1);
    const want = this.store.nextTargetSeq();
    if (seq < want) {
      this.sendLogout(`MsgSeqNum too low, expecting ${expected} but received ${seq}`);
      this.disconnect('Logon reply MsgSeqNum too low');
      return;
    }
    this.loggedOn();
    if (seq > want) {
      this.enqueue(m, seq);
      this.requestResend(want, seq);
    } else {
      this.incrementTarget();
    }
  }

  /** A Logon with ResetSeqNumFlag=Y while logged on: both sides start again at 1. */
  private onResetLogon(m: FixMessage): void {
    if (!this.verify(m, false, false)) return;
    const heartBtInt = m.int(Tag.HeartBtInt);
    if (Number.isInteger(heartBtInt) && this.heartBtIntAllowed(heartBtInt)) this.heartBtIntSec = heartBtInt;
    this.log.event('fix_sequence_reset_by_logon', { session: this.id, lastSenderSeq: this.store.nextSenderSeq() - 1, lastTargetSeq: this.store.nextTargetSeq() - 1 });
    this.store.reset();
    this.queue.clear();
    this.resendRange = null;
    this.sendLogon(true);
    // The Logon itself is number 1 of the new sequence, whatever it carries (QuickFIX counts it
    // and expects 2 next).
    this.store.setNextTargetSeq(2);
  }

  private loggedOn(): void {
    this.state = 'logged_on';
    this.log.event('fix_logon', { session: this.id, heartBtIntSec: this.heartBtIntSec, nextSenderSeq: this.store.nextSenderSeq(), nextTargetSeq: this.store.nextTargetSeq() });
    this.app.onLogon?.(this);
  }

  /**
   * Header checks and sequence checks for a message after logon. Returns true when the message
   * is the next expected one and should be processed now.
   */
  private verify(m: FixMessage, checkTooHigh: boolean, checkTooLow: boolean): boolean {
    if (!this.goodTime(m)) {
      this.sendReject(m, SessionRejectReason.SendingTimeAccuracy, null, REJECT_TEXT[10] as string);
      this.sendLogout();
      return false;
    }
    if (m.str(Tag.SenderCompID) !== this.config.targetCompId || m.str(Tag.TargetCompID) !== this.config.senderCompId) {
      this.sendReject(m, SessionRejectReason.CompIdProblem, null, REJECT_TEXT[9] as string);
      this.sendLogout();
      return false;
    }
    const seq = m.seqNum;
    const expected = this.store.nextTargetSeq();
    if (checkTooHigh && seq > expected) {
      this.enqueue(m, seq);
      this.requestResend(expected, seq);
      return false;
    }
    if (checkTooLow && seq < expected) {
      if (m.flag(Tag.PossDupFlag)) {
        const orig = m.str(Tag.OrigSendingTime);
        if (orig === undefined) {
          this.sendReject(m, SessionRejectReason.RequiredTagMissing, Tag.OrigSendingTime, REJECT_TEXT[1] as string);
          return false;
        }
        const origMs = parseUtcTimestamp(orig);
        const sendingMs = parseUtcTimestamp(m.str(Tag.SendingTime) ?? '');
        if (!(origMs <= sendingMs)) {
          this.sendReject(m, SessionRejectReason.SendingTimeAccuracy, null, REJECT_TEXT[10] as string);
          this.sendLogout();
          return false;
        }
        return false; // a duplicate we already processed
      }
      this.sendLogout(`MsgSeqNum too low, expecting ${expected} but received ${seq}`);
      this.disconnect('MsgSeqNum too low');
      return false;
    }
    // Only a message whose number was checked can satisfy our ResendRequest: a ResendRequest
    // or Logout from the peer (checked for neither) says nothing about the gap being filled.
    if ((checkTooHigh || checkTooLow) && this.resendRange !== null && seq >= this.resendRange[1]) {
      this.log.event('fix_resend_complete', { session: this.id, range: this.resendRange });
      this.resendRange = null;
    }
    return true;
  }

  private goodTime(m: FixMessage): boolean {
    if (this.config.maxLatencySec <= 0) return true;
    const sent = parseUtcTimestamp(m.str(Tag.SendingTime) ?? '');
    return Number.isFinite(sent) && Math.abs(this.clock.nowMs() - sent) <= this.config.maxLatencySec * 1000;
  }

  private enqueue(m: FixMessage, seq: number): void {
    if (this.queue.size >= this.config.maxQueuedMessages) {
      this.counters.queueDropped++;
      this.log.event('fix_queue_full', { session: this.id, seq, limit: this.config.maxQueuedMessages });
      return;
    }
    this.queue.set(seq, { seq, frame: Buffer.from(m.frame()) });
  }

  /** Processes queued messages that have become the next expected ones. */
  private processQueue(): void {
    while (this.state === 'logged_on' || this.state === 'logout_sent') {
      const next = this.queue.get(this.store.nextTargetSeq());
      if (next === undefined) {
        // Anything queued below the expected number was overtaken by a gap fill.
        for (const seq of this.queue.keys()) if (seq < this.store.nextTargetSeq()) this.queue.delete(seq);
        return;
      }
      this.queue.delete(next.seq);
      this.queuedMessage ??= this.newMessage();
      if (!this.queuedMessage.parse(next.frame, 0, next.frame.length)) continue;
      const type = this.queuedMessage.msgType;
      // A queued Logon or ResendRequest was already acted on when it arrived: only count it.
      if (type === MsgType.Logon || type === MsgType.ResendRequest) this.incrementTarget();
      else {
        // Counted against the peer's rate when it arrived, not again now.
        this.fromQueue = true;
        try {
          this.onMessage(this.queuedMessage);
        } finally {
          this.fromQueue = false;
        }
      }
    }
  }

  /** Whether `seq` is in the range we asked the peer to resend (it may overdraw the rate budget). */
  private fillsOurGap(seq: number): boolean {
    const range = this.resendRange;
    return range !== null && seq >= range[0] && seq <= range[1];
  }

  private requestResend(from: number, seenSeq: number): void {
    this.counters.gapsDetected++;
    if (this.resendRange !== null && seenSeq >= this.resendRange[0]) {
      this.log.event('fix_resend_already_requested', { session: this.id, from: this.resendRange[0], seen: seenSeq });
      return;
    }
    this.resendRange = [from, seenSeq - 1];
    this.send(MsgType.ResendRequest, (e) => e.int(Tag.BeginSeqNo, from).int(Tag.EndSeqNo, 0));
    this.log.event('fix_resend_requested', { session: this.id, from, to: 'infinity', seen: seenSeq });
  }

  /** When this connection's recent ResendRequests arrived (the last minute's, at most the limit + 1). */
  private resendRequestTimes: number[] = [];

  private onResendRequest(m: FixMessage): void {
    if (!this.verify(m, false, false)) return;
    const now = this.clock.nowMs();
    const times = this.resendRequestTimes;
    times.push(now);
    while (times.length > 0 && now - (times[0] as number) >= 60_000) times.shift();
    const limit = this.config.maxResendRequestsPerMinute ?? DEFAULT_SESSION_CONFIG.maxResendRequestsPerMinute ?? 30;
    if (times.length > limit) {
      const text = `ResendRequest flood: more than ${limit} in a minute`;
      this.log.event('fix_resend_flood', { session: this.id, limit });
      this.sendLogout(text);
      this.disconnect(text);
      return;
    }
    const begin = m.int(Tag.BeginSeqNo);
    let end = m.int(Tag.EndSeqNo);
    const lastSent = this.store.nextSenderSeq() - 1;
    if (!Number.isInteger(begin) || begin < 1) {
      this.sendReject(m, SessionRejectReason.ValueIncorrect, Tag.BeginSeqNo, REJECT_TEXT[5] as string);
    } else {
      if (!Number.isInteger(end) || end === 0 || end > lastSent) end = lastSent;
      this.resend(begin, end);
    }
    const seq = m.seqNum;
    const expected = this.store.nextTargetSeq();
    if (seq === expected) this.incrementTarget();
    else if (seq > expected) this.requestResend(expected, seq);
  }

  /**
   * Resends [begin, end]: stored application messages with PossDup, gap fills for the rest.
   * Walks the stored messages, not the numbers: a request for 1..10,000,000 against a window of
   * 20,000 messages costs 20,000 steps, not ten million.
   */
  private resend(begin: number, end: number): void {
    this.counters.resendsServed++;
    const now = this.clock.nowMs();
    const maxAge = this.config.resendMaxAgeMs;
    const stored = this.store.getOutbound(begin, end);
    // The first number not yet resent or gap-filled.
    let next = begin;
    for (const m of stored) {
      if (m.seq < next || m.seq > end) continue;
      if (isAdminMsgType(m.msgType) || (maxAge !== null && now - m.sendingTimeMs > maxAge)) continue;
      // A peer that stopped reading is cut off mid-resend (the connection's unsent-bytes limit):
      // encoding the rest would be work for nobody.
      if (this.transport === null) return;
      if (m.seq > next) this.sendGapFill(next, m.seq);
      this.writeMessage(m.msgType, m.seq, m.body, true, m.sendingTimeMs, null);
      next = m.seq + 1;
    }
    if (this.transport === null) return;
    if (next <= end) this.sendGapFill(next, end + 1);
    this.log.event('fix_resend_served', { session: this.id, begin, end, resent: stored.length });
  }

  private sendGapFill(seq: number, newSeqNo: number): void {
    const body = this.bodyOf((e) => e.int(Tag.NewSeqNo, newSeqNo).str(Tag.GapFillFlag, 'Y'));
    this.writeMessage(MsgType.SequenceReset, seq, body, true, this.clock.nowMs(), null);
  }

  private onSequenceReset(m: FixMessage): void {
    const gapFill = m.flag(Tag.GapFillFlag);
    if (!this.verify(m, gapFill, gapFill)) return;
    const newSeqNo = m.int(Tag.NewSeqNo);
    const expected = this.store.nextTargetSeq();
    if (!Number.isInteger(newSeqNo)) {
      this.sendReject(m, SessionRejectReason.RequiredTagMissing, Tag.NewSeqNo, REJECT_TEXT[1] as string);
      return;
    }
    if (newSeqNo > expected) {
      this.store.setNextTargetSeq(newSeqNo);
    } else if (newSeqNo < expected) {
      // Numbers never go backwards: refused with 373=5 and no RefTagID, as QuickFIX sends it.
      this.sendReject(m, SessionRejectReason.ValueIncorrect, null, REJECT_TEXT[5] as string);
    }
  }

  private onLogout(m: FixMessage): void {
    if (!this.verify(m, false, false) && this.state !== 'logout_sent') return;
    const text = m.str(Tag.Text);
    if (this.state === 'logout_sent') {
      this.log.event('fix_logout_confirmed', { session: this.id, text });
    } else {
      this.log.event('fix_logout_received', { session: this.id, text });
      this.send(MsgType.Logout, () => {});
    }
    if (m.seqNum === this.store.nextTargetSeq()) this.incrementTarget();
    if (this.config.resetOnLogout) this.store.reset();
    this.disconnect(text === undefined ? 'Logout' : `Logout: ${text}`);
  }

  private deliverApp(m: FixMessage): void {
    try {
      this.app.fromApp(this, m);
    } catch (error) {
      if (error instanceof UnsupportedMessageType) {
        this.send(MsgType.BusinessMessageReject, (e) =>
          e.int(Tag.RefSeqNum, m.seqNum).str(Tag.Text, 'Unsupported Message Type').str(Tag.RefMsgType, m.msgType).int(Tag.BusinessRejectReason, 3),
        );
        return;
      }
      // An application bug must not take the session down; say so and move on.
      this.log.event('fix_app_error', { session: this.id, msgType: m.msgType, seq: m.seqNum, error: error instanceof Error ? error.message : String(error) });
      this.send(MsgType.BusinessMessageReject, (e) =>
        e.int(Tag.RefSeqNum, m.seqNum).str(Tag.Text, 'Application error').str(Tag.RefMsgType, m.msgType).int(Tag.BusinessRejectReason, 0),
      );
    }
  }

  private incrementTarget(): void {
    this.store.setNextTargetSeq(this.store.nextTargetSeq() + 1);
  }

  // ------------------------------------------------------------------------------------------
  // Timers

  /** Drives heartbeats, test requests and timeouts; call every ~100 ms. */
  tick(): void {
    if (this.state === 'disconnected') return;
    const now = this.clock.nowMs();
    const schedule = this.config.schedule;
    if (schedule !== null) {
      if (!schedule.isOpen(now)) {
        if (this.state === 'logged_on') this.sendLogout('End of session');
        else if (this.state === 'awaiting_logon') this.disconnect('outside the session schedule');
      } else if (now - this.store.lastActiveMs() >= ACTIVE_MARK_EVERY_MS) {
        this.store.setLastActiveMs(now);
      }
    }
    if (this.state === 'awaiting_logon') {
      if (now - this.logonSentMs >= this.config.logonTimeoutSec * 1000) this.disconnect('Logon timed out');
      return;
    }
    if (this.state === 'logout_sent') {
      if (now - this.logoutSentMs >= this.config.logoutTimeoutSec * 1000) this.disconnect('Logout timed out');
      return;
    }
    const hb = this.heartBtIntSec * 1000;
    if (hb <= 0) return;
    const sinceSent = now - this.lastSentMs;
    const sinceReceived = now - this.lastReceivedMs;
    if (sinceSent < hb && sinceReceived < hb) return;
    if (sinceReceived >= 2.4 * hb) {
      this.disconnect('Timed out waiting for heartbeat');
      return;
    }
    if (sinceReceived >= 1.5 * (this.testRequests + 1) * hb) {
      this.send(MsgType.TestRequest, (e) => e.str(Tag.TestReqID, 'TEST'));
      this.testRequests++;
      this.log.event('fix_test_request_sent', { session: this.id, silenceMs: sinceReceived });
    } else if (sinceSent >= hb && this.testRequests === 0) {
      this.sendHeartbeat(undefined);
    }
  }

  // ------------------------------------------------------------------------------------------
  // Outbound

  /** Sends an application message: stored (for resends) before it is written. */
  sendApp(msgType: string, writeBody: (e: FixEncoder) => void): number {
    if (this.state !== 'logged_on') return -1;
    return this.send(msgType, writeBody);
  }

  /**
   * Sends an application message that must not be lost to a disconnection (an execution
   * report): at once when logged on; otherwise stored under the next sequence number without
   * being written, so the counterparty, seeing the gap after its next Logon, asks for it and
   * gets it as a PossDup resend. Returns the sequence number it was given.
   */
  sendAppDurable(msgType: string, writeBody: (e: FixEncoder) => void): number {
    if (this.state === 'logged_on') return this.send(msgType, writeBody);
    const seq = this.store.nextSenderSeq();
    this.store.saveOutbound({ seq, msgType, sendingTimeMs: this.clock.nowMs(), body: this.bodyOf(writeBody) });
    this.store.setNextSenderSeq(seq + 1);
    this.counters.storedWhileDown++;
    this.log.event('fix_stored_for_resend', { session: this.id, seq, msgType, state: this.state });
    return seq;
  }

  /** Sends an application message whose body fields are already encoded. */
  sendAppRaw(msgType: string, body: Buffer): number {
    if (this.state !== 'logged_on') return -1;
    const seq = this.store.nextSenderSeq();
    const now = this.clock.nowMs();
    if (!this.config.neverResendMsgTypes.has(msgType)) this.store.saveOutbound({ seq, msgType, sendingTimeMs: now, body });
    this.store.setNextSenderSeq(seq + 1);
    this.writeMessage(msgType, seq, body, false, now, null);
    return seq;
  }

  /** Starts a Logout (a reply is awaited for logoutTimeoutSec). */
  logout(text?: string): void {
    if (this.state === 'logged_on') this.sendLogout(text);
  }

  private sendLogon(reset: boolean): void {
    if (this.config.role === 'initiator' && reset) this.store.reset();
    this.send(MsgType.Logon, (e) => {
      e.int(Tag.EncryptMethod, 0).int(Tag.HeartBtInt, this.heartBtIntSec);
      if (reset) e.str(Tag.ResetSeqNumFlag, 'Y');
      if (this.config.role === 'initiator') {
        if (this.config.username !== undefined) e.str(Tag.Username, this.config.username);
        if (this.config.password !== undefined) e.str(Tag.Password, this.config.password);
      }
    });
  }

  private sendHeartbeat(testReqId: string | undefined): void {
    this.send(MsgType.Heartbeat, (e) => {
      if (testReqId !== undefined) e.str(Tag.TestReqID, testReqId);
    });
  }

  private sendLogout(text?: string): void {
    // The state changes before the write: the reply may arrive before write() returns.
    this.state = 'logout_sent';
    this.logoutSentMs = this.clock.nowMs();
    this.send(MsgType.Logout, (e) => {
      if (text !== undefined) e.str(Tag.Text, text);
    });
  }

  private sendReject(m: FixMessage, reason: number, refTag: number | null, text: string): void {
    this.counters.rejectsSent++;
    const route: [number, string][] = [];
    for (const [from, to] of REVERSE_ROUTE) {
      const v = m.str(from);
      if (v !== undefined && v.length > 0) route.push([to, v]);
    }
    route.sort((a, b) => a[0] - b[0]);
    const refSeq = m.seqNum;
    const body = this.bodyOf((e) => {
      if (Number.isInteger(refSeq)) e.int(Tag.RefSeqNum, refSeq);
      e.str(Tag.Text, text);
      if (refTag !== null) e.int(Tag.RefTagID, refTag);
      e.str(Tag.RefMsgType, m.msgType);
      e.int(Tag.SessionRejectReason, reason);
    });
    const seq = this.store.nextSenderSeq();
    this.store.setNextSenderSeq(seq + 1);
    this.writeMessage(MsgType.Reject, seq, body, false, this.clock.nowMs(), route);
    this.log.event('fix_reject_sent', { session: this.id, refSeq, reason, refTag, text });
  }

  /** Sends an admin or application message with the next sequence number. */
  private send(msgType: string, writeBody: (e: FixEncoder) => void): number {
    const seq = this.store.nextSenderSeq();
    const now = this.clock.nowMs();
    const transport = this.transport;
    // One pass: header and body into the frame; the store copies the body out of it.
    const e = this.startFrame(msgType, seq, false, now, null);
    const bodyStart = e.mark();
    writeBody(e);
    const bodyEnd = e.mark();
    const bytes = e.finish();
    if (!isAdminMsgType(msgType) && !this.config.neverResendMsgTypes.has(msgType)) this.store.saveOutbound({ seq, msgType, sendingTimeMs: now, body: e.viewRange(bodyStart, bodyEnd) });
    this.store.setNextSenderSeq(seq + 1);
    this.lastSentMs = now;
    this.counters.sent++;
    transport?.write(bytes);
    return seq;
  }

  /** Encodes body fields alone (no header), copied out of the encoder's buffer. */
  private bodyOf(writeBody: (e: FixEncoder) => void): Buffer {
    const scratch = bodyEncoder;
    scratch.begin();
    writeBody(scratch);
    return scratch.takeBody();
  }

  /** Starts a frame: MsgType and the standard header in QuickFIX's order. */
  private startFrame(msgType: string, seq: number, possDup: boolean, origSendingMs: number, route: [number, string][] | null): FixEncoder {
    const now = this.clock.nowMs();
    const e = this.encoder.begin().str(Tag.MsgType, msgType).int(Tag.MsgSeqNum, seq);
    if (possDup) e.str(Tag.PossDupFlag, 'Y');
    e.str(Tag.SenderCompID, this.config.senderCompId).str(Tag.SendingTime, formatUtcTimestamp(now)).str(Tag.TargetCompID, this.config.targetCompId);
    let routeIndex = 0;
    if (route !== null) {
      while (routeIndex < route.length && (route[routeIndex] as [number, string])[0] < Tag.OrigSendingTime) {
        const [t, v] = route[routeIndex++] as [number, string];
        e.str(t, v);
      }
    }
    if (possDup) e.str(Tag.OrigSendingTime, formatUtcTimestamp(origSendingMs));
    if (route !== null) {
      while (routeIndex < route.length) {
        const [t, v] = route[routeIndex++] as [number, string];
        e.str(t, v);
      }
    }
    return e;
  }

  private writeMessage(msgType: string, seq: number, body: Buffer, possDup: boolean, origSendingMs: number, route: [number, string][] | null): void {
    const transport = this.transport;
    if (transport === null) return;
    const bytes = this.startFrame(msgType, seq, possDup, origSendingMs, route).raw(body).finish();
    this.lastSentMs = this.clock.nowMs();
    this.counters.sent++;
    transport.write(bytes);
  }
}

/** Encodes body-only field lists (no BeginString/BodyLength/CheckSum). */
class BodyEncoder extends FixEncoder {
  private start = 0;
  override begin(): this {
    super.begin();
    this.start = this.position();
    return this;
  }
  takeBody(): Buffer {
    return Buffer.from(this.slice(this.start));
  }
}

const bodyEncoder = new BodyEncoder();

/** Without a dictionary: only what every session needs (required header fields, values present). */
function structuralProblem(m: FixMessage): { reason: number; refTag: number | null; text: string } | null {
  for (const tag of [Tag.SenderCompID, Tag.TargetCompID, Tag.MsgSeqNum, Tag.SendingTime]) {
    if (!m.has(tag)) return { reason: SessionRejectReason.RequiredTagMissing, refTag: tag, text: REJECT_TEXT[1] as string };
  }
  for (let i = 0; i < m.count; i++) {
    if (m.starts[i] === m.ends[i]) return { reason: SessionRejectReason.TagSpecifiedWithoutValue, refTag: m.tags[i] as number, text: REJECT_TEXT[4] as string };
    if ((m.tags[i] as number) <= 0) return { reason: SessionRejectReason.InvalidTagNumber, refTag: m.tags[i] as number, text: REJECT_TEXT[0] as string };
  }
  if (!Number.isInteger(m.seqNum)) return { reason: SessionRejectReason.IncorrectDataFormat, refTag: Tag.MsgSeqNum, text: REJECT_TEXT[6] as string };
  return null;
}
