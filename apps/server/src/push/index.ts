/** Web Push: what the rest of the server uses of it. */
export { type MessageArrived, pushForNewMessage, pushForRingingCall } from './notify.js';
export { pushRoutes } from './routes.js';
export { pushMigrations } from './schema.js';
export { ensureVapidKeys } from './vapid.js';
