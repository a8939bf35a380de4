import type { BackupStatus, HotlineSettings } from '@llamenos/protocol';
import { useQuery } from '@tanstack/react-query';
import { useEffect, useId, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ErrorMessage } from '../../components/ErrorMessage.js';
import { formatDateTime, intlLocale } from '../../components/format.js';
import { Panel } from '../../components/Panel.js';
import { WholeNumberField } from '../../components/WholeNumberInput.js';
import { fetchBackupStatus } from '../../lib/api/backups.js';
import { onHubEvent } from '../../lib/realtime/index.js';
import { SettingsSectionForm } from './SettingsSectionForm.js';
import type { SectionProps } from './SimpleSections.js';

/**
 * Scheduled backups in the admin console: what the last run did (when, how big, or why it
 * failed) and the schedule itself (the `backups` settings section). The status is re-read when
 * a backup fails (hub event `backup:failed`) or the settings change.
 */
const STATUS_KEY = ['backups', 'status'] as const;

function useBackupStatus() {
  const status = useQuery({ queryKey: STATUS_KEY, queryFn: fetchBackupStatus });
  const { refetch } = status;
  useEffect(() => {
    const offs = [
      onHubEvent('backup:failed', () => void refetch()),
      onHubEvent('settings:changed', () => void refetch()),
    ];
    return () => {
      for (const off of offs) off();
    };
  }, [refetch]);
  return status;
}

function formatSize(bytes: number, locale: string): string {
  const [value, unit] = bytes >= 1e6 ? [bytes / 1e6, 'megabyte'] : [bytes / 1e3, 'kilobyte'];
  return new Intl.NumberFormat(intlLocale(locale), { style: 'unit', unit, maximumFractionDigits: 1 }).format(
    value,
  );
}

/** The alert admins see while the newest scheduled backup has failed. */
function FailureAlert({ failure }: { failure: NonNullable<BackupStatus['lastFailure']> }) {
  const { t, i18n } = useTranslation();
  return (
    <div role="alert" className="error-box" data-testid="backup-failed">
      <p>{t('backups.failed', { at: formatDateTime(failure.at, i18n.language) })}</p>
      <p>
        <bdi>{failure.error}</bdi>
      </p>
    </div>
  );
}

/** For the dashboard: nothing unless the newest scheduled backup failed. */
export function BackupFailedBanner() {
  const status = useBackupStatus();
  const failure = status.data?.lastFailure;
  return failure ? <FailureAlert failure={failure} /> : null;
}

function BackupStatusPanel({ status }: { status: BackupStatus }) {
  const { t, i18n } = useTranslation();
  const titleId = useId();
  const when = (iso: string) => formatDateTime(iso, i18n.language);
  return (
    <Panel id={titleId} title={t('backups.title')}>
      {!status.available ? (
        <p className="hint">{t('backups.unavailable')}</p>
      ) : (
        <>
          {status.lastFailure && <FailureAlert failure={status.lastFailure} />}
          <p data-testid="backup-last-success">
            {status.lastSuccess
              ? t('backups.lastSuccess', {
                  at: when(status.lastSuccess.at),
                  size: formatSize(status.lastSuccess.bytes, i18n.language),
                  entries: status.lastSuccess.auditEntries,
                })
              : t('backups.never')}
          </p>
          <p>{t('backups.kept', { count: status.kept })}</p>
          <p>
            {status.nextDueAt ? t('backups.nextDue', { at: when(status.nextDueAt) }) : t('backups.disabled')}
          </p>
          <p className="hint">{t('backups.where')}</p>
        </>
      )}
    </Panel>
  );
}

/** The status, then the schedule's form (on/off, interval in hours, how many to keep). */
export function BackupsSection({ settings, save, ...sectionForm }: SectionProps) {
  const { t } = useTranslation();
  const status = useBackupStatus();
  const stored = settings.backups;
  const [enabled, setEnabled] = useState(stored.enabled);
  // Numbers stay text until saved, so a field can be cleared and retyped.
  const [intervalHours, setIntervalHours] = useState(String(stored.intervalHours));
  const [keep, setKeep] = useState(String(stored.keep));
  const value = (): HotlineSettings['backups'] => ({
    enabled,
    intervalHours: Number(intervalHours),
    keep: Number(keep),
  });
  return (
    <>
      <ErrorMessage error={status.error} />
      {status.data && <BackupStatusPanel status={status.data} />}
      <SettingsSectionForm
        title={t('backups.schedule')}
        {...sectionForm}
        onSubmit={() => save({ backups: value() })}
      >
        <label className="checkbox">
          <input type="checkbox" checked={enabled} onChange={(e) => setEnabled(e.target.checked)} />
          {t('backups.enabled')}
        </label>
        <CountField
          id="set-backups-interval"
          labelKey="backups.intervalHours"
          max={168}
          value={intervalHours}
          onChange={setIntervalHours}
        />
        <CountField id="set-backups-keep" labelKey="backups.keep" max={365} value={keep} onChange={setKeep} />
      </SettingsSectionForm>
    </>
  );
}

/** A whole number from 1 to `max` (hours between backups, backups kept), as typed. */
function CountField(props: {
  id: string;
  labelKey: 'backups.intervalHours' | 'backups.keep';
  max: number;
  value: string;
  onChange: (value: string) => void;
}) {
  const { t } = useTranslation();
  return (
    <WholeNumberField
      id={props.id}
      caption={t(props.labelKey)}
      min={1}
      max={props.max}
      value={props.value}
      onChange={props.onChange}
    />
  );
}
