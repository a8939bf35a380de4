import type { Migration } from '../db/migrate.js';

/** Transcription: the uploaded model file and sealed transcripts. */
export const transcriptionMigrations: Migration[] = [];
