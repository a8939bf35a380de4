import { randomUUID } from 'node:crypto';
import type { TelephonyProvider } from '@llamenos/protocol';
import type { AuditInput } from '../audit/service.js';
import type { Queryable } from '../db/database.js';
import type { ServerContext } from '../http/context.js';
import { openPhone } from '../identity/phone.js';
import type { SubscriptionRow } from '../push/store.js';
import { cachedSettings } from '../settings/cache.js';
import type { OnShift } from '../shifts/on-shift.js';
import { eligibleVolunteers, type Reach, scheduleWindow } from '../shifts/views.js';
import { browserIdentityOf } from '../telephony/browser/identity.js';
import type { Telephony } from '../telephony/provider.js';
import { type CallAuditGuesses, keepLegGuesses } from './audit-guesses.js';
import { webhookUrl } from './documents.js';
import { type LegWrites, legWrites } from './leg-writes.js';
import { allocate, type Offer } from './queue.js';
import {
  type CallRow,
  failPendingLegs,
  insertRoundLegs,
  type LegKind,
  type LegRow,
  takeQueueTurn,
} from './store.js';
import {
  announce,
  callSettings,
  connectsBrowsers,
  controlAdapter,
  errorInfo,
  inBackground,
} from './wiring.js';

/**
 * Ringing is a queue (an ACD): a volunteer rings for at most one call at a time, waiting callers
 * are served longest-waiting first, and whenever a volunteer is freed (a call answered, ended,
 * sent to voicemail, a leg refused) the queue runs again and offers them the next waiting call.
 * The rule of who gets which call is queue.ts; this file runs it.
 *
 * One round is one transaction holding the queue's turn (a row lock, store/legs.ts
 * takeQueueTurn), so the decision is the database's: two processes (or two rounds of one) never
 * offer one volunteer two calls, because the second round reads the first one's legs once it
 * has the turn. Provider requests are sent
 * after the commit, in parallel, each on its own (one volunteer's carrier failing must not keep
 * the others' phones silent). Within a process, rounds asked for while one runs are folded into
 * one more round after it: the queue's state is read whole each time.
 */

/** How many waiting calls one round looks at (the oldest). */
const QUEUE_WINDOW = 200;

/** Provider limits on how long a leg may ring. */
const MIN_RING_SECONDS = 5;
const MAX_RING_SECONDS = 600;

interface Target {
  userId: string;
  kind: LegKind;
  phoneEnc: string | null;
  /**
   * Placed by a provider request (a phone, or a browser the provider's SDK rings): pending until
   * the provider has it. Otherwise a browser the app itself rings (the simulated carrier): the
   * leg rings from the start and is answered in the app.
   */
  placed: boolean;
}

/**
 * How a provider reaches a volunteer's browser: the app rings it and connects it itself (the
 * simulated carrier, calls/browser.ts), the provider rings it as a leg through its browser SDK
 * (adapters with `ringsBrowsers`), or not at all.
 */
type BrowserReach = 'app' | 'provider' | null;

/** Per-process queue state: the round running, and whether another was asked for meanwhile. */
export interface CallQueueState {
  running: Promise<void> | null;
  again: boolean;
  /** The legs' writes gathered into shared statements (leg-writes.ts), made on first use. */
  legWrites: LegWrites | null;
  /**
   * The providers of the calls the last round found waiting: how each reaches browsers is asked
   * before the next round's transaction (it may read stored credentials), made on first use.
   */
  providers?: Set<string>;
  /**
   * Legs whose cancel has reached the provider, to release in the next round's first statement
   * (their volunteers may ring again), made on first use.
   */
  released?: Set<string>;
  /** What the claim's and the end's audit entries are written from ahead (audit-guesses.ts), made on first use. */
  auditGuesses?: CallAuditGuesses;
}

/**
 * Runs the queue: offers free volunteers to waiting calls. Resolves when a round that started
 * after this call has finished; concurrent requests share rounds.
 */
export function runQueue(ctx: ServerContext): Promise<void> {
  const q = ctx.callQueue;
  q.again = true;
  if (q.running) return q.running;
  q.running = (async () => {
    try {
      while (q.again) {
        q.again = false;
        await queueRound(ctx);
      }
    } finally {
      q.running = null;
    }
  })();
  return q.running;
}

