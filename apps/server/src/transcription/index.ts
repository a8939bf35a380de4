/** The Transcription module: what the rest of the server uses of it. */
export { currentTranscriptionModel } from './model-service.js';
export { transcriptionRoutes } from './routes.js';
export { transcriptionMigrations } from './schema.js';
