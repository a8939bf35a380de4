import { useTranslation } from 'react-i18next';
import { counterState } from '../lib/text-limit.js';

/**
 * What is left of a limited text field, shown once the text is near the limit (lib/text-limit.ts).
 * The visible count is tied to the field with aria-describedby (read when the field is
 * focused); the polite live region speaks only when the level changes.
 */
export function CharacterCounter({ id, length, max }: { id: string; length: number; max: number }) {
  const { t } = useTranslation();
  const { level, remaining } = counterState(length, max);
  return (
    <>
      {level !== 'quiet' && (
        <p id={id} className={`char-counter char-counter-${level}`} data-testid="char-counter">
          {remaining >= 0
            ? t('limits.remaining', { count: remaining, max })
            : t('limits.over', { count: -remaining, max })}
        </p>
      )}
      <p className="visually-hidden" aria-live="polite">
        {level === 'quiet' ? '' : t(`limits.announce.${level}`, { max })}
      </p>
    </>
  );
}
