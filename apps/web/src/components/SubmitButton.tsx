import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { ActionError } from './ActionError.js';

/** A form's submit button: disabled and relabelled (when a busy wording is given) while it sends. */
export function SubmitButton({
  busy,
  action,
  busyAction,
  disabled,
}: {
  busy: boolean;
  action: ReactNode;
  busyAction?: ReactNode;
  disabled?: boolean;
}) {
  return (
    <button type="submit" disabled={busy || disabled}>
      {busy && busyAction ? busyAction : action}
    </button>
  );
}

/**
 * The end of a form: the refusal of the last attempt (in the member's language), what the last
 * success did (when the form says so), then the submit button and, when the form can be
 * abandoned, Cancel.
 */
export function FormActions({
  submit,
  action,
  busyAction,
  disabled,
  status,
  onCancel,
}: {
  submit: { busy: boolean; error: unknown };
  /** What the button does; most forms save, so "Save" ("Saving…" while busy) unless said otherwise. */
  action?: ReactNode;
  busyAction?: ReactNode;
  disabled?: boolean;
  /**
   * The success line ('' until there is one). The live region is on screen from the start, so
   * screen readers announce the line when it appears.
   */
  status?: ReactNode;
  onCancel?: () => void;
}) {
  const { t } = useTranslation();
  return (
    <>
      <ActionError error={submit.error} />
      {status !== undefined && (
        <p role="status" className="success">
          {status}
        </p>
      )}
      <div className="button-row">
        <SubmitButton
          busy={submit.busy}
          action={action ?? t('common.save')}
          busyAction={action === undefined ? t('common.saving') : busyAction}
          disabled={disabled}
        />
        {onCancel && (
          <button type="button" className="secondary" onClick={onCancel}>
            {t('common.cancel')}
          </button>
        )}
      </div>
    </>
  );
}
