import type { CustomFieldDefinition } from '@llamenos/protocol';
import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ErrorMessage } from '../../components/ErrorMessage.js';
import { NavLink } from '../../components/NavLink.js';
import {
  buildEncryptedExport,
  collectExport,
  downloadBlob,
  downloadText,
  type ExportContent,
} from '../../lib/notes/export.js';
import { notesPool } from '../../lib/notes/pool.js';
import { confirmPin, exportCsvText, exportStamp as stamp } from './exportShared.js';

/**
 * Export of every note: as one encrypted file that only this admin's key opens (their recovery
 * key restores that key on another device; no other admin's key is given the file key), streamed
 * in chunks (docs/PROTOCOL.md, "Notes export file"), or, after the PIN is entered again, as readable
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
      setProgress({ done: 0, total: 0 });
      const file = await buildEncryptedExport(notesPool(), fields, authorName, (d, total) =>
        setProgress({ done: d, total }),
      );
      downloadBlob(file.blob, `llamenos-notes-${stamp()}.llamenos-export`);
      setDone(t('notes.export.doneEncrypted', { count: file.count }));
    });

  async function readable(event: FormEvent) {
    event.preventDefault();
    await run(async () => {
      const refused = await confirmPin(pin, t);
      if (refused) {
        setPin('');
        setMessage(refused);
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
      else downloadText(exportCsvText(content, t), `llamenos-notes-${stamp()}.csv`, 'text/csv');
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
      <p>
        <NavLink href="/admin/open-export">{t('notes.openExport.link')}</NavLink>
      </p>
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
