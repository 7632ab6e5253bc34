// The live engine's configuration file (YAML or JSON): bundles, run folder, the platform
// acceptor and its sessions, the LP connections. Validated whole, errors with file:line:field.

import { dirname, resolve } from 'node:path';
import { LineCounter, parseDocument } from 'yaml';
import { z } from 'zod';
import { BridgeError } from '../core/errors.js';
import { loadBundle } from '../mappings/load-bundle.js';
import { readTextFile } from '../mappings/read-text.js';
import { CANDIDATE_ID } from '../exporters/run-folder.js';
import { defaultCandidateId } from './more-candidates.js';

const compId = z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'letters, digits, _ . - (1-64)');
const port = z.number().int().min(0).max(65535);
const loopbackOrHost = z.string().min(1);

const tlsServer = z.strictObject({ keyFile: z.string().min(1), certFile: z.string().min(1) });
const tlsClient = z.strictObject({ caFile: z.string().min(1).optional(), rejectUnauthorized: z.boolean().default(true), servername: z.string().optional() });

const LOOPBACK = ['127.0.0.1', '::1', 'localhost'];
const wsToken = z.string().regex(/^[\x21-\x7e]{16,512}$/, '16-512 printable characters, no spaces');
const envName = z.string().regex(/^[A-Z_][A-Z0-9_]{0,63}$/, 'an environment variable name');

/** Limits of a WebSocket listener (docs/ws-protocol.md); every one finite. */
const wsLimits = z
  .strictObject({
    maxMessageBytes: z.number().int().min(256).max(1_048_576).default(16 * 1024),
    maxConnections: z.number().int().min(1).max(10_000).default(256),
    maxPendingConnections: z.number().int().min(1).max(10_000).default(64),
    authTimeoutMs: z.number().int().min(100).max(60_000).default(5_000),
    messagesPerSecond: z.number().int().min(1).max(100_000).default(100),
    heartbeatMs: z.number().int().min(100).max(30_000).default(1_000),
    pingIntervalMs: z.number().int().min(100).max(300_000).default(10_000),
    idleTimeoutMs: z.number().int().min(1_000).max(86_400_000).default(300_000),
    conflateAboveBytes: z.number().int().min(1_024).max(64 * 1024 * 1024).default(256 * 1024),
    maxBufferedBytes: z.number().int().min(4_096).max(256 * 1024 * 1024).default(4 * 1024 * 1024),
    slowConsumerMs: z.number().int().min(100).max(600_000).default(5_000),
    maxFailedAuthPerMinute: z.number().int().min(1).max(10_000).default(20),
  })
  .prefault({});

/** Web platforms over WebSocket: the same groups, markups, shadow and rollout as FIX platforms. */
const websocketPlatforms = z.strictObject({
  host: loopbackOrHost.default('127.0.0.1'),
  port,
  path: z.string().regex(/^\/[A-Za-z0-9._~/-]{0,63}$/, 'a path such as /v1').default('/v1'),
  tls: tlsServer.nullable().default(null),
  /** Tokens cross the network in the clear without tls: refused off loopback unless set. */
  allowPlaintext: z.boolean().default(false),
  limits: wsLimits,
  clients: z
    .array(
      z.strictObject({
        /** The client's id: its orders' identity is (id, clOrdId), like a FIX session's. */
        id: compId,
        /** The client's token, written here; better: in the environment variable `tokenEnv` names. */
        token: wsToken.optional(),
        tokenEnv: envName.optional(),
        defaultGroup: z.string().min(1),
        accountGroups: z.record(z.string(), z.string()).default({}),
        /** false: prices only; orders are answered SB_WS_ORDERS_DISABLED. */
        orders: z.boolean().default(true),
      }),
    )
    .min(1),
});

/** One of several candidates: a bundle folder or Router module here, or a remote shadow worker. */
const candidateEntry = z.strictObject({
  id: z.string().regex(CANDIDATE_ID, 'letters, digits, _ . - (1-64)'),
  path: z.string().min(1).optional(),
  /** A shadow-worker (`--id` this id) evaluates it elsewhere and reports its figures over the tap. */
  remote: z.boolean().default(false),
  /** The environment variable holding the token its worker sends (required off loopback). */
  tokenEnv: envName.optional(),
});

