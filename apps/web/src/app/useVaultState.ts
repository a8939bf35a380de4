import { useEffect, useSyncExternalStore } from 'react';
import { callLock } from '../lib/calls/call-lock.js';
import { onVaultChange, readVault, unlockedSecretKey } from '../lib/vault.js';

export type VaultState = 'none' | 'locked' | 'unlocked';

function snapshot(): VaultState {
  if (unlockedSecretKey()) return 'unlocked';
  return readVault() ? 'locked' : 'none';
}

export const useVaultState = (): VaultState => useSyncExternalStore(onVaultChange, snapshot);

const ACTIVITY = ['pointerdown', 'keydown', 'wheel', 'touchstart'] as const;

/**
 * Locks the vault after `minutes` without keyboard, pointer or touch activity. Time on a call
 * is not idleness (the volunteer is listening): the timer then starts again.
 */
export function useIdleLock(active: boolean, minutes: number): void {
  useEffect(() => {
    if (!active) return;
    let timer: ReturnType<typeof setTimeout>;
    const reset = () => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        if (!callLock.idleExpired()) reset();
      }, minutes * 60_000);
    };
    reset();
    for (const e of ACTIVITY) addEventListener(e, reset, { passive: true });
    return () => {
      clearTimeout(timer);
      for (const e of ACTIVITY) removeEventListener(e, reset);
    };
  }, [active, minutes]);
}

/** Ctrl+Alt+Shift+W opens the wipe confirmation from any screen, locked or not (hard to press by accident). */
export function usePanicShortcut(openWipe: () => void): void {
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.ctrlKey && e.altKey && e.shiftKey && e.key.toLowerCase() === 'w') {
        e.preventDefault();
        openWipe();
      }
    };
    addEventListener('keydown', onKey);
    return () => removeEventListener('keydown', onKey);
  }, [openWipe]);
}
