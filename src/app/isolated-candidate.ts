// Runs a candidate Router module in a worker thread, so a candidate that hangs, spins or leaks
// cannot stall the engine: each decision waits at most `timeoutMs`, then the worker is killed,
// a fresh one started, and the decision recorded as candidate_timeout.
//
// Two ways to wait. IsolatedCandidate waits synchronously (Atomics.wait on a shared flag, then
// receiveMessageOnPort), which keeps replay deterministic: events never interleave with a late
// answer. AsyncIsolatedCandidate (live) never waits: answers arrive as port messages, a timer
// per decision enforces the budget, and production's orders are routed meanwhile.

import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';
import { BridgeError } from '../core/errors.js';
import type { Decision } from '../core/model/types.js';
import type { AsyncRouter, Router } from '../core/routing/router.js';
import { CandidateTimedOut } from '../core/shadow/candidate-timeout.js';
import type { DecisionContext } from '../core/shadow/context.js';

/** The context as plain data: what crosses the thread boundary. */
export interface PlainContext {
  readonly seq: number;
  readonly nowUs: number;
  readonly order: DecisionContext['order'];
  readonly quotes: ReturnType<DecisionContext['quotes']['entries']>;
  readonly lpStatus: [string, string][];
}

export function toPlainContext(context: DecisionContext): PlainContext {
  return { seq: context.seq, nowUs: context.nowUs, order: context.order, quotes: context.quotes.entries(), lpStatus: [...context.lpStatus] };
}

type Reply = { ok: true; decision: Decision } | { ok: false; error: string; name: string };
type Hello = { ready: true; name: string; configHash: string | null } | { ready: false; error: string };

const WORKER_URL = new URL('./candidate-worker-entry.mjs', import.meta.url);
const STARTUP_TIMEOUT_MS = 10_000;

/** Heap a candidate worker may use; past it the worker is killed and replaced. */
const CANDIDATE_HEAP_MB = 256;

class WorkerHandle {
  readonly worker: Worker;
  readonly port: MessagePort;
  readonly flag = new Int32Array(new SharedArrayBuffer(4));

  constructor(modulePath: string) {
    const { port1, port2 } = new MessageChannel();
    this.port = port1;
    this.worker = new Worker(WORKER_URL, {
      workerData: { moduleUrl: pathToFileURL(modulePath).href, port: port2, flag: this.flag },
      transferList: [port2],
      // A candidate that allocates without bound dies in its own heap (ERR_WORKER_OUT_OF_MEMORY,
      // seen as a crash and replaced), never in the engine's.
      resourceLimits: { maxOldGenerationSizeMb: CANDIDATE_HEAP_MB, maxYoungGenerationSizeMb: 32 },
    });
    this.worker.unref();
    this.worker.on('error', () => {}); // a crashed worker shows up as a timeout or error reply
  }

  /** Waits for the next message for at most `timeoutMs`; undefined on timeout. */
  receive<T>(timeoutMs: number): T | undefined {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const message = receiveMessageOnPort(this.port);
      if (message !== undefined) {
        Atomics.sub(this.flag, 0, 1);
        return message.message as T;
      }
      const left = deadline - Date.now();
      if (left <= 0) return undefined;
      Atomics.wait(this.flag, 0, 0, left);
    }
  }

  kill(): void {
    this.port.close();
    void this.worker.terminate();
  }
}

/** A worker that has loaded the candidate module, and what the module says it is. */
interface StartedWorker {
  readonly path: string;
  readonly handle: WorkerHandle;
  readonly name: string;
  /** The module's own config hash, or the hash of its file. */
  readonly configHash: string;
}