const schema = z.strictObject({
  run: z.strictObject({
    production: z.string().min(1),
    candidate: z.string().min(1).nullable().default(null),
    /**
     * Several candidates side by side (instead of `candidate`): the first listed is the one a
     * rollout executes and must then be a path; the others only shadow.
     */
    candidates: z.array(candidateEntry).min(1).max(16).nullable().default(null),
    out: z.string().min(1),
    record: z.string().min(1).nullable().default(null),
    flushMs: z.number().int().min(100).max(60_000).default(1_000),
    maxShadowQueue: z.number().int().min(1).max(10_000_000).default(10_000),
    candidateBudgetUs: z.number().int().min(1).max(60_000_000).default(50_000),
    /** An order its LP has not answered for this long gets an OrderStatusRequest. */
    lpOrderTimeoutMs: z.number().int().min(100).max(600_000).default(5_000),
    /** After the status request, this much more silence makes the order unresolved (alerted). */
    lpUnresolvedAfterMs: z.number().int().min(100).max(3_600_000).default(30_000),
    /** An LP fill this many percent or more from the quote the order was decided on is an lp_price_outlier break (passed on, alerted). */
    lpFillOutlierPercent: z.number().positive().max(100).default(5),
    /** fsync policy of the order journal (see src/app/live/order-journal.ts). */
    orderJournalFsync: z.enum(['always', 'interval', 'never']).default('interval'),
    /** Start even if the order journal has corrupt records, skipping them (never the default). */
    recoverJournal: z.boolean().default(false),
  }),
  platform: z.strictObject({
    host: loopbackOrHost.default('127.0.0.1'),
    port,
    senderCompId: compId,
    storeDir: z.string().min(1),
    /** Serve platforms over TLS with this key and certificate. */
    tls: tlsServer.nullable().default(null),
    /** Publish marked-up prices to platforms at most this often per symbol. */
    priceThrottleMs: z.number().int().min(0).max(60_000).default(100),
    /** Most TCP connections at once (logged on or not); past it new ones are closed and counted. */
    maxConnections: z.number().int().min(1).max(10_000).default(64),
    /** A connection that has not sent a valid Logon within this long is closed. */
    logonTimeoutMs: z.number().int().min(100).max(120_000).default(5_000),
    /** Failed Logons per peer address per minute before its connections are refused for a minute. */
    maxFailedLogonsPerMinute: z.number().int().min(1).max(10_000).default(5),
    /** Web platforms over WebSocket, beside the FIX sessions (off unless configured). */
    websocket: websocketPlatforms.nullable().default(null),
    sessions: z
      .array(
        z.strictObject({
          targetCompId: compId,
          defaultGroup: z.string().min(1),
          accountGroups: z.record(z.string(), z.string()).default({}),
          groupTag: z.number().int().min(1).nullable().default(null),
          username: z.string().optional(),
          password: z.string().optional(),
          /**
           * NewOrderSingles and MarketDataRequests this session may send per second (twice it at
           * once); beyond it they are refused (ER 8 / MarketDataRequestReject), never queued.
           * Cancels are never refused for rate: they only take risk off. A session sending more
           * than five times this in messages of any kind per second is logged out (a flood).
           */
          messagesPerSecond: z.number().int().min(1).max(1_000_000).default(2_000),
        }),
      )
      .min(1),
  }),
  /** The admin HTTP API: status, rollout commands; 127.0.0.1 unless configured otherwise. */
  admin: z
    .strictObject({
      host: loopbackOrHost.default('127.0.0.1'),
      port: port.default(7070),
      /** The bearer token, written here; better: in the environment variable `tokenEnv` names. */
      token: z.string().regex(/^[\x21-\x7e]{16,512}$/, '16-512 printable characters, no spaces').optional(),
      tokenEnv: z.string().regex(/^[A-Z_][A-Z0-9_]{0,63}$/, 'an environment variable name').default('SB_ADMIN_TOKEN'),
      maxConnections: z.number().int().min(1).max(1_000).default(32),
      /** The API is plain HTTP: a token sent over a network can be read on it. Off by default. */
      allowNonLoopback: z.boolean().default(false),
    })
    .nullable()
    .default(null),
  /** Scale-out: every recorded event, numbered, on a ZeroMQ socket for shadow workers (off unless set). */
  tap: z
    .strictObject({
      /** tcp://HOST:PORT (port 0: any, logged) or ipc://PATH. */
      bind: z.string().regex(/^(tcp:\/\/[^\s:]+:\d{1,5}|tcp:\/\/\[[0-9a-fA-F:]+\]:\d{1,5}|ipc:\/\/\S+)$/, 'tcp://HOST:PORT or ipc://PATH'),
      /** Messages queued per subscriber before libzmq drops for it (and its sequence numbers show the gap). */
      highWaterMark: z.number().int().min(100).max(10_000_000).default(100_000),
      /** Messages waiting for the socket before new ones are dropped and counted. */
      maxQueue: z.number().int().min(100).max(10_000_000).default(100_000),
      /** Records are sent in one message per this many ms (0: one message per record). */
      batchMs: z.number().int().min(0).max(100).default(2),
      /** A state snapshot this often: where late and gap-hit workers start comparing again. */
      stateEveryMs: z.number().int().min(100).max(60_000).default(1_000),
      /** Start the session only once this many workers have subscribed (or the wait ran out). */
      waitForSubscribers: z.number().int().min(0).max(64).default(0),
      waitForSubscribersMs: z.number().int().min(0).max(600_000).default(5_000),
      /** The tap is unencrypted order flow: a bind off loopback must say so. */
      allowNonLoopback: z.boolean().default(false),
    })
    .nullable()
    .default(null),
  /** Go: execute the candidate for a growing cohort of accounts under this plan's gates. */
  rollout: z
    .strictObject({
      plan: z.string().min(1),
    })
    .nullable()
    .default(null),
  lps: z
    .array(
      z.strictObject({
        id: compId,
        /** fix: a FIX 4.4 session; ws: the venue profile of docs/ws-protocol.md. */
        protocol: z.enum(['fix', 'ws']).default('fix'),
        host: loopbackOrHost.default('127.0.0.1'),
        port,
        /** FIX only (required there). */
        senderCompId: compId.optional(),
        targetCompId: compId.optional(),
        /** WebSocket only: the LP's path and our token (or the environment variable holding it). */
        path: z.string().regex(/^\/[A-Za-z0-9._~/-]{0,63}$/, 'a path such as /v1').default('/v1'),
        token: wsToken.optional(),
        tokenEnv: envName.optional(),
        /** WebSocket only: connect without TLS to an address that is not loopback (the token crosses in the clear). */
        allowPlaintext: z.boolean().default(false),
        heartBtIntSec: z.number().int().min(1).max(300).default(10),
        account: z.string().default('BRIDGE'),
        /** Orders older than this are gap-filled, not resent, when the LP asks for a resend. */
        resendMaxAgeMs: z.number().int().min(0).default(2_000),
        /** A session name from the production bundle's sessions.yaml: connect only inside it. */
        schedule: z.string().min(1).nullable().default(null),
        /** Reset sequence numbers when a new schedule window starts (weekly FX reset). */
        resetAtScheduleStart: z.boolean().default(true),
        /** Connect over TLS (caFile: trust this CA in addition to the system's). */
        tls: tlsClient.nullable().default(null),
        /** Credentials sent in our Logon (553/554), where the LP asks for them. */
        username: z.string().min(1).optional(),
        password: z.string().min(1).optional(),
      }),
    )
    .min(1),
}).superRefine((c, ctx) => {
  // Two entries for one session or one LP would fight over one sequence-number store.
  const dup = <T>(items: readonly T[], key: (t: T) => string, path: (i: number) => (string | number)[], what: string): void => {
    const seen = new Map<string, number>();
    items.forEach((item, i) => {
      const k = key(item);
      const first = seen.get(k);
      if (first !== undefined) ctx.addIssue({ code: 'custom', path: path(i), message: `${what} ${k} is already used at index ${first}` });
      else seen.set(k, i);
    });
  };
  dup(c.platform.sessions, (s) => s.targetCompId, (i) => ['platform', 'sessions', i, 'targetCompId'], 'platform session targetCompId');
  dup(c.lps, (l) => l.id, (i) => ['lps', i, 'id'], 'LP id');
  const fixLps = c.lps.filter((l) => l.protocol === 'fix');
  dup(fixLps, (l) => `${l.senderCompId}->${l.targetCompId}`, (i) => ['lps', c.lps.indexOf(fixLps[i] as (typeof c.lps)[number]), 'targetCompId'], 'LP session');
  c.lps.forEach((l, i) => {
    if (l.protocol === 'fix') {
      for (const field of ['senderCompId', 'targetCompId'] as const) if (l[field] === undefined) ctx.addIssue({ code: 'custom', path: ['lps', i, field], message: 'is required for a FIX LP' });
      for (const field of ['token', 'tokenEnv'] as const) if (l[field] !== undefined) ctx.addIssue({ code: 'custom', path: ['lps', i, field], message: 'is for a WebSocket LP (protocol: ws); a FIX LP takes username and password' });
    } else {
      if (l.tls === null && !l.allowPlaintext && !LOOPBACK.includes(l.host)) ctx.addIssue({ code: 'custom', path: ['lps', i, 'host'], message: `${l.host} is not a loopback address: without tls the LP's token would cross the network in the clear; set tls, or allowPlaintext: true` });
      if (l.token === undefined && l.tokenEnv === undefined) ctx.addIssue({ code: 'custom', path: ['lps', i, 'token'], message: 'a WebSocket LP needs token or tokenEnv' });
      for (const field of ['senderCompId', 'targetCompId', 'username', 'password', 'schedule'] as const) if (l[field] !== undefined && l[field] !== null) ctx.addIssue({ code: 'custom', path: ['lps', i, field], message: 'is for a FIX LP; a WebSocket LP authenticates with token or tokenEnv' });
    }
  });
  const ws = c.platform.websocket;
  if (ws !== null) {
    dup(ws.clients, (x) => x.id, (i) => ['platform', 'websocket', 'clients', i, 'id'], 'WebSocket client id');
    const fixIds = new Set(c.platform.sessions.map((x) => x.targetCompId));
    ws.clients.forEach((x, i) => {
      // Orders are known by (platform, ClOrdID): a FIX session and a web client may not share a name.
      if (fixIds.has(x.id)) ctx.addIssue({ code: 'custom', path: ['platform', 'websocket', 'clients', i, 'id'], message: `${x.id} is also a FIX platform session's targetCompId` });
      if ((x.token === undefined) === (x.tokenEnv === undefined)) ctx.addIssue({ code: 'custom', path: ['platform', 'websocket', 'clients', i, 'token'], message: 'give exactly one of token and tokenEnv' });
    });
    if (ws.tls === null && !ws.allowPlaintext && !LOOPBACK.includes(ws.host)) ctx.addIssue({ code: 'custom', path: ['platform', 'websocket', 'host'], message: `${ws.host} is not a loopback address: without tls the clients' tokens would cross the network in the clear; set tls, or allowPlaintext: true` });
    if (ws.port !== 0 && ws.port === c.platform.port && ws.host === c.platform.host) ctx.addIssue({ code: 'custom', path: ['platform', 'websocket', 'port'], message: 'is the FIX acceptor\'s port' });
  }
  if (c.admin !== null && !c.admin.allowNonLoopback && !['127.0.0.1', '::1', 'localhost'].includes(c.admin.host)) {
    ctx.addIssue({ code: 'custom', path: ['admin', 'host'], message: `${c.admin.host} is not a loopback address: the admin API is plain HTTP and its token would cross the network; put it behind a TLS proxy on this host, or set allowNonLoopback: true` });
  }
  if (c.tap !== null && !c.tap.allowNonLoopback && c.tap.bind.startsWith('tcp://')) {
    const host = c.tap.bind.slice(6, c.tap.bind.lastIndexOf(':')).replace(/^\[|\]$/g, '');
    if (!LOOPBACK.includes(host)) ctx.addIssue({ code: 'custom', path: ['tap', 'bind'], message: `${host} is not a loopback address: the tap carries every order unencrypted; set allowNonLoopback: true to publish it on a network` });
  }
  // A rollout that no command could roll back is not started: the admin API comes with it.
  if (c.rollout !== null && c.admin === null) ctx.addIssue({ code: 'custom', path: ['rollout'], message: 'needs an admin section: rollback is a command on the admin API' });
  const entries = c.run.candidates;
  if (entries !== null) {
    if (c.run.candidate !== null) ctx.addIssue({ code: 'custom', path: ['run', 'candidates'], message: 'give run.candidate or run.candidates, not both' });
    dup(entries, (e) => e.id, (i) => ['run', 'candidates', i, 'id'], 'candidate id');
    const tapOffLoopback = c.tap !== null && c.tap.allowNonLoopback;
    entries.forEach((e, i) => {
      if ((e.path === undefined) === !e.remote) ctx.addIssue({ code: 'custom', path: ['run', 'candidates', i], message: 'give a path (a bundle folder or Router module) or remote: true, one of the two' });
      if (e.remote && c.tap === null) ctx.addIssue({ code: 'custom', path: ['run', 'candidates', i, 'remote'], message: 'a remote candidate reports over the event tap: add a tap: section' });
      if (!e.remote && e.tokenEnv !== undefined) ctx.addIssue({ code: 'custom', path: ['run', 'candidates', i, 'tokenEnv'], message: 'is for a remote candidate' });
      if (e.remote && tapOffLoopback && e.tokenEnv === undefined) ctx.addIssue({ code: 'custom', path: ['run', 'candidates', i, 'tokenEnv'], message: 'the tap is open to a network: a remote candidate needs a token (tokenEnv), or anyone there could report its figures' });
    });
    if (c.rollout !== null && entries[0]?.path === undefined) ctx.addIssue({ code: 'custom', path: ['run', 'candidates', 0], message: 'the first candidate is the one a rollout executes: it must be a path here, not remote' });
  }
  if (c.rollout !== null && c.run.candidate === null && entries === null) ctx.addIssue({ code: 'custom', path: ['rollout'], message: 'needs run.candidate: the rollout executes the candidate for its cohort' });
  c.platform.sessions.forEach((s, i) => {
    if (s.targetCompId === c.platform.senderCompId) ctx.addIssue({ code: 'custom', path: ['platform', 'sessions', i, 'targetCompId'], message: `is the engine's own senderCompId ${c.platform.senderCompId}` });
  });
});

