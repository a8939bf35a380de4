import { CryptoError } from '@llamenos/crypto';
import type { TFunction } from 'i18next';
import { readVault, VaultLockedOut } from '../lib/vault.js';

/**
 * The sentence for a PIN the vault refused: a wrong PIN (with how many tries so far) or a
 * lock-out (with how long it lasts). Null for any other failure, which the form shows as an error.
 */
export function pinRefusal(error: unknown, t: TFunction): string | null {
  if (error instanceof VaultLockedOut)
    return t('unlock.lockedOut', { seconds: Math.ceil((error.retryAt - Date.now()) / 1000) });
  if (error instanceof CryptoError && error.code === 'WRONG_PIN')
    return t('unlock.wrongPin', { count: readVault()?.failures ?? 1 });
  return null;
}
