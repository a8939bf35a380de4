import { z } from 'zod';

/** Answers of the active-call card's controls (hold, transfer). */

/** The hold state the call is now in, as the server keeps it. */
export const CallHoldResponse = z.object({ onHold: z.boolean() }).strict();
export type CallHoldResponse = z.infer<typeof CallHoldResponse>;

/** Whom a browser call may be handed to (GET /api/calls/:id/transfer-targets): members on shift, by name only. */
export const CallTransferTargetsResponse = z
  .object({ targets: z.array(z.object({ id: z.string(), displayName: z.string() }).strict()) })
  .strict();
export type CallTransferTargetsResponse = z.infer<typeof CallTransferTargetsResponse>;
