import { fromBase64url, PURPOSES, toBase64url, unwrapKey, wrapKey } from '@llamenos/crypto';
import { transcriptRecordId } from '@llamenos/protocol';
import { postTranscriptGrant, transcriptGrantWork } from '../api/transcription.js';
import { unlockedSecretKey } from '../vault.js';

const BATCH = 200;

/**
 * Shares the keys of existing transcripts with a new admin (docs/PROTOCOL.md §9, "Granting a new
 * reader"): each transcript key is unwrapped from the caller's own wrap and wrapped for `reader`
 * under the transcript labels and the same record id. Runs after the notes grant, for the same
 * reader (transcripts and notes have the same readers). Returns how many were shared and how
 * many this browser could not open (they are skipped, never sent). Resumable: the server only
 * ever returns what the reader still lacks.
 */
export async function grantTranscriptsTo(
  reader: string,
  shouldStop: () => boolean = () => false,
): Promise<{ shared: number; failed: number }> {
  let shared = 0;
  let failed = 0;
  let after: string | null = null;
  for (;;) {
    const secretKey = unlockedSecretKey();
    if (!secretKey) throw new Error('the key is locked');
    const work = await transcriptGrantWork(reader, after, BATCH);
    if (work.items.length === 0) break;
    const wraps: { transcriptId: string; wrap: string }[] = [];
    for (const item of work.items) {
      const ctx = { label: PURPOSES.transcript.wrap, recordId: transcriptRecordId(item.transcriptId) };
      try {
        const key = unwrapKey(fromBase64url(item.wrap, 'wrap'), secretKey, ctx);
        wraps.push({ transcriptId: item.transcriptId, wrap: toBase64url(wrapKey(key, reader, ctx)) });
        key.fill(0);
      } catch {
        failed += 1;
      }
    }
    if (wraps.length) {
      const result = await postTranscriptGrant(reader, wraps);
      shared += result.inserted + result.alreadyPresent;
    }
    // Items this browser could not wrap stay missing; `next` moves past them.
    if (!work.next || shouldStop()) break;
    after = work.next;
  }
  return { shared, failed };
}