/** Runs the queue in the background (a webhook must not wait for it); failures are logged. */
export function requeue(ctx: ServerContext): void {
  inBackground(ctx, 'queue', () => runQueue(ctx));
}

/**
 * Legs whose cancel has reached the provider (or failed for good): their volunteers may ring
 * again. They are released by the next round of this process, in its first statement
 * (store/legs.ts takeQueueTurn), instead of in a statement of their own. A call
 * answered or ended runs that round at once (answer.ts, end.ts); a leg that was not wanted or
 * not placed waits for the next round, at the latest the call timers' tick, which runs one
 * while any release is pending (timers.ts): until then it counts as still ringing, the safe side.
 */
export function releaseInNextRound(ctx: ServerContext, legIds: readonly string[]): void {
  ctx.callQueue.released ??= new Set();
  for (const id of legIds) ctx.callQueue.released.add(id);
}

/** Whether legs wait for the next round to release them (releaseInNextRound). */
export const releasesPending = (ctx: ServerContext): boolean => (ctx.callQueue.released?.size ?? 0) > 0;

interface RoundOffer {
  call: CallRow;
  legs: LegRow[];
  targets: Target[];
  /** The Web Push subscriptions of the volunteers rung, read with the legs. */
  subscriptions: SubscriptionRow[];
}

/** How often a round starts again when its calls name a provider not asked about before it. */
const MAX_PROVIDER_RETRIES = 2;

async function queueRound(ctx: ServerContext): Promise<void> {
  const now = ctx.now();
  ctx.callQueue.providers ??= new Set();
  const known = ctx.callQueue.providers;
  let offers: RoundOffer[] | null = null;
  for (let attempt = 0; ; attempt++) {
    // Asked before the transaction: building an adapter reads its stored credentials, and a
    // read for a pool connection inside a transaction can wait for ever when all are taken.
    // The providers are those of the last round's calls; a round whose calls name another
    // gives up its transaction and starts again with it asked.
    const browsers = new Map<string, BrowserReach>();
    for (const provider of known) browsers.set(provider, await browserReachOf(ctx, provider));
    const released = ctx.callQueue.released ?? new Set<string>();
    const releasing = [...released];
    released.clear();
    let planned: PlannedRound;
    try {
      planned = await ctx.db.transaction((tx) =>
        planRound(ctx, tx, now, browsers, attempt >= MAX_PROVIDER_RETRIES, releasing),
      );
    } catch (error) {
      // Not released: the next round tries again (and a leg releasing for 30 s counts free anyway).
      for (const id of releasing) released.add(id);
      throw error;
    }
    if (planned.providers) {
      known.clear();
      for (const provider of planned.providers) known.add(provider);
    }
    if (!planned.unknownProvider) {
      offers = planned.offers;
      break;
    }
  }
  for (const offer of offers ?? []) {
    const { call } = offer;
    const ring = async () => {
      await announce(ctx, {
        type: 'call:ring',
        callId: call.id,
        ...(call.callerLast4 ? { callerLast4: call.callerLast4 } : {}),
        startedAt: call.createdAt.toISOString(),
      });
      // Web Push wakes whom this round rang (their subscriptions came with the legs).
      if (offer.legs.length)
        ctx.events.emit('call:rung', { callId: call.id, subscriptions: offer.subscriptions });
    };
    // The notice is how a browser the app rings (the simulated carrier) learns of its call: then
    // it connects a caller and is sent at once. Otherwise it feeds the admins' boards, the cards
    // beside a ringing phone and Web Push: deferred while overloaded (admission.ts).
    if (offer.legs.some((l) => l.kind === 'browser' && l.status === 'ringing'))
      inBackground(ctx, 'ring', ring);
    else ctx.admission.defer(ctx, 'ring', ring);
    if (offer.legs.length)
      inBackground(ctx, 'ring', () => ringPlacedLegs(ctx, call, offer.legs, offer.targets, now));
  }
}

/** What a round's transaction decided (planRound). */
interface PlannedRound {
  /** The offers to ring once committed; null when nothing changed. */
  offers: RoundOffer[] | null;
  /** The providers of the calls found waiting (undefined when nobody waited). */
  providers?: string[];
  /** A waiting call's provider was not asked about before the transaction: nothing was done. */
  unknownProvider?: boolean;
}

