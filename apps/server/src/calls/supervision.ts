import { randomUUID } from 'node:crypto';
import type {
  SupervisableCallsResponse,
  SupervisionRequestResponse,
  SupervisionStatusResponse,
  TelephonyProvider,
} from '@llamenos/protocol';
import { appendAudit } from '../audit/service.js';
import type { Member } from '../domain/actor.js';
import { conflict, forbidden } from '../domain/errors.js';
import type { ServerContext } from '../http/context.js';
import { pubkeyOf, reachOf } from '../identity/lookup.js';
import { browserIdentityOf } from '../telephony/browser/identity.js';
import { queueName, webhookUrl } from './documents.js';
import { atProvider, connectedCallControl, connectedCallOf } from './hold-provider.js';
import { liveBrowserCalls } from './store/supervision.js';
import { type CallRow, findCall, requireCall } from './store.js';
import type { Supervision } from './supervision-signals.js';
import { iceServers } from './webrtc-signalling.js';
import { callSettings, controlAdapter, errorInfo } from './wiring.js';

/**
 * Silent supervision of a call answered in the browser (docs/CALLS.md, "Silent supervision"):
 * when the hotline turns it on (settings.calls.silentSupervision, off by default), a member with
 * calls:supervise listens to a live call without being heard. The admin's browser makes a
 * receive-only offer; the volunteer's browser, which holds both voices (the caller's arriving,
 * its own microphone), answers it and sends both; nothing goes from the admin to anyone, and the
 * caller's page is never touched. The volunteer's card says when an admin listens. Start and stop
 * are audited (calls.supervision-started, calls.supervision-stopped: call id and actor only).
 *
 * Why through the volunteer's browser: audio never passes through the server or the simulated
 * carrier (the browsers connect directly), so the volunteer's browser is the one place that has
 * both sides' audio. A provider that carries the audio itself can do it instead (Asterisk: a
 * snoop channel on the caller's channel, bridged to the admin's browser phone; `listen` in
 * telephony/provider.ts): the admin's phone is rung and picked up by their app, and neither the
 * volunteer's browser nor the caller is touched (the card still says an admin listens).
 */

/** How long the admin's browser phone may take to pick up a listening (their app does it at once). */
const LISTENER_RING_SECONDS = 20;

const enabled = async (ctx: ServerContext): Promise<boolean> =>
  (await callSettings(ctx)).calls.silentSupervision === true;

/** The supervision of a call still live with the volunteer it began with; one whose call ended or moved is forgotten. */
async function liveSupervision(ctx: ServerContext, callId: string): Promise<Supervision | null> {
  const supervision = ctx.telephony.supervisions.of(callId);
  if (!supervision) return null;
  const call = await findCall(ctx.db, callId);
  if (!call || call.endedAt || call.status !== 'answered' || call.answeredBy !== supervision.volunteer) {
    // The call ended or changed hands: the listening stopped with it, and the log says so, so
    // every start has its stop (the actor is the admin who was listening).
    if (ctx.telephony.supervisions.forget(callId)) {
      await stopAtProvider(ctx, callId, supervision);
      await appendAudit(
        ctx.db,
        {
          action: 'calls.supervision-stopped',
          actorPubkey: await pubkeyOf(ctx.db, supervision.supervisor),
          target: `call:${callId}`,
          details: { callId, reason: call?.endedAt ? 'call-ended' : 'call-moved' },
          ipHash: null,
        },
        ctx.now(),
      );
    }
    return null;
  }
  return supervision;
}

/** Whether `provider`'s calls are listened to through the admin's browser phone there. */
async function listensAtProvider(ctx: ServerContext, provider: string): Promise<boolean> {
  if (provider === 'simulator' || provider === 'training') return false;
  try {
    const adapter = await controlAdapter(ctx, provider as TelephonyProvider);
    return Boolean(adapter.ringsBrowsers && adapter.connectedCalls?.listen);
  } catch {
    return false;
  }
}

/** Ends a listening through the provider (the admin's leg hung up); best effort, logged. */
async function stopAtProvider(ctx: ServerContext, callId: string, supervision: Supervision): Promise<void> {
  if (!supervision.listenerLegId) return;
  const call = await findCall(ctx.db, callId);
  const control = call ? await connectedCallControl(ctx, call) : null;
  if (!call || !control?.stopListening) return;
  try {
    await control.stopListening(
      { callerLegId: call.providerCallId, volunteerLegId: '', queue: queueName(call.id) },
      supervision.listenerLegId,
    );
  } catch (error) {
    ctx.log.warn({ callId, err: errorInfo(error) }, 'listening not ended at the provider');
  }
}

