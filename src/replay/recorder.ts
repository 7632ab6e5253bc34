// Records a live session's inbound events in the scenario format, with the exact timestamp the
// engine used for each, so `replay` of the file makes the very same decisions.

import { formatE8Short } from '../core/model/scaled.js';
import { formatTimestampUs } from '../core/model/timestamps.js';
import type { LpExecution } from '../core/model/lifecycle.js';
import type { LpStatus, OrderRequest, Quote } from '../core/model/types.js';
import { SCENARIO_SCHEMA } from './scenario-types.js';

export interface RecordSink {
  write(record: unknown): void;
  flush(): void;
  close(): void;
}

/** How a recording spells times and decimals: text (JSONL) or numbers (binary records). */
interface Spelling {
  ts(us: number): string | number;
  dec(e8: number): string | number;
}
const TEXT: Spelling = { ts: formatTimestampUs, dec: formatE8Short };
const NUMBERS: Spelling = { ts: (us) => us, dec: (e8) => e8 };

export class ScenarioRecorder {
  private readonly f: Spelling;

  /**
   * `sink` gets the recording (null: none, a tap only); `numeric`: it is a binary recording,
   * which keeps µs and E8 integers as they are. `tap` gets every record too, always numeric
   * (the event tap of a live engine; see src/app/live/event-tap.ts).
   */
  constructor(private readonly sink: RecordSink | null, name: string, description: string, startUs: number, lps: readonly string[], numeric = false, private readonly tap: RecordSink | null = null) {
    this.f = numeric ? NUMBERS : TEXT;
    const header = { type: 'header', schema: SCENARIO_SCHEMA, name, description, start: formatTimestampUs(startUs), lps };
    sink?.write(header);
    tap?.write(header);
  }

  /** Builds a record once per spelling needed and gives it to the recording and the tap. */
  private emit(build: (f: Spelling) => Record<string, unknown>): void {
    const record = build(this.f);
    this.sink?.write(record);
    if (this.tap !== null) this.tap.write(this.f === NUMBERS ? record : build(NUMBERS));
  }

  quote(tsUs: number, q: Quote): void {
    this.emit((f) => {
      const line: Record<string, unknown> = { ts: f.ts(tsUs), type: 'quote', lp: q.lp, symbol: q.lpSymbol, bid: f.dec(q.bidE8), ask: f.dec(q.askE8) };
      if (q.bidSizeE8 > 0) line['bidSize'] = f.dec(q.bidSizeE8);
      if (q.askSizeE8 > 0) line['askSize'] = f.dec(q.askSizeE8);
      if (q.indicative) line['indicative'] = true;
      return line;
    });
  }

  order(tsUs: number, o: OrderRequest): void {
    this.emit((f) => {
      const line: Record<string, unknown> = { ts: f.ts(tsUs), type: 'order', id: o.clientOrderId };
      if (o.session !== undefined) line['session'] = o.session;
      Object.assign(line, { account: o.account, group: o.group, symbol: o.platformSymbol, side: o.side, ordType: o.ordType, volume: f.dec(o.volumeE8) });
      if (o.ordType === 'limit') line['price'] = f.dec(o.priceE8);
      return line;
    });
  }

  cancel(tsUs: number, id: string, origId: string): void {
    this.emit((f) => ({ ts: f.ts(tsUs), type: 'cancel', id, origId }));
  }

  lpStatus(tsUs: number, lp: string, status: LpStatus, reason: string): void {
    this.emit((f) => ({ ts: f.ts(tsUs), type: 'lp_status', lp, status, reason }));
  }

  lpExec(tsUs: number, e: LpExecution): void {
    this.emit((f) => {
      const line: Record<string, unknown> = { ts: f.ts(tsUs), type: 'lp_exec', lp: e.lp, id: e.clientOrderId };
      if (e.session !== undefined) line['session'] = e.session;
      Object.assign(line, { lpOrderId: e.lpOrderId, execId: e.execId, execType: e.execType, lastQty: f.dec(e.lastQtyE8), lastPx: f.dec(e.lastPxE8), text: e.text });
      if (e.execType === 'status') Object.assign(line, { cumQty: f.dec(e.cumQtyE8 ?? 0), avgPx: f.dec(e.avgPxE8 ?? 0), terminal: e.terminal === true });
      return line;
    });
  }

  flush(): void {
    this.sink?.flush();
    this.tap?.flush();
  }

  close(): void {
    this.sink?.close();
    this.tap?.close();
  }
}
