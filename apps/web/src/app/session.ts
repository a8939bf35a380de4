import { hasPermission, type Permission, type ProfileView } from '@llamenos/protocol';
import { useSyncExternalStore } from 'react';
// The API client's setters are not React hooks despite their names.
import { applyMemberLocale, type Locale } from '../i18n/index.js';
import {
  fetchMe,
  logout,
  useSession as sendSessionToken,
  useKey as signWithKey,
  updateMyProfile,
} from '../lib/api/index.js';
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

/**
 * Loads the profile with the unlocked key; call after unlock or registration. The member's
 * interface language (chosen on any device) is applied before the profile is shown, so the
 * signed-in app does not flash in the device's language first; it is applied only when the
 * member or their choice changed, so a profile reload never undoes a choice being saved.
 */
export async function loadMe(): Promise<Me> {
  const before = me;
  const loaded = await fetchMe();
  if (loaded.id !== before?.id || loaded.uiLanguage !== before.uiLanguage)
    await applyMemberLocale(loaded.uiLanguage).catch(() => undefined); // its strings failed to load: stay as is
  me = loaded;
  emit();
  return me;
}

/**
 * Keeps a signed-in member's language choice on their account, so the next device they sign in
 * on speaks it. Signed out (join, unlock) the choice stays on this device only.
 */
export async function saveMyLanguage(locale: Locale): Promise<void> {
  if (!me) return;
  const updated = await updateMyProfile({ uiLanguage: locale });
  // The answer is the stored profile; unless someone else signed in meanwhile, it is the one shown.
  if (me?.id !== updated.id) return;
  me = updated;
  emit();
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
