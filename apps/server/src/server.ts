import { type ServerType, serve } from '@hono/node-server';
import type { Config } from './config.js';
import { createContext } from './context.js';
import { createApp } from './http/app.js';
import type { ServerContext } from './http/context.js';
import { ensureBootstrap } from './identity/bootstrap.js';
import type { Logger } from './logging.js';
import { createMetrics, metricsApp } from './metrics/registry.js';

export interface RunningServer {
  ctx: ServerContext;
  url: string;
  port: number;
  close(): Promise<void>;
}

function listen(
  fetch: Parameters<typeof serve>[0]['fetch'],
  port: number,
  hostname: string,
): Promise<ServerType> {
  return new Promise((resolve, reject) => {
    const server = serve({ fetch, port, hostname }, () => resolve(server));
    server.once('error', reject);
  });
}

/** Starts the hotline server: database, migrations, HTTP, metrics, and the first-admin bootstrap code if needed. */
export async function startServer(config: Config, log: Logger): Promise<RunningServer> {
  const ctx = await createContext(config, log);
  const metrics = createMetrics();
  const app = createApp(ctx, metrics);
  const http = await listen(app.fetch, config.PORT, config.HOST);
  const address = http.address();
  const port = typeof address === 'object' && address ? address.port : config.PORT;
  const metricsServer =
    config.METRICS_PORT !== undefined
      ? await listen(metricsApp(metrics).fetch, config.METRICS_PORT, '127.0.0.1')
      : null;
  log.info({ host: config.HOST, port, database: ctx.db.kind }, 'Llamenos is listening');
  await ensureBootstrap(ctx, (link) => {
    const line = '='.repeat(72);
    process.stdout.write(
      `\n${line}\nNo admin exists yet. Open this one-time link to create the first admin:\n\n  ${link}\n\nIt works once and expires in 24 hours. Run \`llamenos bootstrap\` for a new one.\n${line}\n\n`,
    );
  });

  let closing: Promise<void> | null = null;
  const close = () => {
    closing ??= (async () => {
      await new Promise<void>((resolve) => {
        http.close(() => resolve());
        // Idle keep-alive connections would hold close() open; in-flight requests still finish.
        if ('closeIdleConnections' in http) http.closeIdleConnections();
      });
      if (metricsServer) await new Promise<void>((resolve) => metricsServer.close(() => resolve()));
      await ctx.db.close();
      log.info('Llamenos stopped');
    })();
    return closing;
  };
  return {
    ctx,
    url: `http://${config.HOST.includes(':') ? `[${config.HOST}]` : config.HOST}:${port}`,
    port,
    close,
  };
}
