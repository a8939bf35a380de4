import { useSyncExternalStore } from 'react';

/**
 * A piece of module state the UI follows (the call's audio, a warm transfer, the training
 * caller): read it, merge a change into it (everyone following is told at once), follow it in a
 * component with useModuleState.
 */
export interface ModuleState<State> {
  get(): State;
  set(next: Partial<State>): void;
  subscribe(listener: () => void): () => void;
}

export function moduleState<State extends object>(initial: State): ModuleState<State> {
  let state = initial;
  const listeners = new Set<() => void>();
  return {
    get: () => state,
    set(next) {
      state = { ...state, ...next };
      for (const listener of [...listeners]) listener();
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

/** The module state's current value, rendered again whenever it changes. */
export const useModuleState = <State>(store: ModuleState<State>): State =>
  useSyncExternalStore(store.subscribe, store.get);
