// The WebSocket floor: a Node process with a bare `ws` server, no protocol work. Every `new`
// is answered at once with a small execution; every `quote` from the feeder connection is sent
// on to every other connection. Usage: node bin/run-ts.mjs bench/support/ws-echo.ts (prints "ready PORT").

import { WebSocketServer, type WebSocket } from 'ws';

const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false });
const listeners = new Set<WebSocket>();
wss.on('connection', (ws) => {
  listeners.add(ws);
  ws.on('close', () => listeners.delete(ws));
  ws.on('message', (data) => {
    const text = data.toString();
    if (text.startsWith('{"type":"new"')) {
      const id = /"clOrdId":"([^"]+)"/.exec(text)?.[1] ?? '';
      ws.send(`{"type":"execution","channel":"orders","seq":0,"clOrdId":"${id}","execType":"trade","ordStatus":"filled"}`);
    } else if (text.startsWith('{"type":"quote"')) {
      listeners.delete(ws); // the feeder does not hear its own quotes
      for (const l of listeners) l.send(text);
    }
  });
});
wss.on('listening', () => console.log(`ready ${(wss.address() as { port: number }).port}`));
process.on('SIGTERM', () => process.exit(0));