/** Loads the module in a fresh worker and waits (blocking, once, at start) for its hello. */
function startWorker(file: string): StartedWorker {
  const path = resolve(file);
  let fileHash: string;
  try {
    fileHash = `sha256:${createHash('sha256').update(readFileSync(path)).digest('hex').slice(0, 16)}`;
  } catch (cause) {
    throw new BridgeError('SB_ERR_CANDIDATE_MODULE', `${file}: ${(cause as Error).message}`, { cause });
  }
  const handle = new WorkerHandle(path);
  const hello = handle.receive<Hello>(STARTUP_TIMEOUT_MS);
  if (hello === undefined || !hello.ready) {
    handle.kill();
    throw new BridgeError('SB_ERR_CANDIDATE_MODULE', `${file}: ${hello === undefined ? `did not load within ${STARTUP_TIMEOUT_MS} ms` : hello.error}`);
  }
  return { path, handle, name: hello.name, configHash: hello.configHash ?? fileHash };
}

/** A Router whose decide() is answered by a worker running the candidate module. */
export class IsolatedCandidate implements Router {
  readonly name: string;
  readonly configHash: string;
  private readonly modulePath: string;
  private handle: WorkerHandle;

  private constructor(started: StartedWorker, private readonly timeoutMs: number) {
    this.modulePath = started.path;
    this.handle = started.handle;
    this.name = started.name;
    this.configHash = started.configHash;
  }

  static start(file: string, timeoutMs: number): IsolatedCandidate {
    return new IsolatedCandidate(startWorker(file), timeoutMs);
  }

  decide(context: DecisionContext): Decision {
    this.handle.port.postMessage(toPlainContext(context));
    const reply = this.handle.receive<Reply>(this.timeoutMs);
    if (reply === undefined) {
      this.handle.kill();
      this.handle = new WorkerHandle(this.modulePath);
      // The fresh worker's readiness is awaited lazily: its hello is the first message it sends.
      const hello = this.handle.receive<Hello>(STARTUP_TIMEOUT_MS);
      if (hello === undefined || !hello.ready) throw new CandidateTimedOut(`no decision within ${this.timeoutMs} ms, and the restarted worker did not load`);
      throw new CandidateTimedOut(`no decision within ${this.timeoutMs} ms; worker restarted`);
    }
    if (!reply.ok) {
      const error = new Error(reply.error);
      error.name = reply.name;
      throw error;
    }
    return reply.decision;
  }

  close(): void {
    this.handle.kill();
  }
}

interface Request {
  readonly plain: PlainContext;
  readonly done: (outcome: Decision | Error) => void;
}

/**
 * The live engine's way to run a module candidate: requests are posted to the worker and
 * answered in order through port messages, so the event loop never waits. Each decision gets
 * `timeoutMs` from the moment the worker can start on it; past that the worker is killed, the
 * decision fails with CandidateTimedOut, and the requests behind it go to a fresh worker.
 */
export class AsyncIsolatedCandidate implements AsyncRouter {
  readonly name: string;
  readonly configHash: string;
  private readonly modulePath: string;
  private handle: WorkerHandle;
  /** Posted to the current worker and not answered yet, oldest first. */
  private readonly waiting: Request[] = [];
  private awaitingHello = false;
  private timer: NodeJS.Timeout | null = null;
  /** Set when a restarted worker cannot load the module: every request then fails at once. */
  private broken: string | null = null;
  private closed = false;
  /** Workers started after a timeout or a crash. */
  restarts = 0;

  private constructor(started: StartedWorker, private readonly timeoutMs: number) {
    this.modulePath = started.path;
    this.handle = started.handle;
    this.name = started.name;
    this.configHash = started.configHash;
    this.listen(this.handle);
  }

  static start(file: string, timeoutMs: number): AsyncIsolatedCandidate {
    return new AsyncIsolatedCandidate(startWorker(file), timeoutMs);
  }

  decideLater(context: DecisionContext, done: (outcome: Decision | Error) => void): void {
    if (this.broken !== null || this.closed) {
      const reason = this.broken ?? 'candidate closed';
      queueMicrotask(() => done(new Error(reason)));
      return;
    }
    const request = { plain: toPlainContext(context), done };
    this.waiting.push(request);
    this.handle.port.postMessage(request.plain);
    if (this.waiting.length === 1 && !this.awaitingHello) this.arm(this.timeoutMs);
  }

