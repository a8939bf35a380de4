import { randomUUID } from 'node:crypto';
import type { TelephonyProvider } from '@llamenos/protocol';
import { appendAuditInTx } from '../audit/service.js';
import type { ServerContext } from '../http/context.js';
import { reachOf } from '../identity/lookup.js';
import { openPhone } from '../identity/phone.js';
import { eligibleVolunteers } from '../shifts/views.js';
import type { Telephony } from '../telephony/provider.js';
import { webhookUrl } from './documents.js';
import {
  busyUserIds,
  type CallRow,
  type CallsTable,
  callFromRow,
  cancelUnwantedLeg,
  failPendingLegs,
  findCall,
  insertLegs,
  type LegKind,
  type LegRow,
  recordPlacedLeg,
} from './store.js';
import { announce, callSettings, connectsBrowsers, controlAdapter, errorInfo } from './wiring.js';

/**
 * Ringing: every eligible volunteer at once. The call moves queued → ringing and its leg rows
 * are written in one transaction; only then are provider requests sent, in parallel, each on
 * its own (one volunteer's carrier failing must not keep the others' phones silent).
 */

/** Provider limits on how long a leg may ring. */
const MIN_RING_SECONDS = 5;
const MAX_RING_SECONDS = 600;

interface Target {
  userId: string;
  kind: LegKind;
  phoneEnc: string | null;
}

export async function startRinging(ctx: ServerContext, callId: string): Promise<void> {
  const now = ctx.now();
  const claimed = await claimForRinging(ctx, callId, now);
  if (!claimed) return;
  const { call, legs, targets, unreachable } = claimed;
  if (unreachable)
    ctx.log.warn(
      { callId, unreachable, provider: call.provider },
      'eligible volunteers with no way to ring them (no phone, or browser calling with a provider that cannot connect browsers)',
    );
  if (!legs.length) ctx.log.warn({ callId }, 'nobody to ring; the call goes to voicemail at its deadline');

  await announce(ctx, {
    type: 'call:ring',
    callId,
    ...(call.callerLast4 ? { callerLast4: call.callerLast4 } : {}),
    startedAt: call.createdAt.toISOString(),
  });
  await ringPhones(ctx, call, legs, targets, now);
}

/**
 * In one transaction: queued → ringing (only one process wins), the eligible volunteers' legs
 * and the audit entry. Null when the call was not queued any more.
 */
async function claimForRinging(ctx: ServerContext, callId: string, now: Date) {
  const settings = await callSettings(ctx);
  return ctx.db.transaction(async (tx) => {
    const [row] = await tx.query<CallsTable>(
      `update calls set status = 'ringing', updated_at = $2 where id = $1 and status = 'queued' returning *`,
      [callId, now],
    );
    if (!row) return null; // another process started ringing, or the caller is gone
    const call = callFromRow(row);
    const busy = await busyUserIds(tx);
    const eligible = await eligibleVolunteers(ctx, now, busy, tx);
    const { targets, unreachable } = targetsOf(await reachOf(tx, eligible.userIds), call.provider);
    const deadline =
      call.queueDeadline ?? new Date(now.getTime() + settings.calls.queueTimeoutSeconds * 1000);
    const legs = await insertLegs(
      tx,
      call.id,
      targets.map((t) => ({
        id: randomUUID(),
        userId: t.userId,
        kind: t.kind,
        status: t.kind === 'phone' ? 'pending' : 'ringing',
      })),
      deadline,
      now,
    );
    await appendAuditInTx(
      tx,
      {
        action: 'calls.ringing',
        target: `call:${call.id}`,
        details: {
          callId: call.id,
          legs: legs.length,
          phoneLegs: legs.filter((l) => l.kind === 'phone').length,
          browserLegs: legs.filter((l) => l.kind === 'browser').length,
          source: eligible.source,
        },
      },
      now,
    );
    return { call, legs, targets, unreachable };
  });
}

