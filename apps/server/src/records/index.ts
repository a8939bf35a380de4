/** The Records module (call notes): what the rest of the server uses of it. */
export { purgeExpiredNotes, startRetentionTimer } from './retention.js';
export { recordsRoutes } from './routes.js';
export { recordsMigrations } from './schema.js';
