// Three simulated LPs on loopback (a bank, an ECN, a market maker) that never drop their
// sessions, quoting what a production bundle maps to each: the LP side of live-engine tests.

import { simInstruments } from '../../src/app/live-demo.js';
import { PERSONAS } from '../../src/app/lp-personas.js';
import { startLpSim, type LpSim } from '../../src/app/lp-sim.js';
import { loadBundle } from '../../src/mappings/load-bundle.js';

export const SIM_LPS = ['LP_ALPHA', 'LP_BRAVO', 'LP_CHARLIE'];

/** LP_ALPHA (bank), LP_BRAVO (ecn), LP_CHARLIE (mm), seeded seed, seed+1, seed+2. */
export async function startSimLps(productionDir: string, seed: number): Promise<LpSim[]> {
  const bundle = loadBundle(productionDir);
  const out: LpSim[] = [];
  for (const [k, lp] of SIM_LPS.entries()) {
    out.push(await startLpSim({ lp, host: '127.0.0.1', port: 0, bridgeCompId: 'BRIDGE', persona: { ...PERSONAS[['bank', 'ecn', 'mm'][k] as string]!, disconnectProbability: 0 }, seed: seed + k, instruments: simInstruments(bundle, lp), log: { event() {} } }));
  }
  return out;
}
