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
  /** What the button does; most forms save, so "Save" unless said otherwise. */
  action?: ReactNode;
  /** What the button says while busy: "Saving…" unless said otherwise. */
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
          busyAction={busyAction ?? t('common.saving')}
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

/**
 * A button (not a form's submit) that starts an action of a `useSubmit`: disabled while that
 * submit runs, so nothing is sent twice, and relabelled while busy when a busy wording is given.
 * The action's refusal is shown by the caller, under the buttons it belongs to.
 */
export function ActionButton({
  busy,
  onClick,
  busyAction,
  className,
  describedBy,
  children,
}: {
  busy: boolean;
  /** Starts the action: `submit.run(…)`, whose failure the submit keeps. */
  onClick: () => Promise<void>;
  busyAction?: ReactNode;
  className?: string;
  describedBy?: string;
  children: ReactNode;
}) {
  return (
    <button
      type="button"
      className={className}
      disabled={busy}
      aria-describedby={describedBy}
      onClick={() => void onClick()}
    >
      {busy && busyAction ? busyAction : children}
    </button>
  );
}
