import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { ActionError } from './ActionError.js';

/** A form's submit button: disabled and relabelled (when a busy label is given) while it sends. */
export function SubmitButton({
  busy,
  label,
  busyLabel,
  disabled,
}: {
  busy: boolean;
  label: ReactNode;
  busyLabel?: ReactNode;
  disabled?: boolean;
}) {
  return (
    <button type="submit" disabled={busy || disabled}>
      {busy && busyLabel ? busyLabel : label}
    </button>
  );
}

/**
 * The end of a form: the refusal of the last attempt (in the member's language), then the
 * submit button and, when the form can be abandoned, Cancel.
 */
export function FormActions({
  submit,
  label,
  busyLabel,
  disabled,
  onCancel,
}: {
  submit: { busy: boolean; error: unknown };
  label: ReactNode;
  busyLabel?: ReactNode;
  disabled?: boolean;
  onCancel?: () => void;
}) {
  const { t } = useTranslation();
  return (
    <>
      <ActionError error={submit.error} />
      <div className="button-row">
        <SubmitButton busy={submit.busy} label={label} busyLabel={busyLabel} disabled={disabled} />
        {onCancel && (
          <button type="button" className="secondary" onClick={onCancel}>
            {t('common.cancel')}
          </button>
        )}
      </div>
    </>
  );
}
