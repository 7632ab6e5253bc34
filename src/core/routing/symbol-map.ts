// Platform symbol -> canonical instrument: exact aliases first, then known suffixes stripped.
// Results are memoized per platform name (a finite set), so the hot path is one Map lookup.

import type { Instrument } from '../model/instrument.js';
import type { SymbolMap } from './bundle.js';

const MAX_MEMO = 4096;

export class SymbolResolver {
  private readonly memo = new Map<string, Instrument | null>();

  constructor(
    private readonly map: SymbolMap,
    private readonly instruments: ReadonlyMap<string, Instrument>,
  ) {}

  resolve(platformSymbol: string): Instrument | null {
    const hit = this.memo.get(platformSymbol);
    if (hit !== undefined) return hit;
    const resolved = this.lookup(platformSymbol);
    if (this.memo.size >= MAX_MEMO) this.memo.clear();
    this.memo.set(platformSymbol, resolved);
    return resolved;
  }

  private lookup(platformSymbol: string): Instrument | null {
    const alias = this.map.aliases.get(platformSymbol);
    if (alias !== undefined) return this.instruments.get(alias) ?? null;
    const direct = this.instruments.get(platformSymbol);
    if (direct !== undefined) return direct;
    for (const suffix of this.map.suffixes) {
      if (platformSymbol.length > suffix.length && platformSymbol.endsWith(suffix)) {
        const base = platformSymbol.slice(0, platformSymbol.length - suffix.length);
        const viaAlias = this.map.aliases.get(base);
        const instrument = this.instruments.get(viaAlias ?? base);
        if (instrument !== undefined) return instrument;
      }
    }
    return null;
  }
}
