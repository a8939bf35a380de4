import { useTranslation } from 'react-i18next';
import { can, type Me } from '../../app/session.js';
import { ErrorMessage } from '../../components/ErrorMessage.js';
import { SubmitButton } from '../../components/SubmitButton.js';
import { userTextIn } from '../../components/UserText.js';
import { useSubmit } from '../../components/useSubmit.js';
import { callTrainee, hangUp, useTrainingCaller } from '../../lib/calls/training-caller.js';

/**
 * The training line (issue 18 §4), from a member's page: a role-play call that rings only this
 * member's browser, never the public number or the queue, and is not counted in statistics. The
 * trainer is the caller, from this browser (lib/calls/training-caller.ts): the panel shows the
 * call while it rings and during the talk, with Hang up, and why it ended.
 */
export function TrainingCallButton({ traineeId, name, me }: { traineeId: string; name: string; me: Me }) {
  const { t } = useTranslation();
  const caller = useTrainingCaller();
  const start = useSubmit(() => callTrainee(traineeId, name));
  if (!can(me, 'calls:train') || traineeId === me.id) return null;
  const live = caller.status === 'starting' || caller.status === 'ringing' || caller.status === 'talking';
  const who = caller.traineeName || name;
  return (
    <form
      aria-labelledby="training-call-title"
      data-testid="training-caller"
      data-status={caller.status}
      onSubmit={(event) => {
        event.preventDefault();
        if (live) void hangUp();
        else void start.run();
      }}
    >
      <h2 id="training-call-title">{t('training.title')}</h2>
      <p className="hint">{userTextIn(t, 'training.help', { name })}</p>
      {caller.status === 'ringing' && <p role="status">{userTextIn(t, 'training.ringing', { name: who })}</p>}
      {caller.status === 'talking' && (
        <p role="status">
          {caller.held ? userTextIn(t, 'training.held', { name: who }) : t('training.talking')}
        </p>
      )}
      {live && caller.noMicrophone && <p className="hint">{t('training.noMicrophone')}</p>}
      {caller.status === 'ended' && caller.ended && (
        <p role="status">
          {caller.ended === 'no-answer'
            ? userTextIn(t, 'training.noAnswer', { name: who })
            : t(caller.ended === 'failed' ? 'training.failed' : 'training.ended')}
        </p>
      )}
      {live ? (
        <button type="submit" className="danger" disabled={caller.status === 'starting'}>
          {t('training.hangUp')}
        </button>
      ) : (
        <SubmitButton busy={start.busy} action={t('training.start')} />
      )}
      <ErrorMessage error={start.error} />
    </form>
  );
}
