import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { can, type Me } from '../../app/session.js';
import { ErrorMessage } from '../../components/ErrorMessage.js';
import { SubmitButton } from '../../components/SubmitButton.js';
import { userTextIn } from '../../components/UserText.js';
import { useSubmit } from '../../components/useSubmit.js';
import { startTrainingCall } from '../../lib/api/index.js';

/**
 * The training line (issue 18 §4), from a member's page: a role-play call that rings only this
 * member's browser, never the public number or the queue, and is not counted in statistics. The
 * trainer is the caller, speaking from the simulator page's caller phone.
 */
export function TrainingCallButton({ traineeId, name, me }: { traineeId: string; name: string; me: Me }) {
  const { t } = useTranslation();
  const [started, setStarted] = useState(false);
  const start = useSubmit(async () => {
    setStarted(false);
    await startTrainingCall(traineeId);
    setStarted(true);
  });
  if (!can(me, 'calls:train') || traineeId === me.id) return null;
  return (
    <form
      aria-labelledby="training-call-title"
      onSubmit={(event) => {
        event.preventDefault();
        void start.run();
      }}
    >
      <h2 id="training-call-title">{t('training.title')}</h2>
      <p className="hint">{userTextIn(t, 'training.help', { name })}</p>
      <SubmitButton busy={start.busy} action={t('training.start')} />
      <ErrorMessage error={start.error} />
      {started && (
        <p role="status">
          {t('training.started')}{' '}
          <a href="/api/simulator" target="_blank" rel="noreferrer">
            {t('training.openSimulator')}
          </a>
        </p>
      )}
    </form>
  );
}
