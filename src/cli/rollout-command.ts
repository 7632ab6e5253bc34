// `shadow-bridge rollout ...`: the operator's client of a running engine's admin API. The token
// is read from an environment variable, never from the command line (argv is visible to all).

import { randomBytes } from 'node:crypto';
import { userInfo } from 'node:os';
import { AdminClient, type AdminAnswer } from '../app/admin-client.js';
import { BridgeError } from '../core/errors.js';
import { join } from 'node:path';
import { renderDrill, runDrill } from '../app/drill.js';
import { DEFAULT_PRODUCTION, PACKAGE_ROOT } from '../app/paths.js';
import { loadLiveConfig } from '../app/live-config.js';
import { freeRunDir } from '../exporters/run-folder.js';
import { numberOption, parse, usage } from './args.js';

const COMMANDS = ['status', 'advance', 'pause', 'resume', 'freeze', 'rollback', 'signoff', 'drill'] as const;
type Command = (typeof COMMANDS)[number];

export const ROLLOUT_HELP = `Usage: shadow-bridge rollout <command> [options]

Talks to a running engine's admin API (run --config with admin: and rollout: sections).

Commands:
  status                         state, step, exposure, gates, sign-offs, recent history
  advance                        start the next step (refused if someone moved it since your status)
  pause | resume | freeze        hold the step; go on; stop exposure until resumed or rolled back
  rollback                       new orders go to production now; orders in flight finish where sent
  signoff --role R --name N --confirm-all | --confirm ITEM ...
                                 sign off the running production, candidate and plan (their hashes)
  drill [--config FILE | --plan FILE --production DIR --candidate DIR] [--out DIR] [--rate N] [--seconds N]
                                 a rollback drill on loopback: LP simulators, the engine with a rollout,
                                 flow; an LP starts overfilling (a gate must freeze), then a rollback.
                                 Reports breach -> gate and rollback -> production times, orders lost
                                 and executed twice (must be 0), in drill.json; exit 1 if it failed

Options:
  --url URL          admin API (default: $SB_ADMIN_URL, else http://127.0.0.1:7070)
  --token-env NAME   environment variable holding the bearer token (default: SB_ADMIN_TOKEN)
  --actor NAME       who is acting, for the audit log (default: your user name)
  --reason TEXT      why, for the audit log
  --json             print the API's JSON answer
  -h, --help         this help

Exit code 0 when done, 1 when the engine refused (the reason is printed) or cannot be reached, 2 on
usage errors.`;

export async function rolloutCommand(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, {
    url: { type: 'string' },
    'token-env': { type: 'string' },
    actor: { type: 'string' },
    reason: { type: 'string' },
    role: { type: 'string' },
    name: { type: 'string' },
    confirm: { type: 'string', multiple: true },
    'confirm-all': { type: 'boolean' },
    json: { type: 'boolean' },
    plan: { type: 'string' },
    config: { type: 'string' },
    production: { type: 'string' },
    candidate: { type: 'string' },
    out: { type: 'string' },
    rate: { type: 'string' },
    seconds: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    console.log(ROLLOUT_HELP);
    return 0;
  }
  const command = positionals[0] as Command | undefined;
  if (command === undefined || !COMMANDS.includes(command)) usage(command === undefined ? `rollout needs a command (${COMMANDS.join(', ')})` : `unknown rollout command "${command}"`);
  if (positionals.length > 1) usage(`rollout ${command} takes no arguments, was given "${positionals.slice(1).join(' ')}"`);
  if (command === 'drill') return drill(values);
  const tokenEnv = (values['token-env'] as string | undefined) ?? 'SB_ADMIN_TOKEN';
  const token = process.env[tokenEnv];
  if (token === undefined || token === '') usage(`no token: set the environment variable ${tokenEnv} (or name another with --token-env)`);
  const client = new AdminClient({ url: (values.url as string | undefined) ?? process.env['SB_ADMIN_URL'] ?? 'http://127.0.0.1:7070', token });
  const json = values.json === true;
  const actor = (values.actor as string | undefined) ?? safeUserName();
  const reason = values.reason as string | undefined;
  const requestId = randomBytes(9).toString('base64url');

  if (command === 'status') {
    const answer = await expectOk(await client.get('/api/rollout'));
    console.log(json ? JSON.stringify(answer.body, null, 2) : renderStatus(answer.body));
    return 0;
  }
  if (command === 'signoff') return signoff(client, values, requestId, json);
  const body: Record<string, unknown> = { actor, requestId, ...(reason === undefined ? {} : { reason }) };
  if (command === 'advance') {
    // The step this operator is looking at: if someone moved the rollout meanwhile, the
    // engine refuses rather than skipping a step.
    const status = await expectOk(await client.get('/api/rollout'));
    body['fromStep'] = status.body['step'];
  }
  const answer = await client.post(`/api/rollout/${command}`, body);
  if (json) console.log(JSON.stringify(answer.body, null, 2));
  if (answer.status !== 200) return refusedLine(command, answer);
  if (!json) {
    const b = answer.body;
    console.log(`${command}: ${String(b['detail'])} (state ${String(b['state'])}, ${String(b['exposurePercent'])}% of eligible accounts, at ${String(b['at'])})`);
  }
  return 0;
}

