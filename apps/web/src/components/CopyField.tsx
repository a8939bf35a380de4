import { useId, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useToast } from './Toast.js';

/** A read-only value with a Copy button; where the clipboard is unavailable the text is selected instead. */
export function CopyField({ label, value }: { label: string; value: string }) {
  const { t } = useTranslation();
  const id = useId();
  const input = useRef<HTMLInputElement>(null);
  const toast = useToast();
  const [selected, setSelected] = useState(false);

  async function copy() {
    try {
      await navigator.clipboard.writeText(value);
      setSelected(false);
      toast(t('common.copied'));
    } catch {
      // Insecure origins and some old browsers have no clipboard API: select it for Ctrl+C. The
      // instruction stays beside the field (it is something still to do, not a confirmation).
      input.current?.focus();
      input.current?.select();
      setSelected(true);
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
        {selected && t('common.copySelected')}
      </p>
    </div>
  );
}