/**
 * One round, in the caller's transaction: one statement releases the legs `released`, takes the
 * queue's turn when anyone waits (else nothing more) and reads who waits, who is free and
 * whether the schedule moved (store/legs.ts takeQueueTurn; read again after it when it had to
 * wait for another round); allocate (queue.ts), insert the new legs, move first-rung calls
 * queued → ringing with their audit entry. With a call of a provider `browsers` does not know, nothing
 * is done and the caller starts again with it (unless `lastTry`: then it rings no browser).
 */
async function planRound(
  ctx: ServerContext,
  tx: Queryable,
  now: Date,
  browsers: ReadonlyMap<string, BrowserReach>,
  lastTry: boolean,
  released: readonly string[],
): Promise<PlannedRound> {
  // The kept settings (settings/cache.ts): a reader in a transaction reads through it if stale.
  const { timeZone } = await cachedSettings(ctx, tx);
  const window = scheduleWindow(now, timeZone);
  const snapshot = await takeQueueTurn(tx, now, QUEUE_WINDOW, window, released);
  if (!snapshot) return { offers: null };
  const { waiting } = snapshot;
  const providers = [...new Set(waiting.map((c) => c.provider))];
  if (!waiting.length) return { offers: null, providers };
  if (!lastTry && providers.some((p) => !browsers.has(p)))
    return { offers: null, providers, unknownProvider: true };

  const { busy, live, refused } = snapshot.state;
  const eligible = await eligibleVolunteers(ctx, now, busy, tx, {
    ...window,
    fingerprint: snapshot.scheduleFingerprint,
  });
  const reach = new Map(eligible.reach.map((u) => [u.id, u]));
  // Who rings for what; a volunteer whose cancelled leg may still ring counts as ringing.
  const ringing = new Map<string, string>();
  for (const leg of live) if (!ringing.has(leg.userId)) ringing.set(leg.userId, leg.callId);
  const callById = new Map(waiting.map((c) => [c.id, c]));
  const targetsFor = (callId: string, userId: string): Target[] => {
    const user = reach.get(userId);
    const call = callById.get(callId);
    return user && call ? targetsOf([user], browsers.get(call.provider) ?? null).targets : [];
  };
  const plan = capParallelRing(
    allocate({
      waiting,
      volunteers: [...reach.keys()].filter((u) => !busy.has(u)),
      ringing,
      mayOffer: (callId, userId) =>
        !refused.has(`${callId} ${userId}`) && targetsFor(callId, userId).length > 0,
    }),
    ringing,
    ctx.admission.parallelRingCap(),
  );
  if (!plan.length && !waiting.some((c) => c.status === 'queued')) return { offers: null, providers };

  const settings = await callSettings(ctx, tx);
  const fallbackDeadline = new Date(now.getTime() + settings.calls.queueTimeoutSeconds * 1000);
  const targetsByCall = new Map<string, Target[]>();
  for (const o of plan)
    targetsByCall.set(o.callId, [...(targetsByCall.get(o.callId) ?? []), ...targetsFor(o.callId, o.userId)]);
  // Every queued call this round looked at is now in the queue (ringing, or waiting for a
  // volunteer to be freed), moved there with the legs' insert: its first round is audited
  // once, with how many it rang.
  const queued = waiting.filter((c) => c.status === 'queued');
  const newLegs = [...targetsByCall].flatMap(([callId, targets]) =>
    targets.map((t) => ({
      id: randomUUID(),
      callId,
      userId: t.userId,
      kind: t.kind,
      status: t.placed ? ('pending' as const) : ('ringing' as const),
      ringDeadline: callById.get(callId)!.queueDeadline ?? fallbackDeadline,
    })),
  );
  // The first rounds' audit entries ride the legs' insert (store/legs.ts insertRoundLegs).
  const { legs, pushSubscriptions } = await insertRoundLegs(
    tx,
    newLegs,
    now,
    queued.map((c) => c.id),
    {
      entries: firstRoundEntries(ctx, queued, newLegs, { source: eligible.source, reachable: reach.size }),
      head: ctx.caches.auditHead,
    },
  );
  keepLegGuesses(ctx, legs);
  return { offers: roundOffers(targetsByCall, callById, queued, legs, pushSubscriptions), providers };
}

/**
 * Each queued call's first round, audited with how many it rang (one entry per call, not per
 * leg: the call's detail page finds it by its target); one that rang nobody is logged.
 */
