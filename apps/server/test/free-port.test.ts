import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { freePort } from '../../../scripts/free-port.mjs';

// Test servers bind a port chosen before they start; one from the ephemeral range could be taken
// by any outgoing connection in between (a CI run failed on EADDRINUSE that way).
describe('freePort', () => {
  it('gives a port below the ephemeral range that can be listened on', async () => {
    const low = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
    const ports = await Promise.all(Array.from({ length: 20 }, () => freePort()));
    for (const port of ports) {
      expect(port).toBeGreaterThanOrEqual(1024);
      expect(port).toBeLessThan(low);
    }
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(ports[0], '127.0.0.1', resolve);
    });
    await new Promise((resolve) => server.close(resolve));
  });

  it('never gives a port someone listens on', async () => {
    const port = await freePort();
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    try {
      for (let i = 0; i < 200; i++) expect(await freePort()).not.toBe(port);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
