import { useTranslation } from 'react-i18next';
import { ApiRequestError } from '../lib/api/index.js';
import { ErrorMessage } from './ErrorMessage.js';

/**
 * Why a transfer did not happen, in the member's language: the server names a hand-over nobody
 * took in `details.reason` (calls/transfer-provider.ts): the colleague did not pick up, or the
 * caller hung up while they rang. Anything else as every error is shown.
 */
const REASONS = new Map<unknown, string>([
  ['not-picked-up', 'calls.audio.transferNotPickedUp'],
  ['caller-hung-up', 'calls.audio.transferCallerHungUp'],
]);

export function TransferError({ error }: { error: unknown }) {
  const { t } = useTranslation();
  const reason =
    error instanceof ApiRequestError && error.status === 409
      ? (error.details as { reason?: unknown } | undefined)?.reason
      : undefined;
  const key = REASONS.get(reason);
  if (!key) return <ErrorMessage error={error} />;
  return (
    <p role="alert" className="error">
      {t(key)}
    </p>
  );
}
