import { ConfigError, loadConfig } from './config.js';
import { createLogger } from './logging.js';
import { startServer } from './server.js';

/** `llamenos serve`: run until SIGINT/SIGTERM, then finish in-flight requests and close the database. */
export async function serveCommand(): Promise<void> {
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
  const log = createLogger(config.LOG_LEVEL);
  const server = await startServer(config, log);
  process.stdout.write(`Llamenos is running at ${config.PUBLIC_URL} (database: ${server.ctx.db.kind})\n`);
  const stop = async (signal: string) => {
    log.info({ signal }, 'shutting down');
    await server.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop('SIGINT'));
  process.once('SIGTERM', () => void stop('SIGTERM'));
}
