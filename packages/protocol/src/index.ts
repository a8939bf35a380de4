export * from './audit.js';
export * from './auth.js';
export * from './errors.js';
export * from './events.js';
export * from './identity.js';
export * from './permissions.js';
export * from './providers.js';
export * from './settings.js';
