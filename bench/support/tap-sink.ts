// A remote candidate as the engine sees it, without the candidate: it subscribes to the tap,
// receives every message, and reports figures up the connection once a second, as a shadow
// worker on another host does. The engine's cost of feeding N remote candidates (the fan-out
// and the reports) is measured with these, so that the rig's core is not spent on N replays.
// node bin/run-ts.mjs bench/support/tap-sink.ts tcp://127.0.0.1:PORT ID PRODUCTION_HASH

import { randomBytes } from 'node:crypto';
import { XSubscriber } from 'zeromq';
import { buildCandidateReport } from '../../src/app/candidate-report.js';
import { emptyTally } from '../../src/exporters/summary.js';
import { decodeTapMessage, encodeUpstream } from '../../src/gateways/zmq/tap-codec.js';

const [connect = '', id = 'sink', production = ''] = process.argv.slice(2);
const sub = new XSubscriber({ receiveHighWaterMark: 1_000_000, linger: 0 });
sub.connect(connect);
await sub.send(Buffer.from([1]));
const instance = randomBytes(8).toString('hex');
let received = 0;
let records = 0;
let lastSeq = 0;
let gaps = 0;
let lost = 0;
let n = 0;
const timer = setInterval(() => {
  const counters = { offered: 0, compared: 0, matched: 0, divergent: 0, divergences: 0, dropped: { sampled_out: 0, queue_full: 0, candidate_timeout: 0, candidate_error: 0 }, candidateRouted: 0, candidateRejected: 0, candidateRejectReasons: {} };
  const report = buildCandidateReport({ id, instance, n: ++n, token: null, name: 'tap-sink', hash: 'sha256:sink', production, atUs: Date.now() * 1000, counters, tally: emptyTally(), latencyUs: { count: 0, p50: 0, p99: 0, p999: 0, max: 0 }, tap: { gaps, lostMessages: lost, joinedFrom: 'start', lagUsP99: 0 }, runFolder: 'none' });
  void sub.send(encodeUpstream(report)).catch(() => {});
}, 1_000);
process.on('SIGTERM', () => {
  clearInterval(timer);
  console.log(JSON.stringify({ id, received, records, gaps, lost }));
  sub.close();
  process.exit(0);
});
console.log('ready 0');
for await (const [frame] of sub) {
  received++;
  // Only the numbering is read (as a worker must, to see gaps), not the records.
  const span = frame === undefined ? null : spanOf(frame);
  if (span === null) continue;
  if (lastSeq !== 0 && span.first !== lastSeq + 1) {
    gaps++;
    lost += span.first - lastSeq - 1;
  }
  lastSeq = span.first + span.count - 1;
  records += span.count;
}

/** The first record's number and how many records: from the bytes ({s, r} or {s, b: [...]}), else a full decode. */
function spanOf(b: Buffer): { first: number; count: number } | null {
  // 0x82 fixmap(2), 0xa1 's', a msgpack unsigned integer, 0xa1 'r' or 'b' (then an array header).
  if (b[0] === 0x82 && b[1] === 0xa1 && b[2] === 0x73) {
    const t = b[3] as number;
    const [first, width] = t <= 0x7f ? [t, 1] : t === 0xcc ? [b.readUInt8(4), 2] : t === 0xcd ? [b.readUInt16BE(4), 3] : t === 0xce ? [b.readUInt32BE(4), 5] : [-1, 0];
    const at = 3 + width;
    if (first >= 1 && b[at] === 0xa1) {
      if (b[at + 1] === 0x72) return { first, count: 1 };
      const a = b[at + 2] as number;
      if (b[at + 1] === 0x62 && a >= 0x91 && a <= 0x9f) return { first, count: a - 0x90 };
      if (b[at + 1] === 0x62 && a === 0xdc) return { first, count: b.readUInt16BE(at + 3) };
    }
  }
  const m = decodeTapMessage(b);
  return m === null ? null : { first: m.seq, count: m.records.length };
}
