/**
 * The calls module's storage, one file a table under store/: each with its row as the database
 * returns it, one mapper, and the plain reads and writes. The state machine's guarded UPDATEs
 * (answer.ts, end.ts, voicemail.ts, inbound.ts) stay beside the rule they enforce.
 */

export * from './store/bans.js';
export * from './store/calls.js';
export * from './store/legs.js';
export * from './store/receipts.js';
export * from './store/recording-deletes.js';
export * from './store/voicemails.js';
