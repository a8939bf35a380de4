import { QueryClient, type QueryKey } from '@tanstack/react-query';
import { afterEach, beforeEach } from 'vitest';
import { invalidateOnHubEvents } from '../src/lib/queries/index.js';

/**
 * For tests of what a hub event marks stale: before each test a fresh query cache holding
 * `keys` (placeholder data), wired to the hub events as the app wires it (invalidateOnHubEvents),
 * unwired after it (or by `unwire()`). `stale()` lists the keys marked stale so far, as JSON, sorted.
 */
export function cacheFollowingHubEvents(keys: readonly QueryKey[]) {
  const cache = {
    client: new QueryClient(),
    stale: (): string[] =>
      cache.client
        .getQueryCache()
        .getAll()
        .filter((q) => q.state.isInvalidated)
        .map((q) => JSON.stringify(q.queryKey))
        .sort(),
    unwire: () => off(),
  };
  let off = () => {};
  beforeEach(() => {
    cache.client = new QueryClient();
    for (const key of keys) cache.client.setQueryData(key, { cached: true });
    off = invalidateOnHubEvents(cache.client);
  });
  afterEach(() => off());
  return cache;
}
