import type { CallControlsResponse, TelephonyProvider } from '@llamenos/protocol';
import type { Member } from '../domain/actor.js';
import { conflict, DomainError, forbidden } from '../domain/errors.js';
import type { ServerContext } from '../http/context.js';
import { TelephonyError, TelephonyInputError } from '../telephony/errors.js';
import type { ConnectedCall, ConnectedCallControl } from '../telephony/provider.js';
import { queueName, say, webhookUrl } from './documents.js';
import { holdMusicFor } from './hold-music/routes.js';
import { type CallRow, findLeg, requireCall } from './store.js';
import { callSettings, controlAdapter, errorInfo } from './wiring.js';

/**
 * Hold and hand-over on calls carried by a telephony provider (docs/CALLS.md, "Call controls on
 * provider calls"): the rules (who may, compare-and-set, audit) are the browser path's
 * (webrtc-signalling.ts holdCall, transfer.ts); the audio is moved by the adapter's
 * `connectedCalls` (telephony/provider.ts ConnectedCallControl), which only some providers have.
 */

/** The provider's audio steering for `call`, or null when its adapter has none (or is unavailable). */
export async function connectedCallControl(
  ctx: ServerContext,
  call: CallRow,
): Promise<ConnectedCallControl | null> {
  if (call.training || call.provider === 'simulator') return null;
  try {
    return (await controlAdapter(ctx, call.provider as TelephonyProvider)).connectedCalls ?? null;
  } catch {
    return null;
  }
}

/** The call as its provider knows it: the caller's leg and the answering volunteer's, both placed there. */
export async function connectedCallOf(ctx: ServerContext, call: CallRow): Promise<ConnectedCall> {
  const leg = call.answeredLegId ? await findLeg(ctx.db, call.answeredLegId) : null;
  if (!leg?.providerLegId || leg.status !== 'in-progress')
    throw conflict('this call is not connected through the provider');
  return {
    callerLegId: call.providerCallId,
    volunteerLegId: leg.providerLegId,
    queue: queueName(call.id),
    // A held caller hears what a waiting one does (Twilio fetches it as the participant's HoldUrl).
    holdUrl: webhookUrl(ctx, call.provider, 'wait', { call: call.id }),
    holdPrompt: say(call.language, 'stillWaiting'),
    // …and the hold music after it, for providers that loop a file (Vonage's musicOnHoldUrl).
    holdAudioUrl: holdMusicFor(ctx, await callSettings(ctx)),
    // Where a leg moved within the call fetches its document (Plivo; calls/conference-join.ts).
    joinUrl: webhookUrl(ctx, call.provider, 'join', { call: call.id }),
  };
}

/**
 * Hold or resume at the provider; null when the provider cannot (the route answers 409). The
 * caller hears the provider's hold audio and the volunteer nothing, until resumed.
 */
export async function holdAtProvider(
  ctx: ServerContext,
  call: CallRow,
  onHold: boolean,
): Promise<{ onHold: boolean; changed: boolean } | null> {
  const control = await connectedCallControl(ctx, call);
  if (!control) return null;
  const connected = await connectedCallOf(ctx, call);
  return atProvider(ctx, call.id, 'hold', () => control.holdCaller(connected, onHold));
}

/**
 * A provider operation on a live call from a route: a refusal about the call's state is a 409,
 * a provider that failed or did not answer a 503 (logged, masked), never a 500.
 */
export async function atProvider<T>(
  ctx: ServerContext,
  callId: string,
  what: string,
  work: () => Promise<T>,
): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (!(error instanceof TelephonyError)) throw error;
    ctx.log.warn({ callId, what, err: errorInfo(error) }, 'call control at the provider failed');
    if (error instanceof TelephonyInputError) throw conflict(`the call could not be changed (${what})`);
    throw new DomainError('unavailable', `the phone provider did not carry out the ${what}; try again`);
  }
}

/**
 * `GET /api/calls/:id/controls`: what the active-call card offers the volunteer on this call.
 * The simulated carrier moves browser audio itself (hold, cold and warm transfer); a provider
 * with audio steering holds and hands over, cold or warm (to a browser, so only where it rings
 * browsers); a training call and other providers offer none.
 */
export async function callControlsFor(
  ctx: ServerContext,
  member: Member,
  callId: string,
): Promise<CallControlsResponse> {
  const call = await requireCall(ctx.db, callId);
  if (call.answeredBy !== member.userId) throw forbidden('this call was answered by someone else');
  const none = { hold: false, transfer: false, warmTransfer: false };
  if (call.endedAt || call.status !== 'answered' || call.training) return none;
  if (call.provider in ctx.telephony.browserAudio) return { hold: true, transfer: true, warmTransfer: true };
  if (!(await connectedCallControl(ctx, call))) return none;
  const ringsBrowsers = (await controlAdapter(ctx, call.provider as TelephonyProvider)).ringsBrowsers;
  // Warm: the two volunteers talk browser to browser (warm-transfer.ts) while the provider holds
  // the caller; the hand-over then rings the colleague's browser phone as a cold transfer does.
  return { hold: true, transfer: ringsBrowsers, warmTransfer: ringsBrowsers };
}
