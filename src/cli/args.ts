// Argument parsing shared by the commands: strict options, one-line usage errors in our words.
// A UsageError is exit code 2; main.ts turns it into one line on stderr.

import { parseArgs, type ParseArgsConfig } from 'node:util';

export class UsageError extends Error {}

export function usage(message: string): never {
  throw new UsageError(message);
}

/** One line, our words: Node's parser messages run on with nested quotes. */
function parseError(error: NodeJS.ErrnoException): string {
  const message = error.message.split('\n')[0] ?? '';
  const option = /Option '([^']+?)(?: <value>)?'/.exec(message)?.[1] ?? /Unknown option '([^']+)'/.exec(message)?.[1];
  if (error.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') return `unknown option ${option ?? message}`;
  if (error.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' && message.includes('argument missing')) return `${option} needs a value`;
  if (error.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' && message.includes('does not take an argument')) return `${option} takes no value`;
  return message.replaceAll("'", '');
}

export function parse<T extends NonNullable<ParseArgsConfig['options']>>(args: string[], options: T) {
  try {
    return parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (error) {
    usage(parseError(error as NodeJS.ErrnoException));
  }
}

export function numberOption(value: unknown, name: string, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n < min || n > max) usage(`--${name} must be a number from ${min} to ${max}, was "${String(value)}"`);
  return n;
}
