import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProviderTimeoutError } from './errors.js';
import { ProviderHttp } from './http.js';

/**
 * The time limit of a provider request on the kept connections (node:http, no fetch given)
 * covers the whole exchange: an answer whose head arrives in time but whose body stalls is a
 * ProviderTimeoutError too, and an answer in time is not cut by a timer left behind.
 */
describe('ProviderHttp time limit', () => {
  let server: Server;
  let origin: string;
  beforeAll(async () => {
    server = createServer((req, res) => {
      if (req.url === '/stall-body') {
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': '100' });
        res.write('{"sid": "');
        return; // the rest never comes
      }
      if (req.url === '/stall-head') return; // nothing at all
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"ok": true}');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  const http = () =>
    new ProviderHttp({ provider: 'twilio', baseUrl: origin, username: 'u', password: 'p', timeoutMs: 300 });

  it('a body that stalls after the head is a ProviderTimeoutError within the limit', async () => {
    for (const path of ['/stall-body', '/stall-head']) {
      const started = Date.now();
      await expect(http().send({ operation: 'create leg', method: 'GET', path })).rejects.toBeInstanceOf(
        ProviderTimeoutError,
      );
      expect(Date.now() - started).toBeLessThan(1500);
    }
  });

  it('an answer in time is read whole, and the limit does not fire after it', async () => {
    const client = http();
    const { data } = await client.json({ operation: 'get call', method: 'GET', path: '/ok' });
    expect(data).toEqual({ ok: true });
    // Past the limit, the same kept connection still serves the next request.
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect((await client.json({ operation: 'get call', method: 'GET', path: '/ok' })).data).toEqual({
      ok: true,
    });
  });
});
