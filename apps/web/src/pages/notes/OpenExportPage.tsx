import { useTranslation } from 'react-i18next';
import { ErrorMessage } from '../../components/ErrorMessage.js';
import { formatDateTime } from '../../components/format.js';
import { PinAndSubmit } from '../../components/PinField.js';
import { type ExportContent, ExportFileError, openExportFile } from '../../lib/notes/export.js';
import { downloadReadable } from './exportShared.js';
import { NotesSubpage } from './shared.js';
import { useOpenSealedExport } from './useOpenSealedExport.js';

/**
 * Opens an encrypted notes export made by this admin's key: the file key is unwrapped with the
 * unlocked key and the notes decrypted chunk by chunk, all in this browser. Saving a readable
 * copy asks for the PIN again first, like the readable export.
 */
export function OpenExportPage() {
  const { t } = useTranslation();
  const { file, chooseFile, message, opened, form, pin, open, submit } = useOpenSealedExport(
    openExportFile,
    (e): e is ExportFileError => e instanceof ExportFileError,
    (problem) => t(`notes.openExport.problem.${problem}`),
  );

  return (
    <NotesSubpage title={t('notes.openExport.title')}>
      <div className="panel">
        <p>{t('notes.openExport.help')}</p>
        <form onSubmit={submit} aria-labelledby="open-export-form-title">
          <h2 id="open-export-form-title">{t('notes.openExport.chooseTitle')}</h2>
          <label htmlFor="open-export-file">{t('notes.openExport.file')}</label>
          <input
            id="open-export-file"
            type="file"
            accept=".llamenos-export,.json"
            required
            onChange={(e) => chooseFile(e.target.files?.[0] ?? null)}
          />
          <PinAndSubmit
            id="open-export-pin"
            caption={t('notes.export.pin')}
            pin={form.register('pin')}
            submit={t('notes.openExport.open')}
            ready={!!file && !!pin}
            busy={open.busy}
          />
        </form>
        {open.busy && <p aria-busy="true">{t('notes.openExport.opening')}</p>}
        {message && (
          <p role="alert" className="error">
            {message}
          </p>
        )}
        <ErrorMessage error={open.error} />
      </div>
      {opened && <OpenedExport opened={opened} />}
    </NotesSubpage>
  );
}

/** What the file held, and the readable copies that can be saved from it. */
function OpenedExport({ opened }: { opened: ExportContent }) {
  const { t, i18n } = useTranslation();
  const save = (format: 'json' | 'csv') => downloadReadable(opened, format, t);
  return (
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
  );
}
