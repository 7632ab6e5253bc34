// One hop-rig run in a process of its own, printing the RigResult as one JSON line. bench/run.ts
// runs every rig measurement this way: a fresh rig process has no heap from earlier sections to
// collect while it times orders (a GC pause in the rig reads as latency of the path under test).
// The QuickFIX C++ peer's acceptor binds every address, so its rig runs inside a private network
// namespace (unshare -n), where only loopback exists.
// node --expose-gc bin/run-ts.mjs bench/rig-once.ts 'RIG_OPTIONS_JSON'

import { runRig, type RigOptions } from './support/hop-rig.js';

const options = JSON.parse(process.argv[2] ?? '{}') as RigOptions;
console.log(JSON.stringify(await runRig(options)));
process.exit(0);
