import { z } from 'zod';
import type { PushSubscriptionView, VapidKeyView } from '../push.js';

/** Answers of the Web Push routes, as the web client checks them on arrival. */

/** `GET /api/push/vapid-key`. */
export const VapidKeyResponse = z.object({
  publicKey: z.string().regex(/^[A-Za-z0-9_-]{87}$/),
}) satisfies z.ZodType<VapidKeyView>;

/** `POST /api/push/subscriptions`. */
export const PushSubscriptionResponse = z.object({
  id: z.string(),
}) satisfies z.ZodType<PushSubscriptionView>;
