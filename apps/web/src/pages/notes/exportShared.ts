import { CryptoError } from '@llamenos/crypto';
import type { TFunction } from 'i18next';
import { type ExportContent, exportCsv } from '../../lib/notes/export.js';
import { readVault, unlockVault, VaultLockedOut } from '../../lib/vault.js';

export const exportStamp = () => new Date().toISOString().slice(0, 19).replace(/[:T]/g, '-');

/**
 * Asks for the PIN again before anything readable is made: returns null when it was right, or
 * the sentence to show (wrong PIN, locked out). Other failures are thrown.
 */
export async function confirmPin(pin: string, t: TFunction): Promise<string | null> {
  try {
    await unlockVault(pin);
    return null;
  } catch (e) {
    if (e instanceof VaultLockedOut)
      return t('unlock.lockedOut', { seconds: Math.ceil((e.retryAt - Date.now()) / 1000) });
    if (e instanceof CryptoError && e.code === 'WRONG_PIN')
      return t('unlock.wrongPin', { count: readVault()?.failures ?? 1 });
    throw e;
  }
}

/** The readable CSV of an export, with its column names in the member's language. */
export function exportCsvText(content: ExportContent, t: TFunction): string {
  return exportCsv(content, {
    base: [
      t('notes.export.col.id'),
      t('notes.export.col.created'),
      t('notes.export.col.updated'),
      t('notes.export.col.version'),
      t('notes.export.col.author'),
      t('notes.export.col.call'),
      t('notes.export.col.status'),
      t('notes.export.col.text'),
    ],
    status: {
      ok: t('notes.export.status.ok'),
      mismatch: t('notes.export.status.mismatch'),
      failed: t('notes.export.status.failed'),
    },
  });
}
