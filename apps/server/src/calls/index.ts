import type { Hono } from 'hono';
import type { AppEnv, ServerContext } from '../http/context.js';
import { browserCredentialRoutes } from './browser-credential-routes.js';
import { holdMusicRoutes } from './hold-music/routes.js';
import { callRoutes } from './routes.js';
import { trainingRoutes } from './training/routes.js';
import { webhookRoutes } from './webhook-routes.js';
import { webrtcRoutes } from './webrtc-routes.js';

/** The call router (CallRouter): what the rest of the server uses of it. */
export { claimCall } from './answer.js';
export { ariBridgeState, restartAriBridgeOn, startAriBridge } from './ari-bridge.js';
export { callMetaRecordId, sealCallMeta } from './call-meta.js';
export { finishCall } from './end.js';
export { purgeExpiredCallRecords, startCallRetentionTimer } from './retention.js';
export { callsMigrations } from './schema.js';
export { startCallTimers, tickCallTimers } from './timers.js';
export { settleCallWork } from './wiring.js';

export function callsRoutes(ctx: ServerContext): Hono<AppEnv> {
  const app = webhookRoutes(ctx);
  app.route('/', callRoutes(ctx));
  app.route('/', webrtcRoutes(ctx));
  app.route('/', browserCredentialRoutes(ctx));
  app.route('/', trainingRoutes(ctx));
  app.route('/', holdMusicRoutes());
  return app;
}
