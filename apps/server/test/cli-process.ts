import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Tests that run the real `llamenos` CLI as a child process (crash, data-dir lock). */
export const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
export const CLI = path.join(ROOT, 'apps/server/src/cli.ts');
/** Node's arguments that run the CLI from its TypeScript source. */
export const CLI_NODE_ARGS = ['--conditions=llamenos-source', '--import', 'tsx', CLI];

export { freePort } from './realtime-helpers.js';

/** The environment of a test server on the embedded database in `dataDir`, listening on `port`. */
export function cliEnv(dataDir: string, port: number, secret: string): NodeJS.ProcessEnv {
  return {
    ...process.env,
    LLAMENOS_ENV: 'test',
    DATA_DIR: dataDir,
    PORT: String(port),
    HOST: '127.0.0.1',
    PUBLIC_URL: `http://127.0.0.1:${port}`,
    SERVER_SECRET: secret,
    LOG_LEVEL: 'warn',
    DATABASE_URL: '',
  };
}
