// Runs a candidate Router module in a worker thread, so a candidate that hangs, spins or leaks
// cannot stall the engine: each decision waits at most `timeoutMs`, then the worker is killed,
// a fresh one started, and the decision recorded as candidate_timeout.
//
// The wait is synchronous (Atomics.wait on a shared flag, then receiveMessageOnPort), which keeps
// replay deterministic: events never interleave with a late answer.

import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';
import { BridgeError } from '../core/errors.js';
import type { Decision } from '../core/model/types.js';
import type { Router } from '../core/routing/router.js';
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

/** A Router whose decide() is answered by a worker running the candidate module. */
export class IsolatedCandidate implements Router {
  readonly name: string;
  readonly configHash: string;
  private handle: WorkerHandle;

  private constructor(
    private readonly modulePath: string,
    private readonly timeoutMs: number,
    handle: WorkerHandle,
    hello: { name: string; configHash: string | null },
    fileHash: string,
  ) {
    this.handle = handle;
    this.name = hello.name;
    this.configHash = hello.configHash ?? fileHash;
  }

  static start(file: string, timeoutMs: number): IsolatedCandidate {
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
    return new IsolatedCandidate(path, timeoutMs, handle, hello, fileHash);
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
