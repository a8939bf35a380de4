import { useTranslation } from 'react-i18next';
import { formatDateTime } from './format.js';

/**
 * Says that a form holds a draft restored from this device (a note, a report), which can be
 * thrown away. `restored` is the form's sentence (it takes `when`), `discard` its button.
 */
export function DraftNotice({
  savedAt,
  onDiscard,
  restored,
  discard,
}: {
  savedAt: string;
  onDiscard: () => void;
  restored: (when: string) => string;
  discard: string;
}) {
  const { i18n } = useTranslation();
  return (
    <div className="panel notice" role="status">
      <p>{restored(formatDateTime(savedAt, i18n.language))}</p>
      <button type="button" className="secondary" onClick={onDiscard}>
        {discard}
      </button>
    </div>
  );
}
