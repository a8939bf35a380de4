import type { AddressInfo } from 'node:net';
import { type ServerType, serve } from '@hono/node-server';

/**
 * The local fakes of the providers' APIs (and the simulated carrier's) are real HTTP servers on
 * 127.0.0.1 with an OS-chosen port, so adapters are tested over real sockets. One place starts
 * and stops them.
 */
export async function listenOnLoopback(
  fetch: Parameters<typeof serve>[0]['fetch'],
): Promise<{ server: ServerType; origin: string }> {
  const server = await new Promise<ServerType>((resolve, reject) => {
    const s = serve({ fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s));
    s.once('error', reject);
  });
  return { server, origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

/** Stops a loopback server, cutting open connections: a delayed request would otherwise hold close() until its timer ran out. */
export async function closeLoopbackServer(server: ServerType | null): Promise<void> {
  if (!server) return;
  await new Promise<void>((resolve) => {
    server.close(() => resolve());
    if ('closeAllConnections' in server) server.closeAllConnections();
  });
}

/**
 * The loopback server one fake listens on: started, asked for its origin, stopped (stopping twice
 * is a no-op). `name` says which fake in the error when it is asked for an origin before it listens.
 */
export class LoopbackServer {
  private server: ServerType | null = null;
  private address: string | null = null;

  constructor(private readonly name: string) {}

  async listen(fetch: Parameters<typeof serve>[0]['fetch']): Promise<void> {
    ({ server: this.server, origin: this.address } = await listenOnLoopback(fetch));
  }

  /** The origin to give an adapter as its API base URL (the adapter adds the version path). */
  get origin(): string {
    if (!this.address) throw new Error(`${this.name} is not listening`);
    return this.address;
  }

  async close(): Promise<void> {
    const server = this.server;
    this.server = null;
    await closeLoopbackServer(server);
  }
}
