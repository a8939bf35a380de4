import type { KeyBackup } from './vault.js';
import { forgetUnregisteredKey, readVault } from './vault.js';

/**
 * Joining in progress on this device, kept until registration succeeds so a reload, back or
 * forward, or the link opened again resumes where the person was instead of stranding them.
 * Nothing secret in the clear: before the key exists only the link's code and kind; after,
 * the key's backup (its PIN lock and recovery lock, both sealed) and the chosen name. The
 * secret key itself lives only in the PIN-locked vault.
 */
const STORAGE_KEY = 'llamenos.onboarding.v1';

export type JoinKind = 'bootstrap' | 'invite';

export interface PendingJoin {
  v: 1;
  kind: JoinKind;
  token: string;
  /** Set once the key is made: it is in the vault, locked under the PIN. */
  made?: { keyId: string; displayName: string; backup: KeyBackup };
  /** Set just before the registration request: the key may have been registered. */
  sent?: boolean;
}

export function readPendingJoin(kind: JoinKind): PendingJoin | null {
  try {
    const parsed = JSON.parse(localStorage.getItem(STORAGE_KEY) ?? 'null') as PendingJoin | null;
    if (parsed?.v !== 1 || parsed.kind !== kind || typeof parsed.token !== 'string') return null;
    // A key made for this join that is no longer in the vault (wiped, replaced) cannot be resumed.
    if (parsed.made && readVault()?.keyId !== parsed.made.keyId) return { ...parsed, made: undefined };
    return parsed;
  } catch {
    return null;
  }
}

export function writePendingJoin(pending: PendingJoin): void {
  localStorage.setItem(STORAGE_KEY, JSON.stringify(pending));
}

/** Registration succeeded: the key is a member's now, and nothing about the join stays. */
export function finishPendingJoin(): void {
  localStorage.removeItem(STORAGE_KEY);
}

/**
 * Gives up a join that can no longer succeed (the link is used, expired or replaced): removes
 * the key it made from the vault, unless that key may already have been registered.
 */
export function abandonPendingJoin(): void {
  const raw = localStorage.getItem(STORAGE_KEY);
  localStorage.removeItem(STORAGE_KEY);
  try {
    const pending = JSON.parse(raw ?? 'null') as PendingJoin | null;
    if (pending?.made && !pending.sent) forgetUnregisteredKey(pending.made.keyId);
  } catch {
    // Unreadable leftovers are simply dropped.
  }
}

/**
 * The kind of an unfinished join whose key is the one stored here: that key is no member's
 * yet, so the unlock screen would only strand its holder; the join resumes instead.
 */
export function unfinishedJoinKind(): JoinKind | null {
  for (const kind of ['invite', 'bootstrap'] as const) if (readPendingJoin(kind)?.made) return kind;
  return null;
}
