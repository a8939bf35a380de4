import type { Me } from '../../../app/session.js';
import type { CallAudioStreams } from '../webrtc.js';
import type { ProviderPhones } from './index.js';
import { type CallStatsSource, IDLE_PROVIDER_PHONES, type ProviderPhoneState } from './types.js';

/**
 * The first-load side of the providers' browser phones: lib/calls/store.ts and the call dock
 * talk to this, and the phones themselves (index.ts: the credential requests, the module map,
 * their state) are imported once a member is unlocked, so the page's first load does not carry
 * them. Until they are loaded, nothing rings through a provider here and Answer takes the app's
 * answer route, as without them.
 */

let phones: ProviderPhones | null = null;
const listeners = new Set<() => void>();

export const providerPhoneLink = {
  rings: (provider: string): boolean => phones?.rings(provider) ?? false,
  answer: (callId: string, provider: string): Promise<boolean> =>
    phones ? phones.answer(callId, provider) : Promise.resolve(false),
  end: (callId: string): void => phones?.end(callId),
  retry: (): void => phones?.retry(),
  audioStreams: (): CallAudioStreams | null => phones?.audioStreams() ?? null,
  statsSource: (): CallStatsSource | null => phones?.statsSource() ?? null,
  setMuted: (muted: boolean): void => phones?.setMuted(muted),
  current: (): ProviderPhoneState => phones?.current() ?? IDLE_PROVIDER_PHONES,
  subscribe: (listener: () => void): (() => void) => {
    listeners.add(listener);
    return () => listeners.delete(listener);
  },
};

/** Loads the phones and lets them follow `member` (index.ts, followProviderPhones); returns the stop function. */
export function followProviderPhones(member: Me): () => void {
  let stopped = false;
  let stop: (() => void) | null = null;
  let off: (() => void) | null = null;
  import('./index.js')
    .then((loaded) => {
      if (stopped) return;
      phones = loaded.providerPhones;
      off = phones.subscribe(() => {
        for (const l of [...listeners]) l();
      });
      stop = loaded.followProviderPhones(member);
    })
    .catch(() => {
      // Offline at unlock: calls ring this member's phone only, until the next unlock.
    });
  return () => {
    stopped = true;
    stop?.();
    off?.();
  };
}
