import { useSyncExternalStore } from 'react';
import { api, useKey } from '../lib/api.js';
import { lockVault, onVaultChange, unlockedSecretKey } from '../lib/vault.js';

/** The signed-in member as the server describes them (GET /api/me). */
export interface Me {
  id: string;
  pubkey: string;
  displayName: string;
  roles: string[];
  permissions: string[];
  languages: string[];
  onBreak: boolean;
  callPreference: 'phone' | 'browser' | 'both';
  phoneLast4: string | null;
}

let me: Me | null = null;
const listeners = new Set<() => void>();
const emit = () => {
  for (const l of listeners) l();
};

// Whenever the vault locks, the API stops signing and the profile is forgotten.
onVaultChange(() => {
  const key = unlockedSecretKey();
  useKey(key);
  if (!key) {
    me = null;
    emit();
  }
});

/** Loads the profile with the unlocked key; call after unlock or registration. */
export async function loadMe(): Promise<Me> {
  me = await api<Me>('GET', '/api/me');
  emit();
  return me;
}

export function signOut(): void {
  lockVault();
}

export const useMe = (): Me | null =>
  useSyncExternalStore(
    (l) => {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    () => me,
  );

/** Same rule as the server's: exact permission, `domain:*`, or `*`. */
export function can(user: Me | null, permission: string): boolean {
  if (!user) return false;
  const domain = permission.split(':')[0];
  return user.permissions.some((g) => g === '*' || g === permission || g === `${domain}:*`);
}