/** Each volunteer's legs by their call preference; `unreachable` counts those with none. */
function targetsOf(
  users: Awaited<ReturnType<typeof reachOf>>,
  provider: string,
): { targets: Target[]; unreachable: number } {
  const targets: Target[] = [];
  let unreachable = 0;
  for (const u of users) {
    const phone = (u.callPreference === 'phone' || u.callPreference === 'both') && u.phoneEnc;
    const browser =
      (u.callPreference === 'browser' || u.callPreference === 'both') && connectsBrowsers(provider);
    if (phone) targets.push({ userId: u.id, kind: 'phone', phoneEnc: u.phoneEnc });
    if (browser) targets.push({ userId: u.id, kind: 'browser', phoneEnc: null });
    if (!phone && !browser) unreachable += 1;
  }
  return { targets, unreachable };
}

/** The phone legs' provider requests, in parallel; without a provider they all fail at once. */
async function ringPhones(
  ctx: ServerContext,
  call: CallRow,
  legs: readonly LegRow[],
  targets: readonly Target[],
  now: Date,
): Promise<void> {
  const phoneLegs = legs.filter((l) => l.kind === 'phone');
  if (!phoneLegs.length) return;
  let adapter: Telephony;
  try {
    adapter = await controlAdapter(ctx, call.provider as TelephonyProvider);
  } catch (error) {
    ctx.log.error({ callId: call.id, err: errorInfo(error) }, 'provider unavailable; no phone can ring');
    await failPendingLegs(ctx.db, { callId: call.id }, now);
    return;
  }
  const secondsLeft = Math.round(((call.queueDeadline?.getTime() ?? now.getTime()) - now.getTime()) / 1000);
  const timeoutSeconds = Math.min(MAX_RING_SECONDS, Math.max(MIN_RING_SECONDS, secondsLeft));
  const phoneOf = new Map(targets.filter((t) => t.phoneEnc).map((t) => [t.userId, t.phoneEnc!]));
  await Promise.allSettled(
    phoneLegs.map((leg) =>
      placeLeg(ctx, adapter, call.hotlineNumber, leg, phoneOf.get(leg.userId!)!, timeoutSeconds),
    ),
  );
}

/** One volunteer's leg: the provider request, then a check that the call still wants it. */
async function placeLeg(
  ctx: ServerContext,
  adapter: Telephony,
  hotlineNumber: string,
  leg: LegRow,
  phoneEnc: string,
  timeoutSeconds: number,
): Promise<void> {
  const p = adapter.provider;
  let legId: string;
  try {
    // Legs being placed were just inserted for a live call: their user is set (null only once sealed).
    const to = openPhone(ctx.keys.settingsKey, 'users', leg.userId!, phoneEnc);
    ({ legId } = await adapter.createVolunteerLeg({
      to,
      from: hotlineNumber,
      answerUrl: webhookUrl(ctx, p, 'screen', { call: leg.callId, leg: leg.id }),
      statusUrl: webhookUrl(ctx, p, 'leg-status', { call: leg.callId, leg: leg.id }),
      timeoutSeconds,
    }));
  } catch (error) {
    await failPendingLegs(ctx.db, { legId: leg.id }, ctx.now());
    ctx.log.warn(
      { callId: leg.callId, legId: leg.id, err: errorInfo(error) },
      'a volunteer leg could not be placed',
    );
    return;
  }
  const placedStatus = await recordPlacedLeg(ctx.db, leg.id, legId);
  // The call may have been answered, or ended, while the request was in flight: the leg was
  // then closed in the database without a provider id to cancel, so cancel it now.
  const call = await findCall(ctx.db, leg.callId);
  const stillWanted =
    call?.answeredLegId === leg.id || (call?.status === 'ringing' && placedStatus !== 'canceled');
  if (!stillWanted) {
    await cancelUnwantedLeg(ctx.db, leg.id, ctx.now());
    try {
      await adapter.cancelLeg(legId);
    } catch (error) {
      ctx.log.warn(
        { callId: leg.callId, legId: leg.id, err: errorInfo(error) },
        'late leg could not be cancelled',
      );
    }
  }
}
