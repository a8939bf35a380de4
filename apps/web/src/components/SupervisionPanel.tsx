import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { can, type Me } from '../app/session.js';
import { fetchSupervisableCalls } from '../lib/api/supervision.js';
import { type Listening, listenTo } from '../lib/calls/supervision.js';
import { ErrorMessage } from './ErrorMessage.js';
import { ActionButton } from './SubmitButton.js';
import { useSubmit } from './useSubmit.js';

type Live = Awaited<ReturnType<typeof fetchSupervisableCalls>>;

/** How often the list of live browser calls is read again. */
const LIST_POLL_MS = 5_000;

/**
 * Silent supervision for an admin (calls:supervise), when the hotline turns it on: the live
 * browser calls by volunteer name, each with "Listen silently"; while listening, nobody hears the
 * admin (their browser sends nothing) and "Stop listening" ends it. Hidden when off or when no
 * call is live.
 */
export function SupervisionPanel({ me }: { me: Me }) {
  const { t } = useTranslation();
  const allowed = can(me, 'calls:supervise');
  const [live, setLive] = useState<Live | null>(null);
  const [listening, setListening] = useState<Listening | null>(null);
  const current = useRef<Listening | null>(null);
  const listen = useSubmit(async (callId: string) => {
    const started = await listenTo(
      callId,
      live?.iceServers ?? [],
      () => {
        current.current = null;
        setListening(null);
      },
      live?.calls.find((c) => c.callId === callId)?.throughProvider,
    );
    current.current = started;
    setListening(started);
  });
  useEffect(() => {
    if (!allowed) return;
    const read = () => void fetchSupervisableCalls().then(setLive, () => {});
    read();
    const timer = setInterval(read, LIST_POLL_MS);
    return () => {
      clearInterval(timer);
      void current.current?.stop();
    };
  }, [allowed]);
  if (!allowed || !live?.enabled || (live.calls.length === 0 && !listening)) return null;

  async function stop() {
    await listening?.stop();
    current.current = null;
    setListening(null);
  }

  return (
    <section className="supervision" aria-labelledby="supervision-title" data-testid="supervision">
      <h2 id="supervision-title">{t('calls.supervision.title')}</h2>
      {listening ? (
        <>
          <p role="status" data-testid="supervision-listening">
            {t('calls.supervision.listeningNow')}
          </p>
          <button type="button" className="secondary" onClick={() => void stop()}>
            {t('calls.supervision.stop')}
          </button>
        </>
      ) : (
        <ul>
          {live.calls.map((call) => (
            <li key={call.callId}>
              <bdi>{call.volunteerName}</bdi>{' '}
              <ActionButton busy={listen.busy} className="secondary" onClick={() => listen.run(call.callId)}>
                {t('calls.supervision.listen')}
              </ActionButton>
            </li>
          ))}
        </ul>
      )}
      <ErrorMessage error={listen.error} />
    </section>
  );
}
