// Loads a mapping bundle folder: parse every file, validate everything, cross-check references,
// then compile to a frozen RoutingBundle with a content hash. All problems are reported at once,
// each as "file:line field: what was wrong".

import { createHash } from 'node:crypto';
import { basename, join, resolve } from 'node:path';
import type { z } from 'zod';
import { BridgeError, isBridgeError } from '../core/errors.js';
import type { Instrument } from '../core/model/instrument.js';
import { E8, formatE8Short, pow10 } from '../core/model/scaled.js';
import type { LiquidityProvider, MarkupProfile, RouteRule, RoutingBundle, SideMarkup } from '../core/routing/bundle.js';
import { parseClock, parseWeekClock, TradingSession, type MinuteSpan } from '../core/routing/sessions.js';
import { instrumentsFile, lpsFile, markupsFile, routesFile, sessionsFile, symbolsFile } from './schema.js';
import { readYamlSource, type YamlSource } from './yaml-source.js';

export const BUNDLE_FILES = ['instruments.yaml', 'symbols.yaml', 'sessions.yaml', 'lps.yaml', 'routes.yaml', 'markups.yaml'] as const;

class Problems {
  readonly list: string[] = [];

  add(source: YamlSource, path: readonly PropertyKey[], message: string): void {
    const field = path.map(String).join('.') || '(file)';
    this.list.push(`${source.file}:${source.lineOf(path)} ${field}: ${message}`);
  }
}

function validate<S extends z.ZodType>(schema: S, source: YamlSource, problems: Problems): z.output<S> | null {
  const result = schema.safeParse(source.data);
  if (result.success) return result.data;
  for (const issue of result.error.issues) problems.add(source, issue.path, issue.message);
  return null;
}

