// The latency floor: a Node process that forwards bytes between two TCP connections, unparsed.
// Usage: node bin/run-ts.mjs bench/support/relay.ts LISTEN_PORT TARGET_PORT  (prints "ready PORT")

import { connect, createServer } from 'node:net';

const [listenArg, targetArg] = process.argv.slice(2);
const target = Number(targetArg);
const server = createServer((inbound) => {
  inbound.setNoDelay(true);
  const outbound = connect({ host: '127.0.0.1', port: target });
  outbound.setNoDelay(true);
  inbound.pipe(outbound);
  outbound.pipe(inbound);
  const close = (): void => {
    inbound.destroy();
    outbound.destroy();
  };
  inbound.on('error', close);
  outbound.on('error', close);
  inbound.on('close', close);
  outbound.on('close', close);
});
server.listen(Number(listenArg), '127.0.0.1', () => {
  const a = server.address();
  console.log(`ready ${typeof a === 'object' && a !== null ? a.port : listenArg}`);
});
process.on('SIGTERM', () => process.exit(0));