  /** Decisions asked for and not yet answered. */
  inFlight(): number {
    return this.waiting.length;
  }

  close(): void {
    this.closed = true;
    this.disarm();
    this.handle.kill();
    for (const r of this.waiting.splice(0)) r.done(new Error('candidate closed before it answered'));
  }

  private listen(handle: WorkerHandle): void {
    handle.port.on('message', (message: Reply | Hello) => {
      if (handle === this.handle) this.onMessage(message);
    });
    handle.port.unref(); // an idle candidate must not keep the process alive
    handle.worker.on('exit', (code) => {
      if (handle !== this.handle || this.closed || this.broken !== null) return;
      // Answers the worker sent before it died may not have been delivered yet: take them
      // first, so only the decision it died on is blamed.
      this.takeDelivered();
      if (this.broken !== null) return;
      if (this.awaitingHello) {
        // A worker that dies while loading would die again: stop there instead of looping.
        this.fail(`candidate worker exited while loading after a restart (code ${code})`);
        return;
      }
      this.replaceWorker(new Error(`candidate worker exited (code ${code})`));
    });
  }

  private onMessage(message: Reply | Hello): void {
    if (this.awaitingHello) {
      const hello = message as Hello;
      this.awaitingHello = false;
      if (!hello.ready) {
        this.fail(`candidate worker did not load after a restart: ${hello.error}`);
        return;
      }
      if (this.waiting.length > 0) this.arm(this.timeoutMs);
      return;
    }
    const reply = message as Reply;
    const request = this.waiting.shift();
    if (request === undefined) return;
    this.disarm();
    if (this.waiting.length > 0) this.arm(this.timeoutMs); // the next one starts now
    if (reply.ok) {
      request.done(reply.decision);
    } else {
      const error = new Error(reply.error);
      error.name = reply.name;
      request.done(error);
    }
  }

  private arm(ms: number): void {
    this.disarm();
    this.timer = setTimeout(() => this.onTimeout(), ms);
  }

  private disarm(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }

  /** Handles answers already waiting on the port (receiveMessageOnPort), before any verdict. */
  private takeDelivered(): void {
    for (let m = receiveMessageOnPort(this.handle.port); m !== undefined; m = receiveMessageOnPort(this.handle.port)) {
      this.onMessage(m.message as Reply | Hello);
    }
  }

  private onTimeout(): void {
    this.timer = null;
    // Timers run before I/O in a turn: an answer (or the hello) may be sitting on the port,
    // unread. onMessage re-arms the timer for whatever is next.
    const wasAwaitingHello = this.awaitingHello;
    const head = this.waiting[0];
    this.takeDelivered();
    if (this.broken !== null) return;
    if (wasAwaitingHello) {
      if (this.awaitingHello) this.fail(`candidate worker did not load within ${STARTUP_TIMEOUT_MS} ms after a restart`);
      return;
    }
    if (head === undefined || this.waiting[0] !== head) return; // answered after all
    this.replaceWorker(new CandidateTimedOut(`no decision within ${this.timeoutMs} ms; worker restarted`));
  }

  /** Kills the worker; the oldest request fails with `error`, the others go to a fresh worker. */
  private replaceWorker(error: Error): void {
    this.disarm();
    this.handle.kill();
    this.restarts++;
    const failed = this.waiting.shift();
    this.handle = new WorkerHandle(this.modulePath);
    this.listen(this.handle);
    this.awaitingHello = true;
    this.arm(STARTUP_TIMEOUT_MS);
    for (const r of this.waiting) this.handle.port.postMessage(r.plain); // queued until it listens
    failed?.done(error);
  }

  private fail(reason: string): void {
    this.broken = reason;
    this.disarm();
    this.handle.kill();
    for (const r of this.waiting.splice(0)) r.done(new Error(reason));
  }
}
