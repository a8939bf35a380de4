/**
 * The inbox follows the hub: a new message or an update re-reads the lists and the open thread;
 * a change of hands re-reads the lists only (the open thread follows that event itself, so a
 * thread handed to someone else is not re-read into a 404). And the unread watcher behind the
 * chime: the first reading is the baseline, then only a growing unread count alerts.
 */
import type { ConversationDetail, ConversationView } from '@llamenos/protocol';
import { describe, expect, it } from 'vitest';
import { createUnreadWatcher } from '../src/lib/conversations/alerts.js';
import { WRAPS_FALLBACK_POLL_MS, wrapsRefetchInterval } from '../src/lib/conversations/wraps-wait.js';
import { queryKeys } from '../src/lib/queries/index.js';
import { emitHubEvent } from '../src/lib/realtime/bus.js';
import { cacheFollowingHubEvents } from './hub-invalidation.js';

const SERVER = 'b'.repeat(64);
const C1 = '123e4567-e89b-42d3-a456-426614174000';
const M1 = '223e4567-e89b-42d3-a456-426614174000';

describe('conversation events', () => {
  const list = queryKeys.conversationList({ scope: 'mine', limit: 100 });
  const thread = queryKeys.conversation(C1);
  const cache = cacheFollowingHubEvents([list, thread, queryKeys.liveCalls]);
  const { stale } = cache;

  it('message:new and conversation:updated re-read the lists and the thread', () => {
    emitHubEvent({ type: 'message:new', conversationId: C1, messageId: M1 }, SERVER);
    expect(stale()).toEqual([list, thread].map((k) => JSON.stringify(k)).sort());
    cache.client.setQueryData(list, { cached: true });
    cache.client.setQueryData(thread, { cached: true });
    emitHubEvent({ type: 'conversation:updated', conversationId: C1 }, SERVER);
    expect(stale()).toEqual([list, thread].map((k) => JSON.stringify(k)).sort());
  });

  it('conversation:assigned re-reads the lists only', () => {
    emitHubEvent({ type: 'conversation:assigned', conversationId: C1, assignee: null }, SERVER);
    expect(stale()).toEqual([JSON.stringify(list)]);
  });
});

const view = (id: string, unread: number): ConversationView => ({
  id,
  kind: 'sms',
  channel: 'twilio-sms',
  status: 'active',
  assignedTo: 'u1',
  contactLast4: '3210',
  optedOut: false,
  lastMessageAt: '2026-12-04T19:00:00.000Z',
  waitingSince: null,
  unread,
  createdAt: '2026-12-04T19:00:00.000Z',
  closedAt: null,
});

describe('the unread watcher', () => {
  it('takes the first reading as the baseline, then alerts for each conversation whose unread count grew', () => {
    const alerts: string[][] = [];
    const watch = createUnreadWatcher((grown) => alerts.push(grown.map((c) => c.id)));
    watch([view('a', 3)]);
    expect(alerts).toEqual([]);
    watch([view('a', 3)]);
    watch([view('a', 0)]);
    expect(alerts).toEqual([]);
    watch([view('a', 1), view('b', 2), view('c', 0)]);
    expect(alerts).toEqual([['a', 'b']]);
  });
});

describe('a thread waiting for its re-wrap', () => {
  const ME = 'a'.repeat(64);
  const threadWith = (readers: string[]) =>
    ({
      conversation: view('a', 0),
      messages: [{ id: M1, envelope: { wraps: readers.map((reader) => ({ reader })) } }],
    }) as unknown as ConversationDetail;

  it('follows the hub while it is connected (the accepted wraps are announced) and polls only while it is down', () => {
    const waiting = threadWith([SERVER]);
    expect(wrapsRefetchInterval(waiting, ME, 'connected')).toBe(false);
    expect(wrapsRefetchInterval(waiting, ME, 'reconnecting')).toBe(WRAPS_FALLBACK_POLL_MS);
    expect(wrapsRefetchInterval(waiting, ME, 'closed')).toBe(WRAPS_FALLBACK_POLL_MS);
    expect(wrapsRefetchInterval(threadWith([ME]), ME, 'reconnecting')).toBe(false);
    expect(wrapsRefetchInterval(undefined, ME, 'closed')).toBe(false);
  });
});
