export * from './errors.js';
export * from './permissions.js';
