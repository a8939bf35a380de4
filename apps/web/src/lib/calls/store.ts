import type { CallView } from '@llamenos/protocol';
import { useSyncExternalStore } from 'react';
import { can, type Me } from '../../app/session.js';
import { ApiRequestError } from '../api/index.js';
import { onHubEvent, onResync, setOnCall } from '../realtime/index.js';
import { answerCall, banCaller, fetchActiveCalls, fetchOnShiftNow, hangUpCall } from './api.js';
import { closeAllCallNotifications, closeCallNotification } from './notify.js';
import { followProviderPhones, providerPhoneLink } from './provider-phone/link.js';
import { startRingtone, stopRingtone } from './ringtone.js';

/**
 * This tab's view of calls: what rings for the member, the call they are on, and the one
 * they just finished. Fed by hub events (call:ring / call:answered / call:ended) and, because
 * events missed while disconnected are never replayed, by GET /api/calls/active after every
 * (re)connection and now and then. Only the caller's last 4 digits are ever held.
 */

export interface RingingCall {
  id: string;
  callerLast4: string | null;
  createdAt: string;
  /** The telephony provider carrying it: with a provider's browser phone registered, Answer picks up its leg. */
  provider: string;
  /** A role-play call on the training line: the card says "Training call". */
  training?: true;
}

export type CallNotice = 'taken' | 'gone' | null;

/** A call that was ringing for this member and that a colleague answered: "Taken by <name>". */
export interface TakenCall {
  id: string;
  callerLast4: string | null;
  /** The colleague's display name, as the call:answered event carries it (null: not said). */
  by: string | null;
}

/** How long a taken call's card stays, saying who took it, before it goes. */
export const TAKEN_CARD_MS = 5_000;

export interface CallsState {
  ringing: RingingCall[];
  /** Calls that rang for this member and were just answered by someone else (for a few seconds). */
  taken: TakenCall[];
  active: CallView | null;
  /** The call this member was on and that ended, until dismissed (for "Write a note"). */
  ended: { id: string; callerLast4: string | null } | null;
  notice: CallNotice;
  busy: boolean;
  error: unknown;
}

const EMPTY: CallsState = {
  ringing: [],
  taken: [],
  active: null,
  ended: null,
  notice: null,
  busy: false,
  error: null,
};
let state: CallsState = EMPTY;
const listeners = new Set<() => void>();
/** Calls this tab knows are no longer ringing for it: a slow refresh must not bring them back. */
const settled = new Set<string>();
let me: Me | null = null;
let generation = 0;
const takenTimers = new Map<string, ReturnType<typeof setTimeout>>();
/**
 * Calls that stopped ringing for this tab a moment ago, and when: a refresh can drop a call
 * (its legs closed) just before the call:answered event that says who took it arrives.
 */
const recentlyRang = new Map<string, { call: RingingCall; until: number }>();
const RECENTLY_MS = 10_000;
const POLL_MS = 30_000;

function set(next: Partial<CallsState>): void {
  if (next.ringing) {
    const now = Date.now();
    for (const [id, r] of recentlyRang) if (r.until < now) recentlyRang.delete(id);
    for (const call of state.ringing)
      if (!next.ringing.some((c) => c.id === call.id))
        recentlyRang.set(call.id, { call, until: now + RECENTLY_MS });
  }
  state = { ...state, ...next };
  if (state.ringing.length) startRingtone();
  else stopRingtone();
  setOnCall(state.active !== null);
  for (const l of [...listeners]) l();
}

export const callsState = (): CallsState => state;
/** Calls `listener` on every change of this tab's calls; returns the unsubscribe function. */
export function onCallsChange(listener: () => void): () => void {
  listeners.add(listener);
  return () => {
    listeners.delete(listener);
  };
}
export const useCalls = (): CallsState => useSyncExternalStore(onCallsChange, () => state);

const toRinging = (c: CallView): RingingCall => ({
  id: c.id,
  callerLast4: c.callerLast4,
  createdAt: c.createdAt,
  provider: c.provider,
  ...(c.training ? { training: true as const } : {}),
});

function settle(callId: string): void {
  settled.add(callId);
  closeCallNotification(callId);
}

/** Re-reads the member's calls from the server. */
export async function refreshCalls(): Promise<void> {
  const member = me;
  if (!member) return;
  const mine = ++generation;
  try {
    const [active, onShift] = await Promise.all([
      fetchActiveCalls(),
      // Supervisors see every ringing call here; the card is for calls ringing for them only.
      can(member, 'calls:read-all') ? fetchOnShiftNow().catch(() => null) : Promise.resolve(null),
    ]);
    if (mine !== generation || me !== member) return;
    const forMe = !can(member, 'calls:read-all') || onShift?.includesMe === true;
    const ringing = forMe
      ? active.ringing.filter((c) => !settled.has(c.id) && c.id !== active.mine?.id).map(toRinging)
      : [];
    const endedNow = state.active && !active.mine ? state.active : null;
    if (endedNow) providerPhoneLink.end(endedNow.id);
    set({
      ringing,
      active: active.mine,
      ended: endedNow ? { id: endedNow.id, callerLast4: endedNow.callerLast4 } : state.ended,
    });
  } catch {
    // offline for a moment: the next event, resync or poll tries again
  }
}