function firstRoundEntries(
  ctx: ServerContext,
  queued: readonly CallRow[],
  legs: readonly Pick<LegRow, 'callId' | 'kind'>[],
  eligible: { source: OnShift['source']; reachable: number },
): AuditInput[] {
  return queued.map((call) => {
    const callLegs = legs.filter((l) => l.callId === call.id);
    if (!callLegs.length)
      ctx.log.warn(
        { callId: call.id, reachable: eligible.reachable },
        'nobody free to ring; the call waits in the queue until a volunteer is freed or its deadline',
      );
    return {
      action: 'calls.ringing',
      target: `call:${call.id}`,
      details: {
        callId: call.id,
        legs: callLegs.length,
        phoneLegs: callLegs.filter((l) => l.kind === 'phone').length,
        browserLegs: callLegs.filter((l) => l.kind === 'browser').length,
        source: eligible.source,
      },
    };
  });
}

/** A round's offers to ring once committed: each call it rang, and each queued call it rang nobody for. */
function roundOffers(
  targetsByCall: ReadonlyMap<string, Target[]>,
  callById: ReadonlyMap<string, CallRow>,
  queued: readonly CallRow[],
  legs: readonly LegRow[],
  pushSubscriptions: ReadonlyMap<string, SubscriptionRow[]>,
): RoundOffer[] {
  const result: RoundOffer[] = [...targetsByCall].map(([callId, targets]) => ({
    call: { ...callById.get(callId)!, status: 'ringing' },
    legs: legs.filter((l) => l.callId === callId),
    targets,
    // Each volunteer once, though rung on a phone and in a browser.
    subscriptions: [...new Set(targets.map((t) => t.userId))].flatMap((u) => pushSubscriptions.get(u) ?? []),
  }));
  // A call that entered the queue with nobody free to ring is still announced (with no legs),
  // so admins' live boards show the caller waiting.
  for (const call of queued)
    if (!targetsByCall.has(call.id))
      result.push({ call: { ...call, status: 'ringing' }, legs: [], targets: [], subscriptions: [] });
  return result;
}

/**
 * Sheds parallel ring when the process is busy (admission.ts): at most `cap` volunteers ring for
 * one call, counting those already ringing. The queue's offers come silent calls first (one
 * volunteer each), so a call with nobody ringing always keeps its first offer: no waiting caller
 * is left with nobody ringing while others ring several. The volunteers left out stay free, and
 * the next round (at the latest the next timer tick) offers them once the load allows.
 */
export function capParallelRing(
  plan: readonly Offer[],
  ringing: ReadonlyMap<string, string>,
  cap: number,
): Offer[] {
  if (cap === Number.POSITIVE_INFINITY) return [...plan];
  const count = new Map<string, number>();
  for (const callId of ringing.values()) count.set(callId, (count.get(callId) ?? 0) + 1);
  return plan.filter((offer) => {
    const n = count.get(offer.callId) ?? 0;
    if (n >= Math.max(1, cap)) return false;
    count.set(offer.callId, n + 1);
    return true;
  });
}

/**
 * How `provider` reaches browsers this round. A provider whose adapter cannot be built (no
 * credentials, its event bridge down) rings no browser: its phone legs fail as they always did.
 */
async function browserReachOf(ctx: ServerContext, provider: string): Promise<BrowserReach> {
  if (connectsBrowsers(provider)) return 'app';
  try {
    return (await controlAdapter(ctx, provider as TelephonyProvider)).ringsBrowsers ? 'provider' : null;
  } catch {
    return null;
  }
}

/** Each volunteer's legs by their call preference; `unreachable` counts those with none. */
function targetsOf(
  users: readonly Reach[],
  browsers: BrowserReach,
): { targets: Target[]; unreachable: number } {
  const targets: Target[] = [];
  let unreachable = 0;
  for (const u of users) {
    const phone = (u.callPreference === 'phone' || u.callPreference === 'both') && u.phoneEnc;
    const browser = (u.callPreference === 'browser' || u.callPreference === 'both') && browsers !== null;
    if (phone) targets.push({ userId: u.id, kind: 'phone', phoneEnc: u.phoneEnc, placed: true });
    if (browser)
      targets.push({ userId: u.id, kind: 'browser', phoneEnc: null, placed: browsers === 'provider' });
    if (!phone && !browser) unreachable += 1;
  }
  return { targets, unreachable };
}

