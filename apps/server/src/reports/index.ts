/** The Reports module: what the rest of the server uses of it. */
export { startReportRetentionTimer } from './retention.js';
export { reportsRoutes } from './routes.js';
export { reportsMigrations } from './schema.js';
