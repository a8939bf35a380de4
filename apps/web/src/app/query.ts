import { QueryClient } from '@tanstack/react-query';
import { invalidateOnHubEvents } from '../lib/queries/live.js';
import { onVaultChange, unlockedSecretKey } from '../lib/vault.js';
import { currentMe, onProfileChange } from './session.js';

/**
 * The app's one query cache. Reads behave as the pages' own loading did before: an answer is
 * kept only while a screen shows it (gcTime 0: leaving a screen forgets its data, and coming
 * back reads afresh, so the cache never holds more than the screens do), no retry (a refusal
 * is shown at once), and no re-read when the window regains focus or the network returns (the
 * relay connection's resync does that). Screens open at the same time share one request.
 * Requests are sent whatever the browser believes about the network (networkMode 'always'): a
 * failure is shown as the pages always showed it ("nothing was saved; try again"), never left
 * waiting silently for an "online" event that may not come.
 */
export function createQueryClient(): QueryClient {
  return new QueryClient({
    defaultOptions: {
      queries: {
        gcTime: 0,
        retry: false,
        refetchOnWindowFocus: false,
        refetchOnReconnect: false,
        staleTime: 0,
        networkMode: 'always',
      },
      mutations: { retry: false, gcTime: 0, networkMode: 'always' },
    },
  });
}

/**
 * Connects the cache to the session: hub events re-read what they make stale, and locking, a
 * panic wipe or the end of a passkey session empties it, so nothing read in one session is
 * visible after it. In-flight reads are cancelled first, so none lands afterwards. A member
 * still signed in with a passkey keeps their screen: its queries are emptied and read again
 * with the session's token.
 */
export function connectQueryClient(client: QueryClient): () => void {
  const forget = () => {
    void client.cancelQueries();
    if (currentMe()) void client.resetQueries();
    else client.clear();
  };
  const offEvents = invalidateOnHubEvents(client);
  const offVault = onVaultChange(() => {
    if (!unlockedSecretKey()) forget();
  });
  const offProfile = onProfileChange(() => {
    if (!currentMe()) forget();
  });
  return () => {
    offEvents();
    offVault();
    offProfile();
  };
}
