// The shadow-bridge command line: argument parsing, help and exit codes only; work is in app/.
// Exit codes: 0 ok, 1 failure (bad input, failed expectation), 2 usage error.

import { readFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { isBridgeError } from '../core/errors.js';
import { numberOption, parse, usage, UsageError } from './args.js';
import { rolloutCommand } from './rollout-command.js';
import { progressOnTty } from './progress.js';
import { runDemo } from '../app/demo.js';
import { startReflector } from '../app/fix-reflector.js';
import { loadLiveConfig } from '../app/live-config.js';
import { runLiveDemo, simInstruments } from '../app/live-demo.js';
import { startLiveEngine } from '../app/live-engine.js';
import { PERSONAS } from '../app/lp-personas.js';
import { startLpSim } from '../app/lp-sim.js';
import { startShadowWorker } from '../app/shadow-worker.js';
import { DEFAULT_PRODUCTION } from '../app/paths.js';
import { loadBundle } from '../mappings/load-bundle.js';
import { ScenarioReader } from '../replay/scenario-reader.js';
import { DEFAULT_CANDIDATE } from '../app/paths.js';
import { runReplay } from '../app/replay.js';
import { parseCandidateArg, type CandidateSpec } from '../app/more-candidates.js';
import { writeEvidence } from '../app/evidence.js';
import { FILTERS_OF, runExport, type ExportFilters } from '../app/export.js';
import { parseTimestampUs } from '../core/model/timestamps.js';
import { renderReport } from '../exporters/report-text.js';
import { CANDIDATE_ID, freeRunDir, holdsRun } from '../exporters/run-folder.js';
import { verifyAudit } from '../exporters/audit-log.js';
import { PACKAGE_ROOT } from '../app/paths.js';

const EXIT_OK = 0;
const EXIT_FAILURE = 1;
const EXIT_USAGE = 2;

const MAIN_HELP = `shadow-bridge: run candidate routing beside production on the same events; only production executes.

Usage: shadow-bridge <command> [options]

Options: --version, --help

Commands:
  replay <scenario>   replay a scenario through production and candidate; write a run folder
  demo                live demo on loopback: LP simulators, the engine, platform flow; then the report
                      (demo --replay: replay every bundled scenario instead)
  stage <scenario>    replay a scenario with a rollout plan on the replay clock: the candidate
                      executes for its cohort, gates act by themselves (the header names plan and bundles)
  run                 the live engine: FIX to LPs and platforms, production executes, candidate shadows
                      (with a rollout: section, the candidate executes for its cohort)
  rollout <command>   a running engine's rollout: status, advance, pause, resume, freeze, rollback, signoff
  audit verify FILE   check an audit log's hash chain; names the first bad line
  export RUN_DIR      a run's divergences, orders or faults as CSV or JSONL, filtered
  evidence RUN_DIR    write the evidence pack of a run (--out DIR): files, audit verification, sign-offs, configs
  shadow-worker       a candidate in its own process or host, fed by a live engine's event tap (ZeroMQ)
  lp-sim              a simulated LP (FIX, or --ws WebSocket) streaming prices and executing orders
  fix-reflector       FIX 4.4 acceptor (ISLD for TW44) that echoes orders, for session conformance

Run "shadow-bridge <command> --help" for a command's options.`;

const REPLAY_HELP = `Usage: shadow-bridge replay <scenario.jsonl> [options]

Replays a recorded scenario: production decides and "executes" (into orders.jsonl), the candidate
decides on the same frozen context, every difference is classified and written.

Options:
  --production DIR     production mapping bundle (default: mappings/production)
  --candidate PATH     candidate: a mapping bundle folder, or a module exporting a Router
                       (default: mappings/candidate); pass the production folder for an A/A run.
                       Repeat it to evaluate several candidates side by side (ID=PATH names one;
                       the default id is the folder or file name): the first one's records are
                       the run folder's, each other's are in candidates/<id>/
  --no-candidate       production only, no shadow
  --out DIR            run folder to write (default: runs/<scenario name>, or runs/<name>.2, .3...
                       when that holds an earlier run: nothing is overwritten)
  --force              replace what --out DIR holds
  --json               print the summary JSON instead of the readable report
  --max-queue N        most contexts waiting for the candidate (default 10000)
  --sample-rate X      fraction of orders compared, 0..1 (default 1)
  --candidate-budget-us N  a slower candidate decision is dropped as candidate_timeout (default 50000)
  -h, --help           this help

Writes summary.json, divergences.jsonl, orders.jsonl, shadow-faults.jsonl and engine.log.
Exit code 0 when the replay ran and every scenario expectation was met, 1 otherwise, 2 on usage errors.`;

const STAGE_HELP = `Usage: shadow-bridge stage <scenario.jsonl> [--rollout FILE] [--production DIR] [--candidate DIR] [--out DIR] [--json] [--force]

Replays a scenario with a rollout applied on the replay clock: the candidate executes for the
accounts of the current step's cohort (the other router decides on the same context as shadow),
steps advance on hold time, orders and sign-offs, and the plan's gates pause, freeze or roll
back by themselves. Deterministic: the same inputs give byte-identical output.

Options:
  --rollout FILE       the plan (default: the scenario header's "rollout")
  --production DIR     production bundle (default: the header's bundles.production, else mappings/production)
  --candidate DIR      candidate bundle (default: the header's bundles.candidate, else mappings/candidate)
  --out DIR            run folder (default: runs/<scenario name>, numbered, never overwritten)
  --json               print the summary JSON (replay's, plus "rollout")
  --force              replace what --out DIR holds
  -h, --help           this help

Writes the replay's run folder plus audit.jsonl (hash-chained). Exit code 0 when the rollout
was promoted or is still in a step, 1 when a gate rolled it back or froze it, an expectation
failed, or the input was bad; 2 on usage errors.`;

const AUDIT_HELP = `Usage: shadow-bridge audit verify FILE [--head HASH]

Checks an audit log's hash chain: every record hashes itself and the record before it. Exit 0
and the head hash when it verifies; exit 1 naming the first bad line on an edited byte, a
removed line or a truncated file. --head HASH (from summary.json's rollout.audit.head) also
catches lines removed from the end.`;

const DEMO_HELP = `Usage: shadow-bridge demo [--seconds N] [--rate N] [--out DIR] [--json] [--replay]

Live (default): starts three LP simulators (a last-look bank, an ECN, a market maker), the engine
and two platform sessions, all real FIX 4.4 sessions on 127.0.0.1; sends client flow for N seconds
with production executing and the candidate shadowing; prints the divergence report. The run folder
includes recording.jsonl, which "replay" reproduces decision for decision.

--replay: replays every scenario in scenarios/ instead and prints one line per scenario.

Options:
  --seconds N  live flow duration (default 15)
  --rate N     client orders per second across both platforms (default 40)
  --out DIR    run folder (default: runs/live-demo; with --replay: runs/demo)
  --json       print the summary JSON (live) or all summaries (replay)
  --replay     replay the bundled scenarios instead of the live demo
  -h, --help   this help`;

const RUN_HELP = `Usage: shadow-bridge run --config FILE [--record FILE] [--out DIR]

Runs the live engine described by FILE (YAML or JSON; see examples/live.yaml and
examples/live-ws.yaml): FIX or WebSocket connections to every LP, a FIX acceptor and (with
platform.websocket) a WebSocket listener for platforms, production routing executing, the
candidate shadowing. With a tap: section every event also goes to shadow workers over ZeroMQ.
Writes the run folder (summary.json refreshed every flushMs, divergences.jsonl, orders.jsonl,
engine.log) and stops cleanly on SIGINT/SIGTERM. With an admin: section it serves the admin API
(bearer token from the config or $SB_ADMIN_TOKEN); with a rollout: section the candidate executes
for the plan's cohort and the gates act by themselves (see "shadow-bridge rollout --help").
Break-glass: SIGUSR2 rolls the rollout back without the admin API (audited as signal:SIGUSR2).

Options:
  --config FILE  the configuration (required)
  --record FILE  record every inbound event as a scenario, for "replay" (overrides run.record);
                 FILE.msgpack writes a binary recording (smaller, faster to read)
  --out DIR      run folder (overrides run.out); a folder holding an earlier run is continued in
                 DIR.2, DIR.3... beside it, linked both ways, never truncated
  --recover-journal  start even if the order journal or a session store has a corrupt record,
                 skipping it (without this, start-up stops and names the file and byte offset)
  -h, --help     this help`;

const LP_SIM_HELP = `Usage: shadow-bridge lp-sim --lp ID --port N [--ws] [--persona NAME] [--seed N] [--bridge COMPID] [--production DIR] [--scenario FILE]

A simulated liquidity provider: a FIX 4.4 acceptor with SenderCompID ID for the bridge's CompID
(or, with --ws, a WebSocket venue speaking docs/ws-protocol.md), streaming prices for every
symbol the production bundle maps to this LP (seeded random walk, or this LP's quotes replayed
from a scenario file) and executing orders as its persona says.

Options:
  --lp ID            LP id and SenderCompID (e.g. LP_ALPHA)
  --port N           port to listen on (0 = any, printed)
  --host H           address (default 127.0.0.1)
  --persona NAME     ${Object.keys(PERSONAS).join(' | ')} (default ecn)
  --seed N           random seed (default 1)
  --bridge COMPID    the bridge's SenderCompID (default BRIDGE)
  --production DIR   bundle whose LP symbol map defines what to quote (default mappings/production)
  --scenario FILE    replay this LP's quotes from a scenario instead of a random walk
  --ws               speak the WebSocket venue profile on ws://HOST:PORT/v1 instead of FIX;
                     the bridge's token is read from the environment variable SB_LP_SIM_TOKEN
  -h, --help         this help`;

const REFLECTOR_HELP = `Usage: shadow-bridge fix-reflector --port N [--host H] [--store DIR] [--dictionary FIX44.xml] [--verbose]

A FIX 4.4 acceptor with SenderCompID ISLD that accepts TargetCompID TW44 and echoes NewOrderSingle,
SecurityDefinition and Email back (a QuickFIX-style reflector), for the session acceptance scripts
in ../shared/conformance/quickfix-fix44. Sequence numbers reset on every Logon. Runs until killed.

Options:
  --port N            port to listen on (0 = any free port, printed on stdout)
  --host H            address to bind (default 127.0.0.1)
  --store DIR         persist sequence numbers and sent messages in DIR (default: memory)
  --dictionary FILE   validate every message against this QuickFIX data dictionary
  --verbose           log session events to stderr
  -h, --help          this help`;

const COMMANDS = new Set(['replay', 'stage', 'demo', 'run', 'lp-sim', 'fix-reflector', 'audit', 'rollout', 'evidence', 'export', 'shadow-worker']);

function packageVersion(): string {
  try {
    return (JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

let currentCommand = '';

async function replayCommand(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, {
    production: { type: 'string' },
    candidate: { type: 'string', multiple: true },
    'no-candidate': { type: 'boolean' },
    out: { type: 'string' },
    json: { type: 'boolean' },
    'max-queue': { type: 'string' },
    'sample-rate': { type: 'string' },
    'candidate-budget-us': { type: 'string' },
    force: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    console.log(REPLAY_HELP);
    return EXIT_OK;
  }
  if (positionals.length !== 1) usage(positionals.length === 0 ? 'replay needs a scenario file' : `replay takes one scenario, was given ${positionals.length}`);
  if (values['no-candidate'] && values.candidate !== undefined) usage('--candidate and --no-candidate exclude each other');
  const scenario = positionals[0] as string;
  // The default folder is named after the scenario (its header), never after the file name,
  // and never replaces an earlier run: runs/<name>, then runs/<name>.2, ...
  const out = values.out as string | undefined;
  if (out !== undefined && holdsRun(out) && values.force !== true) usage(`${out} already holds a run; pass --force to replace it, or choose another --out`);
  const maxQueue = numberOption(values['max-queue'], 'max-queue', 1, 10_000_000);
  const sampleRate = numberOption(values['sample-rate'], 'sample-rate', 0, 1);
  const budget = numberOption(values['candidate-budget-us'], 'candidate-budget-us', 1, 60_000_000);
  const candidates = ((values.candidate as string[] | undefined) ?? [DEFAULT_CANDIDATE]).map(parseCandidateArg);
  const first = candidates[0] as CandidateSpec;
  const ids = candidates.map((c) => c.id);
  const twice = ids.find((id, i) => ids.indexOf(id) !== i);
  if (twice !== undefined) usage(`two candidates would be called "${twice}": name them ID=PATH`);
  const progress = progressOnTty('replay');
  const result = await runReplay({
    ...(progress === null ? {} : { onProgress: progress.onProgress }),
    scenario,
    production: values.production as string | undefined,
    candidate: values['no-candidate'] ? null : first.path,
    ...(values['no-candidate'] ? {} : { candidateId: first.id, moreCandidates: candidates.slice(1) }),
    outDir: out ?? ((name: string) => freeRunDir(join('runs', name)).dir),
    ...(maxQueue === undefined ? {} : { maxQueue }),
    ...(sampleRate === undefined ? {} : { sampleRate }),
    ...(budget === undefined ? {} : { candidateBudgetUs: budget }),
  } as Parameters<typeof runReplay>[0]).finally(() => progress?.done());
  if (values.json) console.log(JSON.stringify(result.summary, null, 2));
  else console.log(renderReport(result.summary, result.outDir, result.examples));
  return result.summary.expectations.failed.length === 0 ? EXIT_OK : EXIT_FAILURE;
}

async function stageCommand(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, {
    rollout: { type: 'string' },
    production: { type: 'string' },
    candidate: { type: 'string' },
    out: { type: 'string' },
    json: { type: 'boolean' },
    force: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    console.log(STAGE_HELP);
    return EXIT_OK;
  }
  if (positionals.length !== 1) usage(positionals.length === 0 ? 'stage needs a scenario file' : `stage takes one scenario, was given ${positionals.length}`);
  const scenario = positionals[0] as string;
  const out = values.out as string | undefined;
  if (out !== undefined && holdsRun(out) && values.force !== true) usage(`${out} already holds a run; pass --force to replace it, or choose another --out`);
  // What the scenario's header names, relative to the scenario's folder.
  const header = new ScenarioReader(scenario);
  const { bundles, rollout } = header.header;
  header.close();
  const here = dirname(resolve(scenario));
  const plan = (values.rollout as string | undefined) ?? (rollout === null ? undefined : resolve(here, rollout));
  if (plan === undefined) usage(`${scenario} names no rollout in its header; pass --rollout FILE`);
  const progress = progressOnTty('stage');
  const result = await runReplay({
    ...(progress === null ? {} : { onProgress: progress.onProgress }),
    scenario,
    production: (values.production as string | undefined) ?? (bundles.production === null ? undefined : resolve(here, bundles.production)),
    candidate: (values.candidate as string | undefined) ?? (bundles.candidate === null ? DEFAULT_CANDIDATE : resolve(here, bundles.candidate)),
    outDir: out ?? ((name: string) => freeRunDir(join('runs', name)).dir),
    rollout: plan,
  } as Parameters<typeof runReplay>[0]).finally(() => progress?.done());
  if (values.json) console.log(JSON.stringify(result.summary, null, 2));
  else console.log(renderReport(result.summary, result.outDir, result.examples));
  // A gate that rolled back or froze the rollout is a failed stage, like a failed expectation:
  // a pipeline that stages a candidate before Go stops here.
  const finalState = result.summary.rollout?.finalState;
  const gateFailed = finalState === 'rolled_back' || finalState === 'frozen';
  if (gateFailed && !values.json) console.error(`shadow-bridge: stage: the rollout ended ${finalState} (${result.summary.rollout?.steps.at(-1)?.action ?? ''}); exit 1`);
  return result.summary.expectations.failed.length === 0 && !gateFailed ? EXIT_OK : EXIT_FAILURE;
}

async function auditCommand(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, { head: { type: 'string' }, help: { type: 'boolean', short: 'h' } });
  if (values.help) {
    console.log(AUDIT_HELP);
    return EXIT_OK;
  }
  if (positionals[0] !== 'verify' || positionals.length !== 2) usage('usage: audit verify FILE [--head HASH]');
  const file = positionals[1] as string;
  const verdict = verifyAudit(file, values.head as string | undefined);
  if (!verdict.ok) {
    console.error(`shadow-bridge: SB_ERR_AUDIT_BROKEN: ${file}: ${verdict.problem}`);
    return EXIT_FAILURE;
  }
  console.log(`${file}: ${verdict.lines} records, chain intact; head ${verdict.head}`);
  return EXIT_OK;
}

const EVIDENCE_HELP = `Usage: shadow-bridge evidence <RUN_DIR> --out DIR [--production DIR] [--candidate DIR] [--plan FILE]

Writes the evidence pack of a run folder into an empty DIR: summary, divergences, orders,
reconciliation, the audit log and its verification, gate history, sign-offs, admin access log,
any drill report, and the exact bundles and plan that ran (each checked against the hash the run
recorded; a changed file is refused), with a README and a MANIFEST.sha256 of every file.

Options:
  --out DIR            the pack's folder (required; must be empty or absent)
  --production DIR     the production bundle, if the path in the summary does not resolve from here
  --candidate DIR      the same for the candidate
  --plan FILE          the same for the rollout plan
  -h, --help           this help

Exit code 0 when written with the audit log verified (or no rollout), 1 when the audit log does
not verify or a file is missing or changed, 2 on usage errors.`;

const EXPORT_HELP = `Usage: shadow-bridge export <RUN_DIR> [--what divergences|orders|faults|finance] [--format csv|jsonl] [filters] [--out FILE]

Writes a run folder's records to stdout (or --out FILE): JSONL is the run's own lines, byte for
byte; CSV has fixed columns with a header row (listed in the README), decimals as exact text.

Options:
  --what KIND         divergences (default), orders (every lifecycle step), faults (shadow faults)
                      or finance (finance.csv's rows; as JSONL, one object per row)
  --format F          csv (default) or jsonl
  --class C           divergences of this class (action, lp, price, markup, ...)
  --severity S        divergences of this severity (critical, major, minor)
  --account A         this account's records (orders: every step of its orders)
  --group G           this group's (e.g. 'real\\retail\\usd')
  --symbol S          this platform symbol's
  --since T --until T records at T or later / before T (ISO-8601 UTC, e.g. 2026-07-08T09:00:00Z)
  --candidate ID      with several candidates: this one's divergences, faults or finance
                      (default: the first's, the run folder's own files)
  --out FILE          write here instead of stdout
  -h, --help          this help`;

async function exportCommand(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, {
    what: { type: 'string' },
    format: { type: 'string' },
    class: { type: 'string' },
    severity: { type: 'string' },
    account: { type: 'string' },
    group: { type: 'string' },
    symbol: { type: 'string' },
    since: { type: 'string' },
    until: { type: 'string' },
    out: { type: 'string' },
    candidate: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    console.log(EXPORT_HELP);
    return EXIT_OK;
  }
  if (positionals.length !== 1) usage('export needs one run folder');
  const what = (values.what as string | undefined) ?? 'divergences';
  if (what !== 'divergences' && what !== 'orders' && what !== 'faults' && what !== 'finance') usage(`--what must be divergences, orders, faults or finance, was "${what}"`);
  const format = (values.format as string | undefined) ?? 'csv';
  if (format !== 'csv' && format !== 'jsonl') usage(`--format must be csv or jsonl, was "${format}"`);
  const time = (name: 'since' | 'until'): number | undefined => {
    const v = values[name] as string | undefined;
    if (v === undefined) return undefined;
    const us = parseTimestampUs(v.length === 10 ? `${v}T00:00:00Z` : v);
    if (us === null) usage(`--${name} must be an ISO-8601 UTC time like 2026-07-08T09:00:00Z (or a day, 2026-07-08), was "${v}"`);
    return us;
  };
  const filters: ExportFilters = {
    ...(values.class === undefined ? {} : { class: values.class as string }),
    ...(values.severity === undefined ? {} : { severity: values.severity as string }),
    ...(values.account === undefined ? {} : { account: values.account as string }),
    ...(values.group === undefined ? {} : { group: values.group as string }),
    ...(values.symbol === undefined ? {} : { symbol: values.symbol as string }),
    ...(time('since') === undefined ? {} : { sinceUs: time('since') as number }),
    ...(time('until') === undefined ? {} : { untilUs: time('until') as number }),
  };
  const unsupported = (Object.keys(filters) as (keyof ExportFilters)[]).filter((k) => !FILTERS_OF[what].includes(k));
  if (unsupported.length > 0) usage(`--${unsupported[0]?.replace('Us', '')} does not apply to ${what}`);
  const n = await runExport({ runDir: positionals[0] as string, what, format, filters, out: (values.out as string | undefined) ?? null, ...(values.candidate === undefined ? {} : { candidate: values.candidate as string }) });
  if (values.out !== undefined) console.error(`shadow-bridge: export: ${n} ${what} records to ${values.out as string}`);
  return EXIT_OK;
}

async function evidenceCommand(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, { out: { type: 'string' }, production: { type: 'string' }, candidate: { type: 'string' }, plan: { type: 'string' }, help: { type: 'boolean', short: 'h' } });
  if (values.help) {
    console.log(EVIDENCE_HELP);
    return EXIT_OK;
  }
  if (positionals.length !== 1) usage('evidence needs one run folder');
  if (values.out === undefined) usage('evidence needs --out DIR');
  const result = writeEvidence({
    runDir: positionals[0] as string,
    outDir: values.out as string,
    ...(values.production === undefined ? {} : { production: values.production as string }),
    ...(values.candidate === undefined ? {} : { candidate: values.candidate as string }),
    ...(values.plan === undefined ? {} : { plan: values.plan as string }),
  });
  console.log(`evidence pack ${result.outDir}: ${result.files.length} files (MANIFEST.sha256); audit ${result.audit.verified ? `verified, ${result.audit.records} records, head ${result.audit.head}` : result.audit.problem}`);
  if (!result.audit.verified && result.audit.problem !== 'no audit log: the run had no rollout') {
    console.error(`shadow-bridge: SB_ERR_AUDIT_BROKEN: ${result.audit.problem}`);
    return EXIT_FAILURE;
  }
  return EXIT_OK;
}

async function demoCommand(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, {
    out: { type: 'string' },
    json: { type: 'boolean' },
    replay: { type: 'boolean' },
    seconds: { type: 'string' },
    rate: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    console.log(DEMO_HELP);
    return EXIT_OK;
  }
  if (positionals.length > 0) usage(`demo takes no arguments, was given "${positionals.join(' ')}"`);
  if (values.replay) {
    const ok = await runDemo({ outDir: (values.out as string | undefined) ?? join('runs', 'demo'), json: values.json === true });
    return ok ? EXIT_OK : EXIT_FAILURE;
  }
  const ok = await runLiveDemo({
    seconds: numberOption(values.seconds, 'seconds', 1, 3600) ?? 15,
    ordersPerSecond: numberOption(values.rate, 'rate', 1, 10_000) ?? 40,
    outDir: (values.out as string | undefined) ?? join('runs', 'live-demo'),
    json: values.json === true,
  });
  return ok ? EXIT_OK : EXIT_FAILURE;
}

function untilSignal(): Promise<string> {
  return new Promise((resolve) => {
    process.once('SIGINT', () => resolve('SIGINT'));
    process.once('SIGTERM', () => resolve('SIGTERM'));
  });
}

const WORKER_HELP = `Usage: shadow-bridge shadow-worker --connect tcp://HOST:PORT --candidate DIR_OR_MODULE [--id ID] [--production DIR] [--out DIR]

Subscribes to a live engine's event tap (its tap: section), rebuilds the market state and the
frozen contexts from the stream, runs the candidate, compares with production (re-decided from
the same bundle, whose hash must match the engine's), and on Ctrl-C / SIGTERM writes a run folder
with the same files as a replay. A worker that saw the session from its start writes what a
replay of the session's recording would; one that joins late, or loses messages, starts from the
next state snapshot and counts what it missed in summary.json (tap: gaps, lostMessages,
reason tap_gap), never as divergences.

Every second it reports its figures up the same connection; an engine whose run.candidates lists
this id as remote: true shows them beside its own candidates (summary.json, report, /metrics).

Options:
  --connect URL      the engine's tap endpoint (tcp://HOST:PORT)
  --candidate X      a candidate bundle folder or Router module
  --id ID            its id in the engine's run.candidates (default: the folder or file name)
  --token-env NAME   send the token held in this environment variable (the engine's tokenEnv for
                     the id; required when the tap is on a network)
  --production DIR   production bundle (default mappings/production): must be the engine's
  --out DIR          run folder (default runs/worker-<candidate name>)
  -h, --help         this help`;

async function shadowWorkerCommand(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, { connect: { type: 'string' }, candidate: { type: 'string' }, id: { type: 'string' }, 'token-env': { type: 'string' }, production: { type: 'string' }, out: { type: 'string' }, help: { type: 'boolean', short: 'h' } });
  if (values.help) {
    console.log(WORKER_HELP);
    return EXIT_OK;
  }
  if (positionals.length > 0) usage(`shadow-worker takes no arguments, was given "${positionals.join(' ')}"`);
  if (values.connect === undefined || !/^(tcp:\/\/\S+:\d{1,5}|ipc:\/\/\S+)$/.test(values.connect as string)) usage('shadow-worker needs --connect tcp://HOST:PORT');
  if (values.candidate === undefined) usage('shadow-worker needs --candidate DIR_OR_MODULE');
  const candidate = values.candidate as string;
  const id = values.id as string | undefined;
  if (id !== undefined && !CANDIDATE_ID.test(id)) usage(`--id must be letters, digits, _ . - (1-64), was "${id}"`);
  const tokenEnv = values['token-env'] as string | undefined;
  const token = tokenEnv === undefined ? null : (process.env[tokenEnv] ?? null);
  if (tokenEnv !== undefined && (token === null || token.length < 16)) usage(`--token-env ${tokenEnv}: the variable must hold the token (16 characters or more)`);
  const out = (values.out as string | undefined) ?? join('runs', `worker-${basename(candidate).replace(/\.[a-z]+$/, '')}`);
  const worker = startShadowWorker({ connect: values.connect as string, candidate, ...(id === undefined ? {} : { id }), token, ...(values.production === undefined ? {} : { production: values.production as string }), outDir: out, say: (line) => console.log(line) });
  console.log(`shadow-worker: subscribed to ${values.connect as string}, candidate ${candidate}`);
  const ended = await Promise.race([untilSignal(), worker.joined.then(() => untilSignal())]);
  const result = await worker.stop();
  if (result === null) {
    console.log(`shadow-worker: ${ended} before the tap sent a header or a state; nothing to write`);
    return EXIT_OK;
  }
  const s = result.summary;
  console.log(`shadow-worker: ${s.orders} orders compared ${s.compared}, matched ${s.matched}, divergences ${s.divergences.total}; tap ${JSON.stringify((s as unknown as { tap?: unknown }).tap ?? worker.stats)}; run folder ${result.outDir}`);
  return EXIT_OK;
}

async function runCommand(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, { config: { type: 'string' }, record: { type: 'string' }, out: { type: 'string' }, 'recover-journal': { type: 'boolean' }, help: { type: 'boolean', short: 'h' } });
  if (values.help) {
    console.log(RUN_HELP);
    return EXIT_OK;
  }
  if (positionals.length > 0) usage(`run takes no arguments, was given "${positionals.join(' ')}"`);
  if (values.config === undefined) usage('run needs --config FILE');
  const config = loadLiveConfig(values.config as string);
  const run = { ...config.run };
  if (values.record !== undefined) run.record = values.record as string;
  if (values.out !== undefined) run.out = values.out as string;
  if (values['recover-journal'] === true) run.recoverJournal = true;
  const engine = await startLiveEngine({ ...config, run });
  console.log(`shadow-bridge run ${engine.runId}: platforms on ${config.platform.host}:${engine.platformPort}, ${config.lps.length} LP connections, run folder ${engine.outDir}`);
  if (engine.gc.advice !== null) console.error(`shadow-bridge: warning: ${engine.gc.advice}`);
  if (engine.adminPort !== null) console.log(`admin API on http://${config.admin?.host}:${engine.adminPort}${config.rollout === null ? '' : ` (rollout ${config.rollout.plan}: shadow-bridge rollout status --url http://${config.admin?.host}:${engine.adminPort})`}`);
  // Break-glass: `kill -USR2 <pid>` rolls the rollout back even when the admin API is unreachable.
  const onUsr2 = (): void => {
    const what = engine.rollbackBySignal('SIGUSR2');
    console.error(`shadow-bridge: SIGUSR2: ${what ?? 'no rollout to roll back'}`);
  };
  process.on('SIGUSR2', onUsr2);
  const signal = await untilSignal();
  process.off('SIGUSR2', onUsr2);
  console.error(`shadow-bridge: ${signal}: logging out and writing the run folder`);
  const summary = await engine.stop();
  console.log(renderReport(summary, engine.outDir, []));
  return EXIT_OK;
}

async function lpSimCommand(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, {
    lp: { type: 'string' },
    port: { type: 'string' },
    host: { type: 'string' },
    persona: { type: 'string' },
    seed: { type: 'string' },
    bridge: { type: 'string' },
    production: { type: 'string' },
    scenario: { type: 'string' },
    ws: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    console.log(LP_SIM_HELP);
    return EXIT_OK;
  }
  if (positionals.length > 0) usage(`lp-sim takes no arguments, was given "${positionals.join(' ')}"`);
  if (values.lp === undefined) usage('lp-sim needs --lp ID');
  if (values.port === undefined) usage('lp-sim needs --port N');
  const persona = PERSONAS[(values.persona as string | undefined) ?? 'ecn'];
  if (persona === undefined) usage(`--persona must be one of ${Object.keys(PERSONAS).join(', ')}, was "${String(values.persona)}"`);
  const lp = values.lp as string;
  // A token on the command line would be in every process listing: it comes from the environment.
  const wsToken = process.env['SB_LP_SIM_TOKEN'];
  if (values.ws === true && (wsToken === undefined || !/^[\x21-\x7e]{16,512}$/.test(wsToken))) usage('lp-sim --ws needs SB_LP_SIM_TOKEN set to a 16-512 character token (no spaces)');
  const bundle = loadBundle((values.production as string | undefined) ?? DEFAULT_PRODUCTION);
  if (!bundle.lps.has(lp)) usage(`--lp ${lp} is not an LP in the production bundle (${[...bundle.lps.keys()].join(', ')})`);
  let scripted: { atMs: number; lpSymbol: string; bidE8: number; askE8: number }[] | undefined;
  if (values.scenario !== undefined) {
    scripted = [];
    const reader = new ScenarioReader(values.scenario as string);
    try {
      for (let e = reader.next(); e !== null; e = reader.next()) {
        if (e.type === 'quote' && e.quote.lp === lp) scripted.push({ atMs: Math.floor((e.tsUs - reader.header.startUs) / 1000), lpSymbol: e.quote.lpSymbol, bidE8: e.quote.bidE8, askE8: e.quote.askE8 });
      }
    } finally {
      reader.close();
    }
  }
  const sim = await startLpSim({
    lp,
    host: (values.host as string | undefined) ?? '127.0.0.1',
    port: numberOption(values.port, 'port', 0, 65535) as number,
    bridgeCompId: (values.bridge as string | undefined) ?? 'BRIDGE',
    persona,
    seed: numberOption(values.seed, 'seed', 0, 2 ** 31) ?? 1,
    instruments: simInstruments(bundle, lp),
    log: { event() {} },
    ...(scripted === undefined ? {} : { scriptedQuotes: scripted }),
    ...(values.ws === true ? { ws: { token: wsToken as string } } : {}),
  });
  console.log(`lp-sim ${lp} (${persona.name}) listening on ${values.ws === true ? `ws://${(values.host as string | undefined) ?? '127.0.0.1'}:${sim.port}/v1` : `port ${sim.port}`}`);
  await untilSignal();
  await sim.close();
  console.log(`lp-sim ${lp}: ${JSON.stringify(sim.stats)}`);
  return EXIT_OK;
}

async function reflectorCommand(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, {
    port: { type: 'string' },
    host: { type: 'string' },
    store: { type: 'string' },
    dictionary: { type: 'string' },
    verbose: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    console.log(REFLECTOR_HELP);
    return EXIT_OK;
  }
  if (positionals.length > 0) usage(`fix-reflector takes no arguments, was given "${positionals.join(' ')}"`);
  if (values.port === undefined) usage('fix-reflector needs --port');
  const port = numberOption(values.port, 'port', 0, 65535) as number;
  const verbose = values.verbose === true;
  const reflector = await startReflector({
    host: (values.host as string | undefined) ?? '127.0.0.1',
    port,
    storeDir: (values.store as string | undefined) ?? null,
    dictionaryPath: (values.dictionary as string | undefined) ?? null,
    log: { event: (name, fields) => { if (verbose) console.error(JSON.stringify({ event: name, ...fields })); } },
  });
  console.log(`fix-reflector listening on ${(values.host as string | undefined) ?? '127.0.0.1'}:${reflector.port}`);
  await new Promise<void>((resolve) => {
    const stop = (): void => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  await reflector.close();
  return EXIT_OK;
}

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  currentCommand = command !== undefined && COMMANDS.has(command) ? command : '';
  try {
    switch (command) {
      case undefined:
      case '-h':
      case '--help':
      case 'help':
        console.log(MAIN_HELP);
        return command === undefined ? EXIT_USAGE : EXIT_OK;
      case '-v':
      case '--version':
      case 'version':
        console.log(`shadow-bridge ${packageVersion()}`);
        return EXIT_OK;
      case 'replay':
        return await replayCommand(rest);
      case 'demo':
        return await demoCommand(rest);
      case 'stage':
        return await stageCommand(rest);
      case 'audit':
        return await auditCommand(rest);
      case 'fix-reflector':
        return await reflectorCommand(rest);
      case 'run':
        return await runCommand(rest);
      case 'lp-sim':
        return await lpSimCommand(rest);
      case 'rollout':
        return await rolloutCommand(rest);
      case 'evidence':
        return await evidenceCommand(rest);
      case 'export':
        return await exportCommand(rest);
      case 'shadow-worker':
        return await shadowWorkerCommand(rest);
      default:
        usage(`unknown command "${command}"`);
    }
  } catch (error) {
    if (error instanceof UsageError) {
      console.error(`shadow-bridge: ${error.message} (see shadow-bridge ${currentCommand === '' ? '' : `${currentCommand} `}--help)`);
      return EXIT_USAGE;
    }
    if (isBridgeError(error)) {
      // One line: several problems (a config with three bad fields) are joined, never a trace.
      console.error(`shadow-bridge: ${error.message.replaceAll('\n', '; ')}`);
      return EXIT_FAILURE;
    }
    throw error;
  }
}
