import { type FormEvent, type ReactNode, useId, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ActionError } from '../../components/ActionError.js';
import { Panel } from '../../components/Panel.js';
import { useSubmit } from '../../components/useSubmit.js';
import { ApiRequestError } from '../../lib/api/index.js';

/**
 * One section of the hotline settings as its own form with its own Save button, so saving the
 * spam limits never sends a half-edited custom field list. A 409 means another admin saved
 * first: the admin is offered a reload rather than a silent overwrite.
 */
export function SettingsSectionForm({
  title,
  readOnly,
  onSubmit,
  onReload,
  children,
}: {
  title: string;
  readOnly: boolean;
  onSubmit: () => Promise<void>;
  onReload: () => void;
  children: ReactNode;
}) {
  const { t } = useTranslation();
  const titleId = useId();
  const [saved, setSaved] = useState(false);
  const save = useSubmit(async () => {
    setSaved(false);
    await onSubmit();
    setSaved(true);
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    void save.run();
  };
  const { busy, error } = save;

  const stale = error instanceof ApiRequestError && error.status === 409;
  return (
    <Panel id={titleId} title={title} onSubmit={submit}>
      <fieldset disabled={readOnly} className="plain">
        {children}
      </fieldset>
      {stale ? (
        <div role="alert" className="error-box">
          <p>{t('settingsPage.conflict')}</p>
          <button type="button" onClick={onReload}>
            {t('settingsPage.reload')}
          </button>
        </div>
      ) : (
        <ActionError error={error} />
      )}
      <p role="status" className="success">
        {saved ? t('common.saved') : ''}
      </p>
      {!readOnly && (
        <p>
          <button type="submit" disabled={busy}>
            {busy ? t('common.saving') : t('settingsPage.saveSection', { section: title })}
          </button>
        </p>
      )}
    </Panel>
  );
}
