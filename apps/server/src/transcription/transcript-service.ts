import { type CreateTranscriptBody, hasPermission, type TranscriptForReader } from '@llamenos/protocol';
import { auditActionInTx } from '../audit/service.js';
import { type CallRow, findCall, findLeg, findVoicemail } from '../calls/store.js';
import type { Member } from '../domain/actor.js';
import { conflict, forbidden, invalid, notFound } from '../domain/errors.js';
import type { ServerContext } from '../http/context.js';
import { getProfile } from '../identity/users.js';
import { publishHubEvent } from '../realtime/publish.js';
import { checkEnvelope, checkReaders, requiredReaders } from '../records/envelope.js';
import { loadSettings } from '../settings/store.js';
import { releaseClaim } from './claim-store.js';
import * as store from './transcript-store.js';

/**
 * Sealed transcripts (docs/PROTOCOL.md §9.5). The browser transcribes audio it already holds in
 * the clear (a voicemail an admin opened, or the two sides of a call a volunteer answered in
 * the browser), seals the text with purpose `transcript` and record id `transcript:<id>` for
 * the author and every current admin (the readers of notes), and sends only that envelope.
 *
 * Who may add one: for a voicemail, a holder of calls:read-all (they can open voicemails); for
 * a call, the volunteer who answered it in the browser, when the hotline allows it. Who may
 * read: the author, and holders of notes:read-all (whose wraps the envelope must carry).
 */

/** The readers' wraps answer for the call's transcripts: admins see all, others their own. */
const readsAll = (caller: Member) => hasPermission(caller.permissions, 'notes:read-all');

const TURNED_OFF = 'transcription is turned off for this hotline (settings → transcription)';

/**
 * How the caller took the call, or null if they did not: while it is live the call row says it
 * (its answering leg says phone or browser); once it ended and its metadata was sealed, the
 * audit log does (transcript-store.ts, howUserTookCall).
 */
async function howCallerTookCall(ctx: ServerContext, call: CallRow, caller: Member) {
  if (call.answeredBy === caller.userId) {
    const leg = call.answeredLegId ? await findLeg(ctx.db, call.answeredLegId) : null;
    return leg?.kind === 'browser' ? 'browser' : 'phone';
  }
  return store.howUserTookCall(ctx.db, call.id, caller.userId);
}

/** The call, if the caller may see it at all; otherwise a 404 like a call that does not exist. */
async function callFor(ctx: ServerContext, caller: Member, callId: string) {
  const call = await findCall(ctx.db, callId);
  if (!call) throw notFound('no such call');
  if (hasPermission(caller.permissions, 'calls:read-all') || readsAll(caller)) return { call, took: null };
  const took = await howCallerTookCall(ctx, call, caller);
  if (!took) throw notFound('no such call');
  return { call, took };
}

export async function createTranscript(
  ctx: ServerContext,
  caller: Member,
  callId: string,
  body: CreateTranscriptBody,
): Promise<{ transcript: TranscriptForReader; created: boolean }> {
  checkEnvelope(body.envelope);
  const { call, took } = await callFor(ctx, caller, callId);
  const { settings } = await loadSettings(ctx.db);
  if (!settings.transcription.enabled) throw forbidden(TURNED_OFF);
  if (body.source === 'voicemail') {
    if (!hasPermission(caller.permissions, 'calls:read-all'))
      throw forbidden('transcribing a voicemail needs calls:read-all (those who can open voicemails)');
    if (!(await findVoicemail(ctx.db, callId))) throw invalid('this call has no voicemail to transcribe');
  } else {
    if (!settings.transcription.browserCalls)
      throw forbidden('transcribing calls answered in the browser is turned off for this hotline');
    const how = took ?? (await howCallerTookCall(ctx, call, caller));
    if (!how) throw forbidden('only the volunteer who answered this call may transcribe it');
    // Their own client never records after an opt-out; this refuses a stale or other client too.
    if (!(await getProfile(ctx.db, caller.userId)).transcribeMyCalls)
      throw forbidden('you opted out of transcribing your calls (my settings → transcription)');
    if (how !== 'browser') throw invalid('only a call answered in the browser can be transcribed');
  }

  const now = ctx.now();
  const result = await ctx.db.transaction(async (tx) => {
    checkReaders(body.envelope, await requiredReaders(tx, caller.pubkey), {
      record: 'transcript',
      readersRoute: '/api/records/readers',
    });
    const row = {
      id: body.id,
      callId,
      source: body.source,
      authorId: caller.userId,
      authorPubkey: caller.pubkey,
      createdAt: now,
    };
    const own = body.envelope.wraps.find((w) => w.reader === caller.pubkey) ?? null;
    if (
      !(await store.insertTranscript(tx, {
        ...row,
        ciphertext: body.envelope.ciphertext,
        wraps: body.envelope.wraps,
      }))
    ) {
      // A retry of the very same request answers like the first one; anything else is a clash.
      const existing = await store.readTranscript(tx, body.id);
      if (
        existing &&
        existing.authorId === caller.userId &&
        existing.callId === callId &&
        existing.ciphertext === body.envelope.ciphertext
      )
        return { transcript: viewOf(existing, existing.ciphertext, own), created: false };
      throw conflict('a transcript with this id already exists; choose a new id and seal again');
    }
    // The voicemail is transcribed: an automatic claim on it has nothing left to guard.
    if (body.source === 'voicemail') await releaseClaim(tx, callId);
    await auditActionInTx(tx, caller, now, {
      action: 'transcription.created',
      target: `transcript:${body.id}`,
      details: { callId, source: body.source, readers: body.envelope.wraps.length },
    });
    return { transcript: viewOf(row, body.envelope.ciphertext, own), created: true };
  });
  if (result.created) await announceTranscript(ctx, callId, body.id);
  return result;
}

/**
 * Tells members' clients, by ids only, that a call has a new transcript (the hub event is
 * encrypted; readers fetch it through the API, which checks who may see it). Sent after the
 * commit; a hub that cannot be reached loses the notice, never the transcript.
 */
async function announceTranscript(ctx: ServerContext, callId: string, transcriptId: string): Promise<void> {
  try {
    await publishHubEvent(ctx, { type: 'transcript:new', callId, transcriptId });
  } catch (error) {
    ctx.log.warn({ err: { name: (error as Error)?.name } }, 'transcript hub event not published');
  }
}

const viewOf = (
  t: store.TranscriptRow,
  ciphertext: string,
  wrap: { reader: string; wrap: string } | null,
): TranscriptForReader => ({
  id: t.id,
  callId: t.callId,
  source: t.source,
  authorPubkey: t.authorPubkey,
  createdAt: t.createdAt.toISOString(),
  ciphertext,
  wrap,
});

/** A call's transcripts for the caller: every one for an admin, their own for anyone else. */
export async function listTranscripts(
  ctx: ServerContext,
  caller: Member,
  callId: string,
): Promise<TranscriptForReader[]> {
  await callFor(ctx, caller, callId);
  return store.listForReader(ctx.db, callId, caller.pubkey, readsAll(caller) ? undefined : caller.userId);
}
