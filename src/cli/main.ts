// The shadow-bridge command line: argument parsing, help and exit codes only; work is in app/.
// Exit codes: 0 ok, 1 failure (bad input, failed expectation), 2 usage error.

import { parseArgs, type ParseArgsConfig } from 'node:util';
import { basename, join } from 'node:path';
import { isBridgeError } from '../core/errors.js';
import { runDemo } from '../app/demo.js';
import { startReflector } from '../app/fix-reflector.js';
import { DEFAULT_CANDIDATE } from '../app/paths.js';
import { runReplay } from '../app/replay.js';
import { renderReport } from '../exporters/report-text.js';

const EXIT_OK = 0;
const EXIT_FAILURE = 1;
const EXIT_USAGE = 2;

const MAIN_HELP = `shadow-bridge: run candidate routing beside production on the same events; only production executes.

Usage: shadow-bridge <command> [options]

Commands:
  replay <scenario>   replay a scenario through production and candidate; write a run folder
  demo                replay every bundled scenario and print the overall divergence report
  fix-reflector       FIX 4.4 acceptor (ISLD for TW44) that echoes orders, for session conformance

Run "shadow-bridge <command> --help" for a command's options.`;

const REPLAY_HELP = `Usage: shadow-bridge replay <scenario.jsonl> [options]

Replays a recorded scenario: production decides and "executes" (into orders.jsonl), the candidate
decides on the same frozen context, every difference is classified and written.

Options:
  --production DIR     production mapping bundle (default: mappings/production)
  --candidate PATH     candidate: a mapping bundle folder, or a module exporting a Router
                       (default: mappings/candidate); pass the production folder for an A/A run
  --no-candidate       production only, no shadow
  --out DIR            run folder to write (default: runs/<scenario name>)
  --json               print the summary JSON instead of the readable report
  --max-queue N        most contexts waiting for the candidate (default 10000)
  --sample-rate X      fraction of orders compared, 0..1 (default 1)
  --candidate-budget-us N  a slower candidate decision is dropped as candidate_timeout (default 50000)
  -h, --help           this help

Writes summary.json, divergences.jsonl, orders.jsonl, shadow-faults.jsonl and engine.log.
Exit code 0 when the replay ran and every scenario expectation was met, 1 otherwise, 2 on usage errors.`;

const DEMO_HELP = `Usage: shadow-bridge demo [--out DIR] [--json]

Replays every scenario in scenarios/ with the bundled production and candidate mappings and prints
one line per scenario, the overall divergence report and example divergences.

Options:
  --out DIR   parent folder for the run folders (default: runs/demo)
  --json      print all summaries as one JSON array
  -h, --help  this help`;

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

class UsageError extends Error {}

function usage(message: string): never {
  throw new UsageError(message);
}

function parse(args: string[], options: NonNullable<ParseArgsConfig['options']>) {
  try {
    return parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (error) {
    usage((error as Error).message);
  }
}

function numberOption(value: unknown, name: string, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n < min || n > max) usage(`--${name} must be a number from ${min} to ${max}, was "${String(value)}"`);
  return n;
}

async function replayCommand(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, {
    production: { type: 'string' },
    candidate: { type: 'string' },
    'no-candidate': { type: 'boolean' },
    out: { type: 'string' },
    json: { type: 'boolean' },
    'max-queue': { type: 'string' },
    'sample-rate': { type: 'string' },
    'candidate-budget-us': { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    console.log(REPLAY_HELP);
    return EXIT_OK;
  }
  if (positionals.length !== 1) usage(positionals.length === 0 ? 'replay needs a scenario file' : `replay takes one scenario, was given ${positionals.length}`);
  if (values['no-candidate'] && values.candidate !== undefined) usage('--candidate and --no-candidate exclude each other');
  const scenario = positionals[0] as string;
  const name = basename(scenario).replace(/\.jsonl$/, '');
  const maxQueue = numberOption(values['max-queue'], 'max-queue', 1, 10_000_000);
  const sampleRate = numberOption(values['sample-rate'], 'sample-rate', 0, 1);
  const budget = numberOption(values['candidate-budget-us'], 'candidate-budget-us', 1, 60_000_000);
  const result = await runReplay({
    scenario,
    production: values.production as string | undefined,
    candidate: values['no-candidate'] ? null : ((values.candidate as string | undefined) ?? DEFAULT_CANDIDATE),
    outDir: (values.out as string | undefined) ?? join('runs', name),
    ...(maxQueue === undefined ? {} : { maxQueue }),
    ...(sampleRate === undefined ? {} : { sampleRate }),
    ...(budget === undefined ? {} : { candidateBudgetUs: budget }),
  } as Parameters<typeof runReplay>[0]);
  if (values.json) console.log(JSON.stringify(result.summary, null, 2));
  else console.log(renderReport(result.summary, result.outDir, result.examples));
  return result.summary.expectations.failed.length === 0 ? EXIT_OK : EXIT_FAILURE;
}

async function demoCommand(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, { out: { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } });
  if (values.help) {
    console.log(DEMO_HELP);
    return EXIT_OK;
  }
  if (positionals.length > 0) usage(`demo takes no arguments, was given "${positionals.join(' ')}"`);
  const ok = await runDemo({ outDir: (values.out as string | undefined) ?? join('runs', 'demo'), json: values.json === true });
  return ok ? EXIT_OK : EXIT_FAILURE;
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
  try {
    switch (command) {
      case undefined:
      case '-h':
      case '--help':
      case 'help':
        console.log(MAIN_HELP);
        return command === undefined ? EXIT_USAGE : EXIT_OK;
      case 'replay':
        return await replayCommand(rest);
      case 'demo':
        return await demoCommand(rest);
      case 'fix-reflector':
        return await reflectorCommand(rest);
      default:
        usage(`unknown command "${command}" (try --help)`);
    }
  } catch (error) {
    if (error instanceof UsageError) {
      console.error(`shadow-bridge: ${error.message}`);
      return EXIT_USAGE;
    }
    if (isBridgeError(error)) {
      console.error(`shadow-bridge: ${error.message}`);
      return EXIT_FAILURE;
    }
    throw error;
  }
}
