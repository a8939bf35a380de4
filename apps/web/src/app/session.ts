import { hasPermission, type Permission, type ProfileView } from '@llamenos/protocol';
import { useSyncExternalStore } from 'react';
// The API client's setters are not React hooks despite their names.
import { fetchMe, logout, useSession as sendSessionToken, useKey as signWithKey } from '../lib/api/index.js';
import { lockVault, onVaultChange, unlockedSecretKey } from '../lib/vault.js';

/** The signed-in member as the server describes them (GET /api/me). */
export type Me = ProfileView;

let me: Me | null = null;
const listeners = new Set<() => void>();
const emit = () => {
  for (const l of listeners) l();
};

/** A passkey sign-in's session token, kept in memory only: a reload signs out. */
let sessionToken: string | null = null;

// Whenever the vault unlocks, requests are signed with the key; whenever it locks, the API
// stops signing and the profile is forgotten, unless a passkey session is in use.
onVaultChange(() => {
  const key = unlockedSecretKey();
  if (key) {
    sessionToken = null;
    signWithKey(key);
  } else if (!sessionToken) {
    signWithKey(null);
    me = null;
    emit();
  }
});

/**
 * Signs in with a passkey session: the member can use the API, but without the unlocked key
 * nothing encrypted can be read on this device until the PIN is entered.
 */
export async function signInWithSession(token: string): Promise<Me> {
  sessionToken = token;
  sendSessionToken(token);
  try {
    return await loadMe();
  } catch (error) {
    sessionToken = null;
    sendSessionToken(null);
    throw error;
  }
}

/** Ends a passkey session (on the server too, best effort) and forgets the profile. */
export async function signOutSession(): Promise<void> {
  if (sessionToken) await logout().catch(() => undefined);
  sessionToken = null;
  sendSessionToken(null);
  me = null;
  emit();
}

/** Loads the profile with the unlocked key; call after unlock or registration. */
export async function loadMe(): Promise<Me> {
  me = await fetchMe();
  emit();
  return me;
}

export function signOut(): void {
  lockVault();
}

/** Calls `listener` whenever the signed-in profile changes (loaded, reloaded, forgotten). */
export function onProfileChange(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export const currentMe = (): Me | null => me;

export const useMe = (): Me | null => useSyncExternalStore(onProfileChange, currentMe);

/** The server's rule itself (exact permission, `domain:*`, `*`, or a wider one that covers it). */
export function can(user: Me | null, permission: string): boolean {
  return !!user && hasPermission(user.permissions, permission as Permission);
}
