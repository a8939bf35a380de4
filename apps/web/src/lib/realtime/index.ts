/** The web client's real-time layer: see realtime.ts (connection), bus.ts (events for pages), hooks.ts (React). */
export { emitHubEvent, type HubEventOf, onHubEvent, onResync } from './bus.js';
export type { ConnectionStatus } from './connection.js';
export {
  useConnectionStatus,
  useHubEvent,
  usePresence,
  useRealtimeConnection,
} from './hooks.js';
export type { PresenceEntry } from './presence-store.js';
export {
  connectionStatus,
  presence,
  setOnBreak,
  setOnCall,
  startRealtime,
  stopRealtime,
} from './realtime.js';