async function audit(ctx: ServerContext, member: Member, action: string, callId: string): Promise<void> {
  await appendAudit(
    ctx.db,
    {
      action,
      actorPubkey: member.pubkey,
      target: `call:${callId}`,
      details: { callId },
      ipHash: member.ipHash,
    },
    ctx.now(),
  );
}

/** `GET /api/calls/supervision/live`: the browser calls an admin may listen to, by volunteer name. */
export async function supervisableCalls(
  ctx: ServerContext,
  member: Member,
): Promise<SupervisableCallsResponse> {
  if (!(await enabled(ctx))) return { enabled: false, iceServers: [], calls: [] };
  const rows = await liveBrowserCalls(ctx.db);
  const atProvider = new Map<string, boolean>();
  for (const provider of new Set(rows.map((r) => r.provider)))
    atProvider.set(provider, await listensAtProvider(ctx, provider));
  return {
    enabled: true,
    iceServers: iceServers(ctx),
    calls: rows
      // A training call is a role-play between two members: never listened to.
      .filter(
        (r) =>
          r.answered_by !== member.userId &&
          r.provider !== 'training' &&
          (r.provider in ctx.telephony.browserAudio || atProvider.get(r.provider)),
      )
      .map((r) => ({
        callId: r.id,
        volunteerName: r.display_name,
        answeredAt: r.answered_at ? new Date(r.answered_at).toISOString() : null,
        ...(atProvider.get(r.provider) ? { throughProvider: r.provider } : {}),
      })),
  };
}

/** `POST /api/calls/:id/supervision {sdp}`: starts listening (one admin per call). */
export async function startSupervision(
  ctx: ServerContext,
  member: Member,
  callId: string,
  sdp: string,
): Promise<void> {
  const call = await callToListenTo(ctx, member, callId);
  if (await listensAtProvider(ctx, call.provider))
    throw conflict('this call is listened to through your browser phone (POST …/supervision/phone)');
  await claimListening(ctx, member, call, sdp);
  await audit(ctx, member, 'calls.supervision-started', callId);
}

/**
 * Records `member` as the one listening to `call` (the volunteer's card then says so), after
 * letting a listening that ended meanwhile go; 409 when someone else listens. `offer` is the
 * admin's receive-only SDP offer, or empty when the provider carries the audio.
 */
async function claimListening(
  ctx: ServerContext,
  member: Member,
  call: CallRow,
  offer: string,
): Promise<void> {
  await liveSupervision(ctx, call.id);
  if (
    !ctx.telephony.supervisions.start({
      callId: call.id,
      supervisor: member.userId,
      volunteer: call.answeredBy!,
      offer,
    })
  )
    throw conflict('someone is already listening to this call');
}

/** A call `member` may start listening to; refusals say why. */
async function callToListenTo(ctx: ServerContext, member: Member, callId: string): Promise<CallRow> {
  if (!(await enabled(ctx))) throw forbidden('silent supervision is off at this hotline');
  const call = await requireCall(ctx.db, callId);
  if (call.endedAt || call.status !== 'answered' || !call.answeredBy)
    throw conflict('this call is not connected');
  if (call.answeredBy === member.userId) throw conflict('this is your own call');
  if (call.training) throw conflict('a training call is not listened to');
  if (!(await liveBrowserCalls(ctx.db)).some((c) => c.id === callId))
    throw conflict('this call is not answered in the browser; only browser calls can be listened to');
  return call;
}

/**
 * `POST /api/calls/:id/supervision/phone`: starts listening through the provider (Asterisk): the
 * admin's browser phone is rung for the call and, once their app picks it up, hears both sides
 * while nobody hears it. Answers when the listening is up; 409 when the phone did not pick up.
 */
