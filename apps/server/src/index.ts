export { type Config, loadConfig } from './config.js';
export { createApp } from './http/app.js';
export { type RunningServer, startServer } from './server.js';
