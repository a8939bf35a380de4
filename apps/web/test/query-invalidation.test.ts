import { describe, expect, it } from 'vitest';
import { queryKeys } from '../src/lib/queries/index.js';
import { emitHubEvent, runResync } from '../src/lib/realtime/bus.js';
import { cacheFollowingHubEvents } from './hub-invalidation.js';

const PUBKEY = 'a'.repeat(64);
const CALL = '123e4567-e89b-12d3-a456-426614174000';

describe('hub events invalidate queries', () => {
  const cache = cacheFollowingHubEvents([
    queryKeys.publicSettings,
    queryKeys.noteFields,
    queryKeys.settingsDocument,
    queryKeys.todayCounts,
    queryKeys.liveCalls,
    queryKeys.callHistory(0, 25),
    queryKeys.onShiftNow,
    queryKeys.week('2026-01-05'),
    queryKeys.roles,
  ]);
  const { stale } = cache;

  it('settings:changed marks the public settings and today’s counts, never the admin’s document', () => {
    emitHubEvent({ type: 'settings:changed', sections: ['timeZone'] }, PUBKEY);
    expect(stale()).toEqual(
      [queryKeys.noteFields, queryKeys.publicSettings, queryKeys.todayCounts]
        .map((k) => JSON.stringify(k))
        .sort(),
    );
  });

  it('shift:changed marks every shift query', () => {
    emitHubEvent({ type: 'shift:changed' }, PUBKEY);
    expect(stale()).toEqual(
      [queryKeys.onShiftNow, queryKeys.week('2026-01-05')].map((k) => JSON.stringify(k)).sort(),
    );
  });

  it('call events mark the call views', () => {
    emitHubEvent({ type: 'call:ended', callId: CALL, outcome: 'completed' }, PUBKEY);
    expect(stale()).toEqual(
      [queryKeys.callHistory(0, 25), queryKeys.liveCalls, queryKeys.todayCounts]
        .map((k) => JSON.stringify(k))
        .sort(),
    );
  });

  it('a reconnection marks everything an event could have, and nothing else', () => {
    runResync();
    expect(stale()).not.toContain(JSON.stringify(queryKeys.settingsDocument));
    expect(stale()).not.toContain(JSON.stringify(queryKeys.roles));
    expect(stale()).toHaveLength(7);
  });

  it('stops when unsubscribed', () => {
    cache.unwire();
    emitHubEvent({ type: 'shift:changed' }, PUBKEY);
    expect(stale()).toEqual([]);
  });
});
