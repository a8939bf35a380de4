import { randomUUID } from 'node:crypto';
import type { TelephonyProvider } from '@llamenos/protocol';
import { auditActionInTx } from '../audit/service.js';
import type { Member } from '../domain/actor.js';
import { conflict } from '../domain/errors.js';
import type { ServerContext } from '../http/context.js';
import { pubkeyOf } from '../identity/lookup.js';
import { browserIdentityOf } from '../telephony/browser/identity.js';
import { TelephonyInputError } from '../telephony/errors.js';
import type { ConnectedCallControl, VolunteerLegRequest } from '../telephony/provider.js';
import { webhookUrl } from './documents.js';
import { atProvider, connectedCallOf } from './hold-provider.js';
import { bindProviderLeg, type CallRow, type CallsTable, findCall, insertLegs } from './store.js';
import { announce, controlAdapter, errorInfo } from './wiring.js';

/**
 * Cold transfer of a call carried by a provider that can steer its audio (Asterisk, Twilio;
 * docs/CALLS.md, "Call controls on provider calls"). The rules are the browser path's
 * (transfer.ts): the colleague is on shift, free and answers in the browser, and the call
 * changes hands with the compare-and-set on `answered_by`, audited `calls.transferred`. What
 * differs is the audio: the caller goes on hold, the colleague's browser phone rings as a leg of
 * its own (a `call_legs` row, so their hang-up ends the call as any answering leg's does), and
 * only once they pick up does the call change hands; then the provider connects the caller to
 * them and hangs up the first volunteer. Nobody picks up within HANDOVER_RING_SECONDS: the
 * caller comes off hold, back with the first volunteer, and the request answers 409.
 *
 * Only browser phones are rung: a phone's voicemail could pick up, and a hand-over has no
 * "press 1" screening (the call is already answered; the leg is not a race).
 */

/** How long the colleague's browser rings before the caller goes back to the first volunteer. */
export const HANDOVER_RING_SECONDS = 25;

/**
 * Why a hand-over nobody took ended, as `details.reason` of the 409 (the app words it,
 * components/TransferError.tsx): the colleague did not pick up (the caller is back with the
 * first volunteer), or the caller hung up while the colleague's browser rang.
 */
export type HandOverRefusal = 'not-picked-up' | 'caller-hung-up';
const refusal = (reason: HandOverRefusal, message: string) => conflict(message, { reason });

/** The colleague's browser leg, pending, ringing until HANDOVER_RING_SECONDS from now; its id. */
async function insertHandOverLeg(ctx: ServerContext, callId: string, to: string): Promise<string> {
  const now = ctx.now();
  const [leg] = await insertLegs(
    ctx.db,
    [
      {
        id: randomUUID(),
        callId,
        userId: to,
        kind: 'browser',
        status: 'pending',
        ringDeadline: new Date(now.getTime() + HANDOVER_RING_SECONDS * 1000),
      },
    ],
    now,
  );
  return leg!.id;
}

/** What the provider rings for the colleague: their browser, called back on the hand-over leg's URLs. */
function handOverLegRequest(
  ctx: ServerContext,
  call: CallRow,
  to: string,
  legId: string,
): VolunteerLegRequest {
  return {
    to: '',
    browser: browserIdentityOf(ctx.config.serverSecret, to),
    from: call.hotlineNumber,
    // ARI reports the leg by events; a Twilio participant (a SignalWire leg, which carries
    // its own document) tells its ringing and end (not its pickup) to the status URL.
    answerUrl: webhookUrl(ctx, call.provider, 'screen', { call: call.id, leg: legId }),
    statusUrl: webhookUrl(ctx, call.provider, 'leg-status', { call: call.id, leg: legId }),
    timeoutSeconds: HANDOVER_RING_SECONDS,
  };
}

