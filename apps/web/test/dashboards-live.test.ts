import type { HubEventPayload } from '@llamenos/protocol';
import { describe, expect, it } from 'vitest';
import { queryKeys } from '../src/lib/queries/index.js';
import { emitHubEvent } from '../src/lib/realtime/bus.js';
import { cacheFollowingHubEvents } from './hub-invalidation.js';

const PUBKEY = 'b'.repeat(64);
const CALL = '123e4567-e89b-12d3-a456-426614174001';
const WEEK = { from: '2026-03-01', to: '2026-03-07', bucket: 'day' };

describe('dashboards and the checklist follow hub events', () => {
  const cache = cacheFollowingHubEvents([queryKeys.setupChecklist, queryKeys.stats(WEEK)]);
  const { stale } = cache;

  it('a first call, a shift or a setting ticks the checklist again', () => {
    const events: HubEventPayload[] = [
      { type: 'call:ring', callId: CALL, startedAt: new Date().toISOString() },
      { type: 'shift:changed' },
      { type: 'settings:changed', sections: ['hotlineName'] },
    ];
    for (const event of events) {
      cache.client.setQueryData(queryKeys.setupChecklist, { cached: true });
      emitHubEvent(event, PUBKEY);
      expect(stale(), event.type).toEqual([JSON.stringify(queryKeys.setupChecklist)]);
    }
  });

  it('a call that ended re-reads an open dashboard', () => {
    emitHubEvent({ type: 'call:ended', callId: CALL, outcome: 'completed' }, PUBKEY);
    expect(stale()).toEqual([JSON.stringify(queryKeys.stats(WEEK))]);
  });
});