function onRing(): void {
  void refreshCalls();
}

function onAnswered(callId: string, answeredBy: string, answeredByName: string | undefined): void {
  if (answeredBy !== me?.pubkey) {
    settle(callId);
    providerPhoneLink.end(callId);
    const rang = state.ringing.find((c) => c.id === callId) ?? recentlyRang.get(callId)?.call;
    recentlyRang.delete(callId);
    if (rang) {
      // The card stays a moment to say who took it, rather than vanishing mid-reach for Answer.
      const taken: TakenCall = { id: callId, callerLast4: rang.callerLast4, by: answeredByName ?? null };
      set({
        ringing: state.ringing.filter((c) => c.id !== callId),
        taken: [...state.taken.filter((c) => c.id !== callId), taken],
      });
      clearTimeout(takenTimers.get(callId));
      takenTimers.set(
        callId,
        setTimeout(() => {
          takenTimers.delete(callId);
          set({ taken: state.taken.filter((c) => c.id !== callId) });
        }, TAKEN_CARD_MS),
      );
    }
  }
  void refreshCalls();
}

function onEnded(callId: string): void {
  settle(callId);
  providerPhoneLink.end(callId);
  const next: Partial<CallsState> = { ringing: state.ringing.filter((c) => c.id !== callId) };
  if (state.active?.id === callId) {
    next.ended = { id: callId, callerLast4: state.active.callerLast4 };
    next.active = null;
  }
  set(next);
}

/** Starts following calls for `member`; returns the stop function. */
export function startCalls(member: Me): () => void {
  me = member;
  const offs = [
    onHubEvent('call:ring', onRing),
    onHubEvent('call:answered', (p) => onAnswered(p.callId, p.answeredBy, p.answeredByName)),
    onHubEvent('call:ended', (p) => onEnded(p.callId)),
    onHubEvent('shift:changed', onRing),
    onResync(() => void refreshCalls()),
  ];
  // A browser phone at the hotline's provider (Asterisk, Twilio, …) when the member answers in the browser.
  const stopPhones = followProviderPhones(member);
  const poll = setInterval(() => void refreshCalls(), POLL_MS);
  const onVisible = () => {
    if (document.visibilityState === 'visible') void refreshCalls();
  };
  document.addEventListener('visibilitychange', onVisible);
  void refreshCalls();
  return () => {
    for (const off of offs) off();
    stopPhones();
    clearInterval(poll);
    document.removeEventListener('visibilitychange', onVisible);
    me = null;
    generation += 1;
    closeAllCallNotifications();
    settled.clear();
    for (const timer of takenTimers.values()) clearTimeout(timer);
    takenTimers.clear();
    recentlyRang.clear();
    state = EMPTY;
    stopRingtone();
    setOnCall(false);
    for (const l of [...listeners]) l();
  };
}

export async function answer(callId: string): Promise<void> {
  set({ busy: true, error: null, notice: null });
  const ringing = state.ringing.find((c) => c.id === callId);
  if (ringing && providerPhoneLink.rings(ringing.provider)) {
    // The provider's browser leg rings this tab: picking it up enters the same first-pickup
    // compare-and-set as a phone; the hub's call:answered then opens the call card.
    try {
      if (await providerPhoneLink.answer(callId, ringing.provider)) {
        settle(callId);
        set({ busy: false, ringing: state.ringing.filter((c) => c.id !== callId) });
        void refreshCalls();
        return;
      }
    } catch {
      // The leg ended before it was picked up (a colleague was first, or the caller left).
      settle(callId);
      set({ busy: false, notice: 'gone', ringing: state.ringing.filter((c) => c.id !== callId) });
      return;
    }
    // No leg reached this tab: the app's answer route says why.
  }
  try {
    const call = await answerCall(callId);
    settle(callId);
    set({ busy: false, active: call, ended: null, ringing: state.ringing.filter((c) => c.id !== callId) });
  } catch (error) {
    if (error instanceof ApiRequestError && error.status === 409) {
      settle(callId);
      set({
        busy: false,
        notice: /another volunteer/.test(error.message) ? 'taken' : 'gone',
        ringing: state.ringing.filter((c) => c.id !== callId),
      });
    } else set({ busy: false, error });
  }
}

async function finish(work: () => Promise<unknown>): Promise<void> {
  const call = state.active;
  if (!call) return;
  set({ busy: true, error: null });
  // The provider's browser leg ends with the call, whatever the server answers.
  providerPhoneLink.end(call.id);
  try {
    await work();
  } catch (error) {
    // 409: it had ended already, which is what the member wanted.
    if (!(error instanceof ApiRequestError && error.status === 409)) {
      set({ busy: false, error });
      throw error;
    }
  }
  settle(call.id);
  set({ busy: false, active: null, ended: { id: call.id, callerLast4: call.callerLast4 } });
}

export const hangUp = (): Promise<void> => finish(() => hangUpCall(state.active!.id));
export const banAndHangUp = (reason: string): Promise<void> =>
  finish(() => banCaller(state.active!.id, reason));

export const dismissEnded = (): void => set({ ended: null });
export const dismissNotice = (): void => set({ notice: null, error: null });
