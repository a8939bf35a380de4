import { useTranslation } from 'react-i18next';
import { dismissTrainingCall, hangUp, useTrainingCaller } from '../lib/calls/training-caller.js';
import { userTextIn } from './UserText.js';

/**
 * The trainer's side of a training call, on every screen (the call dock): the trainer plays the
 * caller from this browser (lib/calls/training-caller.ts), so the call goes on while they move
 * around the app, and Hang up stays at hand. After the end it says why, until dismissed.
 */
export function TrainingCallerCard() {
  const { t } = useTranslation();
  const caller = useTrainingCaller();
  if (caller.status === 'idle') return null;
  const live = caller.status !== 'ended';
  const name = { name: caller.traineeName };
  return (
    <section
      className={live ? 'active-call' : 'ended-call'}
      aria-labelledby="training-caller-title"
      data-testid="training-caller-call"
      data-status={caller.status}
    >
      <h2 id="training-caller-title">{t('training.title')}</h2>
      <p role="status">
        {caller.status === 'starting' || caller.status === 'ringing'
          ? userTextIn(t, 'training.ringing', name)
          : caller.status === 'talking'
            ? caller.held
              ? userTextIn(t, 'training.held', name)
              : t('training.talking')
            : caller.ended === 'no-answer'
              ? userTextIn(t, 'training.noAnswer', name)
              : t(caller.ended === 'failed' ? 'training.failed' : 'training.ended')}
      </p>
      {live && caller.noMicrophone && <p className="hint">{t('training.noMicrophone')}</p>}
      <div className="button-row">
        {live ? (
          <button
            type="button"
            className="danger"
            disabled={caller.status === 'starting'}
            onClick={() => void hangUp()}
          >
            {t('training.hangUp')}
          </button>
        ) : (
          <button type="button" className="secondary" onClick={dismissTrainingCall}>
            {t('calls.dismiss')}
          </button>
        )}
      </div>
    </section>
  );
}
