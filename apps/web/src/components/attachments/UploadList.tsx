import { useId, useState, useSyncExternalStore } from 'react';
import { useTranslation } from 'react-i18next';
import type { UploadErrorKind, UploadHandle, UploadPhase } from '../../lib/attachments/index.js';
import { formatBytes, formatDuration, formatSpeed } from './units.js';

const PHASE_KEYS: Record<UploadPhase, string> = {
  preparing: 'attachments.upload.preparing',
  uploading: 'attachments.upload.uploading',
  retrying: 'attachments.upload.retrying',
  complete: 'attachments.upload.complete',
  failed: 'attachments.upload.failed',
  cancelled: 'attachments.upload.cancelled',
};

export const UPLOAD_ERROR_KEYS: Record<UploadErrorKind, string> = {
  'too-large': 'attachments.error.tooLarge',
  'store-full': 'attachments.error.storeFull',
  'other-file': 'attachments.error.otherFile',
  locked: 'attachments.error.locked',
  gone: 'attachments.error.gone',
  refused: 'attachments.error.refused',
  network: 'attachments.error.network',
  failed: 'attachments.error.failed',
};

/** Stops that the same file can get past by trying again (Retry); the others need something else. */
export const RETRYABLE_STOPS: readonly UploadErrorKind[] = ['network', 'failed', 'store-full', 'locked'];

const RUNNING: UploadPhase[] = ['preparing', 'uploading', 'retrying'];

/**
 * One upload: its file, a progress bar, bytes sent, speed and time left, and Cancel while it
 * runs. Inside a list that names the file already, `nameId` points at that name instead.
 */
export function UploadRow({ handle, nameId: givenNameId }: { handle: UploadHandle; nameId?: string }) {
  const { t, i18n } = useTranslation();
  const locale = i18n.language;
  const progress = useSyncExternalStore(handle.progress.subscribe, handle.progress.current);
  const [cancelling, setCancelling] = useState(false);
  const ownNameId = useId();
  const cancelId = useId();
  const nameId = givenNameId ?? ownNameId;
  const running = RUNNING.includes(progress.phase);
  const details = [
    t('attachments.upload.sent', {
      sent: formatBytes(progress.sentBytes, locale),
      total: formatBytes(progress.totalBytes, locale),
    }),
  ];
  if (running && progress.bytesPerSecond)
    details.push(t('attachments.upload.speed', { speed: formatSpeed(progress.bytesPerSecond, locale) }));
  if (running && progress.secondsLeft !== null && progress.bytesPerSecond)
    details.push(t('attachments.upload.timeLeft', { time: formatDuration(progress.secondsLeft, locale) }));
  return (
    <li className="upload-row">
      {!givenNameId && (
        <bdi id={nameId} className="upload-name">
          {handle.name}
        </bdi>
      )}
      <progress
        max={100}
        value={progress.percent}
        aria-labelledby={nameId}
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={progress.percent}
        aria-valuetext={t('attachments.upload.percent', { percent: progress.percent })}
      />
      <span className="hint">
        {t(PHASE_KEYS[progress.phase])} · {details.join(' · ')}
      </span>
      {progress.error && (
        <p role="alert" className="error">
          {t(UPLOAD_ERROR_KEYS[progress.error.kind])}
        </p>
      )}
      {running && (
        <button
          type="button"
          id={cancelId}
          className="secondary"
          aria-labelledby={`${cancelId} ${nameId}`}
          disabled={cancelling}
          onClick={() => {
            setCancelling(true);
            void handle.cancel();
          }}
        >
          {t('attachments.upload.cancel')}
        </button>
      )}
    </li>
  );
}

/** The uploads of a report as they run. */
export function UploadList({ handles }: { handles: UploadHandle[] }) {
  const { t } = useTranslation();
  if (handles.length === 0) return null;
  return (
    <ul className="upload-list" aria-label={t('attachments.upload.list')}>
      {handles.map((handle) => (
        <UploadRow key={handle.id} handle={handle} />
      ))}
    </ul>
  );
}
