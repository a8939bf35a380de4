import type { TFunction } from 'i18next';
import { pinRefusal } from '../../components/pinRefusal.js';
import { downloadText, type ExportContent, exportCsv } from '../../lib/notes/export.js';
import { unlockVault } from '../../lib/vault.js';

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
    const refused = pinRefusal(e, t);
    if (refused) return refused;
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

/** Saves a readable copy of an export: the whole content as JSON, or the notes as CSV. */
export function downloadReadable(content: ExportContent, format: 'json' | 'csv', t: TFunction): void {
  if (format === 'json')
    downloadText(
      `${JSON.stringify(content, null, 2)}\n`,
      `llamenos-notes-${exportStamp()}.json`,
      'application/json',
    );
  else downloadText(exportCsvText(content, t), `llamenos-notes-${exportStamp()}.csv`, 'text/csv');
}
