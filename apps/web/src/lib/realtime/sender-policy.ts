import { HubEventPayload, MAX_MEMBER_EVENT_CONTENT, MemberSignedEvent } from '@llamenos/protocol';

/**
 * What this client accepts from whom (docs/PROTOCOL.md, Section 11). Every member holds the hub
 * key, so any member can encrypt any payload and sign it with their own key, and the relay,
 * which cannot read it, forwards it. Only the server key speaks for the hotline (calls,
 * voicemails, shifts, settings); a member's key speaks only for that member's presence.
 */

/**
 * How far a member's presence `at` may be from the `created_at` of the event carrying it: both
 * are stamped together by one clock. An `at` far ahead would outrank the member's later
 * announcements, one far behind is a replayed status.
 */
export const PRESENCE_AT_SKEW_SECONDS = 60;

/** Too long to be anything a member may sign: dropped without spending a decryption on it. */
export const tooLongForMember = (content: string): boolean => content.length > MAX_MEMBER_EVENT_CONTENT;

/** The payload of a decrypted event if its signer may send it, else null. */
export function acceptedPayload(
  json: string,
  event: { pubkey: string; created_at: number },
  fromServer: boolean,
): HubEventPayload | null {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    return null;
  }
  if (fromServer) {
    const parsed = HubEventPayload.safeParse(value);
    return parsed.success ? parsed.data : null;
  }
  const parsed = MemberSignedEvent.safeParse(value);
  if (!parsed.success || parsed.data.pubkey !== event.pubkey) return null;
  const at = Date.parse(parsed.data.at) / 1000;
  if (!(Math.abs(at - event.created_at) <= PRESENCE_AT_SKEW_SECONDS)) return null;
  return parsed.data;
}
