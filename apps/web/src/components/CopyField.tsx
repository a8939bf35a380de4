import { useId, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';

/** A read-only value with a Copy button; where the clipboard is unavailable the text is selected instead. */
export function CopyField({ label, value }: { label: string; value: string }) {
  const { t } = useTranslation();
  const id = useId();
  const input = useRef<HTMLInputElement>(null);
  const [status, setStatus] = useState<'copied' | 'selected' | null>(null);

  async function copy() {
    try {
      await navigator.clipboard.writeText(value);
      setStatus('copied');
    } catch {
      // Insecure origins and some old browsers have no clipboard API: select it for Ctrl+C.
      input.current?.focus();
      input.current?.select();
      setStatus('selected');
    }
  }

  return (
    <div className="copy-field">
      <label htmlFor={id}>{label}</label>
      <div className="inline-fields">
        <input
          id={id}
          ref={input}
          readOnly
          value={value}
          className="ltr grow"
          onFocus={(e) => e.target.select()}
        />
        <button type="button" onClick={copy}>
          {t('common.copy')}
        </button>
      </div>
      <p role="status" className="hint">
        {status === 'copied' && t('common.copied')}
        {status === 'selected' && t('common.copySelected')}
      </p>
    </div>
  );
}