/** Compiles "real\pro\*" style globs into one matcher; `*` matches any run of characters. */
function compileGroupGlobs(globs: readonly string[]): (group: string) => boolean {
  const escaped = globs.map((g) => g.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*'));
  const re = new RegExp(`^(?:${escaped.join('|')})$`);
  return (group) => re.test(group);
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const keys = Object.keys(value).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** Content hash of a bundle: comments and formatting do not change it, any value does. */
export function hashBundleData(data: Readonly<Record<string, unknown>>): string {
  return `sha256:${createHash('sha256').update(canonicalJson(data)).digest('hex').slice(0, 16)}`;
}

export function loadBundle(dir: string): RoutingBundle {
  const root = resolve(dir);
  const problems = new Problems();
  const sources: Record<string, YamlSource> = {};
  for (const file of BUNDLE_FILES) {
    const path = join(dir, file);
    try {
      sources[file] = readYamlSource(path);
    } catch (error) {
      if (isBridgeError(error) && error.code === 'SB_ERR_MAPPING_YAML') throw error;
      if (isBridgeError(error)) problems.list.push(error.detail);
      else throw error;
    }
  }
  if (problems.list.length > 0) throw new BridgeError('SB_ERR_MAPPING_IO', problems.list.join('\n'));
  const src = (f: (typeof BUNDLE_FILES)[number]): YamlSource => sources[f] as YamlSource;

  const instrumentsRaw = validate(instrumentsFile, src('instruments.yaml'), problems);
  const symbolsRaw = validate(symbolsFile, src('symbols.yaml'), problems);
  const sessionsRaw = validate(sessionsFile, src('sessions.yaml'), problems);
  const lpsRaw = validate(lpsFile, src('lps.yaml'), problems);
  const routesRaw = validate(routesFile, src('routes.yaml'), problems);
  const markupsRaw = validate(markupsFile, src('markups.yaml'), problems);
  if (!instrumentsRaw || !symbolsRaw || !sessionsRaw || !lpsRaw || !routesRaw || !markupsRaw) {
    throw new BridgeError('SB_ERR_MAPPING_INVALID', problems.list.join('\n'));
  }

  // Sessions.
  const sessions = new Map<string, TradingSession>();
  const sessionsSrc = src('sessions.yaml');
  for (const [name, s] of Object.entries(sessionsRaw.sessions)) {
    const weekly: MinuteSpan[] = [];
    s.weekly.forEach((w, i) => {
      const open = parseWeekClock(w.open);
      const close = parseWeekClock(w.close);
      if (open === null) problems.add(sessionsSrc, ['sessions', name, 'weekly', i, 'open'], `"${w.open}" is not like "Sun 17:05"`);
      if (close === null) problems.add(sessionsSrc, ['sessions', name, 'weekly', i, 'close'], `"${w.close}" is not like "Fri 16:55"`);
      if (open !== null && close !== null) weekly.push({ start: open, end: close });
    });
    const dailyBreaks: MinuteSpan[] = [];
    s.dailyBreaks.forEach((b, i) => {
      const start = parseClock(b.start);
      const end = parseClock(b.end);
      if (start === null) problems.add(sessionsSrc, ['sessions', name, 'dailyBreaks', i, 'start'], `"${b.start}" is not like "16:59"`);
      if (end === null) problems.add(sessionsSrc, ['sessions', name, 'dailyBreaks', i, 'end'], `"${b.end}" is not like "17:02"`);
      if (start !== null && end !== null) dailyBreaks.push({ start, end });
    });
    try {
      sessions.set(name, new TradingSession({ name, timeZone: s.timeZone, weekly, dailyBreaks, holidays: s.holidays }));
    } catch (error) {
      if (!isBridgeError(error)) throw error;
      problems.add(sessionsSrc, ['sessions', name, 'timeZone'], `"${s.timeZone}" is not an IANA time zone`);
    }
  }

  // Instruments.
  const instruments = new Map<string, Instrument>();
  const instSrc = src('instruments.yaml');
  for (const [symbol, i] of Object.entries(instrumentsRaw.instruments)) {
    const at = (field: string): PropertyKey[] => ['instruments', symbol, field];
    const pointE8 = pow10(8 - i.digits);
    if (i.tickSize % pointE8 !== 0) problems.add(instSrc, at('tickSize'), `${formatE8Short(i.tickSize)} is finer than ${i.digits} digits`);
    if (i.minLot > i.maxLot) problems.add(instSrc, at('minLot'), `${formatE8Short(i.minLot)} is above maxLot ${formatE8Short(i.maxLot)}`);
    if (i.minLot % i.lotStep !== 0) problems.add(instSrc, at('minLot'), `${formatE8Short(i.minLot)} is not a multiple of lotStep ${formatE8Short(i.lotStep)}`);
    if (!sessions.has(i.session) && sessionsRaw.sessions[i.session] === undefined) problems.add(instSrc, at('session'), `no session "${i.session}" in sessions.yaml`);
    instruments.set(symbol, {
      symbol,
      digits: i.digits,
      pointE8,
      tickSizeE8: i.tickSize,
      contractSize: i.contractSize / E8,
      minLotE8: i.minLot,
      maxLotE8: i.maxLot,
      lotStepE8: i.lotStep,
      session: i.session,
    });
  }

  // Symbol map.
  const symSrc = src('symbols.yaml');
  const aliases = new Map<string, string>();
  for (const [alias, target] of Object.entries(symbolsRaw.aliases)) {
    if (!instruments.has(target)) problems.add(symSrc, ['aliases', alias], `alias target "${target}" is not an instrument`);
    aliases.set(alias, target);
  }
  const suffixes = [...symbolsRaw.suffixes].sort((a, b) => b.length - a.length || a.localeCompare(b));

  // LPs.
  const lps = new Map<string, LiquidityProvider>();
  const lpSrc = src('lps.yaml');
  for (const [lpId, lp] of Object.entries(lpsRaw.lps)) {
    if (lp.session !== undefined && sessionsRaw.sessions[lp.session] === undefined) {
      problems.add(lpSrc, ['lps', lpId, 'session'], `no session "${lp.session}" in sessions.yaml`);
    }
    for (const canonical of Object.keys(lp.symbols)) {
      if (!instruments.has(canonical)) problems.add(lpSrc, ['lps', lpId, 'symbols', canonical], `"${canonical}" is not an instrument`);
    }
    lps.set(lpId, {
      id: lpId,
      enabled: lp.enabled,
      session: lp.session ?? null,
      staleUs: lp.staleMs * 1000,
      symbols: new Map(Object.entries(lp.symbols)),
      maxVolumeE8: lp.maxVolume ?? 0,
    });
  }

  // Markups.
  const markups = new Map<string, MarkupProfile>();
  const mkSrc = src('markups.yaml');
  for (const [profileId, bySymbolRaw] of Object.entries(markupsRaw.profiles)) {
    const bySymbol = new Map<string, SideMarkup>();
    for (const [symbol, m] of Object.entries(bySymbolRaw)) {
      const instrument = instruments.get(symbol);
      if (instrument === undefined) {
        problems.add(mkSrc, ['profiles', profileId, symbol], `"${symbol}" is not an instrument`);
        continue;
      }
      const toE8 = (pointsE8: number, side: 'bid' | 'ask'): number => {
        const priceE8 = markupPointsToE8(pointsE8, instrument.digits);
        if (priceE8 === null) {
          problems.add(mkSrc, ['profiles', profileId, symbol, side], `${formatE8Short(pointsE8)} points is finer than 1e-8 in price on a ${instrument.digits}-digit instrument`);
          return 0;
        }
        return priceE8;
      };
      bySymbol.set(symbol, { bidE8: toE8(m.bid, 'bid'), askE8: toE8(m.ask, 'ask') });
    }
    markups.set(profileId, { id: profileId, bySymbol });
  }

  // Routes.
  const rtSrc = src('routes.yaml');
  const ruleIds = new Set<string>();
  const priorities = new Map<number, string>();
  const rules: RouteRule[] = routesRaw.rules.map((r, i) => {
    const at = (...rest: PropertyKey[]): PropertyKey[] => ['rules', i, ...rest];
    if (ruleIds.has(r.id)) problems.add(rtSrc, at('id'), `duplicate rule id "${r.id}"`);
    ruleIds.add(r.id);
    const other = priorities.get(r.priority);
    if (other !== undefined) problems.add(rtSrc, at('priority'), `priority ${r.priority} already used by rule "${other}"; priorities must be unique`);
    priorities.set(r.priority, r.id);
    r.pool.forEach((lp, k) => {
      if (!lps.has(lp)) problems.add(rtSrc, at('pool', k), `"${lp}" is not an LP in lps.yaml`);
    });
    if (!markups.has(r.markup)) problems.add(rtSrc, at('markup'), `no markup profile "${r.markup}" in markups.yaml`);
    r.match.symbols?.forEach((s, k) => {
      if (!instruments.has(s)) problems.add(rtSrc, at('match', 'symbols', k), `"${s}" is not an instrument`);
    });
    const minV = r.match.minVolume ?? 0;
    const maxV = r.match.maxVolume ?? 0;
    if (maxV !== 0 && maxV <= minV) problems.add(rtSrc, at('match', 'maxVolume'), `must be above minVolume ${formatE8Short(minV)}`);
    return {
      id: r.id,
      priority: r.priority,
      groups: r.match.groups === undefined ? null : compileGroupGlobs(r.match.groups),
      accounts: r.match.accounts === undefined ? null : new Set(r.match.accounts),
      symbols: r.match.symbols === undefined ? null : new Set(r.match.symbols),
      minVolumeE8: minV,
      maxVolumeE8: maxV,
      pool: Object.freeze([...r.pool]),
      mode: r.mode,
      markupProfile: r.markup,
    };
  });
  rules.sort((a, b) => a.priority - b.priority);

  if (problems.list.length > 0) throw new BridgeError('SB_ERR_MAPPING_INVALID', problems.list.join('\n'));

  const hash = hashBundleData(Object.fromEntries(BUNDLE_FILES.map((f) => [f, src(f).data])));
  return Object.freeze({
    name: basename(root),
    hash,
    instruments,
    symbolMap: { aliases, suffixes },
    sessions,
    lps,
    rules: Object.freeze(rules),
    markups,
  });
}

/**
 * Markup in points (E8-scaled) to price units (E8), exactly: one point is 10^-digits, so the price
 * is points / 10^digits, in integers. Null when the result would be finer than 1e-8. (A binary
 * float here turned 2.3 points on USDJPY into 0.022999999... and refused it.)
 */
export function markupPointsToE8(pointsE8: number, digits: number): number | null {
  const divisor = pow10(digits);
  return pointsE8 % divisor === 0 ? pointsE8 / divisor : null;
}