export type LiveConfig = z.infer<typeof schema>;

/** A candidate of a live run: in this process (path) or remote (its worker reports). */
export interface LiveCandidate {
  readonly id: string;
  readonly path: string | null;
  readonly tokenEnv: string | null;
}

/** The run's candidates in order: `run.candidates`, or the one `run.candidate` names. */
export function liveCandidates(run: LiveConfig['run']): LiveCandidate[] {
  if (run.candidates !== null) return run.candidates.map((e) => ({ id: e.id, path: e.remote ? null : (e.path ?? null), tokenEnv: e.tokenEnv ?? null }));
  return run.candidate === null ? [] : [{ id: defaultCandidateId(run.candidate), path: run.candidate, tokenEnv: null }];
}
/** A config as written (defaults optional): what tests, benchmarks and the demo build in code. */
export type LiveConfigInput = z.input<typeof schema>;

/** Applies defaults and checks a config built in code (paths are taken as they are). */
export function liveConfigFrom(input: LiveConfigInput): LiveConfig {
  const result = schema.safeParse(input);
  if (!result.success) throw new BridgeError('SB_ERR_CONFIG', result.error.issues.map((i) => `${i.path.join('.') || '(config)'}: ${i.message}`).join('; '));
  return result.data;
}

/** Loads and validates a config file; relative paths are resolved against the file's folder. */
export function loadLiveConfig(file: string): LiveConfig {
  let text: string;
  try {
    text = readTextFile(file);
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a folder, not a config file' : (cause as Error).message;
    throw new BridgeError('SB_ERR_CONFIG_IO', `${file}: ${why}`, { cause });
  }
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines });
  if (doc.errors.length > 0) throw new BridgeError('SB_ERR_CONFIG', `${file}:${doc.errors[0]?.linePos?.[0]?.line ?? 1}: ${doc.errors[0]?.message.split('\n')[0]}`);
  const lineOf = (path: readonly PropertyKey[]): number => {
    for (let depth = path.length; depth >= 0; depth--) {
      const node = doc.getIn(path.slice(0, depth) as unknown[], true) as { range?: [number, number, number] } | undefined;
      if (node?.range !== undefined) return lines.linePos(node.range[0]).line;
    }
    return 1;
  };
  const result = schema.safeParse(doc.toJS());
  if (!result.success) {
    const problems = result.error.issues.map((issue) => `${file}:${lineOf(issue.path)} ${issue.path.join('.') || '(file)'}: ${issue.message}`);
    throw new BridgeError('SB_ERR_CONFIG', problems.join('; '));
  }
  const base = dirname(resolve(file));
  const c = result.data;
  const abs = (p: string): string => resolve(base, p);
  // Every LP must be one the production bundle routes to: an LP id it does not know would never
  // get an order, and a typo would silently leave an LP unused.
  // During a rollout the candidate executes too: an LP only it routes to is one to connect.
  const production = loadBundle(abs(c.run.production));
  const routable = new Set(production.lps.keys());
  const executing = c.run.candidate ?? c.run.candidates?.[0]?.path ?? null;
  if (c.rollout !== null && executing !== null) {
    try {
      for (const lp of loadBundle(abs(executing)).lps.keys()) routable.add(lp);
    } catch {
      // A candidate that is not a bundle is refused when the rollout starts, with its own code.
    }
  }
  const unknown = c.lps.map((l, i) => ({ l, i })).filter(({ l }) => !routable.has(l.id));
  if (unknown.length > 0) {
    const whose = c.rollout === null ? `the production bundle ${c.run.production}` : `the production or candidate bundle`;
    throw new BridgeError('SB_ERR_CONFIG', unknown.map(({ l, i }) => `${file}:${lineOf(['lps', i, 'id'])} lps.${i}.id: ${l.id} is not an LP of ${whose} (${[...routable].join(', ')})`).join('; '));
  }
  return {
    ...c,
    run: {
      ...c.run,
      production: abs(c.run.production),
      candidate: c.run.candidate === null ? null : abs(c.run.candidate),
      candidates: c.run.candidates === null ? null : c.run.candidates.map((e) => (e.path === undefined ? e : { ...e, path: abs(e.path) })),
      out: abs(c.run.out),
      record: c.run.record === null ? null : abs(c.run.record),
    },
    rollout: c.rollout === null ? null : { plan: abs(c.rollout.plan) },
    platform: {
      ...c.platform,
      storeDir: abs(c.platform.storeDir),
      tls: c.platform.tls === null ? null : { keyFile: abs(c.platform.tls.keyFile), certFile: abs(c.platform.tls.certFile) },
      websocket: c.platform.websocket === null ? null : { ...c.platform.websocket, tls: c.platform.websocket.tls === null ? null : { keyFile: abs(c.platform.websocket.tls.keyFile), certFile: abs(c.platform.websocket.tls.certFile) } },
    },
    lps: c.lps.map((l) => ({ ...l, tls: l.tls === null ? null : { ...l.tls, ...(l.tls.caFile === undefined ? {} : { caFile: abs(l.tls.caFile) }) } })),
  };
}

export { schema as liveConfigSchema };
