import { useTranslation } from 'react-i18next';
import { can, type Me } from '../../app/session.js';
import { ErrorMessage } from '../../components/ErrorMessage.js';
import { SubmitButton } from '../../components/SubmitButton.js';
import { userTextIn } from '../../components/UserText.js';
import { useSubmit } from '../../components/useSubmit.js';
import { callTrainee, useTrainingCaller } from '../../lib/calls/training-caller.js';

/**
 * The training line (issue 18 §4), from a member's page: a role-play call that rings only this
 * member's browser, never the public number or the queue, and is not counted in statistics. The
 * trainer is the caller, from this browser (lib/calls/training-caller.ts); the call itself, with
 * Hang up, is on the call dock (TrainingCallerCard), on every screen.
 */
export function TrainingCallButton({ traineeId, name, me }: { traineeId: string; name: string; me: Me }) {
  const { t } = useTranslation();
  const caller = useTrainingCaller();
  const start = useSubmit(() => callTrainee(traineeId, name));
  if (!can(me, 'calls:train') || traineeId === me.id) return null;
  const live = caller.status === 'starting' || caller.status === 'ringing' || caller.status === 'talking';
  return (
    <form
      aria-labelledby="training-call-title"
      onSubmit={(event) => {
        event.preventDefault();
        if (!live) void start.run();
      }}
    >
      <h2 id="training-call-title">{t('training.title')}</h2>
      <p className="hint">{userTextIn(t, 'training.help', { name })}</p>
      <SubmitButton busy={start.busy} disabled={live} action={t('training.start')} />
      <ErrorMessage error={start.error} />
    </form>
  );
}
