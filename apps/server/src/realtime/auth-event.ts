import type { NostrEvent } from '@llamenos/crypto';
import { RELAY_AUTH_KIND } from '@llamenos/protocol';
import { AUTH_MAX_SKEW_SECONDS } from './limits.js';
import type { Reason } from './messages.js';
import { malformedReason, verifySignedEvent } from './verify.js';

const tagValue = (event: NostrEvent, name: string): string | undefined =>
  event.tags.find((t) => t[0] === name)?.[1];

/**
 * Checks a NIP-42 AUTH event against this connection's challenge and the relay's public URL.
 * Returns null when it proves the key, or the refusal. The URL must match exactly: an AUTH
 * event signed for another relay must not be replayable here.
 */
export function checkAuthEvent(
  value: unknown,
  challenge: string,
  relayUrl: string,
  nowSeconds: number,
): Reason | null {
  const malformed = malformedReason(value);
  if (malformed) return `invalid: ${malformed}`;
  const event = value as NostrEvent;
  if (event.kind !== RELAY_AUTH_KIND) return `invalid: an AUTH event must be kind ${RELAY_AUTH_KIND}`;
  if (tagValue(event, 'challenge') !== challenge) return 'invalid: wrong or missing challenge';
  if (tagValue(event, 'relay') !== relayUrl) return `invalid: the relay tag must be ${relayUrl}`;
  if (Math.abs(event.created_at - nowSeconds) > AUTH_MAX_SKEW_SECONDS)
    return 'invalid: created_at is too far from now';
  if (!verifySignedEvent(event)) return 'invalid: bad signature or id';
  return null;
}
