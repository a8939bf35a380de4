import { useTranslation } from 'react-i18next';
import { ApiRequestError } from '../lib/api/index.js';
import { ErrorMessage } from './ErrorMessage.js';

// The server explains refusals in English; the ones an admin meets in everyday work get a
// translated sentence, recognized by a stable part of the message. Anything else falls back
// to the generic translated error with the server's words.
const KNOWN_REFUSALS: [RegExp, string][] = [
  [/last active admin/, 'errors.lastAdmin'],
  [/cannot deactivate yourself/, 'errors.deactivateSelf'],
  [/built-in role/, 'errors.builtinRole'],
  [/already exists/, 'errors.roleNameTaken'],
  [/already (accepted|revoked)/, 'errors.inviteClosed'],
  [/is assigned to/, 'errors.roleInUse'],
  [/pending invite/, 'errors.roleInInvites'],
];

export function ActionError({ error }: { error: unknown }) {
  const { t } = useTranslation();
  if (!error) return null;
  if (error instanceof ApiRequestError && error.status === 409) {
    const known = KNOWN_REFUSALS.find(([pattern]) => pattern.test(error.message));
    return (
      <p role="alert" className="error">
        {known ? t(known[1]) : t('errors.refused', { message: error.message })}
      </p>
    );
  }
  return <ErrorMessage error={error} />;
}
