// report.html's match rate over time, from the run folder's files: an order counts once it has a
// complete received line, whatever the order of its keys; a torn last line (a killed live run)
// does not count; an order with a divergence is unmatched in its bucket.

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { collectReport } from '../../src/exporters/report-html.js';
import type { RunSummary } from '../../src/exporters/summary.js';

const tmp = mkdtempSync(join(tmpdir(), 'sb-report-series-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const summary = { scenario: { name: 'series' }, configs: { candidate: { hash: 'sha256:c' } } } as unknown as RunSummary;

describe('report series', () => {
  it('counts complete received lines (any key order), skips a torn last one, and marks divergent orders unmatched', () => {
    const orders = [
      // Keys in another order (another writer): the head lacks the time, so the whole line is read.
      '{"step":"received","clientOrderId":"c2","at":"2026-07-08T09:00:00.050000Z","correlationId":"r2","seq":2}',
      // As the run folder writes them: the report reads the head, up to clientOrderId.
      '{"seq":1,"at":"2026-07-08T09:00:00.100000Z","step":"received","correlationId":"r1","clientOrderId":"c1","lp":null,"rejectReason":null,"account":"has \\"step\\":\\"received\\" in it"}',
      '{"seq":1,"at":"2026-07-08T09:00:00.100000Z","step":"routed","correlationId":"r1","clientOrderId":"c1","lp":"LP_A","rejectReason":null}',
      '{"seq":3,"at":"2026-07-08T09:00:00.300000Z","step":"received","correlationId":"r3","clientOrderId":"c3","lp":null,"rejectReason":null}',
    ];
    // A torn last line: its head is whole, the line is not.
    const torn = '{"seq":4,"at":"2026-07-08T09:00:00.400000Z","step":"received","correlationId":"r4","clientOrderId":"c4","lp":nu';
    const dir = join(tmp, 'run');
    mkdirSync(dir);
    writeFileSync(join(dir, 'orders.jsonl'), `${orders.join('\n')}\n${torn}`);
    writeFileSync(join(dir, 'divergences.jsonl'), '{"at":"2026-07-08T09:00:00.100000Z","correlationId":"r1","class":"lp_choice","severity":"major","detail":"x"}\n');
    writeFileSync(join(dir, 'shadow-faults.jsonl'), '');
    const series = collectReport(dir, summary).series;
    expect(series?.t.length).toBe(1);
    // r1, r2, r3 compared; r1 diverged: 2 of 3 matched. (Counting the torn r4 would give 3 of 4.)
    expect(series?.matchRate).toEqual([2 / 3]);
  });
});
