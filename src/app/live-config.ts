// The live engine's configuration file (YAML or JSON): bundles, run folder, the platform
// acceptor and its sessions, the LP connections. Validated whole, errors with file:line:field.

import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { LineCounter, parseDocument } from 'yaml';
import { z } from 'zod';
import { BridgeError } from '../core/errors.js';

const compId = z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'letters, digits, _ . - (1-64)');
const port = z.number().int().min(0).max(65535);
const loopbackOrHost = z.string().min(1);

const tlsServer = z.strictObject({ keyFile: z.string().min(1), certFile: z.string().min(1) });
const tlsClient = z.strictObject({ caFile: z.string().min(1).optional(), rejectUnauthorized: z.boolean().default(true), servername: z.string().optional() });

const schema = z.strictObject({
  run: z.strictObject({
    production: z.string().min(1),
    candidate: z.string().min(1).nullable().default(null),
    out: z.string().min(1),
    record: z.string().min(1).nullable().default(null),
    flushMs: z.number().int().min(100).max(60_000).default(1_000),
    maxShadowQueue: z.number().int().min(1).max(10_000_000).default(10_000),
    candidateBudgetUs: z.number().int().min(1).max(60_000_000).default(50_000),
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
    sessions: z
      .array(
        z.strictObject({
          targetCompId: compId,
          defaultGroup: z.string().min(1),
          accountGroups: z.record(z.string(), z.string()).default({}),
          groupTag: z.number().int().min(1).nullable().default(null),
          username: z.string().optional(),
          password: z.string().optional(),
        }),
      )
      .min(1),
  }),
  lps: z
    .array(
      z.strictObject({
        id: compId,
        host: loopbackOrHost.default('127.0.0.1'),
        port,
        senderCompId: compId,
        targetCompId: compId,
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
      }),
    )
    .min(1),
});

export type LiveConfig = z.infer<typeof schema>;

/** Loads and validates a config file; relative paths are resolved against the file's folder. */
export function loadLiveConfig(file: string): LiveConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (cause) {
    throw new BridgeError('SB_ERR_FIX_CONFIG', `${file}: ${(cause as Error).message}`, { cause });
  }
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines });
  if (doc.errors.length > 0) throw new BridgeError('SB_ERR_FIX_CONFIG', `${file}:${doc.errors[0]?.linePos?.[0]?.line ?? 1}: ${doc.errors[0]?.message.split('\n')[0]}`);
  const result = schema.safeParse(doc.toJS());
  if (!result.success) {
    const problems = result.error.issues.map((issue) => {
      let line = 1;
      for (let depth = issue.path.length; depth >= 0; depth--) {
        const node = doc.getIn(issue.path.slice(0, depth) as unknown[], true) as { range?: [number, number, number] } | undefined;
        if (node?.range !== undefined) {
          line = lines.linePos(node.range[0]).line;
          break;
        }
      }
      return `${file}:${line} ${issue.path.join('.') || '(file)'}: ${issue.message}`;
    });
    throw new BridgeError('SB_ERR_FIX_CONFIG', problems.join('\n'));
  }
  const base = dirname(resolve(file));
  const c = result.data;
  const abs = (p: string): string => resolve(base, p);
  return {
    ...c,
    run: { ...c.run, production: abs(c.run.production), candidate: c.run.candidate === null ? null : abs(c.run.candidate), out: abs(c.run.out), record: c.run.record === null ? null : abs(c.run.record) },
    platform: { ...c.platform, storeDir: abs(c.platform.storeDir), tls: c.platform.tls === null ? null : { keyFile: abs(c.platform.tls.keyFile), certFile: abs(c.platform.tls.certFile) } },
    lps: c.lps.map((l) => ({ ...l, tls: l.tls === null ? null : { ...l.tls, ...(l.tls.caFile === undefined ? {} : { caFile: abs(l.tls.caFile) }) } })),
  };
}

export { schema as liveConfigSchema };
