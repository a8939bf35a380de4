import { useSyncExternalStore } from 'react';
import { onHubEvent } from '../realtime/index.js';
import { providerPhoneLink } from './provider-phone/link.js';
import type { ProviderPhoneState } from './provider-phone/types.js';

/**
 * A colleague handing this member a call at the provider (docs/CALLS.md, "Call controls on
 * provider calls"): the server rings this member's browser phone for a call that is already
 * answered, and says so with the hub event `call:transfer-invite` (ids only). Such a ring is not
 * a ringing card (the queue does not offer an answered call), so the dock shows it on its own:
 * Answer picks up the provider's leg, which hands the call over (the server's compare-and-set,
 * then `call:answered` opens the active card); Decline rejects it, and the caller goes back to
 * the colleague.
 */

/** Calls this member was told are handed to them (a few at most; forgotten when they end). */
const invited = new Set<string>();
const listeners = new Set<() => void>();
let version = 0;

function changed(): void {
  version += 1;
  for (const l of [...listeners]) l();
}

/** Follows hand-over invites for the member with public key `me`; returns the stop function. */
export function followHandOvers(me: string): () => void {
  const forget = (callId: string) => {
    if (invited.delete(callId)) changed();
  };
  const stops = [
    onHubEvent('call:transfer-invite', (event) => {
      if (event.to !== me || invited.has(event.callId)) return;
      invited.add(event.callId);
      changed();
    }),
    onHubEvent('call:answered', (event) => forget(event.callId)),
    onHubEvent('call:ended', (event) => forget(event.callId)),
  ];
  return () => {
    for (const stop of stops) stop();
    invited.clear();
    changed();
  };
}

/**
 * The hand-over ringing this tab now, if any: the browser phone rings (not yet answered) for a
 * call the server said is handed to this member.
 */
export function handOverOf(phone: ProviderPhoneState, invites: ReadonlySet<string> = invited) {
  const { call, answered } = phone;
  // Vonage's Client SDK never names the hotline call (provider-phone/vonage.ts): its ringing
  // while exactly one hand-over waits for this member is that hand-over.
  const callId =
    phone.callId ?? (call?.provider === 'vonage' && invites.size === 1 ? [...invites][0]! : null);
  if (!call || answered || !callId || !invites.has(callId)) return null;
  return { callId, provider: call.provider };
}

export function useHandOverInvites(): number {
  return useSyncExternalStore(
    (l) => {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    () => version,
  );
}

/** Picks up the hand-over through the provider's phone; false when its leg is gone. */
export async function takeHandOver(callId: string, provider: string): Promise<boolean> {
  invited.delete(callId);
  changed();
  return providerPhoneLink.answer(callId, provider);
}

/** Declines: the provider's leg is rejected and the caller goes back to the colleague. */
export function declineHandOver(callId: string): void {
  invited.delete(callId);
  changed();
  providerPhoneLink.end(callId);
}
