import type { ReportAttachmentMeta } from '@llamenos/protocol';
import { useTranslation } from 'react-i18next';
import { AttachmentPicker } from '../../components/attachments/AttachmentPicker.js';
import { formatBytes } from '../../components/attachments/units.js';

export interface PreparedFile {
  id: string;
  file: File;
  meta: ReportAttachmentMeta;
}

export interface FileLimits {
  maxFileBytes: number;
  maxReportBytes: number;
}

/**
 * The files chosen for a new report, before it is filed (the attachments picker, which refuses
 * a file over the per-file limit), each given its attachment id once; a choice over the
 * per-report total is refused here with the limit in words. The server refuses both again
 * while the upload streams.
 */
export function ChosenFiles({
  files,
  onChange,
  limits,
  prepare,
  disabled,
}: {
  files: PreparedFile[];
  onChange: (files: PreparedFile[]) => void;
  limits: FileLimits;
  prepare: (files: File[]) => PreparedFile[];
  disabled: boolean;
}) {
  const { t, i18n } = useTranslation();
  const total = files.reduce((n, f) => n + f.file.size, 0);
  return (
    <div data-testid="report-files">
      <AttachmentPicker
        maxFileBytes={limits.maxFileBytes}
        disabled={disabled}
        onChange={(chosen) =>
          // A file keeps the id it was given when first chosen.
          onChange(chosen.flatMap((file) => files.find((p) => p.file === file) ?? prepare([file])))
        }
      />
      {total > limits.maxReportBytes && (
        <p role="alert" className="error">
          {t('reports.filesTooBig', { max: formatBytes(limits.maxReportBytes, i18n.language) })}
        </p>
      )}
    </div>
  );
}

/** Whether the chosen files fit the limits (the report is not filed otherwise). */
export const filesFit = (files: PreparedFile[], limits: FileLimits) =>
  files.every((f) => f.file.size <= limits.maxFileBytes) &&
  files.reduce((n, f) => n + f.file.size, 0) <= limits.maxReportBytes;
