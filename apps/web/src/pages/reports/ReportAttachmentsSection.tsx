import type { AttachmentView, ReportAttachmentMeta } from '@llamenos/protocol';
import { useTranslation } from 'react-i18next';
import type { Me } from '../../app/session.js';
import { UserText } from '../../components/UserText.js';

/** The report's files: download, preview, and resuming an interrupted upload for its author. */
export function ReportAttachmentsSection({
  attachments,
  metas,
}: {
  me: Me;
  reportId: string;
  attachments: AttachmentView[];
  metas: ReportAttachmentMeta[];
  author: boolean;
}) {
  const { t } = useTranslation();
  if (metas.length === 0 && attachments.length === 0) return null;
  return (
    <section aria-labelledby="report-files-heading">
      <h2 id="report-files-heading">{t('reports.files')}</h2>
      <ul>
        {metas.map((m) => (
          <li key={m.id}>
            <UserText>{m.name}</UserText>
          </li>
        ))}
      </ul>
    </section>
  );
}
