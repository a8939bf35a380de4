// A TCP port for a server a test or benchmark is about to start.
//
// `listen(0)` hands out a port from the kernel's ephemeral range, the same range every outgoing
// connection takes its local port from. Between closing such a probe and the server's own listen,
// any of the run's thousands of outgoing connections (HTTP clients, database pools, the other
// test workers) may take it: a rare EADDRINUSE that fails a CI run. A port below the ephemeral
// range is never given to an outgoing connection, so only another listener can take it; we pick
// one at random and probe that nobody listens there now.

import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

/** The kernel's ephemeral range's first port (Linux); 32768 where it cannot be read. Read once. */
const EPHEMERAL_LOW = (() => {
  try {
    const low = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
    return Number.isInteger(low) && low > 2048 ? low : 32768;
  } catch {
    return 32768;
  }
})();

// Ports are drawn from [FIRST, EPHEMERAL_LOW): from 10000, clear of the well-known services, unless
// the ephemeral range starts so low that this would leave fewer than a thousand.
const FIRST = EPHEMERAL_LOW > 11000 ? 10000 : 1024;

function probe(port) {
  return new Promise((resolve) => {
    const server = createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** A TCP port on 127.0.0.1 that nobody listens on now and no outgoing connection will take. */
export async function freePort() {
  for (let tries = 0; tries < 50; tries++) {
    const port = FIRST + Math.floor(Math.random() * (EPHEMERAL_LOW - FIRST));
    if (await probe(port)) return port;
  }
  throw new Error('no free TCP port found below the ephemeral range');
}
