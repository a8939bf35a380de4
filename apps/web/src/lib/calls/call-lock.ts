import { useSyncExternalStore } from 'react';
import { lockVault } from '../vault.js';
import { callsState, onCallsChange } from './store.js';

/**
 * Locking while on a call. Locking forgets the key, and every request (End call included) is
 * signed with it, so a device locked mid-call would hide the call and leave the volunteer
 * unable to end it here. A hotline keeps the call in reach: Lock pressed during a call locks
 * as soon as the call ends (the call card says so, and it can be called off), and the idle
 * lock does not count a call as idleness (someone listening touches nothing for minutes).
 * The panic wipe is not deferred: it is for when the screen must go now.
 */
export interface CallLockDeps {
  onCall: () => boolean;
  lock: () => void;
  onCallsChange: (listener: () => void) => () => void;
}

export interface CallAwareLock {
  /** Lock now, or once the current call ends. */
  request: () => 'locked' | 'deferred';
  /** The member called off the lock that waited for the call's end. */
  cancel: () => void;
  /** The idle timer ran out: locks unless on a call; false means "not locked, start the timer again". */
  idleExpired: () => boolean;
  pending: () => boolean;
  subscribe: (listener: () => void) => () => void;
}

export function createCallAwareLock(deps: CallLockDeps): CallAwareLock {
  let pending = false;
  let stopWatching: (() => void) | null = null;
  const listeners = new Set<() => void>();
  const changed = () => {
    for (const l of [...listeners]) l();
  };
  const settle = () => {
    pending = false;
    stopWatching?.();
    stopWatching = null;
  };
  const lockNow = () => {
    settle();
    deps.lock();
    changed();
  };
  return {
    request() {
      if (!deps.onCall()) {
        lockNow();
        return 'locked';
      }
      if (!pending) {
        pending = true;
        stopWatching = deps.onCallsChange(() => {
          if (pending && !deps.onCall()) lockNow();
        });
        changed();
      }
      return 'deferred';
    },
    cancel() {
      if (!pending) return;
      settle();
      changed();
    },
    idleExpired() {
      if (deps.onCall()) return false;
      lockNow();
      return true;
    },
    pending: () => pending,
    subscribe(listener) {
      listeners.add(listener);
      return () => {
        listeners.delete(listener);
      };
    },
  };
}

/** This tab's lock, aware of this tab's calls. */
export const callLock = createCallAwareLock({
  onCall: () => callsState().active !== null,
  lock: lockVault,
  onCallsChange,
});

/** True while a lock waits for the call to end. */
export const useLockAfterCall = (): boolean => useSyncExternalStore(callLock.subscribe, callLock.pending);
