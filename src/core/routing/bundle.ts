// A mapping bundle compiled for routing: every table indexed, every number an E8 integer.
// Built once by src/mappings at load; routers only read it.

import type { Instrument } from '../model/instrument.js';
import type { SelectionMode } from '../model/types.js';
import type { TradingSession } from './sessions.js';

export interface LiquidityProvider {
  readonly id: string;
  readonly enabled: boolean;
  /** Session the LP streams and trades in; null = always. */
  readonly session: string | null;
  /** A quote older than this is stale and the LP is skipped. */
  readonly staleUs: number;
  /** Canonical instrument -> the LP's own symbol. */
  readonly symbols: ReadonlyMap<string, string>;
  /** Largest order (lots, E8) this LP takes; 0 = no limit. */
  readonly maxVolumeE8: number;
}

export interface RouteRule {
  readonly id: string;
  readonly priority: number;
  /** Group matcher compiled from globs; null = any group. */
  readonly groups: ((group: string) => boolean) | null;
  readonly accounts: ReadonlySet<string> | null;
  readonly symbols: ReadonlySet<string> | null;
  /** Volume band [min, max) in lots E8; max 0 = unbounded. */
  readonly minVolumeE8: number;
  readonly maxVolumeE8: number;
  readonly pool: readonly string[];
  readonly mode: SelectionMode;
  readonly markupProfile: string;
}

/** Markup in E8 price units added on each side (bid lowered, ask raised). */
export interface SideMarkup {
  readonly bidE8: number;
  readonly askE8: number;
}

export interface MarkupProfile {
  readonly id: string;
  /** Canonical instrument -> markup; instruments absent get no markup. */
  readonly bySymbol: ReadonlyMap<string, SideMarkup>;
}

export interface SymbolMap {
  /** Exact platform names ("GOLD" -> "XAUUSD"), checked first. */
  readonly aliases: ReadonlyMap<string, string>;
  /** Suffixes stripped from platform names (".pro", ".ecn"), longest first. */
  readonly suffixes: readonly string[];
}

export interface RoutingBundle {
  readonly name: string;
  readonly hash: string;
  readonly instruments: ReadonlyMap<string, Instrument>;
  readonly symbolMap: SymbolMap;
  readonly sessions: ReadonlyMap<string, TradingSession>;
  readonly lps: ReadonlyMap<string, LiquidityProvider>;
  /** Sorted by priority, highest (1) first. */
  readonly rules: readonly RouteRule[];
  readonly markups: ReadonlyMap<string, MarkupProfile>;
}
