// Batches writes to the end of the current event-loop turn: every journal first, then every
// socket. One write() per file and per socket per turn instead of one per message, and a
// message never reaches the wire before the journal record that describes it.

const journals = new Set<() => void>();
const sockets = new Set<() => void>();
let scheduled = false;

function run(): void {
  scheduled = false;
  for (const flush of journals) flush();
  journals.clear();
  for (const flush of sockets) flush();
  sockets.clear();
}

/** Runs `flush` once at the end of this turn; journals before sockets. */
export function atTurnEnd(kind: 'journal' | 'socket', flush: () => void): void {
  (kind === 'journal' ? journals : sockets).add(flush);
  if (!scheduled) {
    scheduled = true;
    process.nextTick(run);
  }
}
