import type { ReportAttachmentMeta } from '@llamenos/protocol';
import { useId } from 'react';
import { useTranslation } from 'react-i18next';
import { RowAction } from '../../components/DataTable.js';
import { UserText } from '../../components/UserText.js';
import { formatBytes } from './format.js';

export interface PreparedFile {
  id: string;
  file: File;
  meta: ReportAttachmentMeta;
}

/**
 * The files chosen for a new report, before it is filed: each with its size, removable; a file
 * over the per-file limit, or a choice over the per-report total, is refused here with the
 * limit in words (the server refuses it again while the upload streams).
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
  limits: { maxFileBytes: number; maxReportBytes: number };
  prepare: (files: File[]) => PreparedFile[];
  disabled: boolean;
}) {
  const { t, i18n } = useTranslation();
  const inputId = useId();
  const total = files.reduce((n, f) => n + f.file.size, 0);
  const tooBig = files.filter((f) => f.file.size > limits.maxFileBytes);
  const overTotal = total > limits.maxReportBytes;
  const size = (n: number) => formatBytes(n, i18n.language);
  return (
    <fieldset className="choice-group" data-testid="report-files">
      <legend>{t('reports.files')}</legend>
      <label htmlFor={inputId}>{t('reports.addFiles')}</label>
      <input
        id={inputId}
        type="file"
        multiple
        disabled={disabled}
        aria-describedby={`${inputId}-hint`}
        onChange={(e) => {
          const chosen = [...(e.target.files ?? [])];
          e.target.value = '';
          if (chosen.length) onChange([...files, ...prepare(chosen)]);
        }}
      />
      <p id={`${inputId}-hint`} className="hint">
        {t('reports.filesHint', {
          perFile: size(limits.maxFileBytes),
          perReport: size(limits.maxReportBytes),
        })}
      </p>
      {files.length > 0 && (
        <ul>
          {files.map((f) => (
            <li key={f.id}>
              <UserText>{f.meta.name}</UserText> <span className="hint">{size(f.file.size)}</span>{' '}
              {f.file.size > limits.maxFileBytes && (
                <span className="error">{t('reports.fileTooBig', { max: size(limits.maxFileBytes) })}</span>
              )}
              <RowAction
                action={t('reports.removeFile')}
                item={f.meta.name}
                disabled={disabled}
                onClick={() => onChange(files.filter((x) => x.id !== f.id))}
              />
            </li>
          ))}
        </ul>
      )}
      {(tooBig.length > 0 || overTotal) && (
        <p role="alert" className="error">
          {overTotal
            ? t('reports.filesTooBig', { max: size(limits.maxReportBytes) })
            : t('reports.removeTooBig', { count: tooBig.length })}
        </p>
      )}
    </fieldset>
  );
}

/** Whether the chosen files fit the limits (the form is not filed otherwise). */
export const filesFit = (files: PreparedFile[], limits: { maxFileBytes: number; maxReportBytes: number }) =>
  files.every((f) => f.file.size <= limits.maxFileBytes) &&
  files.reduce((n, f) => n + f.file.size, 0) <= limits.maxReportBytes;
