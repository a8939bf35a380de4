import { type ReactNode, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ActionError } from './ActionError.js';
import { Dialog } from './Dialog.js';

/** Asks before a consequential action; the action's error is shown in the dialog so it can be retried. */
export function ConfirmDialog({
  open,
  title,
  message,
  confirmLabel,
  danger,
  onConfirm,
  onClose,
}: {
  open: boolean;
  title: ReactNode;
  message: string;
  confirmLabel: string;
  danger?: boolean;
  onConfirm: () => Promise<void>;
  onClose: () => void;
}) {
  const { t } = useTranslation();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);

  async function confirm() {
    setBusy(true);
    setError(null);
    try {
      await onConfirm();
      onClose();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  }

  return (
    <Dialog
      open={open}
      title={title}
      onClose={() => {
        setError(null);
        onClose();
      }}
    >
      <p>{message}</p>
      <ActionError error={error} />
      <div className="button-row">
        <button type="button" className={danger ? 'danger' : undefined} disabled={busy} onClick={confirm}>
          {confirmLabel}
        </button>
        <button type="button" className="secondary" disabled={busy} onClick={onClose}>
          {t('common.cancel')}
        </button>
      </div>
    </Dialog>
  );
}
