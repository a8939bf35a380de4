// Response schemas: what the server answers, checked by clients on arrival.
export * from './attachments.js';
export * from './auth.js';
export * from './backups.js';
export * from './browser-calling.js';
export * from './call-controls.js';
export * from './calls.js';
export * from './channels.js';
export * from './conversations.js';
export * from './identity.js';
export * from './push.js';
export * from './records.js';
export * from './reports.js';
export * from './settings.js';
export * from './shifts.js';
export * from './stats.js';
export * from './transcription.js';
