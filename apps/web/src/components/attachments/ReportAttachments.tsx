import type { AttachmentView, ReportAttachmentMeta } from '@llamenos/protocol';
import { useEffect, useId, useRef, useState, useSyncExternalStore } from 'react';
import { useTranslation } from 'react-i18next';
import { fetchReportReaders, fetchUploadStatus } from '../../lib/api/index.js';
import {
  downloadAttachment,
  endedUpload,
  fingerprintProblem,
  openAttachmentPreview,
  PREVIEW_MAX_BYTES,
  previewKind,
  resumeUpload,
  runningUpload,
  runningUploads,
  startUpload,
  type UploadHandle,
} from '../../lib/attachments/index.js';
import { userTextIn } from '../UserText.js';
import { RETRYABLE_STOPS, UPLOAD_ERROR_KEYS, UploadRow } from './UploadList.js';
import { formatBytes } from './units.js';
import './attachments.css';

/**
 * A report's files, in the order the sealed report lists them: download and preview for a
 * complete one; for the author, an unfinished upload continues when the same file is chosen
 * again (the app names it); a running upload of this tab shows its progress.
 */
export function ReportAttachments({
  reportId,
  attachments,
  metas,
  canResume,
  onChanged,
}: {
  reportId: string;
  attachments: AttachmentView[];
  metas: ReportAttachmentMeta[];
  /** The caller is the report's author (only they can continue an upload). */
  canResume: boolean;
  /** An upload finished or stopped: the page refreshes the report. */
  onChanged?: () => void;
}) {
  const { t } = useTranslation();
  // Re-render when an upload of this tab starts or ends.
  useSyncExternalStore(runningUploads.subscribe, runningUploads.version);
  if (metas.length === 0) return null;
  return (
    <ul className="attachment-list" aria-label={t('attachments.list.label')}>
      {metas.map((meta) => (
        <AttachmentItem
          key={meta.id}
          reportId={reportId}
          meta={meta}
          view={attachments.find((a) => a.id === meta.id) ?? null}
          canResume={canResume}
          onChanged={onChanged}
        />
      ))}
    </ul>
  );
}

function AttachmentItem({
  reportId,
  meta,
  view,
  canResume,
  onChanged,
}: {
  reportId: string;
  meta: ReportAttachmentMeta;
  view: AttachmentView | null;
  canResume: boolean;
  onChanged?: () => void;
}) {
  const { t, i18n } = useTranslation();
  const nameId = useId();
  const running = runningUpload(meta.id);
  // The last upload of this file in this tab: how it ended is shown even when the page's copy of
  // the report is older than its end (a stopped one keeps its reason on screen, with Retry).
  const last = running ? undefined : endedUpload(meta.id);
  const lastPhase = last?.progress.current().phase;
  const stop = lastPhase === 'failed' ? last?.progress.current().error : null;
  // When an upload of this tab ends, wherever it was started (the report form, or here), the
  // report is read again: its hub event alone can come while an older read is still in flight.
  const changedRef = useRef(onChanged);
  changedRef.current = onChanged;
  useEffect(() => {
    if (!running) return;
    const reread = () => changedRef.current?.();
    running.done.then(reread, reread);
  }, [running]);
  const complete = view?.state === 'complete';
  const state = running
    ? null
    : complete || lastPhase === 'complete'
      ? t('attachments.upload.complete')
      : view?.state === 'failed'
        ? t('attachments.list.failed')
        : view
          ? t('attachments.list.unfinished', {
              percent: view.chunkCount > 0 ? Math.floor((view.received / view.chunkCount) * 100) : 0,
            })
          : t('attachments.list.missing');
  return (
    <li className="attachment-item" aria-labelledby={nameId}>
      <div>
        <bdi id={nameId}>{meta.name}</bdi>{' '}
        <span className="hint">{formatBytes(meta.size, i18n.language)}</span>
        {state && <span className="attachment-state"> · {state}</span>}
      </div>
      {running ? (
        <ul className="upload-list">
          <UploadRow handle={running} nameId={nameId} />
        </ul>
      ) : complete && view ? (
        <CompleteAttachment view={view} meta={meta} nameId={nameId} />
      ) : view?.state === 'failed' || lastPhase === 'complete' ? null : (
        <>
          {lastPhase === 'failed' && last && (
            <ul className="upload-list">
              <UploadRow handle={last} nameId={nameId} />
            </ul>
          )}
          <UnfinishedUpload
            reportId={reportId}
            view={view}
            meta={meta}
            canResume={canResume}
            retryFile={stop && RETRYABLE_STOPS.includes(stop.kind) ? (last?.file ?? null) : null}
            nameId={nameId}
          />
        </>
      )}
    </li>
  );
}

/** Why opening a file failed, in words: a damaged or cut file is said loudly, never half-saved. */
function openErrorKey(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  if (code === 'DECRYPT_FAILED' || code === 'TRUNCATED') return 'attachments.list.corrupt';
  if (error instanceof Error && /report says|padding/.test(error.message)) return 'attachments.list.corrupt';
  if (error instanceof Error && error.name === 'AttachmentUnavailableError')
    return 'attachments.list.unavailable';
  return 'attachments.list.openFailed';
}

type Preview = { url: string; kind: NonNullable<ReturnType<typeof previewKind>> };

