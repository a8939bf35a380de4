import type { AttachmentView, ReportAttachmentMeta } from '@llamenos/protocol';
import { useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { ReportAttachments } from '../../components/attachments/ReportAttachments.js';
import { reportKeys } from '../../lib/queries/reports.js';
import { rereadReports } from './events.js';

/**
 * The report's files, as its sealed content lists them: download and preview, the progress of
 * an upload running in this tab, and, for the author, continuing an upload cut short (by
 * choosing the same file again). When one finishes or stops the report is read again.
 */
export function ReportAttachmentsSection({
  reportId,
  attachments,
  metas,
  author,
}: {
  reportId: string;
  attachments: AttachmentView[];
  metas: ReportAttachmentMeta[];
  author: boolean;
}) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  if (metas.length === 0) return null;
  return (
    <section aria-labelledby="report-files-heading">
      <h2 id="report-files-heading">{t('reports.files')}</h2>
      <ReportAttachments
        reportId={reportId}
        attachments={attachments}
        metas={metas}
        canResume={author}
        onChanged={() => void rereadReports(queryClient, reportKeys.detail(reportId))}
      />
    </section>
  );
}
