import { createHmac } from 'node:crypto';
import { deriveKey, LABEL_BROWSER_IDENTITY } from '@llamenos/crypto';

/**
 * The name a volunteer's browser goes by at a provider (Twilio client identity, Plivo and Vonage
 * user, Asterisk PJSIP endpoint): "v" + 24 hex digits of HMAC-SHA-256 under a key derived from
 * SERVER_SECRET. The same in every process (the router can dial it without storing anything),
 * different in every install, and it says nothing about the volunteer: a provider's call logs
 * show neither a name, a phone number nor the user id it came from.
 */
export function browserIdentityOf(serverSecret: Uint8Array, userId: string): string {
  const key = deriveKey(serverSecret, LABEL_BROWSER_IDENTITY);
  return `v${createHmac('sha256', key).update(userId, 'utf8').digest('hex').slice(0, 24)}`;
}
