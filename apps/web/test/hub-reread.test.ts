/**
 * A hub event that comes while a page's first read is still in flight: the query library joins
 * the refresh to that read, which may have fetched before the change. Every page following hub
 * events (invalidateOnHubEvents) reads once more after it, so the page shows the change (first
 * seen on the report page: an upload's end was never shown).
 */
import { QueryClient, QueryObserver } from '@tanstack/react-query';
import { describe, expect, it } from 'vitest';
import { invalidateOnHubEvents, queryKeys } from '../src/lib/queries/index.js';
import { emitHubEvent } from '../src/lib/realtime/bus.js';

const SERVER = 'b'.repeat(64);
const C1 = '123e4567-e89b-42d3-a456-426614174000';
const M1 = '223e4567-e89b-42d3-a456-426614174000';
const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

describe('a hub event during a first read', () => {
  it('reads the list again once the older read has ended', async () => {
    const client = new QueryClient({ defaultOptions: { queries: { retry: false, gcTime: 0 } } });
    const server = { messages: 0 };
    const reads: { startedWith: number; finish: () => void }[] = [];
    const observer = new QueryObserver(client, {
      queryKey: queryKeys.conversationList({ scope: 'mine', limit: 100 }),
      queryFn: () => {
        const startedWith = server.messages;
        return new Promise<{ messages: number }>((resolve) => {
          reads.push({ startedWith, finish: () => resolve({ messages: startedWith }) });
        });
      },
    });
    const off = observer.subscribe(() => {});
    const unwire = invalidateOnHubEvents(client);
    try {
      await settle();
      server.messages = 1; // a text arrives while the first read is on its way
      emitHubEvent({ type: 'message:new', conversationId: C1, messageId: M1 }, SERVER);
      await settle();
      reads[0]!.finish();
      await expect.poll(() => reads.length).toBe(2);
      reads[1]!.finish();
      await expect.poll(() => observer.getCurrentResult().data).toEqual({ messages: 1 });
      expect(reads.map((r) => r.startedWith)).toEqual([0, 1]);
    } finally {
      unwire();
      off();
    }
  });
});
