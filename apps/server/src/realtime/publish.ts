import {
  deriveEventKey,
  encryptHubEvent,
  HUB_EVENT_KIND,
  HUB_EVENT_TAG,
  type NostrEvent,
} from '@llamenos/crypto';
import { HubEventPayload } from '@llamenos/protocol';
import type { ServerContext } from '../http/context.js';
import { currentHubKey } from './hub-keys.js';
import { signFast } from './verify.js';

/**
 * The event key of a hub key, derived once per hub key (an HKDF, about 20 µs, that every event
 * paid: one per inbound text, issue 10). Keyed by the hub key's bytes as the context keeps them
 * (ctx.caches.hubKey): a rotated key is another object, so another derivation, and the entry goes
 * with the hub key it came from.
 */
const eventKeys = new WeakMap<Uint8Array, Uint8Array>();
function eventKeyOf(hubKey: Uint8Array): Uint8Array {
  let eventKey = eventKeys.get(hubKey);
  if (!eventKey) {
    eventKey = deriveEventKey(hubKey);
    eventKeys.set(hubKey, eventKey);
  }
  return eventKey;
}

/**
 * Publishes a hub event: validated against the protocol's payload union, encrypted under the
 * event key of the current hub key, signed by the server key as kind 20001 with only the
 * generic tag, and delivered to every process's clients (or to the external relay). The
 * relay sees who signed and when, never what happened.
 */
export async function publishHubEvent(ctx: ServerContext, payload: HubEventPayload): Promise<NostrEvent> {
  const parsed = HubEventPayload.parse(payload);
  const { key } = await currentHubKey(ctx);
  const content = encryptHubEvent(eventKeyOf(key), JSON.stringify(parsed));
  const event = signFast(
    {
      kind: HUB_EVENT_KIND,
      created_at: Math.floor(ctx.now().getTime() / 1000),
      tags: [[...HUB_EVENT_TAG]],
      content,
    },
    ctx.keys.nostrSecretKey,
  );
  await ctx.realtime?.publish(event);
  return event;
}
