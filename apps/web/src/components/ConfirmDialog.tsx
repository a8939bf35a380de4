import { type ReactNode, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ActionError } from './ActionError.js';
import { Dialog } from './Dialog.js';
import { useSubmit } from './useSubmit.js';

/** Asks before a consequential action; the action's error is shown in the dialog so it can be retried. */
export function ConfirmDialog({
  open,
  title,
  message,
  confirmLabel,
  danger,
  onConfirm,
  onClose,
  children,
}: {
  open: boolean;
  title: ReactNode;
  message: string;
  confirmLabel: string;
  danger?: boolean;
  onConfirm: () => Promise<void>;
  onClose: () => void;
  /** More to say or choose before confirming, shown under the message. */
  children?: ReactNode;
}) {
  const { t } = useTranslation();
  const confirm = useSubmit(async () => {
    await onConfirm();
    onClose();
  });

  return (
    <Dialog
      open={open}
      title={title}
      onClose={() => {
        confirm.setError(null);
        onClose();
      }}
    >
      <p>{message}</p>
      {children}
      <ActionError error={confirm.error} />
      <div className="button-row">
        <button
          type="button"
          className={danger ? 'danger' : undefined}
          disabled={confirm.busy}
          onClick={() => void confirm.run()}
        >
          {confirmLabel}
        </button>
        <button type="button" className="secondary" disabled={confirm.busy} onClick={onClose}>
          {t('common.cancel')}
        </button>
      </div>
    </Dialog>
  );
}

/**
 * Asks before removing one record (an invite, a role, a passkey, a channel, a provider, a
 * shift): `ask(item)` opens the dialog titled for that item, and the removal runs on the very
 * item that was asked about. The page renders `dialog` once.
 */
export function useConfirmRemoval<T>({
  title,
  message,
  confirmLabel,
  remove,
}: {
  title: (item: T) => ReactNode;
  message: string;
  confirmLabel: string;
  remove: (item: T) => Promise<unknown>;
}): { ask: (item: T) => void; dialog: ReactNode } {
  const [item, setItem] = useState<T | null>(null);
  const dialog = (
    <ConfirmDialog
      open={item !== null}
      title={item === null ? null : title(item)}
      message={message}
      confirmLabel={confirmLabel}
      danger
      onConfirm={async () => {
        if (item !== null) await remove(item);
      }}
      onClose={() => setItem(null)}
    />
  );
  return { ask: setItem, dialog };
}

/**
 * A button whose action runs only once the member confirms it: the dialog's confirm button
 * repeats the button's words, so the member confirms exactly what they pressed.
 */
export function ConfirmedButton({
  action,
  className = 'danger',
  disabled,
  title,
  message,
  onConfirm,
}: {
  /** The button's words, repeated on the dialog's confirm button (and its title, unless given). */
  action: string;
  className?: string;
  disabled?: boolean;
  title?: ReactNode;
  message: string;
  onConfirm: () => Promise<void>;
}) {
  const [open, setOpen] = useState(false);
  return (
    <>
      <button type="button" className={className} disabled={disabled} onClick={() => setOpen(true)}>
        {action}
      </button>
      <ConfirmDialog
        open={open}
        title={title ?? action}
        message={message}
        confirmLabel={action}
        danger
        onConfirm={onConfirm}
        onClose={() => setOpen(false)}
      />
    </>
  );
}
