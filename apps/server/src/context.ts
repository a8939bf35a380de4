import {
  deriveServerHashKey,
  deriveServerNostrKey,
  deriveServerSettingsKey,
  getPublicKey,
} from '@llamenos/crypto';
import type { Config } from './config.js';
import type { Database } from './db/database.js';
import { migrate } from './db/migrate.js';
import { openDatabase } from './db/open.js';
import type { ServerContext, ServerKeys } from './http/context.js';
import type { Logger } from './logging.js';
import { ALL_MIGRATIONS } from './modules.js';

export function deriveServerKeys(secret: Uint8Array): ServerKeys {
  const nostrSecretKey = deriveServerNostrKey(secret);
  return {
    hashKey: deriveServerHashKey(secret),
    settingsKey: deriveServerSettingsKey(secret),
    nostrSecretKey,
    nostrPublicKey: getPublicKey(nostrSecretKey),
  };
}

/** Opens the database (or uses the one given), applies migrations and builds the context every module receives. */
export async function createContext(config: Config, log: Logger, db?: Database): Promise<ServerContext> {
  const database = db ?? (await openDatabase(config));
  const applied = await migrate(database, ALL_MIGRATIONS);
  if (applied.length) log.info({ applied }, 'migrations applied');
  return { config, db: database, log, keys: deriveServerKeys(config.serverSecret), now: () => new Date() };
}
