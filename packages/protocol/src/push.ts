import { z } from 'zod';

/**
 * Web Push (RFC 8030, with VAPID, RFC 8292, and aes128gcm payloads, RFC 8291): a member's
 * browser subscribes after they opt in, and the server wakes it for a ringing call or a new
 * message when no tab is open. The push service is a third party, so what it carries is only
 * the kind of notice and a time (PushNotice): never a caller's digits, a name or any content.
 */

/** base64url without padding, as PushSubscription.toJSON() gives the keys. */
const Base64url = (min: number, max: number) =>
  z
    .string()
    .min(min)
    .max(max)
    .regex(/^[A-Za-z0-9_-]+$/, 'base64url without padding');

/**
 * `POST /api/push/subscriptions`: what `PushSubscription.toJSON()` gives. The endpoint's scheme
 * and host are checked again by the server (push/endpoint.ts: only https push services).
 * p256dh is an uncompressed P-256 point (65 bytes, 87 characters), auth 16 bytes (22).
 */
export const PushSubscriptionBody = z
  .object({
    endpoint: z.url({ protocol: /^https?$/ }).max(2048),
    expirationTime: z.number().nullable().optional(),
    keys: z.object({ p256dh: Base64url(87, 87), auth: Base64url(22, 22) }).strict(),
  })
  .strict();
export type PushSubscriptionBody = z.infer<typeof PushSubscriptionBody>;

/** What a push carries, encrypted for the device: the kind of notice and when, nothing else. */
export const PushNotice = z
  .object({ type: z.enum(['call', 'message']), at: z.number().int().nonnegative() })
  .strict();
export type PushNotice = z.infer<typeof PushNotice>;

/** `GET /api/push/vapid-key`: the server's VAPID public key (the browser's applicationServerKey). */
export interface VapidKeyView {
  publicKey: string;
}

/** `POST /api/push/subscriptions`: the stored subscription's id, to remove it later. */
export interface PushSubscriptionView {
  id: string;
}
