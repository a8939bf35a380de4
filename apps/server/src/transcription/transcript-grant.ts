import type { TranscriptGrantBody } from '@llamenos/protocol';
import { requireAdminReader } from '../records/grant.js';
import { grantSteps } from '../records/grant-batch.js';
import * as store from './transcript-store.js';

/**
 * Granting a new admin the transcripts made before they became one (docs/PROTOCOL.md §9,
 * "Granting a new reader"), exactly as for notes: only a reader can unwrap a transcript key, so
 * an admin's browser asks for work (transcripts the new admin lacks, with the caller's own wrap),
 * re-wraps each key with the transcript labels and posts the wraps back. The work only ever lists
 * what is still missing, so an interrupted grant resumes by asking again.
 */
export const transcriptGrant = grantSteps({
  action: 'transcription.access-granted',
  requireReader: requireAdminReader,
  work: store.grantWork,
  cursor: (item) => item.transcriptId,
  insert: (tx, g: { caller: string; reader: string; wraps: TranscriptGrantBody['wraps'] }) =>
    store.insertGrantedWraps(tx, g.reader, g.caller, g.wraps),
});
