/**
 * Sharing existing transcripts with a new admin: every transcript key the caller can open is
 * re-wrapped for the new admin under the transcript labels, batch after batch; one the caller
 * cannot open is counted and skipped, never sent.
 */
import {
  fromBase64url,
  generateSecretKey,
  getPublicKey,
  PURPOSES,
  toBase64url,
  unwrapKey,
  wrapKey,
} from '@llamenos/crypto';
import { transcriptRecordId } from '@llamenos/protocol';
import { beforeEach, describe, expect, it, vi } from 'vitest';

const me = generateSecretKey();
const newAdmin = generateSecretKey();
const stranger = generateSecretKey();

const keys = new Map<string, Uint8Array>();
let pending: { transcriptId: string; wrap: string }[] = [];
const posted: { transcriptId: string; wrap: string }[] = [];

vi.mock('../src/lib/vault.js', () => ({ unlockedSecretKey: () => me }));
vi.mock('../src/lib/api/transcription.js', () => ({
  // Two items a batch, so the loop is seen to follow `next`.
  transcriptGrantWork: async (_reader: string, after: string | null) => {
    const start = after ? pending.findIndex((p) => p.transcriptId === after) + 1 : 0;
    const items = pending.slice(start, start + 2);
    const last = items[items.length - 1];
    return { items, next: start + 2 < pending.length && last ? last.transcriptId : null };
  },
  postTranscriptGrant: async (_reader: string, wraps: { transcriptId: string; wrap: string }[]) => {
    posted.push(...wraps);
    return { inserted: wraps.length, alreadyPresent: 0, skipped: 0 };
  },
}));

const ctxOf = (id: string) => ({ label: PURPOSES.transcript.wrap, recordId: transcriptRecordId(id) });

function transcript(id: string, wrappedFor: Uint8Array) {
  const key = crypto.getRandomValues(new Uint8Array(32));
  keys.set(id, key);
  pending.push({ transcriptId: id, wrap: toBase64url(wrapKey(key, getPublicKey(wrappedFor), ctxOf(id))) });
}

describe('granting transcripts to a new admin', () => {
  beforeEach(() => {
    pending = [];
    posted.length = 0;
    keys.clear();
  });

  it('re-wraps every key it can open for the new admin, and skips one it cannot', async () => {
    const { grantTranscriptsTo } = await import('../src/lib/transcription/grant.js');
    const ids = [1, 2, 3, 4, 5].map((n) => `0000000${n}-0000-4000-8000-000000000000`);
    for (const id of ids.slice(0, 4)) transcript(id, me);
    transcript(ids[4]!, stranger);
    const result = await grantTranscriptsTo(getPublicKey(newAdmin));
    expect(result).toEqual({ shared: 4, failed: 1 });
    expect(posted.map((p) => p.transcriptId)).toEqual(ids.slice(0, 4));
    for (const p of posted) {
      const key = unwrapKey(fromBase64url(p.wrap, 'wrap'), newAdmin, ctxOf(p.transcriptId));
      expect(key).toEqual(keys.get(p.transcriptId));
      // Bound to its transcript: the wrap does not open as another one.
      expect(() => unwrapKey(fromBase64url(p.wrap, 'wrap'), newAdmin, ctxOf(ids[4]!))).toThrow();
    }
  });

  it('stops between batches when asked', async () => {
    const { grantTranscriptsTo } = await import('../src/lib/transcription/grant.js');
    for (const n of [1, 2, 3]) transcript(`0000000${n}-0000-4000-8000-000000000000`, me);
    const result = await grantTranscriptsTo(getPublicKey(newAdmin), () => true);
    expect(result.shared).toBe(2);
  });
});
