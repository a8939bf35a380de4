import { ErrorMessage } from '../../components/ErrorMessage.js';
import { PinAndSubmit } from '../../components/PinField.js';
import type { OpenSealedExport } from './useOpenSealedExport.js';

/** The words of one kind of export's open form, already translated. */
export interface OpenSealedExportWords {
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
  words,
  state,
}: {
  id: string;
  accept: string;
  words: OpenSealedExportWords;
  state: OpenSealedExport<T>;
}) {
  const { file, chooseFile, message, form, pin, open, submit } = state;
  return (
    <>
      <form onSubmit={submit} aria-labelledby={words.heading ? `${id}-form-title` : undefined}>
        {words.heading && <h2 id={`${id}-form-title`}>{words.heading}</h2>}
        <label htmlFor={`${id}-file`}>{words.file}</label>
        <input
          id={`${id}-file`}
          type="file"
          accept={accept}
          required
          onChange={(e) => chooseFile(e.target.files?.[0] ?? null)}
        />
        <PinAndSubmit
          id={`${id}-pin`}
          caption={words.pin}
          pin={form.register('pin')}
          submit={words.open}
          ready={!!file && !!pin}
          busy={open.busy}
        />
      </form>
      {open.busy && <p aria-busy="true">{words.opening}</p>}
      {message && (
        <p role="alert" className="error">
          {message}
        </p>
      )}
      <ErrorMessage error={open.error} />
    </>
  );
}