async function drill(values: Record<string, unknown>): Promise<number> {
  const json = values['json'] === true;
  // --config: drill the bundles and plan a live config names (its LPs are simulated on loopback).
  const config = values['config'] === undefined ? null : loadLiveConfig(values['config'] as string);
  if (config !== null && (config.rollout === null || config.run.candidate === null)) usage(`${String(values['config'])} has no rollout: section (or no run.candidate) to drill`);
  const report = await runDrill(
    {
      production: (values['production'] as string | undefined) ?? config?.run.production ?? DEFAULT_PRODUCTION,
      candidate: (values['candidate'] as string | undefined) ?? config?.run.candidate ?? join(PACKAGE_ROOT, 'mappings', 'candidate-good'),
      plan: (values['plan'] as string | undefined) ?? config?.rollout?.plan ?? join(PACKAGE_ROOT, 'rollouts', 'drill.yaml'),
      outDir: (values['out'] as string | undefined) ?? freeRunDir(join('runs', 'drill')).dir,
      ordersPerSecond: numberOption(values['rate'], 'rate', 1, 2_000) ?? 50,
      phaseSeconds: numberOption(values['seconds'], 'seconds', 1, 600) ?? 2,
    },
    (line) => {
      if (!json) console.log(line);
    },
  );
  console.log(json ? JSON.stringify(report, null, 2) : renderDrill(report));
  return report.passed ? 0 : 1;
}

async function signoff(client: AdminClient, values: Record<string, unknown>, requestId: string, json: boolean): Promise<number> {
  const role = values['role'] as string | undefined;
  const name = values['name'] as string | undefined;
  if (role === undefined || name === undefined) usage('signoff needs --role and --name');
  const confirmed = (values['confirm'] as string[] | undefined) ?? [];
  if (values['confirm-all'] !== true && confirmed.length === 0) usage('signoff needs --confirm-all, or --confirm ITEM for each checklist item (rollout status lists them)');
  const status = await expectOk(await client.get('/api/rollout'));
  const roles = status.body['roles'] as Record<string, string[]> | undefined;
  const checklist = roles?.[role];
  if (checklist === undefined) usage(`role ${role} is not in the plan (${Object.keys(roles ?? {}).join(', ')})`);
  const answers = Object.fromEntries(checklist.map((item) => [item, values['confirm-all'] === true || confirmed.includes(item)]));
  const hashes = status.body['hashes'];
  const answer = await client.post('/api/rollout/signoff', { role, name, answers, hashes, requestId });
  if (json) console.log(JSON.stringify(answer.body, null, 2));
  if (answer.status !== 200) return refusedLine('signoff', answer);
  if (!json) {
    const h = hashes as Record<string, string>;
    console.log(`signoff: ${String(answer.body['detail'])}; approved production ${h['production']}, candidate ${h['candidate']}, plan ${h['plan']}`);
    for (const item of checklist) console.log(`  [x] ${item}`);
  }
  return 0;
}

