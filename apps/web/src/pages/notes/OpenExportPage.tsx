import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ErrorMessage } from '../../components/ErrorMessage.js';
import { formatDateTime } from '../../components/format.js';
import { NavLink } from '../../components/NavLink.js';
import { PageHeading } from '../../components/PageHeading.js';
import { downloadText, type ExportContent, ExportFileError, openExportFile } from '../../lib/notes/export.js';
import { confirmPin, exportCsvText, exportStamp as stamp } from './exportShared.js';

/**
 * Opens an encrypted notes export made by this admin's key: the file key is unwrapped with the
 * unlocked key and the notes decrypted chunk by chunk, all in this browser. Saving a readable
 * copy asks for the PIN again first, like the readable export.
 */
export function OpenExportPage() {
  const { t, i18n } = useTranslation();
  const [file, setFile] = useState<File | null>(null);
  const [pin, setPin] = useState('');
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [opened, setOpened] = useState<ExportContent | null>(null);

  async function open(event: FormEvent) {
    event.preventDefault();
    if (!file) return;
    setBusy(true);
    setMessage(null);
    setError(null);
    setOpened(null);
    try {
      const refused = await confirmPin(pin, t);
      setPin('');
      if (refused) {
        setMessage(refused);
        return;
      }
      setOpened(await openExportFile(file));
    } catch (e) {
      if (e instanceof ExportFileError) setMessage(t(`notes.openExport.problem.${e.problem}`));
      else setError(e);
    } finally {
      setBusy(false);
    }
  }

  function save(format: 'json' | 'csv') {
    if (!opened) return;
    if (format === 'json')
      downloadText(
        `${JSON.stringify(opened, null, 2)}\n`,
        `llamenos-notes-${stamp()}.json`,
        'application/json',
      );
    else downloadText(exportCsvText(opened, t), `llamenos-notes-${stamp()}.csv`, 'text/csv');
  }

  return (
    <section>
      <PageHeading>{t('notes.openExport.title')}</PageHeading>
      <p>
        <NavLink href="/notes">{t('notes.backToList')}</NavLink>
      </p>
      <div className="panel">
        <p>{t('notes.openExport.help')}</p>
        <form onSubmit={open} aria-labelledby="open-export-form-title">
          <h2 id="open-export-form-title">{t('notes.openExport.chooseTitle')}</h2>
          <label htmlFor="open-export-file">{t('notes.openExport.file')}</label>
          <input
            id="open-export-file"
            type="file"
            accept=".llamenos-export,.json"
            required
            onChange={(e) => {
              setFile(e.target.files?.[0] ?? null);
              setOpened(null);
              setMessage(null);
            }}
          />
          <label htmlFor="open-export-pin">{t('notes.export.pin')}</label>
          <input
            id="open-export-pin"
            type="password"
            inputMode="numeric"
            autoComplete="current-password"
            required
            value={pin}
            onChange={(e) => setPin(e.target.value)}
          />
          <div className="button-row">
            <button type="submit" disabled={busy || !file || !pin}>
              {t('notes.openExport.open')}
            </button>
          </div>
        </form>
        {busy && <p aria-busy="true">{t('notes.openExport.opening')}</p>}
        {message && (
          <p role="alert" className="error">
            {message}
          </p>
        )}
        <ErrorMessage error={error} />
      </div>
      {opened && (
        <div className="panel" data-testid="open-export-result">
          <p role="status" className="success" data-testid="open-export-summary">
            {t('notes.openExport.summary', {
              count: opened.notes.length,
              date: formatDateTime(opened.exportedAt, i18n.language),
            })}
          </p>
          <p className="notice">{t('notes.export.readableWarning')}</p>
          <div className="button-row">
            <button type="button" onClick={() => save('json')}>
              {t('notes.openExport.saveJson')}
            </button>
            <button type="button" className="secondary" onClick={() => save('csv')}>
              {t('notes.openExport.saveCsv')}
            </button>
          </div>
        </div>
      )}
    </section>
  );
}
