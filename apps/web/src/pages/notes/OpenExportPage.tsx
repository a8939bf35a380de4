import { useTranslation } from 'react-i18next';
import { formatDateTime } from '../../components/format.js';
import { SubpageOf } from '../../components/SealedPages.js';
import { type ExportContent, ExportFileError, openExportFile } from '../../lib/notes/export.js';
import { downloadReadable } from './exportShared.js';
import { OpenSealedExportForm } from './OpenSealedExportForm.js';
import { BACK_TO_NOTES } from './shared.js';
import { useOpenSealedExport } from './useOpenSealedExport.js';

/**
 * Opens an encrypted notes export made by this admin's key: the file key is unwrapped with the
 * unlocked key and the notes decrypted chunk by chunk, all in this browser. Saving a readable
 * copy asks for the PIN again first, like the readable export.
 */
export function OpenExportPage() {
  const { t } = useTranslation();
  const state = useOpenSealedExport(openExportFile, ExportFileError, (problem) =>
    t(`notes.openExport.problem.${problem}`),
  );
  const { opened } = state;

  return (
    <SubpageOf title={t('notes.openExport.title')} back={BACK_TO_NOTES}>
      <div className="panel">
        <p>{t('notes.openExport.help')}</p>
        <OpenSealedExportForm
          id="open-export"
          accept=".llamenos-export,.json"
          state={state}
          keys={{
            heading: 'notes.openExport.chooseTitle',
            file: 'notes.openExport.file',
            pin: 'notes.export.pin',
            open: 'notes.openExport.open',
            opening: 'notes.openExport.opening',
          }}
        />
      </div>
      {opened && <OpenedExport opened={opened} />}
    </SubpageOf>
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
