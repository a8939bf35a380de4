import type { ReportType } from '@llamenos/protocol';
import { useState } from 'react';
import { useForm } from 'react-hook-form';
import { useTranslation } from 'react-i18next';
import { ErrorMessage } from '../../components/ErrorMessage.js';
import { Panel } from '../../components/Panel.js';
import { PinAndSubmit } from '../../components/PinField.js';
import { useSubmit } from '../../components/useSubmit.js';
import { downloadText } from '../../lib/notes/export.js';
import { collectReports } from '../../lib/reports/export.js';
import { reportsPool } from '../../lib/reports/pool.js';
import { confirmPin, exportStamp } from '../notes/exportShared.js';

/**
 * A readable copy of every report for report admins (to hand to a lawyer, a partner): after the
 * PIN is entered again, the reports are fetched sealed, opened in this browser and saved as one
 * JSON file. The server records the export in the audit log before sending anything.
 */
export function ReportsExport({
  types,
  nameOf,
}: {
  types: ReportType[];
  nameOf: (pubkey: string) => string | null;
}) {
  const { t, i18n } = useTranslation();
  const form = useForm<{ pin: string }>({ defaultValues: { pin: '' } });
  const [progress, setProgress] = useState<number | null>(null);
  const [outcome, setOutcome] = useState<string | null>(null);
  const [refusal, setRefusal] = useState<string | null>(null);
  const exporting = useSubmit(async ({ pin }: { pin: string }) => {
    setOutcome(null);
    setRefusal(null);
    const refused = await confirmPin(pin, t);
    form.reset({ pin: '' });
    if (refused) {
      setRefusal(refused);
      return;
    }
    try {
      setProgress(0);
      const reports = await collectReports(
        reportsPool(),
        { types, language: i18n.language, nameOf },
        setProgress,
      );
      const file = { exportedAt: new Date().toISOString(), reports };
      downloadText(
        `${JSON.stringify(file, null, 2)}\n`,
        `llamenos-reports-${exportStamp()}.json`,
        'application/json',
      );
      setOutcome(t('reports.export.done', { count: reports.length }));
    } finally {
      setProgress(null);
    }
  });
  const pin = form.watch('pin');
  return (
    <Panel id="reports-export" title={t('reports.export.title')}>
      <p className="notice">{t('reports.export.warning')}</p>
      <form onSubmit={form.handleSubmit((v) => exporting.run(v))} aria-label={t('reports.export.title')}>
        <PinAndSubmit
          id="reports-export-pin"
          caption={t('reports.export.pin')}
          pin={form.register('pin')}
          submit={t('reports.export.button')}
          ready={!!pin}
          busy={exporting.busy}
        />
      </form>
      {refusal && (
        <p role="alert" className="error">
          {refusal}
        </p>
      )}
      <ErrorMessage error={exporting.error} />
      <p role="status" className={outcome ? 'success' : 'hint'}>
        {progress !== null ? t('reports.export.progress', { count: progress }) : (outcome ?? '')}
      </p>
    </Panel>
  );
}
