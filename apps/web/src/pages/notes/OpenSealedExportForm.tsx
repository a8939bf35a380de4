import { useTranslation } from 'react-i18next';
import { ErrorMessage } from '../../components/ErrorMessage.js';
import { PinAndSubmit } from '../../components/PinField.js';
import type { OpenSealedExport } from './useOpenSealedExport.js';

/** One kind of export's translation keys for its open form (a table, so the i18n test checks them). */
export interface OpenSealedExportKeys {
  /** A heading inside the form (and its accessible name), where the page has one. */
  heading?: string;
  file: string;
  pin: string;
  open: string;
  opening: string;
}

/**
 * The file, the PIN and Open for a sealed export (notes or a conversation), then while it opens,
 * and why it would not: ids `<id>-file`, `<id>-pin` (and `<id>-form-title` for the heading).
 */
export function OpenSealedExportForm<T>({
  id,
  accept,
  keys,
  state,
}: {
  id: string;
  accept: string;
  keys: OpenSealedExportKeys;
  state: OpenSealedExport<T>;
}) {
  const { t } = useTranslation();
  const { file, chooseFile, message, form, pin, open, submit } = state;
  return (
    <>
      <form onSubmit={submit} aria-labelledby={keys.heading ? `${id}-form-title` : undefined}>
        {keys.heading && <h2 id={`${id}-form-title`}>{t(keys.heading)}</h2>}
        <label htmlFor={`${id}-file`}>{t(keys.file)}</label>
        <input
          id={`${id}-file`}
          type="file"
          accept={accept}
          required
          onChange={(e) => chooseFile(e.target.files?.[0] ?? null)}
        />
        <PinAndSubmit
          id={`${id}-pin`}
          caption={t(keys.pin)}
          pin={form.register('pin')}
          submit={t(keys.open)}
          ready={!!file && !!pin}
          busy={open.busy}
        />
      </form>
      {open.busy && <p aria-busy="true">{t(keys.opening)}</p>}
      {message && (
        <p role="alert" className="error">
          {message}
        </p>
      )}
      <ErrorMessage error={open.error} />
    </>
  );
}
