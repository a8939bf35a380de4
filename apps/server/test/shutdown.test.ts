import { connect } from 'node:net';
import { expect, it } from 'vitest';
import { createLogger } from '../src/logging.js';
import { startServer } from '../src/server.js';
import { freePort } from './cli-process.js';
import { loopbackConfig, openTestDatabase } from './helpers.js';

/**
 * An open page that keeps polling reuses its keep-alive connection: if a request is in flight when
 * the server stops, that connection must still be closed once it is idle, or stopping waits for ever
 * (a Playwright teardown hung on exactly this).
 */
it('stops while a client keeps polling on a keep-alive connection that was busy at the stop', async () => {
  const { db, drop } = await openTestDatabase();
  const port = await freePort();
  const config = loopbackConfig(port);
  const server = await startServer(config, createLogger('silent'), { db });
  const socket = connect(port, '127.0.0.1');
  await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
  socket.on('data', () => {});
  socket.on('error', () => {});
  const request = 'GET /api/health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: keep-alive\r\n\r\n';
  // Busy at the stop: the request's head is only half sent.
  socket.write(request.slice(0, 20));
  const stopped = server.close().then(() => 'stopped' as const);
  socket.write(request.slice(20));
  const poll = setInterval(() => {
    if (!socket.destroyed) socket.write(request);
  }, 50);
  const outcome = await Promise.race([
    stopped,
    new Promise<'still running'>((r) => setTimeout(() => r('still running'), 5_000)),
  ]);
  clearInterval(poll);
  socket.destroy();
  if (outcome !== 'stopped') await stopped;
  await drop();
  expect(outcome).toBe('stopped');
}, 30_000);
