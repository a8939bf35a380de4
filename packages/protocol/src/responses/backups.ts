import { z } from 'zod';

/** `GET /api/backups/status`: the scheduled backups as the admin console shows them. */
export const BackupStatusSchema = z
  .object({
    /** False on PostgreSQL: scheduled backups are for the embedded database (use pg_dump/PITR). */
    available: z.boolean(),
    enabled: z.boolean(),
    intervalHours: z.number().int(),
    keep: z.number().int(),
    /** When the next one is due (null when disabled or unavailable). */
    nextDueAt: z.iso.datetime({ offset: true }).nullable(),
    lastSuccess: z
      .object({
        at: z.iso.datetime({ offset: true }),
        file: z.string(),
        bytes: z.number().int(),
        auditEntries: z.number().int(),
      })
      .strict()
      .nullable(),
    /** The last failure, when it is newer than the last success (else null: it has been made good). */
    lastFailure: z
      .object({ at: z.iso.datetime({ offset: true }), error: z.string() })
      .strict()
      .nullable(),
    /** Verified backup files kept now. */
    kept: z.number().int(),
  })
  .strict();
export type BackupStatus = z.infer<typeof BackupStatusSchema>;
