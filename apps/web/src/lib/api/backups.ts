import { BackupStatusSchema } from '@llamenos/protocol';
import { request } from './http.js';

/** Scheduled backups: the last success and failure, what is kept, when the next is due (settings:read). */
export const fetchBackupStatus = () => request(BackupStatusSchema, 'GET', '/api/backups/status');