export async function startListeningAtProvider(
  ctx: ServerContext,
  member: Member,
  callId: string,
): Promise<void> {
  // A state of the hotline, not of the admin's rights (the guard checked those): 409.
  if (!(await enabled(ctx))) throw conflict('silent supervision is off at this hotline');
  const call = await callToListenTo(ctx, member, callId);
  const control = await connectedCallControl(ctx, call);
  if (!control?.listen || !(await listensAtProvider(ctx, call.provider)))
    throw conflict("this call's provider cannot let you listen; only browser audio can be listened to");
  const [me] = await reachOf(ctx.db, [member.userId]);
  if (me?.callPreference !== 'browser' && me?.callPreference !== 'both')
    throw conflict('you listen through your browser phone: set your call preference to the browser first');
  const connected = await connectedCallOf(ctx, call);
  await claimListening(ctx, member, call, '');
  let leg: { legId: string } | null;
  try {
    leg = await atProvider(ctx, callId, 'listening', () =>
      control.listen!(
        connected,
        {
          to: '',
          browser: browserIdentityOf(ctx.config.serverSecret, member.userId),
          from: call.hotlineNumber,
          // ARI reports the leg by events; the call id names the call in the phone's INVITE.
          answerUrl: webhookUrl(ctx, call.provider, 'screen', { call: call.id, leg: randomUUID() }),
          statusUrl: webhookUrl(ctx, call.provider, 'leg-status', { call: call.id, leg: randomUUID() }),
          timeoutSeconds: LISTENER_RING_SECONDS,
        },
        LISTENER_RING_SECONDS * 1000,
      ),
    );
  } catch (error) {
    ctx.telephony.supervisions.forget(callId);
    throw error;
  }
  if (!leg) {
    ctx.telephony.supervisions.forget(callId);
    throw conflict('your browser phone did not pick up; check that it is connected');
  }
  if (!ctx.telephony.supervisions.listeningOn(callId, member.userId, leg.legId)) {
    // The call ended or moved while the phone rang: the listening goes with it.
    await stopAtProvider(ctx, callId, {
      callId,
      supervisor: member.userId,
      volunteer: call.answeredBy!,
      offer: '',
      answer: null,
      listenerLegId: leg.legId,
    });
    throw conflict('the call ended or changed hands meanwhile');
  }
  await audit(ctx, member, 'calls.supervision-started', callId);
}

/** `GET /api/calls/:id/supervision`: the admin's side; `active` false once it ended. */
export async function supervisionStatus(
  ctx: ServerContext,
  member: Member,
  callId: string,
): Promise<SupervisionStatusResponse> {
  const supervision = await liveSupervision(ctx, callId);
  if (!supervision || supervision.supervisor !== member.userId) return { active: false, answer: null };
  return { active: true, answer: supervision.answer };
}

/** `POST /api/calls/:id/supervision/stop`: the admin stops listening. */
export async function stopSupervision(ctx: ServerContext, member: Member, callId: string): Promise<void> {
  const current = ctx.telephony.supervisions.of(callId);
  if (!current || current.supervisor !== member.userId) throw conflict('you are not listening to this call');
  ctx.telephony.supervisions.forget(callId);
  await stopAtProvider(ctx, callId, current);
  await audit(ctx, member, 'calls.supervision-stopped', callId);
}

/** The call the volunteer is on, checked; refusals say why. */
async function volunteersCall(ctx: ServerContext, member: Member, callId: string): Promise<void> {
  const call = await requireCall(ctx.db, callId);
  if (call.endedAt || call.status !== 'answered') throw conflict('this call is not connected');
  if (call.answeredBy !== member.userId) throw forbidden('this call was answered by someone else');
}

/** `GET /api/calls/:id/supervision/request`: the volunteer's browser learns of a listener (and the setting). */
export async function supervisionRequest(
  ctx: ServerContext,
  member: Member,
  callId: string,
): Promise<SupervisionRequestResponse> {
  const call = await requireCall(ctx.db, callId);
  const on = await enabled(ctx);
  // A call that ended or was handed on while the card was still asking: nothing to show, not an error.
  if (call.endedAt || call.status !== 'answered' || call.answeredBy !== member.userId)
    return { enabled: on, offer: null, listening: false, iceServers: iceServers(ctx) };
  const supervision = on ? await liveSupervision(ctx, callId) : null;
  const mine = supervision?.volunteer === member.userId ? supervision : null;
  return {
    enabled: on,
    // Listening through the provider has no offer for this browser to answer.
    offer: mine && !mine.answer && mine.offer ? mine.offer : null,
    listening: mine !== null,
    iceServers: iceServers(ctx),
  };
}

/** `POST /api/calls/:id/supervision/answer {sdp}`: the volunteer's browser sends both voices to the admin. */
export async function answerSupervision(
  ctx: ServerContext,
  member: Member,
  callId: string,
  sdp: string,
): Promise<void> {
  await volunteersCall(ctx, member, callId);
  if (!(await liveSupervision(ctx, callId)) || !ctx.telephony.supervisions.answer(callId, member.userId, sdp))
    throw conflict("no admin is waiting for this call's audio");
}