/**
 * The provider requests of the legs placed there (phones, and browsers the provider's SDK rings),
 * in parallel; without a provider they all fail at once. A browser the app rings needs none.
 */
async function ringPlacedLegs(
  ctx: ServerContext,
  call: CallRow,
  legs: readonly LegRow[],
  targets: readonly Target[],
  now: Date,
): Promise<void> {
  const placedLegs = legs.filter((l) => l.status === 'pending');
  if (!placedLegs.length) return;
  let adapter: Telephony;
  try {
    adapter = await controlAdapter(ctx, call.provider as TelephonyProvider);
  } catch (error) {
    ctx.log.error({ callId: call.id, err: errorInfo(error) }, 'provider unavailable; no phone can ring');
    await failPendingLegs(ctx.db, { callId: call.id }, now);
    releaseInNextRound(
      ctx,
      placedLegs.map((l) => l.id),
    );
    return;
  }
  const secondsLeft = Math.round(((call.queueDeadline?.getTime() ?? now.getTime()) - now.getTime()) / 1000);
  const timeoutSeconds = Math.min(MAX_RING_SECONDS, Math.max(MIN_RING_SECONDS, secondsLeft));
  const phoneOf = new Map(targets.filter((t) => t.phoneEnc).map((t) => [t.userId, t.phoneEnc!]));
  await Promise.allSettled(
    placedLegs.map((leg) =>
      placeLeg(ctx, adapter, call.hotlineNumber, leg, phoneOf.get(leg.userId!) ?? null, timeoutSeconds),
    ),
  );
}

/**
 * Where one leg rings: the volunteer's phone, or their browser by the identity the credential
 * route issues to it (browser/identity.ts, the same derivation, so nothing is stored).
 */
function destinationOf(
  ctx: ServerContext,
  leg: LegRow,
  phoneEnc: string | null,
): { to: string; browser?: string } {
  // Legs being placed were just inserted for a live call: their user is set (null only once sealed).
  const userId = leg.userId!;
  if (leg.kind === 'browser') return { to: '', browser: browserIdentityOf(ctx.config.serverSecret, userId) };
  if (!phoneEnc) throw new Error('a phone leg without a phone number');
  return { to: openPhone(ctx.keys.settingsKey, 'users', userId, phoneEnc) };
}

/** One volunteer's leg: the provider request, then a check that the call still wants it. */
async function placeLeg(
  ctx: ServerContext,
  adapter: Telephony,
  hotlineNumber: string,
  leg: LegRow,
  phoneEnc: string | null,
  timeoutSeconds: number,
): Promise<void> {
  const p = adapter.provider;
  let legId: string;
  try {
    ({ legId } = await adapter.createVolunteerLeg({
      ...destinationOf(ctx, leg, phoneEnc),
      from: hotlineNumber,
      answerUrl: webhookUrl(ctx, p, 'screen', { call: leg.callId, leg: leg.id }),
      statusUrl: webhookUrl(ctx, p, 'leg-status', { call: leg.callId, leg: leg.id }),
      timeoutSeconds,
    }));
  } catch (error) {
    await failPendingLegs(ctx.db, { legId: leg.id }, ctx.now());
    // Nothing rings: the volunteer is free from the next round on.
    releaseInNextRound(ctx, [leg.id]);
    ctx.log.warn(
      { callId: leg.callId, legId: leg.id, err: errorInfo(error) },
      'a volunteer leg could not be placed',
    );
    return;
  }
  // With the other legs placed meanwhile: their ids and their calls in one statement, which
  // closes a leg its call no longer wants.
  const { status: placedStatus, call } = await legWrites(ctx).placed.write({
    legId: leg.id,
    providerLegId: legId,
  });
  // The call may have been answered, or ended, while the request was in flight: the leg was
  // then closed in the database (by that write, or without a provider id to cancel by whoever
  // closed it), so cancel it at the provider now.
  const stillWanted =
    call?.answeredLegId === leg.id || (call?.status === 'ringing' && placedStatus !== 'canceled');
  if (!stillWanted) {
    if (placedStatus === 'canceled') legWrites(ctx).closed.add([leg.id]);
    try {
      await adapter.cancelLeg(legId);
    } catch (error) {
      ctx.log.warn(
        { callId: leg.callId, legId: leg.id, err: errorInfo(error) },
        'late leg could not be cancelled',
      );
    } finally {
      releaseInNextRound(ctx, [leg.id]);
    }
  }
}
