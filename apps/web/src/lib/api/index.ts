/**
 * The web client's typed API: one function per server route the client uses. Each signs its
 * request (NIP-98 with the unlocked key, or the passkey session's bearer token) and checks the
 * answer against its schema from @llamenos/protocol before returning it, so no page ever holds
 * an unchecked server answer. Pages import from here, never from ./http.js directly.
 */

export * from './attachments.js';
export * from './audit.js';
export * from './auth.js';
export * from './calls.js';
export * from './channels.js';
export * from './conversations.js';
export {
  ApiRequestError,
  apiStream,
  type RequestOptions,
  setSigningOrigin,
  useKey,
  useSession,
} from './http.js';
export * from './identity.js';
export * from './notes.js';
export * from './push.js';
export * from './realtime.js';
export * from './reports.js';
export * from './settings.js';
export * from './shifts.js';
export * from './stats.js';
export * from './training.js';
export * from './transcription.js';
