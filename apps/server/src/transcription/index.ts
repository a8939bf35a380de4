/** The Transcription module: what the rest of the server uses of it. */
export { transcriptionRoutes } from './routes.js';
export { transcriptionMigrations } from './schema.js';
