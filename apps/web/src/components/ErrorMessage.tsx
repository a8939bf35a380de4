import { useTranslation } from 'react-i18next';
import { ApiRequestError } from '../lib/api/index.js';

/** Shows an error in the user's language: known API codes get a sentence, others the server's message. */
export function ErrorMessage({ error }: { error: unknown }) {
  const { t } = useTranslation();
  if (!error) return null;
  let text: string;
  if (error instanceof ApiRequestError) {
    const key = `errors.api.${error.code}`;
    text =
      error.code === 'network'
        ? t('errors.network')
        : t(key, { defaultValue: '', message: error.message }) || error.message;
  } else text = t('errors.unknown', { message: (error as Error).message ?? String(error) });
  return (
    <p role="alert" className="error">
      {text}
    </p>
  );
}