async function expectOk(answer: AdminAnswer): Promise<AdminAnswer> {
  if (answer.status === 200) return answer;
  throw new BridgeError(codeOf(answer), `${String(answer.body['detail'] ?? `status ${answer.status}`)} (HTTP ${answer.status})`);
}

function refusedLine(command: string, answer: AdminAnswer): number {
  console.error(`shadow-bridge: ${String(answer.body['code'] ?? 'SB_ERR_ADMIN')}: rollout ${command} refused: ${String(answer.body['detail'] ?? `HTTP ${answer.status}`)}`);
  return 1;
}

function codeOf(answer: AdminAnswer): 'SB_ERR_ADMIN_AUTH' | 'SB_ERR_ADMIN_REQUEST' | 'SB_ERR_ADMIN' {
  const code = answer.body['code'];
  return code === 'SB_ERR_ADMIN_AUTH' || code === 'SB_ERR_ADMIN_REQUEST' ? code : 'SB_ERR_ADMIN';
}

function safeUserName(): string {
  try {
    const name = userInfo().username.replace(/[^\p{L}\p{N} ._@-]/gu, '').slice(0, 64);
    return name === '' ? 'operator' : name;
  } catch {
    return 'operator';
  }
}

/** The status as an operator reads it. */
export function renderStatus(s: Record<string, unknown>): string {
  const plan = s['plan'] as { name: string; hash: string; advance: string };
  const hashes = s['hashes'] as Record<string, string>;
  const steps = s['steps'] as number[];
  const step = s['step'] as number;
  const lines: string[] = [];
  lines.push(`rollout    ${plan.name} (${plan.hash}, ${plan.advance} advance): ${String(s['state'])}, step ${step} of ${steps.length} (${steps.join('% → ')}%), ${String(s['exposurePercent'])}% of eligible accounts now`);
  lines.push(`approves   production ${hashes['production']} · candidate ${hashes['candidate']} · plan ${hashes['plan']}`);
  const next = s['next'] as { step: number; percent: number; signoffsMissing: string[] } | null;
  lines.push(next === null ? 'next       promotion' : `next       step ${next.step} (${next.percent}%)${next.signoffsMissing.length > 0 ? `: needs sign-offs from ${next.signoffsMissing.join(', ')}` : ''}`);
  for (const g of s['gates'] as { id: string; verdict: string; value: number | null; op: string; threshold: number; samples: number; action: string; dryRun: boolean }[]) {
    lines.push(`gate       ${g.id.padEnd(24)} ${g.verdict.padEnd(13)} ${g.value === null ? '-' : String(g.value)} (${g.op} ${g.threshold} → ${g.action}${g.dryRun ? ', dry run' : ''}) on ${g.samples} samples`);
  }
  const signoffs = s['signoffs'] as { role: string; name: string; at: string }[];
  lines.push(`sign-offs  ${signoffs.length === 0 ? 'none' : signoffs.map((x) => `${x.role} ${x.name} ${x.at}`).join(' · ')}`);
  const executed = s['executed'] as { production: number; candidate: number };
  lines.push(`executed   production ${executed.production}, candidate ${executed.candidate} (this run)`);
  for (const h of (s['history'] as { at: string; percent: number; state: string; action: string; gate: string | null }[]).slice(-8)) {
    lines.push(`history    ${h.at}  ${`${h.percent}%`.padStart(4)}  ${h.state.padEnd(11)} ${h.action}${h.gate === null ? '' : ` (${h.gate})`}`);
  }
  const audit = s['audit'] as { file: string; head: string; records: number; failure: string | null };
  lines.push(`audit      ${audit.file}: ${audit.records} records, head ${audit.head.slice(0, 23)}...${audit.failure === null ? '' : ` FAILED: ${audit.failure}`}`);
  return lines.join('\n');
}
