import type { PresenceStatus } from '@llamenos/protocol';

/** Heartbeat: a member's presence is re-announced this often, so others can expire it if they stop hearing it. */
export const HEARTBEAT_MS = 30_000;
/** After hearing a member arrive, announce ourselves within this (random), so they learn who is here now… */
export const WELCOME_JITTER_MS = 2_000;
/** …but at most once per this, however many arrive: a reconnection storm must not become an echo storm. */
export const WELCOME_MIN_INTERVAL_MS = 10_000;

export type OwnStatus = Extract<PresenceStatus, 'available' | 'on-break' | 'on-call'>;

/** On a call beats on a break beats available. */
export const ownStatus = (state: { onBreak: boolean; onCall: boolean }): OwnStatus =>
  state.onCall ? 'on-call' : state.onBreak ? 'on-break' : 'available';
