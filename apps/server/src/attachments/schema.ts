import type { Migration } from '../db/migrate.js';

/** Attachments: chunked, resumable uploads of sealed streams (docs/PROTOCOL.md §10.2). */
export const attachmentsMigrations: Migration[] = [];
