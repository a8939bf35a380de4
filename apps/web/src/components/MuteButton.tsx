import { useTranslation } from 'react-i18next';

/** Mute and unmute this member's microphone on a call (browser audio or a provider's phone). */
export function MuteButton({ muted, onToggle }: { muted: boolean; onToggle: (muted: boolean) => void }) {
  const { t } = useTranslation();
  return (
    <button type="button" className="secondary" aria-pressed={muted} onClick={() => onToggle(!muted)}>
      {muted ? t('calls.audio.unmute') : t('calls.audio.mute')}
    </button>
  );
}