/** Downloading or previewing a finished file: which is under way, what went wrong, the preview shown. */
function useOpenAttachment(
  view: AttachmentView,
  meta: ReportAttachmentMeta,
  kind: ReturnType<typeof previewKind>,
) {
  const [busy, setBusy] = useState<'download' | 'preview' | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [preview, setPreview] = useState<Preview | null>(null);

  // The decrypted file lives in memory only while shown.
  useEffect(() => () => (preview ? URL.revokeObjectURL(preview.url) : undefined), [preview]);

  const download = async () => {
    setBusy('download');
    setError(null);
    try {
      await downloadAttachment(view, meta);
    } catch (e) {
      setError(openErrorKey(e));
    } finally {
      setBusy(null);
    }
  };
  const showPreview = async () => {
    if (!kind) return;
    setBusy('preview');
    setError(null);
    try {
      const blob = await openAttachmentPreview(view, meta);
      setPreview({ url: URL.createObjectURL(blob), kind });
    } catch (e) {
      setError(openErrorKey(e));
    } finally {
      setBusy(null);
    }
  };
  return { busy, error, preview, setPreview, download, showPreview };
}

/** The decrypted file shown in the page: an image, or a player for a recording. */
function AttachmentPreview({ preview, name, nameId }: { preview: Preview; name: string; nameId: string }) {
  return (
    <div className="attachment-preview">
      {preview.kind === 'image' && <img src={preview.url} alt={name} />}
      {preview.kind === 'audio' && (
        // biome-ignore lint/a11y/useMediaCaption: a member's own recording has no captions to offer
        <audio src={preview.url} controls aria-labelledby={nameId} />
      )}
      {preview.kind === 'video' && (
        // biome-ignore lint/a11y/useMediaCaption: a member's own recording has no captions to offer
        <video src={preview.url} controls aria-labelledby={nameId} />
      )}
    </div>
  );
}

function CompleteAttachment({
  view,
  meta,
  nameId,
}: {
  view: AttachmentView;
  meta: ReportAttachmentMeta;
  nameId: string;
}) {
  const { t } = useTranslation();
  const kind = previewKind(meta);
  const canPreview = kind !== null && meta.size <= PREVIEW_MAX_BYTES;
  const { busy, error, preview, setPreview, download, showPreview } = useOpenAttachment(view, meta, kind);

  return (
    <>
      <div className="button-row">
        <button
          type="button"
          aria-describedby={nameId}
          disabled={busy !== null}
          onClick={() => void download()}
        >
          {busy === 'download' ? t('attachments.list.downloading') : t('attachments.list.download')}
        </button>
        {canPreview && !preview && (
          <button
            type="button"
            className="secondary"
            id={`${nameId}-preview`}
            aria-labelledby={`${nameId}-preview ${nameId}`}
            disabled={busy !== null}
            onClick={() => void showPreview()}
          >
            {busy === 'preview' ? t('attachments.list.opening') : t('attachments.list.preview')}
          </button>
        )}
        {preview && (
          <button
            type="button"
            className="secondary"
            aria-describedby={nameId}
            onClick={() => setPreview(null)}
          >
            {t('attachments.list.hidePreview')}
          </button>
        )}
      </div>
      {error && (
        <p role="alert" className="error">
          {t(error)}
        </p>
      )}
      {preview && <AttachmentPreview preview={preview} name={meta.name} nameId={nameId} />}
    </>
  );
}

/**
 * An upload that did not finish (or never began: the page was closed between filing the report
 * and opening the upload). Its author continues it by choosing the same file again, or with
 * Retry when an upload of this tab stopped and still has the file.
 */
function UnfinishedUpload({
  reportId,
  view,
  meta,
  canResume,
  retryFile,
  nameId,
}: {
  reportId: string;
  view: AttachmentView | null;
  meta: ReportAttachmentMeta;
  canResume: boolean;
  /** The file of this tab's upload that stopped, to continue with one press. */
  retryFile: UploadHandle['file'] | null;
  /** The element naming the file, which describes the Retry button. */
  nameId: string;
}) {
  const { t } = useTranslation();
  const inputId = useId();
  const [refusal, setRefusal] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const chosen = async (file: UploadHandle['file'], retry = false) => {
    setRefusal(null);
    setBusy(true);
    try {
      // A retried upload may have been opened after the page's copy of the report was read: the
      // server says (opening it anew would be refused, its id being taken).
      const opened =
        view ?? (retry ? ((await fetchUploadStatus(meta.id).catch(() => null))?.attachment ?? null) : null);
      if (opened) {
        resumeUpload({ reportId, attachment: opened, meta, file });
        return;
      }
      // Never opened: the file the report describes is uploaded now, if it is that file.
      if (file.size !== meta.size || (await fingerprintProblem(file, meta))) {
        setRefusal(UPLOAD_ERROR_KEYS['other-file']);
        return;
      }
      const readers = await fetchReportReaders(reportId);
      startUpload({ reportId, id: meta.id, file, readers });
    } catch {
      setRefusal(UPLOAD_ERROR_KEYS.failed);
    } finally {
      setBusy(false);
    }
  };
  return (
    <>
      {canResume && retryFile && (
        <div className="button-row">
          <button
            type="button"
            aria-describedby={nameId}
            disabled={busy}
            onClick={() => void chosen(retryFile, true)}
          >
            {t('attachments.upload.retry')}
          </button>
        </div>
      )}
      {canResume && (
        <div>
          <label htmlFor={inputId}>
            {userTextIn(t, 'attachments.list.chooseAgain', { name: meta.name })}
          </label>{' '}
          <input
            id={inputId}
            type="file"
            disabled={busy}
            onChange={(event) => {
              const file = event.target.files?.[0];
              event.target.value = '';
              if (file) void chosen(file);
            }}
          />
        </div>
      )}
      {refusal && (
        <p role="alert" className="error">
          {t(refusal)}
        </p>
      )}
    </>
  );
}
