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

export class ScenarioRecorder {
  constructor(private readonly sink: RecordSink, name: string, description: string, startUs: number, lps: readonly string[]) {
    sink.write({ type: 'header', schema: SCENARIO_SCHEMA, name, description, start: formatTimestampUs(startUs), lps });
  }

  quote(tsUs: number, q: Quote): void {
    const line: Record<string, unknown> = { ts: formatTimestampUs(tsUs), type: 'quote', lp: q.lp, symbol: q.lpSymbol, bid: formatE8Short(q.bidE8), ask: formatE8Short(q.askE8) };
    if (q.bidSizeE8 > 0) line['bidSize'] = formatE8Short(q.bidSizeE8);
    if (q.askSizeE8 > 0) line['askSize'] = formatE8Short(q.askSizeE8);
    if (q.indicative) line['indicative'] = true;
    this.sink.write(line);
  }

  order(tsUs: number, o: OrderRequest): void {
    const line: Record<string, unknown> = { ts: formatTimestampUs(tsUs), type: 'order', id: o.clientOrderId };
    if (o.session !== undefined) line['session'] = o.session;
    Object.assign(line, { account: o.account, group: o.group, symbol: o.platformSymbol, side: o.side, ordType: o.ordType, volume: formatE8Short(o.volumeE8) });
    if (o.ordType === 'limit') line['price'] = formatE8Short(o.priceE8);
    this.sink.write(line);
  }

  cancel(tsUs: number, id: string, origId: string): void {
    this.sink.write({ ts: formatTimestampUs(tsUs), type: 'cancel', id, origId });
  }

  lpStatus(tsUs: number, lp: string, status: LpStatus, reason: string): void {
    this.sink.write({ ts: formatTimestampUs(tsUs), type: 'lp_status', lp, status, reason });
  }

  lpExec(tsUs: number, e: LpExecution): void {
    const line: Record<string, unknown> = { ts: formatTimestampUs(tsUs), type: 'lp_exec', lp: e.lp, id: e.clientOrderId };
    if (e.session !== undefined) line['session'] = e.session;
    Object.assign(line, { lpOrderId: e.lpOrderId, execId: e.execId, execType: e.execType, lastQty: formatE8Short(e.lastQtyE8), lastPx: formatE8Short(e.lastPxE8), text: e.text });
    if (e.execType === 'status') Object.assign(line, { cumQty: formatE8Short(e.cumQtyE8 ?? 0), avgPx: formatE8Short(e.avgPxE8 ?? 0), terminal: e.terminal === true });
    this.sink.write(line);
  }

  flush(): void {
    this.sink.flush();
  }

  close(): void {
    this.sink.close();
  }
}