export async function handOverAtProvider(
  ctx: ServerContext,
  member: Member,
  call: CallRow,
  to: string,
  control: ConnectedCallControl,
): Promise<void> {
  const adapter = await controlAdapter(ctx, call.provider as TelephonyProvider);
  if (!adapter.ringsBrowsers)
    throw conflict("this provider cannot ring your colleague's browser (browser calling is not set up)");
  const connected = await connectedCallOf(ctx, call);
  const fromLegId = call.answeredLegId!;
  // One hand-over at a time: a second (another tab, a double click) would take the caller off
  // hold when it gives up while the first still rings.
  if (await handOverRinging(ctx, call.id, fromLegId))
    throw conflict('a colleague is already being rung for this call');
  const legId = await insertHandOverLeg(ctx, call.id, to);
  let providerLegId: string | null = null;
  /** The colleague's leg ends and the caller comes back to the first volunteer: whether they could. */
  const giveUp = async (): Promise<boolean> => {
    await closeHandOverLeg(ctx, legId);
    if (providerLegId)
      await adapter.cancelLeg(providerLegId).catch((error: unknown) => {
        ctx.log.warn({ callId: call.id, err: errorInfo(error) }, 'hand-over leg not hung up');
      });
    try {
      await control.holdCaller(connected, false);
      return true;
    } catch (error) {
      // Refused: the caller's call is not connected at the provider any more (they hung up).
      if (error instanceof TelephonyInputError) return false;
      ctx.log.warn({ callId: call.id, err: errorInfo(error) }, 'caller not taken off hold after a hand-over');
      return true;
    }
  };
  let pickedUp: boolean;
  try {
    await atProvider(ctx, call.id, 'hold', () => control.holdCaller(connected, true));
    ({ legId: providerLegId } = await atProvider(ctx, call.id, 'transfer', () =>
      control.ringHandOverLeg(handOverLegRequest(ctx, call, to, legId), connected),
    ));
    await bindProviderLeg(ctx.db, legId, providerLegId);
    // The colleague's app learns that the ringing in their browser phone is a hand-over (ids only).
    const toPubkey = await pubkeyOf(ctx.db, to);
    if (toPubkey) await announce(ctx, { type: 'call:transfer-invite', callId: call.id, to: toPubkey });
    const ringing = providerLegId;
    pickedUp = await atProvider(ctx, call.id, 'transfer', () =>
      control.handOverAnswered(ringing, HANDOVER_RING_SECONDS * 1000, connected),
    );
  } catch (error) {
    await giveUp();
    throw error;
  }
  if (!pickedUp) {
    // The caller hanging up ends the ringing too: say so rather than "did not pick up".
    const callerBack = (await giveUp()) && !(await findCall(ctx.db, call.id))?.endedAt;
    throw callerBack
      ? refusal('not-picked-up', 'your colleague did not pick up; the caller is back with you')
      : refusal('caller-hung-up', 'the caller hung up before your colleague picked up');
  }
  const moved = await changeHands(ctx, member, call.id, { fromLegId, to, toLegId: legId });
  if (!moved) {
    await giveUp();
    throw conflict('the call changed meanwhile; it was not transferred');
  }
  try {
    await control.handOver(connected, providerLegId);
  } catch (error) {
    // The call is the colleague's now; the caller is in the provider's hands (the first
    // volunteer's leg is already closed here). Logged: an operator can see it.
    ctx.log.error({ callId: call.id, err: errorInfo(error) }, 'caller not connected to the colleague');
  }
  const pubkey = await pubkeyOf(ctx.db, to);
  if (pubkey) await announce(ctx, { type: 'call:answered', callId: call.id, answeredBy: pubkey });
}

/**
 * The compare-and-set: the call is still the first volunteer's, on the same leg, and live; it
 * becomes the colleague's on their leg (so their hang-up ends it, end.ts), the first leg is
 * completed and the new one live, audited `calls.transferred`. False when it moved meanwhile.
 */
async function changeHands(
  ctx: ServerContext,
  member: Member,
  callId: string,
  hand: { fromLegId: string; to: string; toLegId: string },
): Promise<boolean> {
  const now = ctx.now();
  return ctx.db.transaction(async (tx) => {
    const [row] = await tx.query<CallsTable>(
      `update calls set answered_by = $3, answered_leg_id = $5, updated_at = $6
        where id = $1 and answered_by = $2 and answered_leg_id = $4 and status = 'answered' and ended_at is null
        returning *`,
      [callId, member.userId, hand.to, hand.fromLegId, hand.toLegId, now],
    );
    if (!row) return false;
    await tx.query(
      `update call_legs set status = case when id = $2 then 'completed' else 'in-progress' end,
          ended_at = case when id = $2 then $4::timestamptz else ended_at end
        where call_id = $1 and id in ($2, $3) and status in ('pending', 'queued', 'ringing', 'in-progress')`,
      [callId, hand.fromLegId, hand.toLegId, now],
    );
    await auditActionInTx(tx, member, now, {
      action: 'calls.transferred',
      target: `call:${callId}`,
      details: { callId, from: member.userId, to: hand.to },
    });
    return true;
  });
}

/** A hand-over leg nobody took: closed, so its volunteer is free (the provider's end of it is hung up). */
async function closeHandOverLeg(ctx: ServerContext, legId: string): Promise<void> {
  await ctx.db.query(
    `update call_legs set status = 'canceled', ended_at = $2
      where id = $1 and status in ('pending', 'queued', 'ringing', 'in-progress')`,
    [legId, ctx.now()],
  );
}

/** Whether a leg other than the answering one is live on this answered call: a hand-over ringing. */
async function handOverRinging(ctx: ServerContext, callId: string, answeredLegId: string): Promise<boolean> {
  const rows = await ctx.db.query(
    `select 1 from call_legs where call_id = $1 and id <> $2
        and status in ('pending', 'queued', 'ringing', 'in-progress') limit 1`,
    [callId, answeredLegId],
  );
  return rows.length > 0;
}
