import type { VoicemailClaim } from '@llamenos/protocol';
import { findCall, findVoicemail } from '../calls/store.js';
import type { Member } from '../domain/actor.js';
import { forbidden, invalid, notFound } from '../domain/errors.js';
import type { ServerContext } from '../http/context.js';
import { loadSettings } from '../settings/store.js';
import * as store from './claim-store.js';

/**
 * Who transcribes a new voicemail automatically (settings.transcription.autoVoicemails). Every
 * admin whose browser has the calls page open would otherwise transcribe the same voicemail; so
 * the browser claims it first and goes on only if it got it. A claim is a lease of
 * VOICEMAIL_CLAIM_MS (a closed tab must not block the voicemail for ever); storing a voicemail
 * transcript ends it (transcript-service.ts). Nothing is blocked by it: an admin's own
 * "Transcribe" claims but goes on whatever the answer, and the server stores any transcript the
 * rules allow.
 */

/** Long enough for a long voicemail on a slow laptop with a base model, short enough for a closed tab. */
export const VOICEMAIL_CLAIM_MS = 10 * 60 * 1000;

export async function claimVoicemailTranscription(
  ctx: ServerContext,
  caller: Member,
  callId: string,
): Promise<VoicemailClaim> {
  if (!(await findCall(ctx.db, callId))) throw notFound('no such call');
  const { settings } = await loadSettings(ctx.db);
  if (!settings.transcription.enabled)
    throw forbidden('transcription is turned off for this hotline (settings → transcription)');
  if (!(await findVoicemail(ctx.db, callId))) throw invalid('this call has no voicemail to transcribe');
  if (await store.hasVoicemailTranscript(ctx.db, callId))
    return { callId, claimed: false, reason: 'transcribed', expiresAt: null };
  const now = ctx.now();
  const taken = await store.takeClaim(
    ctx.db,
    callId,
    caller.userId,
    now,
    new Date(now.getTime() + VOICEMAIL_CLAIM_MS),
  );
  if (taken) return { callId, claimed: true, reason: null, expiresAt: taken.expiresAt.toISOString() };
  const held = await store.readClaim(ctx.db, callId);
  return {
    callId,
    claimed: false,
    reason: 'transcribing-elsewhere',
    expiresAt: held ? held.expiresAt.toISOString() : null,
  };
}
