import { type FormEvent, useId, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { panicWipe } from '../lib/vault.js';
import { Dialog } from './Dialog.js';

/**
 * Erasing the key and every local copy cannot be undone, so it asks for a typed word (the
 * translated "WIPE") rather than one click: a stray tap next to Lock must never wipe a phone.
 */
/**
 * The typed word matches whatever the case and however the keyboard composed its accents
 * ("XÓA" typed as O + a combining acute is the same word): both sides in NFC, upper case.
 */
export function sameWipeWord(typed: string, word: string): boolean {
  const canonical = (text: string) => text.trim().normalize('NFC').toLocaleUpperCase();
  return canonical(typed) === canonical(word);
}

export function WipeDeviceDialog({ open, onClose }: { open: boolean; onClose: () => void }) {
  const { t } = useTranslation();
  const [typed, setTyped] = useState('');
  const [busy, setBusy] = useState(false);
  const inputId = useId();
  const word = t('wipe.word');
  const matches = sameWipeWord(typed, word);

  const wipe = (event: FormEvent) => {
    event.preventDefault();
    if (!matches || busy) return;
    setBusy(true);
    void panicWipe().then(() => location.replace('/'));
  };

  return (
    <Dialog
      open={open}
      title={t('wipe.title')}
      onClose={() => {
        setTyped('');
        onClose();
      }}
    >
      <form onSubmit={wipe}>
        <p>{t('wipe.explain')}</p>
        <label htmlFor={inputId}>{t('wipe.typeToConfirm', { word })}</label>
        <input
          id={inputId}
          autoComplete="off"
          spellCheck={false}
          value={typed}
          onChange={(e) => setTyped(e.target.value)}
        />
        <div className="button-row">
          <button type="submit" className="danger" disabled={!matches || busy}>
            {t('wipe.confirm')}
          </button>
          <button type="button" className="secondary" onClick={onClose}>
            {t('wipe.cancel')}
          </button>
        </div>
      </form>
    </Dialog>
  );
}
