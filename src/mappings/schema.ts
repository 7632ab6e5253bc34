// The shape of each mapping file, as zod schemas over YAML source text (every scalar a string).
// Decimals become E8 integers here, so a bundle can never carry a binary float into routing.

import { z } from 'zod';
import { parseE8 } from '../core/model/scaled.js';
import { isBridgeError } from '../core/errors.js';

const id = z.string().regex(/^[A-Za-z0-9_.\-/\\]+$/, 'letters, digits and _ . - / \\ only');

export const decimalE8 = z.string().transform((text, ctx) => {
  try {
    return parseE8(text.trim());
  } catch (error) {
    ctx.addIssue({ code: 'custom', message: isBridgeError(error) ? error.detail : `"${text}" is not a decimal number` });
    return z.NEVER;
  }
});

const positiveDecimalE8 = decimalE8.refine((v) => v > 0, 'must be greater than 0');

const integer = (min: number, max: number) =>
  z
    .string()
    .regex(/^-?\d+$/, 'must be a whole number')
    .transform(Number)
    .refine((v) => v >= min && v <= max, `must be between ${min} and ${max}`);

const bool = z.enum(['true', 'false'], { message: 'must be true or false' }).transform((v) => v === 'true');

export const instrumentsFile = z.strictObject({
  instruments: z.record(
    id,
    z.strictObject({
      digits: integer(0, 7),
      tickSize: positiveDecimalE8,
      contractSize: positiveDecimalE8,
      minLot: positiveDecimalE8,
      maxLot: positiveDecimalE8,
      lotStep: positiveDecimalE8,
      session: id,
    }),
  ),
});

export const symbolsFile = z.strictObject({
  suffixes: z.array(z.string().min(1)).default([]),
  aliases: z.record(z.string().min(1), id).default({}),
});

const weekWindow = z.strictObject({ open: z.string(), close: z.string() });
const dayBreak = z.strictObject({ start: z.string(), end: z.string() });

export const sessionsFile = z.strictObject({
  sessions: z.record(
    id,
    z.strictObject({
      timeZone: z.string().min(1),
      weekly: z.array(weekWindow).min(1),
      dailyBreaks: z.array(dayBreak).default([]),
      holidays: z.array(z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be YYYY-MM-DD')).default([]),
    }),
  ),
});

export const lpsFile = z.strictObject({
  lps: z.record(
    id,
    z.strictObject({
      enabled: bool.default(true),
      session: id.optional(),
      staleMs: integer(1, 3_600_000),
      maxVolume: decimalE8.optional(),
      symbols: z.record(id, z.string().min(1)),
    }),
  ),
});

export const routesFile = z.strictObject({
  rules: z
    .array(
      z.strictObject({
        id,
        priority: integer(1, 1_000_000),
        match: z
          .strictObject({
            groups: z.array(z.string().min(1)).optional(),
            accounts: z.array(z.string().min(1)).optional(),
            symbols: z.array(id).optional(),
            minVolume: decimalE8.optional(),
            maxVolume: decimalE8.optional(),
          })
          .default({}),
        pool: z.array(id).min(1),
        mode: z.enum(['best_price', 'priority']),
        markup: id,
      }),
    )
    .min(1),
});

const sideMarkup = z.strictObject({ bid: decimalE8, ask: decimalE8 });

export const markupsFile = z.strictObject({
  profiles: z.record(id, z.record(id, sideMarkup)),
});

export type InstrumentsFile = z.infer<typeof instrumentsFile>;
export type SymbolsFile = z.infer<typeof symbolsFile>;
export type SessionsFile = z.infer<typeof sessionsFile>;
export type LpsFile = z.infer<typeof lpsFile>;
export type RoutesFile = z.infer<typeof routesFile>;
export type MarkupsFile = z.infer<typeof markupsFile>;
