// A candidate module for the benchmark: production's own routing, made BENCH_SLOW_US slower per
// decision by busy-waiting, loaded as a Router module. The engine runs it in a worker thread
// and, live, never waits for it (AsyncIsolatedCandidate): the cost lands on the worker.

import { performance } from 'node:perf_hooks';
import { join, resolve } from 'node:path';
import { BundleRouter } from '../../src/core/routing/bundle-router.js';
import type { Router } from '../../src/core/routing/router.js';
import { loadBundle } from '../../src/mappings/load-bundle.js';

const slowUs = Number(process.env['BENCH_SLOW_US'] ?? 30);
const production = new BundleRouter('candidate', loadBundle(join(resolve(import.meta.dirname, '..', '..'), 'mappings', 'production')));

const router: Router = {
  name: 'slow-module',
  configHash: production.configHash,
  decide(context) {
    const until = performance.now() + slowUs / 1000;
    while (performance.now() < until) {
      // busy: a heavier routing model
    }
    return production.decide(context);
  },
};
export default router;
