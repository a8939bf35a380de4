import type { Hono } from 'hono';
import { attachmentsMigrations, attachmentsRoutes } from './attachments/index.js';
import { auditRoutes } from './audit/routes.js';
import { auditMigrations } from './audit/schema.js';
import { authRoutes } from './auth/routes.js';
import { authMigrations } from './auth/schema.js';
import { backupRoutes } from './backup/routes.js';
import { backupMigrations } from './backup/schema.js';
import { callsMigrations, callsRoutes } from './calls/index.js';
import { trainingMigrations } from './calls/training/schema.js';
import { conversationRoutes, conversationsMigrations } from './conversations/index.js';
import type { Migration } from './db/migrate.js';
import { healthRoutes } from './health/routes.js';
import type { AppEnv, ServerContext } from './http/context.js';
import { identityRoutes } from './identity/routes.js';
import { identityMigrations } from './identity/schema.js';
import { messagingMigrations, messagingRoutes } from './messaging/index.js';
import { pushMigrations, pushRoutes } from './push/index.js';
import { rateLimitMigrations } from './rate-limit/schema.js';
import { realtimeRoutes } from './realtime/routes.js';
import { realtimeMigrations } from './realtime/schema.js';
import { recordsMigrations, recordsRoutes } from './records/index.js';
import { reportsMigrations, reportsRoutes } from './reports/index.js';
import { settingsRoutes } from './settings/routes.js';
import { settingsMigrations } from './settings/schema.js';
import { shiftsRoutes } from './shifts/routes.js';
import { shiftsMigrations } from './shifts/schema.js';
import { simulatorRoutes } from './simulator/index.js';
import { statsRoutes } from './stats/index.js';
import { transcriptionMigrations, transcriptionRoutes } from './transcription/index.js';

/**
 * The server's modules, in migration order. Each owns its tables (migrations) and its
 * routes (mounted under /api). Adding a module is one line here.
 */
interface ServerModule {
  name: string;
  migrations: Migration[];
  routes?: (ctx: ServerContext) => Hono<AppEnv>;
}

export const MODULES: ServerModule[] = [
  { name: 'health', migrations: [], routes: healthRoutes },
  { name: 'rate-limit', migrations: rateLimitMigrations },
  { name: 'audit', migrations: auditMigrations, routes: auditRoutes },
  { name: 'auth', migrations: authMigrations, routes: authRoutes },
  { name: 'identity', migrations: identityMigrations, routes: identityRoutes },
  { name: 'settings', migrations: settingsMigrations, routes: settingsRoutes },
  { name: 'shifts', migrations: shiftsMigrations, routes: shiftsRoutes },
  { name: 'realtime', migrations: realtimeMigrations, routes: realtimeRoutes },
  { name: 'records', migrations: recordsMigrations, routes: recordsRoutes },
  { name: 'reports', migrations: reportsMigrations, routes: reportsRoutes },
  { name: 'calls', migrations: [...callsMigrations, ...trainingMigrations], routes: callsRoutes },
  { name: 'transcription', migrations: transcriptionMigrations, routes: transcriptionRoutes },
  { name: 'conversations', migrations: conversationsMigrations, routes: conversationRoutes },
  // After conversations: its files' owners are reports and conversation messages (attachments/003).
  { name: 'attachments', migrations: attachmentsMigrations, routes: attachmentsRoutes },
  { name: 'messaging', migrations: messagingMigrations, routes: messagingRoutes },
  { name: 'push', migrations: pushMigrations, routes: pushRoutes },
  { name: 'backup', migrations: backupMigrations, routes: backupRoutes },
  { name: 'simulator', migrations: [], routes: simulatorRoutes },
  { name: 'stats', migrations: [], routes: statsRoutes },
];

export const ALL_MIGRATIONS: Migration[] = MODULES.flatMap((m) => m.migrations);
