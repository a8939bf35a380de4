import { queryOptions } from '@tanstack/react-query';
import { fetchTranscripts } from '../api/index.js';
import { unlockedSecretKey } from '../vault.js';
import { type OpenedTranscript, openTranscript } from './transcripts.js';

/**
 * A call's transcripts, opened in this browser. The key starts with 'calls', so every call and
 * voicemail hub event makes it stale with the rest of the call screens (lib/queries/live.ts).
 */
export const transcriptKeys = {
  all: ['calls', 'transcripts'] as const,
  ofCall: (callId: string) => ['calls', 'transcripts', callId] as const,
};

export interface CallTranscript {
  id: string;
  source: 'voicemail' | 'call';
  authorPubkey: string;
  createdAt: string;
  opened: OpenedTranscript | { state: 'locked' };
}

export const callTranscripts = (callId: string) =>
  queryOptions({
    queryKey: transcriptKeys.ofCall(callId),
    queryFn: async (): Promise<CallTranscript[]> => {
      const list = await fetchTranscripts(callId);
      const key = unlockedSecretKey();
      return list.map((t) => ({
        id: t.id,
        source: t.source,
        authorPubkey: t.authorPubkey,
        createdAt: t.createdAt,
        opened: key ? openTranscript(t, key) : { state: 'locked' },
      }));
    },
  });
