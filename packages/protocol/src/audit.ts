import { z } from 'zod';
import { IsoTime, Pubkey } from './primitives.js';

/**
 * Filters of `GET /api/audit`. Query strings carry text, so numbers are coerced. `action`
 * is an exact action name, or a prefix when it ends in `*` (`auth.*`). Paging goes backwards
 * from the newest entry: pass the previous page's `nextBefore` as `before`.
 */
export const AuditQuery = z
  .object({
    action: z
      .string()
      .regex(/^[a-z0-9_.:-]{1,80}\*?$|^\*$/, 'an action name, or a prefix ending in *')
      .optional(),
    actor: Pubkey.optional(),
    since: IsoTime.optional(),
    until: IsoTime.optional(),
    before: z.coerce.number().int().min(1).optional(),
    limit: z.coerce.number().int().min(1).max(200).default(50),
  })
  .strict()
  .refine((q) => !q.since || !q.until || q.since < q.until, {
    message: 'since must be before until',
    path: ['until'],
  });
export type AuditQuery = z.infer<typeof AuditQuery>;

/** One audit log entry as the API returns it. */
export const AuditEntryBody = z.object({
  seq: z.number().int(),
  createdAt: z.string(),
  action: z.string(),
  actorPubkey: z.string().nullable(),
  target: z.string().nullable(),
  details: z.record(z.string(), z.unknown()),
  ipHash: z.string().nullable(),
  previousHash: z.string(),
  hash: z.string(),
});
export type AuditEntryBody = z.infer<typeof AuditEntryBody>;

/** A page of entries, newest first; `nextBefore` is null on the last page. */
export const AuditPage = z.object({
  entries: z.array(AuditEntryBody),
  nextBefore: z.number().int().nullable(),
});
export type AuditPage = z.infer<typeof AuditPage>;

/** The verifier's verdict: the whole chain intact, or the first broken link. */
export const AuditVerdictBody = z.discriminatedUnion('ok', [
  z.object({ ok: z.literal(true), count: z.number().int(), headHash: z.string() }),
  z.object({ ok: z.literal(false), count: z.number().int(), brokenAt: z.number().int(), reason: z.string() }),
]);
export type AuditVerdictBody = z.infer<typeof AuditVerdictBody>;
