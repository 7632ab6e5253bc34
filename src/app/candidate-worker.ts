// Worker side of IsolatedCandidate: loads the candidate module, rebuilds each context from
// plain data and answers with the decision or the error. Signals every reply on the shared flag.

import { workerData, type MessagePort } from 'node:worker_threads';
import type { Router } from '../core/routing/router.js';
import { QuoteBook, type DecisionContext } from '../core/shadow/context.js';
import type { LpStatus } from '../core/model/types.js';
import type { PlainContext } from './isolated-candidate.js';

const { moduleUrl, port, flag } = workerData as { moduleUrl: string; port: MessagePort; flag: Int32Array };

function send(message: unknown): void {
  port.postMessage(message);
  Atomics.add(flag, 0, 1);
  Atomics.notify(flag, 0);
}

function isRouter(value: unknown): value is Router {
  return value !== null && typeof value === 'object' && typeof (value as Router).decide === 'function';
}

try {
  const mod = (await import(moduleUrl)) as Record<string, unknown>;
  let value: unknown = mod['default'] ?? mod['router'];
  if (value === undefined && typeof mod['createRouter'] === 'function') value = (mod['createRouter'] as () => unknown)();
  if (!isRouter(value)) throw new Error('exports no Router (an object with decide(context)) as default, router or createRouter()');
  const router = value;
  send({ ready: true, name: typeof router.name === 'string' && router.name ? router.name : 'candidate', configHash: typeof router.configHash === 'string' && router.configHash ? router.configHash : null });
  port.on('message', (plain: PlainContext) => {
    const book = new QuoteBook();
    for (const q of plain.quotes) book.update(q);
    const context: DecisionContext = {
      seq: plain.seq,
      nowUs: plain.nowUs,
      order: plain.order,
      quotes: book.snapshot(),
      lpStatus: new Map(plain.lpStatus as [string, LpStatus][]),
    };
    try {
      send({ ok: true, decision: router.decide(context) });
    } catch (error) {
      send({ ok: false, name: error instanceof Error ? error.name : 'Error', error: error instanceof Error ? error.message : String(error) });
    }
  });
} catch (error) {
  send({ ready: false, error: (error as Error).message });
}
