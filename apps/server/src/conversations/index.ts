/** The conversations module: texts (SMS, WhatsApp, Signal) sealed on arrival, assigned, answered. */
export { type Conversations, createConversations } from './ingest.js';
export { rebalanceConversations, rebalanceSoon } from './queue.js';
export { conversationRoutes } from './routes.js';
export { conversationsMigrations } from './schema.js';
export { purgeExpiredConversations, startConversationTimers, tickConversationTimers } from './timers.js';
