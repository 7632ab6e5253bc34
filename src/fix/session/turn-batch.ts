// Batches writes to the end of the current event-loop turn: every journal first, then every
// socket. One write() per file and per socket per turn instead of one per message, and a
// message never reaches the wire before the journal record that describes it.
//
// The queues are arrays that are filled and emptied in place, never shrunk: a Set cleared every
// turn gave its table back and grew a new one the next turn, about 700 bytes of garbage per order
// (bench/README.md, issue 13).

type Flush = () => void;

class FlushQueue {
  private readonly items: (Flush | null)[] = [];
  private count = 0;

  /** Queues `flush` unless it is queued already (a flush runs once per turn however often asked). */
  add(flush: Flush): void {
    const items = this.items;
    for (let i = 0; i < this.count; i++) if (items[i] === flush) return;
    if (this.count === items.length) items.push(flush);
    else items[this.count] = flush;
    this.count++;
  }

  /** Runs every queued flush, including ones queued while it runs, then empties the queue. */
  runAll(): void {
    const items = this.items;
    for (let i = 0; i < this.count; i++) (items[i] as Flush)();
    for (let i = 0; i < this.count; i++) items[i] = null;
    this.count = 0;
  }
}

const journals = new FlushQueue();
const sockets = new FlushQueue();
let scheduled = false;

function run(): void {
  scheduled = false;
  journals.runAll();
  sockets.runAll();
}

/** Runs `flush` once at the end of this turn; journals before sockets. */
export function atTurnEnd(kind: 'journal' | 'socket', flush: Flush): void {
  (kind === 'journal' ? journals : sockets).add(flush);
  if (!scheduled) {
    scheduled = true;
    process.nextTick(run);
  }
}
