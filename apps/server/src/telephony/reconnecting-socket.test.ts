/**
 * A stopped ReconnectingSocket hands nothing more to its owner: frames that arrive while its
 * close handshake is under way (the service keeps sending until it sees the close) belonged to a
 * connection its owner has let go, e.g. a server shutting down or an Asterisk account replaced,
 * and acting on them would act twice or for a server that is gone.
 */
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { type WebSocket, WebSocketServer } from 'ws';
import { ReconnectingSocket } from './reconnecting-socket.js';

let wss: WebSocketServer | null = null;
afterEach(async () => {
  await new Promise<void>((resolve) => (wss ? wss.close(() => resolve()) : resolve()));
  wss = null;
});

async function service(): Promise<{ url: string; connected: Promise<WebSocket> }> {
  wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise<void>((resolve) => wss!.once('listening', () => resolve()));
  const connected = new Promise<WebSocket>((resolve) => wss!.once('connection', resolve));
  return { url: `ws://127.0.0.1:${(wss.address() as AddressInfo).port}`, connected };
}

describe('ReconnectingSocket', () => {
  it('delivers frames while running and none once stopped, even before its close completes', async () => {
    const { url, connected } = await service();
    const frames: unknown[] = [];
    let onOpen = () => {};
    const opened = new Promise<void>((resolve) => (onOpen = resolve));
    const socket = new ReconnectingSocket({ url: () => url, onFrame: (f) => frames.push(f), onOpen });
    socket.start();
    await opened;
    const peer = await connected;
    const closed = new Promise<void>((resolve) => peer.once('close', () => resolve()));
    const received = new Promise<void>((resolve) => {
      const wait = setInterval(() => {
        if (frames.length < 1) return;
        clearInterval(wait);
        resolve();
      }, 5);
    });
    peer.send(JSON.stringify({ n: 1 }));
    await received;
    socket.stop();
    // The service has not seen the close frame yet: it sends on, as Asterisk does.
    for (let n = 2; n <= 20; n++) peer.send(JSON.stringify({ n }));
    await closed;
    await new Promise((r) => setTimeout(r, 50));
    expect(frames).toEqual([{ n: 1 }]);
  });
});
