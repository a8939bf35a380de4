/**
 * A settings:changed event names what changed: the telephony providers and the messaging
 * channels each have their own name, and only the matching admin list is re-read (a change to
 * one never re-reads the other).
 */
import { QueryClient } from '@tanstack/react-query';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { invalidateOnHubEvents, queryKeys } from '../src/lib/queries/index.js';
import { emitHubEvent, runResync } from '../src/lib/realtime/bus.js';

const PUBKEY = 'b'.repeat(64);

describe('settings:changed by section', () => {
  let client: QueryClient;
  let off: () => void;
  beforeEach(() => {
    client = new QueryClient();
    for (const key of [queryKeys.providers, queryKeys.channels]) client.setQueryData(key, { cached: true });
    off = invalidateOnHubEvents(client);
  });
  afterEach(() => off());

  const stale = (key: readonly unknown[]) => client.getQueryState(key)?.isInvalidated;

  it("re-reads the channels on 'messaging-channels', not the providers", () => {
    emitHubEvent({ type: 'settings:changed', sections: ['messaging-channels'] }, PUBKEY);
    expect(stale(queryKeys.channels)).toBe(true);
    expect(stale(queryKeys.providers)).toBe(false);
  });

  it("re-reads the providers on 'providers', not the channels", () => {
    emitHubEvent({ type: 'settings:changed', sections: ['providers'] }, PUBKEY);
    expect(stale(queryKeys.providers)).toBe(true);
    expect(stale(queryKeys.channels)).toBe(false);
  });

  it('re-reads neither for a section of the settings document', () => {
    emitHubEvent({ type: 'settings:changed', sections: ['channels', 'messaging'] }, PUBKEY);
    expect(stale(queryKeys.providers)).toBe(false);
    expect(stale(queryKeys.channels)).toBe(false);
  });

  it('re-reads both after a reconnection (a missed event is never replayed)', () => {
    runResync();
    expect(stale(queryKeys.providers)).toBe(true);
    expect(stale(queryKeys.channels)).toBe(true);
  });
});
