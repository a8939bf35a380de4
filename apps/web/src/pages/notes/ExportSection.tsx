import { CryptoError } from '@llamenos/crypto';
import type { CustomFieldDefinition } from '@llamenos/protocol';
import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ErrorMessage } from '../../components/ErrorMessage.js';
import {
  collectExport,
  downloadText,
  type ExportContent,
  encryptExport,
  exportCsv,
} from '../../lib/notes/export.js';
import { notesPool } from '../../lib/notes/pool.js';
import { readVault, unlockVault, VaultLockedOut } from '../../lib/vault.js';

const stamp = () => new Date().toISOString().slice(0, 19).replace(/[:T]/g, '-');

/**
 * Export of every note: as one encrypted file that only this admin's key opens (their recovery
 * key restores that key on another device), or, after the PIN is entered again, as readable
 * JSON or CSV made in this browser. The server records every export in the audit log.
 */
export function ExportSection({
  fields,
  authorName,
}: {
  fields: CustomFieldDefinition[];
  authorName: (pubkey: string) => string | null;
}) {
  const { t } = useTranslation();
  const [progress, setProgress] = useState<{ done: number; total: number } | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [message, setMessage] = useState<string | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const [pin, setPin] = useState('');
  const [format, setFormat] = useState<'json' | 'csv'>('csv');
  const busy = progress !== null;

  async function collect(): Promise<ExportContent> {
    setProgress({ done: 0, total: 0 });
    return collectExport(notesPool(), fields, authorName, (d, total) => setProgress({ done: d, total }));
  }

  async function run(action: () => Promise<void>) {
    setError(null);
    setMessage(null);
    setDone(null);
    try {
      await action();
    } catch (e) {
      setError(e);
    } finally {
      setProgress(null);
    }
  }

  const encrypted = () =>
    run(async () => {
      const content = await collect();
      const file = encryptExport(content);
      downloadText(
        `${JSON.stringify(file)}\n`,
        `llamenos-notes-${stamp()}.encrypted.json`,
        'application/json',
      );
      setDone(t('notes.export.doneEncrypted', { count: content.notes.length }));
    });

  async function readable(event: FormEvent) {
    event.preventDefault();
    await run(async () => {
      try {
        await unlockVault(pin);
      } catch (e) {
        setPin('');
        if (e instanceof VaultLockedOut)
          setMessage(t('unlock.lockedOut', { seconds: Math.ceil((e.retryAt - Date.now()) / 1000) }));
        else if (e instanceof CryptoError && e.code === 'WRONG_PIN')
          setMessage(t('unlock.wrongPin', { count: readVault()?.failures ?? 1 }));
        else throw e;
        return;
      }
      setPin('');
      const content = await collect();
      if (format === 'json')
        downloadText(
          `${JSON.stringify(content, null, 2)}\n`,
          `llamenos-notes-${stamp()}.json`,
          'application/json',
        );
      else
        downloadText(
          exportCsv(content, {
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
          }),
          `llamenos-notes-${stamp()}.csv`,
          'text/csv',
        );
      setDone(t('notes.export.doneReadable', { count: content.notes.length }));
    });
  }

  return (
    <section className="panel note-export" aria-labelledby="note-export-title">
      <h2 id="note-export-title">{t('notes.export.title')}</h2>
      <p className="hint">{t('notes.export.audited')}</p>
      <h3>{t('notes.export.encryptedTitle')}</h3>
      <p>{t('notes.export.encryptedHelp')}</p>
      <button type="button" disabled={busy} onClick={() => void encrypted()}>
        {t('notes.export.encryptedButton')}
      </button>
      <h3>{t('notes.export.readableTitle')}</h3>
      <p className="notice">{t('notes.export.readableWarning')}</p>
      <form onSubmit={readable}>
        <fieldset>
          <legend>{t('notes.export.format')}</legend>
          <div className="checkbox">
            <input
              id="export-csv"
              type="radio"
              name="export-format"
              checked={format === 'csv'}
              onChange={() => setFormat('csv')}
            />
            <label htmlFor="export-csv">CSV</label>
          </div>
          <div className="checkbox">
            <input
              id="export-json"
              type="radio"
              name="export-format"
              checked={format === 'json'}
              onChange={() => setFormat('json')}
            />
            <label htmlFor="export-json">JSON</label>
          </div>
        </fieldset>
        <label htmlFor="export-pin">{t('notes.export.pin')}</label>
        <input
          id="export-pin"
          type="password"
          inputMode="numeric"
          autoComplete="current-password"
          required
          value={pin}
          onChange={(e) => setPin(e.target.value)}
        />
        <div className="button-row">
          <button type="submit" disabled={busy || !pin}>
            {t('notes.export.readableButton')}
          </button>
        </div>
      </form>
      {progress && (
        <div>
          <label htmlFor="export-progress">{t('notes.export.progress', progress)}</label>
          <progress id="export-progress" max={progress.total || 1} value={progress.done} />
        </div>
      )}
      {message && (
        <p role="alert" className="error">
          {message}
        </p>
      )}
      <ErrorMessage error={error} />
      <p role="status" className="success">
        {done}
      </p>
    </section>
  );
}
