import { z } from 'zod';

/** Answers of the active-call card's controls (POST /api/calls/:id/hold). */

/** The hold state the call is now in, as the server keeps it. */
export const CallHoldResponse = z.object({ onHold: z.boolean() }).strict();
export type CallHoldResponse = z.infer<typeof CallHoldResponse>;
